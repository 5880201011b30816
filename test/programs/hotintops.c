/* Hot loops of the integer instructions kernel-shaped code runs beyond plain
 * arithmetic: one-operand mul/imul (AX, DX:AX, EDX:EAX, RDX:RAX; CF/OF), div/idiv
 * (64/64, 128/64, 32-bit; #DE for a zero divisor and for a quotient that does
 * not fit, under a SIGFPE handler that resumes the loop), shifts and rotates
 * by CL (a masked count of 0 changes no flag), shld/shrd, bt/bts/btr/btc on
 * registers and on bit strings in memory, bsf/bsr/tzcnt/popcnt, bswap, xchg.
 * Operands run over edge values (0, 1, -1, INT64_MIN, the sign bits of each
 * width) and random ones; each loop's round is straight-line code (loads from
 * operand tables, no calls), so the simulator compiles it as one self-looping
 * block — in the experimental wasm tier too (KSW_WASM=1). Only flags the
 * architecture defines are printed: the output is compared with the host's.
 * test/unit/wasmTier.test.ts also compares the machine state with the JS
 * tier's after many instruction counts. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#define NV 64
static uint64_t v[NV];     /* operands: edge values, then random ones */
static uint32_t v32[NV];   /* their low halves */
static uint64_t bits[128]; /* a bit string, addressed from its middle */
static uint64_t h = 1469598103934665603ull;
#define MIX(x) (h = (h ^ (uint64_t)(x)) * 1099511628211ull)

static uint64_t state = 0x9e3779b97f4a7c15ull;
static uint64_t next(void) {
  state ^= state << 13; state ^= state >> 7; state ^= state << 17;
  return state;
}

static void fill(void) {
  static const uint64_t edge[] = {0, 1, ~0ull, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0x7fffffff, 0x80000000,
                                  0xffffffff, 0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
                                  0xffffffff00000000ull, 63, 64, 31, 32};
  unsigned n = sizeof edge / sizeof edge[0];
  for (unsigned i = 0; i < NV; i++) v[i] = i < n ? edge[i] : i % 3 == 0 ? next() & 0xffffffff : next();
  for (unsigned i = 0; i < NV; i++) v32[i] = (uint32_t)v[i];
  for (unsigned i = 0; i < 128; i++) bits[i] = next();
}

/* CF ZF SF PF OF as set by INSN after `cmp y, x` (which sets them all to something known), as bits 0-4. */
#define FLAGS(INSN, R, X, Y, CNT)                                                                         \
  ({                                                                                                      \
    uint8_t c_, z_, s_, p_, o_;                                                                           \
    __asm__("cmp %[y], %[x]\n\t" INSN "\n\tsetc %[c]\n\tsetz %[z]\n\tsets %[s]\n\tsetp %[p]\n\tseto %[o]" \
            : [r] "+r"(R), [c] "=q"(c_), [z] "=q"(z_), [s] "=q"(s_), [p] "=q"(p_), [o] "=q"(o_)           \
            : [x] "r"(X), [y] "r"(Y), "c"(CNT)                                                            \
            : "cc");                                                                                      \
    (unsigned)(c_ | z_ << 1 | s_ << 2 | p_ << 3 | o_ << 4);                                               \
  })
#define CF_ 1u
#define ZF_ 2u
#define SF_ 4u
#define PF_ 8u
#define OF_ 16u

/* One loop per case: a round of each is short enough to be one block (the
 * simulator's traces stop at 64 instructions). a, b, y: operands; n: a count
 * or bit offset 0–127. */
#define EACH(...)                                                                                 \
  for (long i = 0; i < rounds; i++) {                                                            \
    uint64_t a = v[i & 63], b = v[(i >> 6) & 63], y = v[(i >> 3) & 63], r;                       \
    unsigned n = (unsigned)((i >> 5) | (i & 1)) & 127;                                          \
    (void)a; (void)b; (void)y; (void)r; (void)n;                                                 \
    __VA_ARGS__                                                                                  \
  }

/* One-operand mul and imul: the 128-bit (64-bit) product and CF/OF. */
#define PRODUCT(INSN, B)                                                                                     \
  EACH({                                                                                                     \
    uint64_t lo, hi;                                                                                         \
    uint8_t c, o;                                                                                            \
    __asm__(INSN " %[b]\n\tsetc %[c]\n\tseto %[o]" : "=a"(lo), "=d"(hi), [c] "=q"(c), [o] "=q"(o) : "a"(a), [b] B : "cc"); \
    MIX(lo); MIX(hi); MIX(c | o << 1);                                                                       \
  })

/* 8/16 bits: AX = AL × src or DX:AX = AX × src, the rest of RAX and RDX kept. */
#define NARROW_PRODUCT(INSN, B)                                                                              \
  EACH({                                                                                                     \
    uint64_t lo = a, hi = y;                                                                                 \
    uint8_t c, o;                                                                                            \
    __asm__(INSN " %[b]\n\tsetc %[c]\n\tseto %[o]" : "+a"(lo), "+d"(hi), [c] "=q"(c), [o] "=q"(o) : [b] B : "cc"); \
    MIX(lo); MIX(hi); MIX(c | o << 1);                                                                       \
  })

static void products(long rounds) {
  NARROW_PRODUCT("mulb", "q"((uint8_t)b))
  NARROW_PRODUCT("imulb", "q"((uint8_t)b))
  NARROW_PRODUCT("mulw", "r"((uint16_t)b))
  NARROW_PRODUCT("imulw", "m"(v32[(i >> 6) & 63]))
  PRODUCT("mulq", "r"(b))
  PRODUCT("imulq", "r"(b))
  PRODUCT("mull", "r"((uint32_t)b))
  PRODUCT("imull", "m"(v32[(i >> 6) & 63]))
  PRODUCT("mulq", "m"(v[(i >> 6) & 63]))
  EACH({ unsigned __int128 p = (unsigned __int128)a * b; MIX((uint64_t)(p >> 64) ^ (uint64_t)p); }) /* C's own */
}

/* Quotients that fit: C's / and % (div/idiv after xor edx / cqo / cdq), and 128/64 divides. */
static void quotients(long rounds) {
  EACH({ uint64_t d = b + (b == 0); MIX(a / d); MIX(a % d); })
  EACH({
    int64_t sa = (int64_t)a, sd = (int64_t)(b + (b == 0));
    if (sd == -1 && sa == INT64_MIN) sa = 0;
    MIX(sa / sd); MIX(sa % sd);
  })
  EACH({ uint32_t d = (uint32_t)b + ((uint32_t)b == 0); MIX((uint32_t)a / d); MIX((uint32_t)a % d); })
  EACH({
    int32_t sa = (int32_t)a, sd = (int32_t)((uint32_t)b + ((uint32_t)b == 0));
    if (sd == -1 && sa == INT32_MIN) sa = 0;
    MIX(sa / sd); MIX(sa % sd);
  })
  /* RDX:RAX / d with RDX < d (no overflow): the 128-bit dividend */
  EACH({
    uint64_t d = b + (b == 0), q;
    __asm__("divq %[d]" : "=a"(q), "=d"(r) : "a"(y), "d"(a % d), [d] "r"(d) : "cc");
    MIX(q); MIX(r);
  })
  /* a sign-extended product of |small| < |divisor| divided: fits whatever the signs */
  EACH({
    int64_t small = (int64_t)(b & 0xff) - 128, sdiv = (int64_t)((b >> 8) | 0x100);
    uint64_t q;
    if (i & 1) sdiv = -sdiv;
    __asm__("imulq %[s]\n\tidivq %[d]" : "=a"(q), "=d"(r) : "a"(a), [s] "r"(small), [d] "r"(sdiv) : "cc");
    MIX(q); MIX(r);
  })
}

/* #DE: the handler records what the fault left (RAX, RDX, the flags of the compare before it) and resumes at R9. */
static volatile uint64_t faultHash;
static volatile unsigned faults;
static void onFpe(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  greg_t *g = uc->uc_mcontext.gregs;
  faultHash = (faultHash ^ (uint64_t)g[REG_RAX] ^ ((uint64_t)g[REG_RDX] << 1) ^ ((uint64_t)g[REG_EFL] & 0x8d5) ^
               (uint64_t)si->si_code << 20) * 1099511628211ull;
  faults++;
  (void)sig;
  g[REG_RIP] = g[REG_R9];
}

/* INSN divides HI:LO by D after `cmp Y, X`; a #DE resumes after it with RAX and RDX as they were. */
#define DIVIDE(INSN, HI, LO, D, X, Y)                                                                    \
  EACH({                                                                                                \
    uint64_t q_ = (LO), r_ = (HI);                                                                      \
    __asm__ volatile("lea 2f(%%rip), %%r9\n\tcmp %[y], %[x]\n\t" INSN " %[d]\n2:"                       \
                     : "+a"(q_), "+d"(r_)                                                               \
                     : [d] "r"(D), [x] "r"(X), [y] "r"(Y)                                               \
                     : "r9", "cc");                                                                     \
    MIX(q_ ^ (r_ << 7));                                                                                \
  })

/* Divides that fault now and then: a zero divisor, RDX ≥ the divisor, INT64_MIN / −1, and so on. */
static void divideErrors(long rounds) {
  DIVIDE("divq", 0, a, b, a, y)                        /* #DE when b = 0 */
  DIVIDE("divq", a & 0xffff, y, b, b, a)               /* #DE when b ≤ RDX */
  DIVIDE("idivq", (int64_t)a >> 63, a, b, y, b)        /* cqo: #DE for 0 and INT64_MIN / −1 */
  DIVIDE("idivq", y & 0xfff, a, b, a, b)               /* 128-bit signed: #DE when the quotient does not fit */
  DIVIDE("divl", (uint32_t)y, a, (uint32_t)b, b, y)    /* #DE when EDX ≥ the divisor */
  DIVIDE("idivl", (uint64_t)((int32_t)a >> 31), a, (uint32_t)b, y, a) /* cdq: 0 and INT32_MIN / −1 */
}

/* OF is defined for masked counts 0 and 1 only */
#define OF64 ((n & 63) <= 1 ? 31u : 15u)
#define OF32 ((n & 31) <= 1 ? 31u : 15u)
#define SHIFT(INSN, X, Y, MASK) EACH({ r = a; MIX(FLAGS(INSN, r, X, Y, n) & (MASK)); MIX(r); })

/* Shifts and rotates by CL (counts 0–127: masked counts of 0 leave every flag as the compare set it),
 * shld/shrd, narrow shifts by an immediate. */
static void shiftsByCl(long rounds) {
  SHIFT("shlq %%cl, %[r]", a, y, OF64)
  SHIFT("shrq %%cl, %[r]", y, a, OF64)
  SHIFT("sarq %%cl, %[r]", a, y, OF64)
  SHIFT("rolq %%cl, %[r]", y, a, OF64)
  SHIFT("rorq %%cl, %[r]", a, y, OF64)
  SHIFT("shll %%cl, %k[r]", a, y, OF32)
  SHIFT("shrl %%cl, %k[r]", y, a, OF32)
  SHIFT("sarl %%cl, %k[r]", a, y, OF32)
  SHIFT("roll %%cl, %k[r]", y, a, OF32)
  SHIFT("rorl %%cl, %k[r]", a, y, OF32)
  /* shld/shrd by CL and by an immediate (AF undefined, OF as above) */
  SHIFT("shldq %%cl, %[y], %[r]", a, y, OF64)
  SHIFT("shrdq %%cl, %[x], %[r]", y, a, OF64)
  SHIFT("shldl %%cl, %k[y], %k[r]", a, y, OF32)
  SHIFT("shrdl %%cl, %k[x], %k[r]", y, a, OF32)
  SHIFT("shldq $13, %[y], %[r]", a, y, 15)
  SHIFT("shrdl $1, %k[x], %k[r]", y, a, 31)
  /* 16- and 8-bit shifts by an immediate (the upper bits of the register stay) */
  SHIFT("shlw $3, %w[r]", a, y, 15)
  SHIFT("shrw $15, %w[r]", y, a, 15)
  SHIFT("sarb $1, %b[r]", a, y, 31)
  SHIFT("shlb $1, %b[r]", y, a, 31)
  /* C's own: shifts by a variable, a rotate, a 128-bit shift */
  EACH({ MIX(a << (n & 63)); MIX(a >> (n & 63)); MIX((uint64_t)((int64_t)a >> (n & 63))); })
  EACH({ MIX((uint32_t)a << (n & 31)); MIX((uint32_t)a >> (n & 31)); MIX((uint32_t)((int32_t)a >> (n & 31))); })
  EACH({ MIX((a << (n & 63)) | (a >> (-n & 63))); })
  EACH({ unsigned __int128 w = ((unsigned __int128)y << 64 | a) << (n & 127); MIX((uint64_t)(w >> 64)); MIX((uint64_t)w); })
}

/* a bit string in memory: a register offset reaches whole words before and after (the string spans bits −4096 to 4095) */
#define BITSTRING(INSN, OFF)                                                                     \
  EACH({                                                                                         \
    long off = (long)(int16_t)(b ^ (uint64_t)i) % 2048;                                          \
    uint8_t c;                                                                                   \
    __asm__(INSN "\n\tsetc %[c]" : [m] "+m"(bits[64]), [c] "=q"(c) : [o] "r"(OFF) : "cc", "memory"); \
    MIX(c);                                                                                      \
  })

/* Bit tests, scans and counts, bswap and xchg. */
static void bitOps(long rounds) {
  /* CF is the bit; ZF stays the compare's (bit offsets: any value, masked on registers) */
  SHIFT("btq %%rcx, %[r]", a, y, CF_ | ZF_)
  SHIFT("btsq %[y], %[r]", a, y, CF_ | ZF_)
  SHIFT("btrl %k[y], %k[r]", a, y, CF_ | ZF_)
  SHIFT("btcq $45, %[r]", a, y, CF_ | ZF_)
  SHIFT("btl $7, %k[r]", a, y, CF_ | ZF_)
  BITSTRING("btsq %[o], %[m]", off)
  BITSTRING("btrq %[o], %[m]", off + 77)
  BITSTRING("btcl %k[o], %[m]", -off)
  BITSTRING("btq %[o], %[m]", off * 2)
  BITSTRING("btsl %k[o], %[m]", off / 3)
  /* scans: a zero source leaves bsf/bsr's 64-bit destination as it was; ZF says so */
  EACH({ r = ~0ull; MIX(FLAGS("bsfq %[x], %[r]", r, a, y, n) & ZF_); MIX(r); })
  EACH({ r = 12345; MIX(FLAGS("bsrq %[x], %[r]", r, a, y, n) & ZF_); MIX(r); })
  EACH({ r = y; MIX(FLAGS("bsfl %k[x], %k[r]", r, a | 0x10000000, y, n) & ZF_); MIX(r); })
  EACH({ r = y; MIX(FLAGS("bsrl %k[x], %k[r]", r, a | 1, y, n) & ZF_); MIX(r); })
  EACH({ r = y; MIX(FLAGS("tzcntq %[x], %[r]", r, a, y, n) & (CF_ | ZF_)); MIX(r); })
  EACH({ r = y; MIX(FLAGS("tzcntl %k[x], %k[r]", r, a, y, n) & (CF_ | ZF_)); MIX(r); })
  EACH({ r = y; MIX(FLAGS("popcntq %[x], %[r]", r, a, y, n)); MIX(r); })
  EACH({ r = y; MIX(FLAGS("popcntl %k[x], %k[r]", r, a, y, n)); MIX(r); })
  EACH({ MIX(__builtin_bswap64(a)); MIX(__builtin_bswap32((uint32_t)y)); })
  EACH({
    uint64_t p = a, q = y;
    __asm__("xchgq %[p], %[q]\n\txchgl %k[p], %k[q]\n\txchgq %[p], %[q]" : [p] "+r"(p), [q] "+r"(q));
    MIX(p); MIX(q);
  })
}

int main(int argc, char **argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 4096; /* (4096: every pair of operands) */
  fill();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = onFpe;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGFPE, &sa, 0);
  products(rounds);
  printf("products %016llx\n", (unsigned long long)h);
  quotients(rounds);
  printf("quotients %016llx\n", (unsigned long long)h);
  divideErrors(rounds);
  printf("divide errors %u %016llx, %016llx\n", faults, (unsigned long long)faultHash, (unsigned long long)h);
  shiftsByCl(rounds);
  printf("shifts by cl %016llx\n", (unsigned long long)h);
  bitOps(rounds);
  uint64_t all = 0;
  for (int i = 0; i < 128; i++) all = (all ^ bits[i]) * 1099511628211ull;
  printf("bit ops %016llx, bit string %016llx\n", (unsigned long long)h, (unsigned long long)all);
  return 0;
}
