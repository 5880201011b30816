/* Indirect calls and jumps that traces go on through, to the target guessed
 * while the trace was compiled (simulator/cpu/indirectTarget.ts): a function
 * pointer a callee-saved register holds across a loop (qsort's comparator),
 * a `jmp *%rdx` trampoline (musl's wrapper_cmp), a pointer in a global
 * struct (a RIP-relative load) — and each one's target changing between
 * calls (three pointers trading registers, a pointer set between calls),
 * so the guards leave for the real target. Output depends only on
 * the program (compared with the host's). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#define NOINLINE __attribute__((noinline))

typedef uint64_t (*op_fn)(uint64_t, uint64_t);
uint64_t tramp(uint64_t a, uint64_t b, op_fn f);
__asm__(".text\n.globl tramp\n.type tramp,@function\ntramp:\n jmp *%rdx\n");

NOINLINE static uint64_t op_a(uint64_t a, uint64_t b) { return a * 3 + b; }
NOINLINE static uint64_t op_b(uint64_t a, uint64_t b) { return a ^ (b >> 3); }
NOINLINE static uint64_t op_c(uint64_t a, uint64_t b) { return a < b ? a + 1 : b - a; }

/* f stays in a callee-saved register across the loop; each call of apply may bring another */
NOINLINE static uint64_t apply(op_fn f, uint64_t s, int n) {
  for (int i = 0; i < n; i++) s = f(s, (uint64_t)i) + tramp(s, (uint64_t)i, f);
  return s;
}

/* three pointers that trade registers each round: the call's target changes every time */
NOINLINE static uint64_t rotate(uint64_t s, int n) {
  op_fn f = op_a, g = op_b, h = op_c;
  for (int i = 0; i < n; i++) {
    s = f(s, (uint64_t)i);
    op_fn x = f;
    f = g, g = h, h = x;
  }
  return s;
}

struct ops { op_fn fn; uint64_t k; };
static struct ops table = {op_a, 1};
static op_fn ring[3] = {op_a, op_b, op_c};

static int up(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return a < b ? -1 : a > b;
}
static int down(const void *x, const void *y) { return up(y, x); }

int main(void) {
  static uint64_t arr[256];
  uint64_t s = 1, t = 0;
  for (int round = 0; round < 12; round++) {
    s = apply(ring[round % 3], s, 400);
    for (int i = 0; i < 300; i++) t += ring[(i * 7 + round) % 3](s, (uint64_t)i); /* another target each call */
    t += rotate(t, 300 + round);
    for (int i = 0; i < 300; i++) {
      t = t * 31 + table.fn(t, table.k + (uint64_t)i);
      if (i == 150) table.fn = round & 1 ? op_b : op_c; /* the global's pointer changes under a trace */
    }
    for (int i = 0; i < 256; i++) arr[i] = s = s * 6364136223846793005ull + 1442695040888963407ull;
    qsort(arr, 256, sizeof arr[0], round & 1 ? up : down);
    t += arr[round] ^ arr[255 - round];
  }
  printf("indirect s=%llu t=%llu\n", (unsigned long long)s, (unsigned long long)t);
  return 0;
}
