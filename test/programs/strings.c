/* String and memory functions at many lengths and alignments:
 * strlen/strcmp/strncmp/memcmp/memcpy/memmove/memset/strchr/strrchr/strstr,
 * plus strcpy/strcat/strtok/strspn and our own reference versions. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <stdint.h>

static unsigned char bufa[1024 + 64], bufb[1024 + 64], bufc[1024 + 64];
static uint32_t rng = 12345;
static uint32_t next(void) { rng = rng * 1103515245u + 12345u; return rng >> 8; }

static size_t ref_strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
static int sgn(int v) { return (v > 0) - (v < 0); }
static int ref_strcmp(const char *a, const char *b) {
    while (*a && *a == *b) a++, b++;
    return sgn((unsigned char)*a - (unsigned char)*b);
}

static uint64_t fnv(const void *p, size_t n) {
    const unsigned char *c = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) { h ^= c[i]; h *= 1099511628211ULL; }
    return h;
}

int main(void) {
    int bad = 0;
    /* strlen at every alignment and length up to 300 */
    unsigned long total = 0;
    for (int al = 0; al < 16; al++)
        for (int len = 0; len < 300; len++) {
            char *s = (char *)bufa + al;
            memset(bufa, 'x', sizeof bufa);
            s[len] = 0;
            size_t l = strlen(s);
            if (l != (size_t)len || l != ref_strlen(s)) bad++;
            total += l;
        }
    printf("strlen total=%lu bad=%d\n", total, bad);

    /* memcpy/memmove/memset against byte loops */
    bad = 0;
    uint64_t h = 0;
    for (int iter = 0; iter < 600; iter++) {
        for (int i = 0; i < (int)sizeof bufa; i++) bufa[i] = (unsigned char)next();
        memcpy(bufb, bufa, sizeof bufa);
        size_t n = next() % 520, src = next() % 512, dst = next() % 512;
        int op = iter % 4;
        if (op == 0) {
            memcpy(bufa + dst, bufc + src, n);
            for (size_t i = 0; i < n; i++) bufb[dst + i] = bufc[src + i];
        } else if (op == 1) {
            memmove(bufa + dst, bufa + src, n);
            if (dst < src) for (size_t i = 0; i < n; i++) bufb[dst + i] = bufb[src + i];
            else for (size_t i = n; i-- > 0;) bufb[dst + i] = bufb[src + i];
        } else if (op == 2) {
            int c = (int)(next() & 0xff);
            memset(bufa + dst, c, n);
            for (size_t i = 0; i < n; i++) bufb[dst + i] = (unsigned char)c;
        } else {
            for (int i = 0; i < (int)sizeof bufc; i++) bufc[i] = (unsigned char)next();
            memcpy(bufa + dst, bufc + src, n);
            memcpy(bufb + dst, bufc + src, n);
        }
        if (memcmp(bufa, bufb, sizeof bufa) != 0) bad++;
        h = h * 1000003 ^ fnv(bufa, sizeof bufa);
    }
    printf("mem ops bad=%d hash=%016llx\n", bad, (unsigned long long)h);

    /* strcmp / strncmp / memcmp signs */
    bad = 0;
    int sum = 0;
    for (int iter = 0; iter < 4000; iter++) {
        int len = (int)(next() % 100);
        char *a = (char *)bufa + (next() % 16), *b = (char *)bufb + (next() % 16);
        for (int i = 0; i < len; i++) a[i] = b[i] = (char)('a' + next() % 3);
        a[len] = b[len] = 0;
        if (len && (next() & 1)) {
            int pos = (int)(next() % (unsigned)len);
            b[pos] = (char)(next() & 1 ? 0xe9 : 'a' + next() % 4);
        }
        if (next() % 5 == 0) b[len / 2] = 0;
        int r = sgn(strcmp(a, b));
        if (r != ref_strcmp(a, b)) bad++;
        sum += r * (iter % 7 + 1);
        sum += sgn(strncmp(a, b, (size_t)len / 2)) * 3;
        sum += sgn(memcmp(a, b, (size_t)len / 3 + 1));
    }
    printf("strcmp bad=%d sum=%d\n", bad, sum);

    /* strchr / strrchr / memchr / strstr */
    const char *text =
        "It was the best of times, it was the worst of times, it was the age of wisdom, "
        "it was the age of foolishness, it was the epoch of belief, it was the epoch of "
        "incredulity, it was the season of Light, it was the season of Darkness.";
    size_t tl = strlen(text);
    printf("text length=%zu\n", tl);
    for (const char *c = "etaoinz.,L"; *c; c++) {
        const char *f = strchr(text, *c), *l = strrchr(text, *c);
        const char *m = memchr(text, *c, tl);
        printf("'%c': first=%ld last=%ld memchr=%ld\n", *c, f ? (long)(f - text) : -1L,
               l ? (long)(l - text) : -1L, m ? (long)(m - text) : -1L);
    }
    printf("strchr nul at %ld\n", (long)(strchr(text, 0) - text));
    const char *needles[] = {"it was", "epoch of belief", "Darkness.", "worst", "times, it", "xyz", "", "age of wisdom, it was the age of f", "t"};
    for (unsigned i = 0; i < sizeof needles / sizeof needles[0]; i++) {
        const char *p = strstr(text, needles[i]);
        int count = 0;
        if (needles[i][0])
            for (const char *q = text; (q = strstr(q, needles[i])) != NULL; q++) count++;
        printf("strstr(\"%s\") at %ld count=%d\n", needles[i], p ? (long)(p - text) : -1L, count);
    }
    /* long periodic needle (two-way algorithm paths in musl) */
    char *hay = malloc(20000), *needle = malloc(600);
    for (int i = 0; i < 19999; i++) hay[i] = "ab"[(i * 7 + i / 13) % 2];
    hay[19999] = 0;
    memcpy(needle, hay + 15000, 599);
    needle[599] = 0;
    char *found = strstr(hay, needle);
    printf("long strstr at %ld\n", found ? (long)(found - hay) : -1L);
    needle[300] = 'c';
    printf("long strstr miss %s\n", strstr(hay, needle) ? "found" : "absent");

    /* strcpy / strcat / strncpy / strtok / strspn / strcspn / strdup */
    char work[256];
    strcpy(work, "alpha");
    strcat(work, ",beta");
    strcat(work, ";gamma,,delta ; epsilon");
    printf("work=\"%s\" len=%zu spn=%zu cspn=%zu\n", work, strlen(work), strspn(work, "ahlp"), strcspn(work, ";"));
    char *dup = strdup(work);
    int tok = 0;
    for (char *t = strtok(dup, ",; "); t; t = strtok(NULL, ",; ")) printf("tok%d=%s\n", tok++, t);
    free(dup);
    char small[8];
    memset(small, '#', sizeof small);
    strncpy(small, "abc", sizeof small);
    printf("strncpy pad: %d %d %d\n", small[3], small[7], (int)strlen(small));
    /* reverse words in place */
    char sentence[] = "the quick brown fox jumps over the lazy dog";
    size_t sl = strlen(sentence);
    for (size_t i = 0, j = sl - 1; i < j; i++, j--) { char t = sentence[i]; sentence[i] = sentence[j]; sentence[j] = t; }
    for (char *w = sentence; *w;) {
        char *e = w;
        while (*e && *e != ' ') e++;
        for (char *x = w, *y = e - 1; x < y; x++, y--) { char t = *x; *x = *y; *y = t; }
        w = *e ? e + 1 : e;
    }
    printf("reversed: %s\n", sentence);
    /* toupper via table and atoi/strtol */
    printf("strtol: %ld %ld %ld %lu\n", strtol("  -12345xyz", NULL, 10), strtol("0x7fffffff", NULL, 16),
           strtol("777", NULL, 8), strtoul("18446744073709551615", NULL, 10));
    printf("atoi: %d %d\n", atoi("2147483647"), atoi("-42"));
    free(hay);
    free(needle);
    return 0;
}
