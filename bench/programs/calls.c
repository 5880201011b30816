/* Benchmark: call/return-heavy recursion — fib, Ackermann-like recursion and
 * a recursive tree walk through function pointers. Usage: calls [SCALE] */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

__attribute__((noinline)) static uint64_t fib(int n) { return n < 2 ? (uint64_t)n : fib(n - 1) + fib(n - 2); }

__attribute__((noinline)) static uint64_t ack(uint64_t m, uint64_t n) {
    if (m == 0) return n + 1;
    if (n == 0) return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

typedef uint64_t (*visit_fn)(uint64_t, int);
static uint64_t visit_even(uint64_t v, int d);
static uint64_t visit_odd(uint64_t v, int d);
static visit_fn table[2] = { visit_even, visit_odd };
__attribute__((noinline)) static uint64_t visit_even(uint64_t v, int d) {
    return d == 0 ? v : table[(v >> 3) & 1](v * 3 + 1, d - 1) + table[1](v + 7, d - 1);
}
__attribute__((noinline)) static uint64_t visit_odd(uint64_t v, int d) {
    return d == 0 ? v ^ 1 : table[0](v >> 1, d - 1) ^ (v << 1);
}

int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    uint64_t s = 0;
    for (int r = 0; r < scale; r++) {
        s += fib(27);
        s += ack(2, 2000 + r);
        s += visit_even(12345 + r, 20);
    }
    printf("calls s=%llu\n", (unsigned long long)s);
    return 0;
}
