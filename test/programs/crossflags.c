/* Flags that cross a block boundary and are read only there. An instruction
 * sets the flags, then an indirect jump or call (which ends the simulator's
 * block) goes to code whose first instruction reads them: pushf, lahf, adc,
 * sbb, setcc, cmovcc, jcc, a syscall (its R11 is RFLAGS), or a load that
 * faults, whose signal handler reads EFLAGS from its context. The simulator
 * leaves the producer's flags pending across the boundary (lazy condition
 * codes) and must compute them exactly when they are read. Producers of
 * each kind and size, some that leave only part of the flags (inc/dec keep
 * CF), and some it does not keep pending (shifts, adc). Each case runs
 * often enough to be compiled hot; every read goes into the printed hash. */
#include "eflagsHandler.h"

/* Readers: the first instructions at the jump's target, leaving what they read in R8. */
#define PUSHF "pushfq\n\tpop %%r8"
#define LAHF "lahf\n\tshr $8, %%eax\n\tmovzbl %%al, %%r8d"
#define ADC "mov $0x10, %%r8d\n\tadc $0, %%r8"
#define SBB "sbb %%r8, %%r8"
#define SETG "setg %%r8b\n\tmovzbl %%r8b, %%r8d"
#define SETBE "setbe %%r8b\n\tmovzbl %%r8b, %%r8d"
#define SETP "setp %%r8b\n\tmovzbl %%r8b, %%r8d"
#define CMOVS "mov $7, %%r8d\n\tmov $9, %%r11d\n\tcmovs %%r11, %%r8"
#define JL "mov $3, %%r8d\n\tjl 4f\n\tmov $5, %%r8d\n4:"
#define SYSCALL "mov $39, %%eax\n\tsyscall\n\tmov %%r11, %%r8"
#define FAULT "mov (%%rcx), %%r8"

/* RAX = x, RDX = y, RCX = p, R9 = the resume address; P sets the flags, an
 * indirect jump ends the block, the reader R reads them in the next block.
 * (RSP moves below the red zone first, with lea: pushf and call store there.) */
#define JUMP(name, P, R)                                                                      \
  static uint64_t name(uint64_t x, uint64_t y, const uint64_t *p) {                           \
    uint64_t r;                                                                               \
    __asm__ volatile("lea -128(%%rsp), %%rsp\n\tmov %[x], %%rax\n\tmov %[y], %%rdx\n\t"       \
                     "mov %[p], %%rcx\n\t"                                                  \
                     "xor %%r8d, %%r8d\n\tlea 2f(%%rip), %%r9\n\tlea 1f(%%rip), %%r10\n\t"    \
                     P "\n\tjmp *%%r10\n1:\t" R "\n"                                          \
                     "2:\tlea 128(%%rsp), %%rsp\n\tmov %%r8, %[r]"                            \
                     : [r] "=&r"(r)                                                           \
                     : [x] "r"(x), [y] "r"(y), [p] "r"(p)                                     \
                     : "rax", "rcx", "rdx", "r8", "r9", "r10", "r11", "cc", "memory");        \
    return r;                                                                                 \
  }

/* The same through an indirect call to a function whose first instruction is pushf. */
__asm__(".text\npushf_first:\n\tpushfq\n\tpop %r8\n\tret\n");
#define CALL(name, P)                                                                         \
  static uint64_t name(uint64_t x, uint64_t y, const uint64_t *p) {                           \
    uint64_t r;                                                                               \
    (void)p;                                                                                  \
    __asm__ volatile("lea -128(%%rsp), %%rsp\n\tmov %[x], %%rax\n\tmov %[y], %%rdx\n\t"       \
                     "lea pushf_first(%%rip), %%r10\n\t" P "\n\tcall *%%r10\n\t"             \
                     "lea 128(%%rsp), %%rsp\n\tmov %%r8, %[r]"                                \
                     : [r] "=&r"(r)                                                           \
                     : [x] "r"(x), [y] "r"(y)                                                 \
                     : "rax", "rcx", "rdx", "r8", "r9", "r10", "r11", "cc", "memory");        \
    return r;                                                                                 \
  }

/* Every reader after one producer. */
#define READERS(n, P)                                                                         \
  JUMP(n##_pushf, P, PUSHF) JUMP(n##_lahf, P, LAHF) JUMP(n##_adc, P, ADC) JUMP(n##_sbb, P, SBB) \
  JUMP(n##_setg, P, SETG) JUMP(n##_setbe, P, SETBE) JUMP(n##_setp, P, SETP)                   \
  JUMP(n##_cmovs, P, CMOVS) JUMP(n##_jl, P, JL) JUMP(n##_syscall, P, SYSCALL)                 \
  JUMP(n##_fault, P, FAULT) CALL(n##_call, P)

READERS(cmpq, "cmp %%rdx, %%rax")
READERS(cmpl, "cmp %%edx, %%eax")
READERS(cmpw, "cmp %%dx, %%ax")
READERS(cmpb, "cmp %%dl, %%al")
READERS(addq, "add %%rdx, %%rax")
READERS(addl, "add %%edx, %%eax")
READERS(addw, "add %%dx, %%ax")
READERS(addb, "add %%dl, %%al")
READERS(subq, "sub %%rdx, %%rax")
READERS(subb, "sub %%dl, %%al")
READERS(cmpqi, "cmp $-5, %%rax")
READERS(andq, "and %%rdx, %%rax")
READERS(orl, "or %%edx, %%eax")
READERS(xorw, "xor %%dx, %%ax")
READERS(testb, "test %%dl, %%al")
READERS(negq, "neg %%rax")
READERS(negl, "neg %%eax")
READERS(negb, "neg %%al")
READERS(cmp_incq, "cmp %%rdx, %%rax\n\tinc %%rax")
READERS(cmp_decl, "cmp %%rdx, %%rax\n\tdec %%eax")
READERS(shlq, "shl $3, %%rax")
READERS(adcq, "cmp %%rdx, %%rax\n\tadc %%rdx, %%rax")

typedef uint64_t (*run_fn)(uint64_t, uint64_t, const uint64_t *);
struct kase { const char *name; run_fn run; unsigned mask; };
#define ENTRIES(n, M)                                                                         \
  {#n "_pushf", n##_pushf, M}, {#n "_lahf", n##_lahf, M & (CF | PF | AF | ZF | SF)},          \
  {#n "_adc", n##_adc, ~0u}, {#n "_sbb", n##_sbb, ~0u}, {#n "_setg", n##_setg, ~0u},          \
  {#n "_setbe", n##_setbe, ~0u}, {#n "_setp", n##_setp, ~0u}, {#n "_cmovs", n##_cmovs, ~0u},  \
  {#n "_jl", n##_jl, ~0u}, {#n "_syscall", n##_syscall, M}, {#n "_fault", n##_fault, M},      \
  {#n "_call", n##_call, M}

static const struct kase cases[] = {
  ENTRIES(cmpq, ARITH), ENTRIES(cmpl, ARITH), ENTRIES(cmpw, ARITH), ENTRIES(cmpb, ARITH),
  ENTRIES(addq, ARITH), ENTRIES(addl, ARITH), ENTRIES(addw, ARITH), ENTRIES(addb, ARITH),
  ENTRIES(subq, ARITH), ENTRIES(subb, ARITH), ENTRIES(cmpqi, ARITH), ENTRIES(andq, LOGIC),
  ENTRIES(orl, LOGIC), ENTRIES(xorw, LOGIC), ENTRIES(testb, LOGIC), ENTRIES(negq, ARITH),
  ENTRIES(negl, ARITH), ENTRIES(negb, ARITH), ENTRIES(cmp_incq, ARITH), ENTRIES(cmp_decl, ARITH),
  ENTRIES(shlq, SHIFT), ENTRIES(adcq, ARITH),
};

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, 0);
  static uint64_t cell = 0x40; /* a good pointer (the load's value) */
  for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    uint64_t hash = 0;
    unsigned first = 0;
    for (unsigned i = 0; i < 400; i++) {
      uint64_t x = value(i), y = value(i + 1);
      int fault = i % 16 == 15;
      seen = 0;
      uint64_t r = cases[c].run(x, y, fault ? 0 : &cell) & cases[c].mask;
      uint64_t f = seen & cases[c].mask;
      hash = (hash ^ r ^ (f << 48)) * 0x100000001b3ull;
      if (i == 0) first = (unsigned)r;
    }
    printf("%-16s first %03x hash %016llx\n", cases[c].name, first, (unsigned long long)hash);
  }
  printf("handled %u faults\n", faults);
  return 0;
}
