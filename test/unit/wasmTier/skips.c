/* Conditional branches to a later instruction of the same trace (if without
 * else), which the wasm tier jumps to inside its code (control.ts skipFrom):
 * a skipped way with a call and return in it (the hooks' instruction counts
 * leave out what a skip did not run), a `break` whose target is past the
 * loop's back edge (the way holds the way round), ifs one after another,
 * flags read where the ways meet, ways inside ways and branches sharing a
 * way's end, and a round that starts by reading a flag its round before
 * left where the ways met. Output depends only on the program, so it is
 * compared with the host's; test/unit/wasmChain.test.ts runs it
 * against the JS tier in quanta of 1 to 4096 instructions. */
#include <stdint.h>
#include <stdio.h>

#define NOINLINE __attribute__((noinline))

static uint64_t data[1024], sink[8];

NOINLINE static uint64_t callee(uint64_t x) { sink[x & 7] ^= x; return x * 7 + 1; }

/* a skip over a call: its return address, RSP and the count the hooks see */
NOINLINE static uint64_t overCalls(int n) {
  uint64_t s = 0;
  for (int i = 0; i < n; i++) {
    uint64_t x = data[i & 1023];
    if (x & 1) s += callee(x);
    s ^= x >> 3;
  }
  return s;
}

/* a break to the loop's exit, the instruction after its back edge: the way holds the back edge */
NOINLINE static long findFirst(const uint64_t *v, long n, uint64_t key) {
  long i = 0;
  uint64_t s = 0;
  for (; i < n; i++) {
    if (v[i] == key) break;
    s += v[i];
  }
  sink[i & 7] += s;
  return i;
}

/* ifs one after another, each over a store, a compare or arithmetic */
NOINLINE static uint64_t chained(int n) {
  uint64_t s = 0, t = 1, m = 0;
  for (int i = 0; i < n; i++) {
    uint64_t x = data[i & 1023];
    if (x > s) { sink[i & 7] = x; m++; }
    if (x & 4) t = t * 3 + x;
    if ((int64_t)x < 0) s -= x >> 5;
    if (x & 0x30) sink[(x >> 4) & 7] += t;
    s += x ^ t;
  }
  return s ^ t ^ m;
}

/* flags that meet: sbb after the ways read the test's CF (0) when the branch skipped, the sub's when not */
NOINLINE static uint64_t meet(int n) {
  uint64_t c = 0;
  for (int i = 0; i < n; i++) {
    uint64_t x = data[i & 1023], r = x >> 2;
    __asm__ volatile(
      "test $2, %[x]\n"
      "jne 1f\n"
      "sub %[x], %[r]\n" /* borrows: r < x */
      "1:\n"
      "sbb $0, %[c]\n"
      : [r] "+r"(r), [c] "+r"(c) : [x] "r"(x) : "cc");
    c += r & 1;
  }
  return c;
}

/* ways that nest: two branches to one target (the test's flags when the first skipped, the add's
 * when the second did, else the way's) and a branch inside the way to an instruction before its
 * end; cmovle (ZF, SF, OF) and adc (CF) read them where all meet */
NOINLINE static uint64_t nested(int n) {
  uint64_t c = 0, e = 0;
  for (int i = 0; i < n; i++) {
    uint64_t x = data[i & 1023], r = x << 7 | x >> 57;
    __asm__ volatile(
      "test $1, %[x]\n"
      "jne 9f\n"
      "add %[x], %[r]\n"
      "jc 9f\n"
      "cmp $5, %[x]\n"
      "jb 8f\n"
      "sub $7, %[r]\n"
      "8:\n"
      "lea 1(%[r]), %[r]\n"
      "9:\n"
      "cmovle %[r], %[e]\n"
      "adc $0, %[c]\n"
      : [r] "+r"(r), [c] "+r"(c), [e] "+r"(e) : [x] "r"(x) : "cc");
    c += r >> 60;
  }
  return c ^ e;
}

/* the round starts with adc on the CF its round before left where the ways met: the test's (0)
 * when that round's branch skipped, the sub's when not (a flag carried through a join) */
NOINLINE static uint64_t carriedJoin(long n) {
  uint64_t a = 0, c = 0, i = n;
  __asm__ volatile(
    "clc\n"
    "1:\n"
    "adc $0, %[c]\n"
    "mov %[i], %%rax\n"
    "and $1023, %%eax\n"
    "mov (%[p],%%rax,8), %%rdx\n"
    "test $2, %%dl\n"
    "jne 3f\n"
    "sub %%rdx, %[a]\n"
    "3:\n"
    "lea 1(%[a]), %[a]\n"
    "dec %[i]\n"
    "jne 1b\n"
    : [a] "+r"(a), [c] "+r"(c), [i] "+r"(i) : [p] "r"(data) : "rax", "rdx", "cc", "memory");
  return a ^ c << 32;
}

int main(void) {
  uint64_t y = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < 1024; i++) { y ^= y << 13; y ^= y >> 7; y ^= y << 17; data[i] = i % 5 == 0 ? (uint64_t)i : y; }
  printf("over calls %016llx\n", (unsigned long long)overCalls(30000));
  long found = 0;
  for (int r = 0; r < 300; r++) found += findFirst(data, 1024, data[(r * 37) & 1023]);
  printf("found %ld\n", found);
  printf("chained %016llx\n", (unsigned long long)chained(30000));
  printf("meet %016llx\n", (unsigned long long)meet(30000));
  printf("nested %016llx\n", (unsigned long long)nested(30000));
  printf("carried through a join %016llx\n", (unsigned long long)carriedJoin(200000));
  printf("sink %016llx %016llx\n", (unsigned long long)(sink[0] ^ sink[1] ^ sink[2] ^ sink[3]), (unsigned long long)(sink[4] ^ sink[5] ^ sink[6] ^ sink[7]));
  return 0;
}
