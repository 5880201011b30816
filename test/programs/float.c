/* Scalar float/double arithmetic (SSE/SSE2): + - * /, sqrt, conversions to
 * and from integers, comparisons, a small numeric integration and a Newton
 * iteration; printed with printf("%.6f") and also as raw bit patterns. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <math.h>

static uint64_t dbits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

static volatile double dv[] = {0.0, 1.0, -1.0, 0.5, 3.141592653589793, -2.718281828459045, 1e-10, 1e10,
                               123456.789, -0.001, 65536.0, 1.0 / 3.0};
static volatile float fv[] = {0.0f, 1.0f, -1.5f, 0.1f, 3.14159f, 1e-5f, 1e5f, -7.25f};

static double integrate(double (*f)(double), double a, double b, int n) {
    double h = (b - a) / n, s = 0.5 * (f(a) + f(b));
    for (int i = 1; i < n; i++) s += f(a + i * h);
    return s * h;
}
static double parabola(double x) { return x * x * 3.0 - x + 2.0; }
static double recip(double x) { return 1.0 / (1.0 + x * x); }

static double my_sqrt(double v) {
    double x = v > 1 ? v / 2 : 1;
    for (int i = 0; i < 60; i++) x = 0.5 * (x + v / x);
    return x;
}

int main(void) {
    unsigned nd = sizeof dv / sizeof dv[0];
    for (unsigned i = 0; i < nd; i++) {
        double a = dv[i], b = dv[(i + 5) % nd];
        printf("a=%.6f b=%.6f sum=%.6f diff=%.6f prod=%.6f quot=%.6f\n", a, b, a + b, a - b, a * b,
               b != 0 ? a / b : 0.0);
        printf("  bits sum=%016llx prod=%016llx lt=%d eq=%d ge=%d\n", (unsigned long long)dbits(a + b),
               (unsigned long long)dbits(a * b), a < b, a == b, a >= b);
    }
    unsigned nf = sizeof fv / sizeof fv[0];
    for (unsigned i = 0; i < nf; i++) {
        float a = fv[i], b = fv[(i + 3) % nf];
        float s = a + b, p = a * b, q = b != 0 ? a / b : 0.0f;
        printf("f a=%.6f b=%.6f sum=%.6f prod=%.6f quot=%.6f bits=%08x/%08x/%08x\n", a, b, s, p, q, fbits(s),
               fbits(p), fbits(q));
    }
    /* conversions */
    volatile double big = 9007199254740993.0, neg = -123.75, frac = 2.5;
    volatile int64_t i64 = -9007199254740993LL;
    volatile uint64_t u64 = 18446744073709551615ULL;
    volatile int32_t i32 = -2147483647 - 1;
    printf("to int: %lld %lld %d %lld\n", (long long)big, (long long)neg, (int)frac, (long long)(float)neg);
    printf("from int: %.6f %.6f %.6f %.1f\n", (double)i64, (double)u64, (double)i32, (double)(float)u64);
    printf("float<->double: %.6f %.6f\n", (double)(float)3.14159265358979, (double)(float)1e-7);
    printf("unsigned: %llu %u\n", (unsigned long long)(double)1e19, (unsigned)(float)4e9f);
    printf("sqrt %.6f %.6f %.6f sqrtf %.6f\n", sqrt(2.0), sqrt(1e10), my_sqrt(2.0), (double)sqrtf(3.0f));
    printf("integrate parabola [0,2] = %.6f\n", integrate(parabola, 0.0, 2.0, 100000));
    printf("pi ~ %.6f\n", 4.0 * integrate(recip, 0.0, 1.0, 200000));
    /* Leibniz and Wallis series */
    double pi4 = 0, wallis = 1;
    for (int k = 0; k < 100000; k++) pi4 += (k % 2 ? -1.0 : 1.0) / (2 * k + 1);
    for (int k = 1; k < 30000; k++) wallis *= (4.0 * k * k) / (4.0 * k * k - 1);
    printf("leibniz %.6f wallis %.6f\n", 4 * pi4, 2 * wallis);
    /* float accumulation error, min/max, fabs, floor/ceil via casts */
    float fs = 0;
    double ds = 0;
    for (int k = 0; k < 300000; k++) { fs += 0.1f; ds += 0.1; }
    printf("sum of 0.1: float %.6f double %.6f\n", (double)fs, ds);
    double mn = 1e300, mx = -1e300;
    for (unsigned i = 0; i < nd; i++) { mn = fmin(mn, dv[i]); mx = fmax(mx, dv[i]); }
    printf("min %.6f max %.6f fabs %.6f floor %.6f ceil %.6f round %.6f\n", mn, mx, fabs(neg), floor(neg), ceil(neg),
           round(frac));
    printf("%.6f %.6f %.6f %.6f\n", 1e-7, 123456789.123456789, -0.0000005, 1e15 / 7);
    printf("g: %g %g %e\n", 0.0001, 123456789.0, 6.02214076e23);
    return 0;
}
