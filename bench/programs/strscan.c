/* Benchmark: string scanning over a generated 2 MiB text: word counting,
 * character classes, naive and Horspool substring search, line lengths.
 * Usage: strscan [SCALE] */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_SIZE (2 << 20)
static char text[TEXT_SIZE + 1];

static long naive_count(const char *t, long n, const char *pat, long m) {
    long count = 0;
    for (long i = 0; i + m <= n; i++) {
        long j = 0;
        while (j < m && t[i + j] == pat[j]) j++;
        if (j == m) count++;
    }
    return count;
}
static long horspool_count(const char *t, long n, const char *pat, long m) {
    long shift[256];
    for (int i = 0; i < 256; i++) shift[i] = m;
    for (long i = 0; i < m - 1; i++) shift[(unsigned char)pat[i]] = m - 1 - i;
    long count = 0, i = 0;
    while (i + m <= n) {
        long j = m - 1;
        while (j >= 0 && t[i + j] == pat[j]) j--;
        if (j < 0) count++;
        i += shift[(unsigned char)t[i + m - 1]];
    }
    return count;
}

int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    static const char *words[] = {"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "stack",
                                  "canary", "watch", "kernel", "probe", "frame", "return", "address"};
    uint32_t x = 1;
    long pos = 0;
    while (pos < TEXT_SIZE - 16) {
        x = x * 1103515245u + 12345u;
        const char *w = words[(x >> 16) % 16];
        size_t l = strlen(w);
        memcpy(text + pos, w, l);
        pos += (long)l;
        text[pos++] = ((x >> 8) % 13 == 0) ? '\n' : ((x >> 8) % 7 == 0) ? ',' : ' ';
    }
    text[pos] = 0;
    long n = pos;
    uint64_t h = 0;
    for (int r = 0; r < 5 * scale; r++) {
        long words_n = 0, lines = 0, upper = 0, vowels = 0, longest = 0, cur = 0;
        int in_word = 0;
        for (long i = 0; i < n; i++) {
            char c = text[i];
            int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            if (alpha && !in_word) words_n++;
            in_word = alpha;
            if (c == '\n') { lines++; if (cur > longest) longest = cur; cur = 0; } else cur++;
            switch (c) { case 'a': case 'e': case 'i': case 'o': case 'u': vowels++; break; default: break; }
            upper += c >= 'A' && c <= 'Z';
        }
        long c1 = naive_count(text, n, "canary", 6);
        long c2 = horspool_count(text, n, "stack canary", 12);
        long c3 = naive_count(text, n, "fox jumps", 9);
        long c4 = horspool_count(text, n, "return address", 14);
        long len = (long)strlen(text);
        const char *p = text;
        long commas = 0;
        while ((p = strchr(p, ',')) != NULL) { commas++; p++; }
        h = h * 1000003 + (uint64_t)(words_n + lines * 3 + vowels * 5 + longest * 7 + c1 * 11 + c2 * 13 + c3 * 17 +
                                     c4 * 19 + len + commas * 23 + upper);
        if (r == 0)
            printf("words=%ld lines=%ld vowels=%ld longest=%ld canary=%ld stack_canary=%ld fox=%ld ret=%ld commas=%ld\n",
                   words_n, lines, vowels, longest, c1, c2, c3, c4, commas);
        text[(r * 7919) % n] = 'x';
    }
    printf("strscan rounds=%d hash=%016llx\n", 5 * scale, (unsigned long long)h);
    return 0;
}
