/* Hot loops of the shapes the experimental wasm tier translates (64-, 32-,
 * 16- and 8-bit arithmetic, shifts and rotates, imul, adc/sbb, byte and
 * word loads, stores of every width, signed and unsigned compares), and a
 * loop whose load faults at a page's end in a later round: the handler
 * sees how far the loop got; rounds that read a flag before the instruction
 * of the round that writes it (carried from the round before). Output depends only on the program, so it is
 * compared with the host's; test/unit/wasmTier.test.ts also compares the
 * machine state with the JS tier's after many instruction counts. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static uint8_t bytes[4096];
static uint16_t words[1024];
static uint32_t table[256];
static uint64_t quads[512];

static uint64_t xorshift(uint64_t x, long n, uint64_t *big) {
  uint64_t acc = 0;
  for (long i = 0; i < n; i++) {
    x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
    uint64_t r = x * 0x2545f4914f6cdd1dull;
    acc += (r << 9) | (r >> 55);
    if (r > 0xc000000000000000ull) (*big)++;
  }
  return acc ^ x;
}

static uint32_t crc(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return ~c;
}

/* narrow arithmetic with stores of every width */
static uint64_t narrow(int rounds) {
  uint64_t h = 0;
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < 1024; i++) {
      uint16_t w = words[i];
      w = (uint16_t)(w * 3 + (uint16_t)i);
      words[i] = w;
      uint8_t b = bytes[i];
      b = (uint8_t)(b ^ (uint8_t)(b * 5)) + (uint8_t)r;
      bytes[i] = b;
      int32_t s = (int32_t)w - (int32_t)b * 7;
      quads[i & 511] += (uint64_t)(int64_t)s;
      h = (h << 5 | h >> 59) + (uint64_t)s;
    }
  }
  return h;
}

/* signed compares and a borrow: counts of each sign */
static int64_t signs(int64_t from, int64_t to, int64_t *neg) {
  int64_t s = 0;
  for (int64_t i = from; i < to; i += 3) {
    int64_t v = i * 0x9e3779b1 >> 7;
    if (v < 0) (*neg)++;
    s -= (uint64_t)v < (uint64_t)i; /* sbb/adc of the carry */
    s += v >> 40;
  }
  return s;
}

static sigjmp_buf back;
static volatile long reached;
static void onSegv(int sig) { (void)sig; siglongjmp(back, 1); }

/* sums 64-bit words up to the end of a mapping and one past: the load of the last round faults */
static uint64_t runOff(void) {
  uint64_t *page = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap((char *)page + 4096, 4096);
  for (int i = 0; i < 512; i++) page[i] = (uint64_t)i * i;
  signal(SIGSEGV, onSegv);
  volatile uint64_t sum = 0;
  if (sigsetjmp(back, 1) == 0) {
    uint64_t s = 0;
    for (long i = 0;; i++) { s += page[i]; reached = i; sum = s; }
  }
  return sum;
}

/* A round that starts by branching on the flags its previous round's last
 * compare set (gcc makes such rounds of `if (a > b) … else if (a == b) …`
 * chains, Linux's list_sort check): in wasm the branch must see that
 * compare, not the flags as they were when the block was entered. */
static long carried(const int *v, long n) {
  long zeros = 0;
  __asm__ volatile(
    "xor %%ecx, %%ecx\n"
    "jmp 5f\n"
    "1:\n"
    "jne 2f\n"              /* ZF of the compare at the end of the round before */
    "inc %[zeros]\n"
    "2:\n"
    "inc %%rcx\n"
    "5:\n"
    "cmp %[n], %%rcx\n"
    "jge 3f\n"
    "cmpl $0, (%[v],%%rcx,4)\n"
    "jle 1b\n"              /* round again for v <= 0: ZF tells 0 from negative */
    "jmp 2b\n"
    "3:\n"
    : [zeros] "+r"(zeros) : [v] "r"(v), [n] "r"(n) : "rcx", "cc", "memory");
  return zeros;
}

/* A multi-word add: each round's adc adds the carry its previous round's adc
 * left (inc keeps CF) — read before the instruction in the round that
 * writes it, from the round before. */
static uint64_t bigadd(uint64_t *dst, const uint64_t *src, long n) {
  uint64_t carry;
  __asm__ volatile(
    "lea (%[d],%[n],8), %[d]\n"
    "lea (%[s],%[n],8), %[s]\n"
    "neg %[n]\n"
    "clc\n"
    "1:\n"
    "mov (%[s],%[n],8), %%rax\n"
    "adc %%rax, (%[d],%[n],8)\n"
    "inc %[n]\n"
    "jnz 1b\n"
    "sbb %%rax, %%rax\n"
    : [d] "+r"(dst), [s] "+r"(src), [n] "+r"(n), "=&a"(carry) : : "cc", "memory");
  return carry;
}

/* a round longer than a block's 64 instructions (~90: divisions by variables and constants, as
 * bench/programs/divmod64.c): the trace grows to its back edge, the whole round one block */
static uint64_t longRound(long n, volatile uint64_t *d) {
  uint64_t x = 88172645463325252ull, acc = 0;
  int64_t sacc = 0;
  for (long i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    uint64_t v = x >> (i & 15);
    acc += v / d[0] + v % d[0];
    acc ^= v / d[1] + v % (d[1] + (i & 255));
    sacc += (int64_t)v / (int64_t)d[2] + (int64_t)(v >> 3) % ((int64_t)d[2] - (i & 7));
    acc += v / 10 + v % 1000 + (v >> 9) / 7;
  }
  return acc ^ (uint64_t)sacc;
}

/* Branches that skip forward inside the trace (if without else): the way skipped writes flags
 * that are read after the two ways meet (adc's CF: the test's when the branch skipped, the
 * add's when not), and the way's last instruction leaves from the meeting point (jc: with the
 * add's CF) to code that reads it too. */
static uint64_t skips(const uint64_t *v, long n, uint64_t *out) {
  uint64_t s = 0, t = 0, c = 0;
  for (long i = 0; i < n; i++) {
    uint64_t x = v[i % 1024], r = x & 3 ? x : ~0ull;
    __asm__ volatile(
      "test $1, %[x]\n"
      "jne 3f\n"
      "add $1, %[r]\n"       /* wraps (CF) when r was ~0 */
      "jc 4f\n"
      "3:\n"
      "adc $0, %[c]\n"
      "jmp 5f\n"
      "4:\n"
      "adc $100, %[c]\n"
      "jmp 3b\n"
      "5:\n"
      : [r] "+r"(r), [c] "+r"(c) : [x] "r"(x) : "cc");
    if (x & 1) s += x;                          /* a skip over an add */
    if (x > s) { t ^= x; out[i & 7] = t; c++; } /* over a store, xor, inc */
    if ((int64_t)x < 0) s -= x >> 3;
    s += r;
  }
  return s ^ t ^ c;
}

static int sparse[100000];
static uint64_t bigA[2048], bigB[2048];

int main(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  for (int i = 0; i < 4096; i++) bytes[i] = (uint8_t)(i * 131 + 7);
  for (int i = 0; i < 1024; i++) words[i] = (uint16_t)(i * 40503u);
  uint64_t big = 0;
  uint64_t x = xorshift(0x9e3779b97f4a7c15ull, 200000, &big);
  printf("xorshift %016llx big %llu\n", (unsigned long long)x, (unsigned long long)big);
  printf("crc %08x\n", crc(bytes, sizeof bytes));
  uint64_t h = narrow(20);
  printf("narrow %016llx quads %016llx\n", (unsigned long long)h, (unsigned long long)(quads[0] ^ quads[511]));
  int64_t neg = 0;
  int64_t s = signs(-300000, 300000, &neg);
  printf("signs %lld neg %lld\n", (long long)s, (long long)neg);
  for (int i = 0; i < 100000; i++) sparse[i] = i % 101 == 0 ? 1 : i % 3 == 0 ? -1 : 0;
  printf("carried flags: %ld zeros\n", carried(sparse, 100000));
  uint64_t y = 0x2545f4914f6cdd1dull, outs = 0;
  for (int i = 0; i < 2048; i++) { y ^= y << 13; y ^= y >> 7; y ^= y << 17; bigA[i] = y; bigB[i] = y * 3 | (uint64_t)i << 60; }
  for (int r = 0; r < 24; r++) outs += bigadd(bigA, bigB, 2048) & 1;
  uint64_t mix = 0;
  for (int i = 0; i < 2048; i++) mix = (mix << 7 | mix >> 57) ^ bigA[i];
  printf("carried carry: %016llx carries out %llu\n", (unsigned long long)mix, (unsigned long long)outs);
  static uint64_t skipIn[1024], skipOut[8];
  for (int i = 0; i < 1024; i++) skipIn[i] = i % 3 == 0 ? (uint64_t)i & 0xff : (uint64_t)i * 0x9e3779b97f4a7c15ull;
  printf("skips %016llx out %016llx\n", (unsigned long long)skips(skipIn, 50000, skipOut), (unsigned long long)skipOut[3]);
  static volatile uint64_t divisors[3] = { 1000000007u, 0x1234567890abull, (uint64_t)-12345 };
  printf("long round %016llx\n", (unsigned long long)longRound(30000, divisors));
  uint64_t sum = runOff();
  printf("off the page: sum %llu reached %ld\n", (unsigned long long)sum, reached);
  return 0;
}
