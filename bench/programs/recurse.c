/* Benchmark: call-heavy recursion: naive Fibonacci, Ackermann, Takeuchi and
 * n-queens by backtracking over arrays. Usage: recurse [SCALE] */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

static uint64_t fib(int n) { return n < 2 ? (uint64_t)n : fib(n - 1) + fib(n - 2); }
static unsigned ack(unsigned m, unsigned n) {
    while (m) {
        n = n ? ack(m, n - 1) : 1;
        m--;
    }
    return n + 1;
}
static int tak(int x, int y, int z) { return y < x ? tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y)) : z; }
static int col[16];
static int safe(int row, int c) {
    for (int r = 0; r < row; r++) {
        int d = col[r] - c;
        if (d == 0 || d == row - r || d == r - row) return 0;
    }
    return 1;
}
static int queens(int row, int n) {
    if (row == n) return 1;
    int count = 0;
    for (int c = 0; c < n; c++)
        if (safe(row, c)) { col[row] = c; count += queens(row + 1, n); }
    return count;
}

int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    uint64_t f = 0;
    unsigned a = 0;
    int t = 0, q = 0;
    for (int r = 0; r < 8 * scale; r++) {
        f += fib(30);
        a += ack(2, 2000) + ack(3, 7);
        t += tak(18, 12, 6);
        q += queens(0, 9);
    }
    printf("recurse rounds=%d fib=%llu ack=%u tak=%d queens=%d\n", 8 * scale, (unsigned long long)f, a, t, q);
    return 0;
}
