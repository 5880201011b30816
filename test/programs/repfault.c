/* The registers a signal handler sees after a string instruction faults part
 * way: `rep movsb`/`rep stosb`/`rep movsq` running off the end of a mapping
 * stop at the first byte they cannot write, with RSI, RDI and RCX advanced by
 * exactly the elements already copied. The code around the instruction uses
 * those registers too (so the simulator's block keeps them in JS locals,
 * which must not be written back over the instruction's progress). Each case
 * runs often enough to be compiled hot, mostly without a fault. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

static volatile uint64_t seen_rsi, seen_rdi, seen_rcx;
static volatile unsigned faults;

/* The resume address is in R9 (set before the string instruction). */
static void handler(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  (void)sig; (void)si;
  seen_rsi = (uint64_t)uc->uc_mcontext.gregs[REG_RSI];
  seen_rdi = (uint64_t)uc->uc_mcontext.gregs[REG_RDI];
  seen_rcx = (uint64_t)uc->uc_mcontext.gregs[REG_RCX];
  uc->uc_mcontext.gregs[REG_RIP] = uc->uc_mcontext.gregs[REG_R9];
  faults++;
}

/* RSI = src, RDI = dst, RCX = n, each used before and after the instruction;
 * returns RCX plus how far RSI and RDI moved. */
#define CASE(name, INSN)                                                                          \
  static uint64_t name(const void *src, void *dst, uint64_t n) {                                 \
    uint64_t r;                                                                                    \
    __asm__ volatile("mov %[s], %%rsi\n\tmov %[d], %%rdi\n\tmov %[n], %%rcx\n\t"                 \
                     "lea 2f(%%rip), %%r9\n\tmov %%rcx, %%rax\n\tadd %%rsi, %%rax\n\t"            \
                     "add %%rdi, %%rax\n\tmov $0x5a, %%eax\n\t" INSN "\n"                          \
                     "2:\tmov %%rcx, %%rax\n\tadd %%rsi, %%rax\n\tsub %[s], %%rax\n\t"              \
                     "add %%rdi, %%rax\n\tsub %[d], %%rax\n\tmov %%rax, %[r]"                         \
                     : [r] "=&r"(r)                                                                \
                     : [s] "r"(src), [d] "r"(dst), [n] "r"(n)                                      \
                     : "rax", "rcx", "rsi", "rdi", "r9", "cc", "memory");                          \
    return r;                                                                                      \
  }

CASE(movsb, "rep movsb")
CASE(stosb, "rep stosb")
CASE(movsq, "rep movsq")

int main(void) {
  static const struct { const char *name; uint64_t (*run)(const void *, void *, uint64_t); unsigned size; } cases[] = {
    {"rep movsb", movsb, 1}, {"rep stosb", stosb, 1}, {"rep movsq", movsq, 8},
  };
  long page = 4096;
  unsigned char *map = mmap(0, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED || munmap(map + page, page) != 0) return 1;
  static unsigned char src[4096];
  for (unsigned i = 0; i < sizeof src; i++) src[i] = (unsigned char)(i * 7);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, 0);
  for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    uint64_t hash = 0;
    unsigned n = 0;
    for (unsigned i = 0; i < 2000; i++) {
      int fault = i % 16 == 15;
      unsigned count = 1 + i % 37;
      /* a fault: start `count / 2` elements before the end of the mapping */
      unsigned char *dst = fault ? map + page - (count / 2) * cases[c].size : map + (i % 64) * 8;
      seen_rsi = seen_rdi = seen_rcx = 0;
      uint64_t r = cases[c].run(src + (i % 100), dst, count);
      /* where the registers stopped, relative to where they started */
      uint64_t regs = (seen_rsi ? seen_rsi - (uint64_t)(src + i % 100) : 0) ^
                      ((seen_rdi ? seen_rdi - (uint64_t)dst : 0) << 16) ^ (seen_rcx << 32);
      hash = (hash ^ r ^ regs) * 0x100000001b3ull;
      if (fault) n++;
    }
    printf("%-10s faults %4u hash %016llx dst[0] %02x\n", cases[c].name, n, (unsigned long long)hash, map[0]);
  }
  printf("handled %u faults\n", faults);
  return 0;
}
