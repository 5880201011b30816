/* The flags a signal handler sees after a fault in the middle of straight-line
 * code. A flag-setting instruction, then a load, store or divide that faults,
 * then an instruction that overwrites every flag: on the path without a
 * fault nobody reads the first instruction's flags (the simulator's block
 * compiler would not compute them), but the handler of the fault does
 * (uc_mcontext's EFLAGS) and must see them exactly as the CPU left them.
 * Each case runs often enough to be compiled hot, mostly without a fault;
 * the flags of every fault go into the printed hash. */
#include "eflagsHandler.h"

/* RAX = x, RDX = y, R9 = the resume address; then P (sets flags), then F
 * (faults when p is NULL, or divides by RCX = p), then a compare that
 * overwrites every flag. */
#define CASE(name, P, F)                                                                      \
  static uint64_t name(uint64_t x, uint64_t y, const uint64_t *p) {                           \
    uint64_t r;                                                                               \
    __asm__ volatile("mov %[x], %%rax\n\tmov %[y], %%rdx\n\tmov %[p], %%rcx\n\t"              \
                     "lea 2f(%%rip), %%r9\n\t" P "\n\t" F "\n"                                \
                     "2:\tcmp $0x1234, %%r9\n\tmov %%rax, %[r]"                               \
                     : [r] "=&r"(r)                                                           \
                     : [x] "r"(x), [y] "r"(y), [p] "r"(p)                                     \
                     : "rax", "rcx", "rdx", "r8", "r9", "cc", "memory");                      \
    return r;                                                                                 \
  }

#define LOAD "mov (%%rcx), %%r8"
#define STORE "mov %%r8, (%%rcx)"
#define DIV "mov %%rax, %%r8\n\tmov $1, %%eax\n\tmov $0, %%edx\n\tdivq %%rcx\n\tmov %%r8, %%rax"

CASE(cmpq_load, "cmp %%rdx, %%rax", LOAD)
CASE(cmpl_load, "cmp %%edx, %%eax", LOAD)
CASE(cmpb_store, "cmp %%dl, %%al", STORE)
CASE(addq_load, "add %%rdx, %%rax", LOAD)
CASE(addw_store, "add %%dx, %%ax", STORE)
CASE(subq_store, "sub %%rdx, %%rax", STORE)
CASE(subl_load, "sub %%edx, %%eax", LOAD)
CASE(andq_load, "and %%rdx, %%rax", LOAD)
CASE(xorl_store, "xor %%edx, %%eax", STORE)
CASE(testq_load, "test %%rdx, %%rax", LOAD)
CASE(incq_load, "inc %%rax", LOAD)
CASE(decb_store, "dec %%al", STORE)
CASE(negq_load, "neg %%rax", LOAD)
CASE(shlq_load, "shl $3, %%rax", LOAD)
CASE(sarl_store, "sar $5, %%eax", STORE)
CASE(imulq_load, "imul %%rdx, %%rax", LOAD)
CASE(cmpq_div, "cmp %%rdx, %%rax", DIV)
/* the load after a branch, where a trace's side exit (to the same place) starts another block */
CASE(cmpq_jne_load, "cmp %%rdx, %%rax\n\tjne 3f\n3:", LOAD)
CASE(addl_div, "add %%edx, %%eax", DIV)

/* A loop whose round ends in `cmp; jne` back to a load: the load of the next
 * round faults (the chain's last pointer is bad), and the handler sees the
 * flags of the previous round's compare (RAX changes every round) — carried
 * round the simulator's looping block. A good chain ends in NULL instead and leaves the loop. */
static uint64_t *good[3], *bad[3];
static uint64_t cmpq_loop_load(uint64_t x, uint64_t y, const uint64_t *p) {
  uint64_t r;
  void *start = p ? (void *)good : (void *)bad;
  __asm__ volatile("mov %[x], %%rax\n\tmov %[y], %%rdx\n\tmov %[s], %%rcx\n\t"
                   "lea 2f(%%rip), %%r9\n"
                   "1:\tmov (%%rcx), %%rcx\n\ttest %%rcx, %%rcx\n\tjz 2f\n\t"
                   "sub $1, %%rax\n\tcmp %%rdx, %%rax\n\tjne 1b\n"
                   "2:\tcmp $0x1234, %%r9\n\tmov %%rax, %[r]"
                   : [r] "=&r"(r)
                   : [x] "r"(x), [y] "r"(y), [s] "r"(start)
                   : "rax", "rcx", "rdx", "r8", "r9", "cc", "memory");
  return r;
}

int main(void) {
  static const struct { const char *name; uint64_t (*run)(uint64_t, uint64_t, const uint64_t *); unsigned mask; } cases[] = {
    {"cmpq_load", cmpq_load, ARITH}, {"cmpl_load", cmpl_load, ARITH}, {"cmpb_store", cmpb_store, ARITH},
    {"addq_load", addq_load, ARITH}, {"addw_store", addw_store, ARITH}, {"subq_store", subq_store, ARITH},
    {"subl_load", subl_load, ARITH}, {"andq_load", andq_load, LOGIC}, {"xorl_store", xorl_store, LOGIC},
    {"testq_load", testq_load, LOGIC}, {"incq_load", incq_load, ARITH}, {"decb_store", decb_store, ARITH},
    {"negq_load", negq_load, ARITH}, {"shlq_load", shlq_load, SHIFT}, {"sarl_store", sarl_store, SHIFT},
    {"imulq_load", imulq_load, CF | OF}, {"cmpq_div", cmpq_div, ARITH}, {"addl_div", addl_div, ARITH},
    {"cmpq_jne_load", cmpq_jne_load, ARITH}, {"cmpq_loop_load", cmpq_loop_load, ARITH},
  };
  good[0] = (uint64_t *)&good[1]; good[1] = (uint64_t *)&good[2]; good[2] = 0;
  bad[0] = (uint64_t *)&bad[1]; bad[1] = (uint64_t *)&bad[2]; bad[2] = (uint64_t *)8;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, 0);
  sigaction(SIGFPE, &sa, 0);
  static uint64_t cell = 5; /* a good pointer; a good divisor */
  for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    uint64_t hash = 0;
    unsigned n = 0, first = 0;
    for (unsigned i = 0; i < 3000; i++) {
      uint64_t x = value(i), y = value(i + 1);
      int fault = i % 16 == 15;
      seen = 0;
      uint64_t r = cases[c].run(x, y, fault ? 0 : &cell);
      uint64_t f = seen & cases[c].mask;
      hash = (hash ^ r ^ (f << 48)) * 0x100000001b3ull;
      if (fault && n++ == 0) first = (unsigned)f;
    }
    printf("%-13s faults %4u first %03x hash %016llx\n", cases[c].name, n, first, (unsigned long long)hash);
  }
  printf("handled %u faults\n", faults);
  return 0;
}
