/* Faults in hot wasm code, with the flags and registers the signal frame
 * shows (the simulator's vs the host's): loops of loads and stores walk up
 * a mapping, round after round, until an access reaches the page past it —
 * unmapped, read-only, or an 8-byte load that crosses into it. Each fault
 * leaves the code at its instruction with the flags current there: the
 * last flag-writing instruction's before it (an add's, an inc's that keeps
 * the add's CF, a cmp's), so several loads and stores in a row share the
 * flags of one exit (translate.ts's epilogue). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#define PAGES 64
#define BYTES (PAGES * 4096)

static sigjmp_buf back;
static volatile uint64_t efl, rcx, rdx, addr;

static void onSegv(int sig, siginfo_t *si, void *uc) {
  (void)sig;
  const greg_t *g = ((ucontext_t *)uc)->uc_mcontext.gregs;
  efl = (uint64_t)g[REG_EFL] & 0x8d5; /* CF PF AF ZF SF OF */
  rcx = (uint64_t)g[REG_RCX];
  rdx = (uint64_t)g[REG_RDX];
  addr = (uint64_t)(uintptr_t)si->si_addr;
  siglongjmp(back, 1);
}

/* PAGES pages of words, then one page that is unmapped or read-only */
static uint64_t *area(int prot) {
  char *m = mmap(0, BYTES + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (int i = 0; i < BYTES / 8; i++) ((uint64_t *)m)[i] = (uint64_t)i * 0x9e3779b97f4a7c15ull;
  if (prot < 0) munmap(m + BYTES, 4096); else mprotect(m + BYTES, 4096, prot);
  return (uint64_t *)m;
}

static void report(const char *name, const uint64_t *base, uint64_t acc) {
  printf("%s: efl %#llx rcx %llu rdx %#llx at +%lld acc %#llx\n", name, (unsigned long long)efl, (unsigned long long)rcx,
    (unsigned long long)rdx, (long long)(addr - (uint64_t)(uintptr_t)base), (unsigned long long)acc);
}

/* loads after an add, then after an inc (CF still the add's): the load of the word past the mapping faults */
static void loads(void) {
  uint64_t *p = area(-1);
  if (sigsetjmp(back, 1) == 0) {
    uint64_t a = 0x7ffffffffffff000ull, s = 0;
    __asm__ volatile(
      "xor %%ecx, %%ecx\n"
      "1:\n"
      "add %[k], %[a]\n"
      "mov (%[p],%%rcx,8), %%rdx\n"
      "lea (%%rdx,%[s]), %[s]\n"
      "mov %%rdx, (%[p],%%rcx,8)\n"
      "inc %%rcx\n"
      "mov (%[p],%%rcx,8), %%rdx\n"
      "jmp 1b\n"
      : [a] "+r"(a), [s] "+r"(s) : [p] "r"(p), [k] "r"(0x123456789abull) : "rcx", "rdx", "cc", "memory");
  }
  report("loads", p, p[0]);
}

/* stores after a cmp, and after a sub, walk into a read-only page (write faults) */
static void stores(void) {
  uint64_t *p = area(PROT_READ);
  if (sigsetjmp(back, 1) == 0) {
    __asm__ volatile(
      "xor %%ecx, %%ecx\n"
      "mov $-5, %%rdx\n"
      "1:\n"
      "cmp %%rcx, %%rdx\n"
      "mov %%rdx, (%[p],%%rcx,8)\n"
      "movl %%edx, 4(%[p],%%rcx,8)\n"
      "movw %%dx, 6(%[p],%%rcx,8)\n"
      "sub $3, %%rdx\n"
      "movb %%dl, 15(%[p],%%rcx,8)\n"  /* the next word's: faults a round earlier, with the sub's flags */
      "inc %%rcx\n"
      "jmp 1b\n"
      : : [p] "r"(p) : "rcx", "rdx", "cc", "memory");
  }
  report("stores", p, p[BYTES / 8 - 1]);
}

/* an 8-byte load 4 bytes into each word: the round at the mapping's last word crosses into the unmapped page */
static void crossing(void) {
  uint64_t *p = area(-1);
  if (sigsetjmp(back, 1) == 0) {
    uint64_t s = 1;
    __asm__ volatile(
      "xor %%ecx, %%ecx\n"
      "1:\n"
      "add %[s], %[s]\n"
      "mov 4(%[p],%%rcx,8), %%rdx\n"
      "xor %%rdx, %[s]\n"
      "movzwl 2(%[p],%%rcx,8), %%edx\n"
      "sub %%rdx, %[s]\n"
      "mov 4(%[p],%%rcx,8), %%rdx\n"
      "inc %%rcx\n"
      "jmp 1b\n"
      : [s] "+r"(s) : [p] "r"(p) : "rcx", "rdx", "cc", "memory");
  }
  report("crossing", p, p[1]);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = onSegv;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGSEGV, &sa, 0);
  for (int i = 0; i < 3; i++) { loads(); stores(); crossing(); }
  return 0;
}
