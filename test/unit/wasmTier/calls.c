/* Hot code whose traces are calls, returns, pushes and pops — what the wasm
 * tier translates beyond loops: a call in a loop to a function that saves
 * callee-saved registers, recursion (fib, a tree walk), frame-pointer
 * functions (push rbp … leave), indirect calls through a table, and a
 * return the trace did not predict (longjmp out of a nested call). Output
 * depends only on the program, so it is compared with the host's;
 * test/unit/wasmTier.test.ts also compares the machine state with the JS
 * tier's after many instruction counts. */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>

#define NOINLINE __attribute__((noinline))

static uint64_t sink[64];

/* many live values across calls: pushes and pops of callee-saved registers */
NOINLINE static uint64_t mix(uint64_t a, uint64_t b, uint64_t c) {
  uint64_t x = a * 31 + b, y = b ^ (c << 7), z = c + (a >> 3);
  for (int i = 0; i < 3; i++) { x = (x << 13 | x >> 51) ^ y; y += z; z ^= x; }
  sink[a & 63] += x;
  return x ^ y ^ z;
}

NOINLINE static uint64_t caller(uint64_t seed, int n) {
  uint64_t p = seed, q = ~seed, r = seed >> 17, acc = 0;
  for (int i = 0; i < n; i++) {
    acc += mix(p, q, r);
    p = p * 6364136223846793005ull + 1442695040888963407ull;
    q ^= acc; r += p >> 33;
  }
  return acc + p + q + r;
}

NOINLINE static uint64_t fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

struct node { struct node *l, *r; uint64_t v; };
static struct node nodes[1 << 12];

NOINLINE static uint64_t walk(const struct node *t, int depth) {
  if (!t) return depth;
  return t->v + 3 * walk(t->l, depth + 1) - walk(t->r, depth + 1);
}

/* frame pointers: push rbp; mov rbp,rsp; … leave; ret */
NOINLINE static void spill(volatile int64_t *p, int64_t v) { *p += v; }

__attribute__((noinline, optimize("no-omit-frame-pointer"))) static int64_t framed(int64_t a, int64_t b) {
  volatile int64_t x = a, y = b;
  spill(&x, b);
  return x * 3 + y - (a ^ b);
}

__attribute__((noinline, optimize("no-omit-frame-pointer"))) static int64_t frames(int n) {
  int64_t s = 0;
  for (int i = 0; i < n; i++) s += framed(i, s & 0xffff);
  return s;
}

typedef uint64_t (*op_fn)(uint64_t, uint64_t);
NOINLINE static uint64_t op_add(uint64_t a, uint64_t b) { return a + b; }
NOINLINE static uint64_t op_xor(uint64_t a, uint64_t b) { return a ^ (b << 1); }
NOINLINE static uint64_t op_sub(uint64_t a, uint64_t b) { return a - b * 3; }
NOINLINE static uint64_t op_rot(uint64_t a, uint64_t b) { return (a << 9 | a >> 55) + b; }
static op_fn ops[4] = {op_add, op_xor, op_sub, op_rot};

NOINLINE static uint64_t indirect(int n) {
  uint64_t a = 1, b = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < n; i++) { a = ops[(a ^ i) & 3](a, b); b += a; }
  return a ^ b;
}

static jmp_buf out;
static volatile int escapes;

NOINLINE static uint64_t deep(uint64_t v, int n) {
  if (n == 0) { if (v % 7 == 0) { escapes++; longjmp(out, 1); } return v; }
  return deep(v * 5 + 1, n - 1) + 1;
}

NOINLINE static uint64_t escaping(int n) {
  uint64_t s = 0;
  for (volatile int i = 0; i < n; i++) {
    if (setjmp(out) == 0) s += deep((uint64_t)i, 6);
    else s ^= (uint64_t)i << 3;
  }
  return s;
}

int main(void) {
  for (int i = 0; i < (1 << 12); i++) {
    nodes[i].v = (uint64_t)i * 2654435761u;
    nodes[i].l = 2 * i + 1 < (1 << 12) ? &nodes[2 * i + 1] : 0;
    nodes[i].r = 2 * i + 2 < (1 << 12) ? &nodes[2 * i + 2] : 0;
  }
  printf("caller %016llx\n", (unsigned long long)caller(0x1234567, 60000));
  printf("fib %llu\n", (unsigned long long)fib(24));
  uint64_t w = 0;
  for (int i = 0; i < 20; i++) w += walk(nodes, i);
  printf("walk %016llx\n", (unsigned long long)w);
  printf("frames %lld\n", (long long)frames(50000));
  printf("indirect %016llx\n", (unsigned long long)indirect(60000));
  uint64_t e = escaping(4000);
  printf("escaping %016llx escapes %d\n", (unsigned long long)e, escapes);
  uint64_t s = 0;
  for (int i = 0; i < 64; i++) s ^= sink[i];
  printf("sink %016llx\n", (unsigned long long)s);
  return 0;
}
