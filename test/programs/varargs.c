/* Variadic functions: our own printf-like formatter (va_list passed down,
 * va_copy), integer/long/pointer-sized/char/string/double arguments (doubles
 * formatted with integer arithmetic only), more arguments than registers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

struct out { char buf[4096]; size_t n; };
static void put(struct out *o, char c) { if (o->n < sizeof o->buf - 1) o->buf[o->n++] = c; }
static void puts_(struct out *o, const char *s) { while (*s) put(o, *s++); }
static void put_uint(struct out *o, unsigned long long v, unsigned base, int width, char padc, int upper) {
    char tmp[64];
    int n = 0;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do { tmp[n++] = digits[v % base]; v /= base; } while (v);
    while (n < width) tmp[n++] = padc;
    while (n) put(o, tmp[--n]);
}
static void put_double(struct out *o, double d, int prec) {
    if (d < 0) { put(o, '-'); d = -d; }
    unsigned long long scale = 1;
    for (int i = 0; i < prec; i++) scale *= 10;
    unsigned long long ip = (unsigned long long)d;
    unsigned long long fp = (unsigned long long)((d - (double)ip) * (double)scale + 0.5);
    if (fp >= scale) { ip++; fp -= scale; }
    put_uint(o, ip, 10, 1, '0', 0);
    if (prec) { put(o, '.'); put_uint(o, fp, 10, prec, '0', 0); }
}

static void vformat(struct out *o, const char *fmt, va_list ap) {
    for (; *fmt; fmt++) {
        if (*fmt != '%') { put(o, *fmt); continue; }
        fmt++;
        char padc = ' ';
        int width = 0, lng = 0, prec = 6;
        if (*fmt == '0') { padc = '0'; fmt++; }
        while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
        if (*fmt == '.') { fmt++; prec = 0; while (*fmt >= '0' && *fmt <= '9') prec = prec * 10 + (*fmt++ - '0'); }
        while (*fmt == 'l') { lng++; fmt++; }
        switch (*fmt) {
        case 'd': {
            long long v = lng ? va_arg(ap, long long) : va_arg(ap, int);
            if (v < 0) { put(o, '-'); put_uint(o, -(unsigned long long)v, 10, width, padc, 0); }
            else put_uint(o, (unsigned long long)v, 10, width, padc, 0);
            break;
        }
        case 'u': put_uint(o, lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned), 10, width, padc, 0); break;
        case 'x': put_uint(o, lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned), 16, width, padc, 0); break;
        case 'X': put_uint(o, lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned), 16, width, padc, 1); break;
        case 'o': put_uint(o, lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned), 8, width, padc, 0); break;
        case 'b': put_uint(o, lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned), 2, width, padc, 0); break;
        case 'c': put(o, (char)va_arg(ap, int)); break;
        case 's': { const char *s = va_arg(ap, const char *); puts_(o, s ? s : "(null)"); break; }
        case 'f': put_double(o, va_arg(ap, double), prec); break;
        case '%': put(o, '%'); break;
        default: put(o, '?'); break;
        }
    }
}

static int count_args(const char *fmt, va_list ap) {
    /* consumes a copy to count %-directives and sum the ints */
    int n = 0;
    for (; *fmt; fmt++) if (*fmt == '%' && fmt[1] != '%') n++;
    (void)ap;
    return n;
}

static void say(const char *fmt, ...) {
    struct out o = {.n = 0};
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    vformat(&o, fmt, ap);
    int dirs = count_args(fmt, ap2);
    va_end(ap2);
    va_end(ap);
    put(&o, ' '); put(&o, '['); put_uint(&o, (unsigned)dirs, 10, 1, ' ', 0); put(&o, ']');
    put(&o, '\n');
    write(1, o.buf, o.n);
}

static long sum_longs(int n, ...) {
    va_list ap;
    va_start(ap, n);
    long s = 0;
    for (int i = 0; i < n; i++) s += va_arg(ap, long) * (i + 1);
    va_end(ap);
    return s;
}

static double sum_mixed(int n, ...) {
    /* alternating int and double arguments: exercises both save areas */
    va_list ap;
    va_start(ap, n);
    double s = 0;
    for (int i = 0; i < n; i++) {
        if (i & 1) s += va_arg(ap, double);
        else s += va_arg(ap, int);
    }
    va_end(ap);
    return s;
}

struct pair { long a, b; };
static long sum_structs(int n, ...) {
    va_list ap;
    va_start(ap, n);
    long s = 0;
    for (int i = 0; i < n; i++) { struct pair p = va_arg(ap, struct pair); s += p.a * 3 + p.b; }
    va_end(ap);
    return s;
}

int main(void) {
    say("hello %s, %d apples and %u pears", "world", -42, 17u);
    say("hex %x %X %08x %lx", 0xdeadbeefu, 0xcafeu, 0x1234u, 0xfedcba9876543210ULL);
    say("oct %o bin %b %016b", 511u, 5u, 0xa5a5u);
    say("long %ld %lu %ld", -9223372036854775807LL - 1, 18446744073709551615ULL, 1234567890123LL);
    say("chars %c%c%c %s %%", 'a', 'b', 'c', (char *)0);
    say("doubles %f %.2f %.0f %.9f %f", 3.14159265358979, -2.5, 1e6, 1.0 / 3.0, 0.0);
    say("width %5d|%05d|%3s|%d", 42, 42, "abcdef", 0);
    say("many %d %d %d %d %d %d %d %d %d %d %d %d", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    say("many doubles %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f", 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5,
        9.5, 10.5);
    printf("sum_longs=%ld\n", sum_longs(10, 1L, -2L, 3L, 4000000000L, 5L, 6L, 7L, 8L, 9L, 10L));
    double m = sum_mixed(14, 1, 0.5, 2, 0.25, 3, 0.125, 4, 1.0 / 16, 5, 1.0 / 32, 6, 1.0 / 64, 7, 1.0 / 128);
    printf("sum_mixed*128=%ld\n", (long)(m * 128));
    struct pair p1 = {1, 2}, p2 = {10, 20}, p3 = {-100, 7};
    printf("sum_structs=%ld\n", sum_structs(3, p1, p2, p3));
    /* snprintf with many conversions (integers only) */
    char buf[200];
    int n = snprintf(buf, sizeof buf, "[%5d|%-5d|%+d|%x|%#o|%.3s|%c|%lld|%hhu|%hd]", 7, 7, 7, 255, 8, "abcdef", 'z',
                     -1LL, 300, 70000);
    printf("%s n=%d\n", buf, n);
    const char *volatile longstr = "truncated output here";
    n = snprintf(buf, 10, "%s", longstr);
    printf("%s n=%d\n", buf, n);
    return 0;
}
