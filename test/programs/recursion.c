/* Recursion: fib, ackermann, hanoi, n-queens, permutations, mutual recursion,
 * a recursive-descent expression parser, and flood fill. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

static uint64_t fib(int n) { return n < 2 ? (uint64_t)n : fib(n - 1) + fib(n - 2); }
static unsigned long ack(unsigned long m, unsigned long n) {
    if (m == 0) return n + 1;
    if (n == 0) return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}
static unsigned long moves;
static int pegs[3];
static void hanoi(int n, int from, int to, int via) {
    if (n == 0) return;
    hanoi(n - 1, from, via, to);
    moves++;
    pegs[from]--; pegs[to]++;
    hanoi(n - 1, via, to, from);
}
static int queens(int row, int n, unsigned cols, unsigned d1, unsigned d2) {
    if (row == n) return 1;
    int count = 0;
    unsigned avail = ~(cols | d1 | d2) & ((1u << n) - 1);
    while (avail) {
        unsigned bit = avail & -avail;
        avail ^= bit;
        count += queens(row + 1, n, cols | bit, (d1 | bit) << 1, (d2 | bit) >> 1);
    }
    return count;
}
static char perm[10];
static unsigned long perm_hash, perm_count;
static void permute(int k, int n) {
    if (k == n) {
        perm_count++;
        for (int i = 0; i < n; i++) perm_hash = perm_hash * 31 + (unsigned long)perm[i];
        return;
    }
    for (int i = k; i < n; i++) {
        char t = perm[k]; perm[k] = perm[i]; perm[i] = t;
        permute(k + 1, n);
        t = perm[k]; perm[k] = perm[i]; perm[i] = t;
    }
}
static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

/* expression parser: expr := term (('+'|'-') term)* ; term := factor (('*'|'/'|'%') factor)* ;
 * factor := number | '(' expr ')' | '-' factor */
static const char *p;
static long expr(void);
static void skip(void) { while (*p == ' ') p++; }
static long factor(void) {
    skip();
    if (*p == '(') { p++; long v = expr(); skip(); p++; return v; }
    if (*p == '-') { p++; return -factor(); }
    long v = 0;
    while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
    return v;
}
static long term(void) {
    long v = factor();
    for (;;) {
        skip();
        if (*p == '*') { p++; v *= factor(); }
        else if (*p == '/') { p++; long d = factor(); v = d ? v / d : 0; }
        else if (*p == '%') { p++; long d = factor(); v = d ? v % d : 0; }
        else return v;
    }
}
static long expr(void) {
    long v = term();
    for (;;) {
        skip();
        if (*p == '+') { p++; v += term(); }
        else if (*p == '-') { p++; v -= term(); }
        else return v;
    }
}
static long eval(const char *s) { p = s; return expr(); }

static char grid[24][41];
static int fill(int r, int c) {
    if (r < 0 || r >= 24 || c < 0 || c >= 40 || grid[r][c] != '.') return 0;
    grid[r][c] = '~';
    return 1 + fill(r + 1, c) + fill(r - 1, c) + fill(r, c + 1) + fill(r, c - 1);
}

static unsigned long collatz_depth(unsigned long n) { return n == 1 ? 0 : 1 + collatz_depth(n % 2 ? 3 * n + 1 : n / 2); }
static unsigned long gcd(unsigned long a, unsigned long b) { return b ? gcd(b, a % b) : a; }

int main(void) {
    for (int i = 0; i <= 25; i += 5) printf("fib(%d)=%llu\n", i, (unsigned long long)fib(i));
    printf("ack(2,3)=%lu ack(3,3)=%lu ack(3,5)=%lu\n", ack(2, 3), ack(3, 3), ack(3, 5));
    pegs[0] = 16;
    hanoi(16, 0, 2, 1);
    printf("hanoi(16) moves=%lu pegs=%d,%d,%d\n", moves, pegs[0], pegs[1], pegs[2]);
    for (int n = 4; n <= 9; n++) printf("queens(%d)=%d\n", n, queens(0, n, 0, 0, 0));
    memcpy(perm, "abcdefgh", 8);
    permute(0, 7);
    printf("permutations=%lu hash=%016lx\n", perm_count, perm_hash);
    printf("even(10001)=%d odd(7777)=%d\n", is_even(10001), is_odd(7777));
    const char *exprs[] = {"1 + 2 * 3", "(1 + 2) * 3", "-(4 - 10) * (3 + -2) / 2", "100 % 7 * (2 + (3 * (4 - 1)))",
                           "((((((((1+1)*2)+1)*2)+1)*2)+1)*2)", "123456789 * 1000 - 987654321 / 3"};
    for (unsigned i = 0; i < sizeof exprs / sizeof exprs[0]; i++) printf("%s = %ld\n", exprs[i], eval(exprs[i]));
    for (int r = 0; r < 24; r++) {
        for (int c = 0; c < 40; c++) grid[r][c] = ((r * 7 + c * 13) % 11 == 0 || (c == 20 && r != 12)) ? '#' : '.';
        grid[r][40] = 0;
    }
    printf("flood filled %d cells\n", fill(0, 1));
    for (int r = 0; r < 4; r++) printf("%s\n", grid[r]);
    unsigned long best = 0, arg = 0;
    for (unsigned long n = 1; n < 10000; n++) {
        unsigned long d = collatz_depth(n);
        if (d > best) best = d, arg = n;
    }
    printf("collatz longest below 10000: n=%lu steps=%lu\n", arg, best);
    printf("gcd %lu %lu\n", gcd(1071, 462), gcd(12345678901234567UL, 98765432109876543UL));
    return 0;
}
