/* Signals as a program uses them: handlers for raise/kill/tgkill-to-self,
   sigaction flags (SA_SIGINFO, SA_RESETHAND, SA_NODEFER), blocking and
   pending signals, sigaltstack, synchronous faults (SIGSEGV on a null
   write and on a load and a store that cross into an unmapped page — whose
   si_addr is the first byte of that page —, SIGFPE on division by zero, SIGILL on ud2, SIGTRAP on int3)
   recovered with siglongjmp, the saved context in ucontext, FP state
   preserved across a handler. (Default actions that kill are covered by
   test/unit/exec.test.ts: this harness needs the native run to exit.) */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

static volatile sig_atomic_t hits[65];
static volatile int last_code, last_sig;
static sigjmp_buf env;
static volatile void *fault_addr;

static void count(int sig) { hits[sig]++; }

static void info_handler(int sig, siginfo_t *si, void *ctx) {
  (void)ctx;
  hits[sig]++;
  last_sig = si->si_signo;
  last_code = si->si_code;
}

static void recover(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  hits[sig]++;
  last_code = si->si_code;
  fault_addr = si->si_addr;
  (void)uc;
  siglongjmp(env, sig);
}

static void nested(int sig) {
  hits[sig]++;
  if (hits[sig] == 1) raise(sig); /* SA_NODEFER: runs again, inside */
}

static volatile double fp_in_handler;
static void fp_handler(int sig) {
  (void)sig;
  fp_in_handler = 1.0 / 3.0 * 7.0;
}

static char altstack[65536];
static volatile int on_alt;
static void alt_handler(int sig) {
  char here;
  (void)sig;
  on_alt = &here >= altstack && &here < altstack + sizeof altstack;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);

  signal(SIGUSR1, count);
  raise(SIGUSR1);
  kill(getpid(), SIGUSR1);
  syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
  printf("SIGUSR1 handled %d times\n", hits[SIGUSR1]);

  sa.sa_sigaction = info_handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR2, &sa, 0);
  raise(SIGUSR2);
  printf("siginfo: signo %d code %d (SI_TKILL %d)\n", last_sig, last_code, SI_TKILL);
  kill(getpid(), SIGUSR2);
  printf("kill: code %d (SI_USER %d)\n", last_code, SI_USER);

  /* blocked signals stay pending until unblocked */
  sigset_t set, old, pend;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, &old);
  raise(SIGUSR1);
  raise(SIGUSR1);
  sigpending(&pend);
  printf("pending while blocked: %d, hits still %d\n", sigismember(&pend, SIGUSR1), hits[SIGUSR1]);
  sigprocmask(SIG_SETMASK, &old, 0);
  printf("after unblock: hits %d (standard signals do not queue)\n", hits[SIGUSR1]);

  /* SA_RESETHAND: the second one takes the default action... which for SIGWINCH is to ignore */
  sa.sa_handler = count;
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGWINCH, &sa, 0);
  raise(SIGWINCH);
  raise(SIGWINCH);
  sigaction(SIGWINCH, 0, &sa);
  printf("SA_RESETHAND: hits %d, now %s\n", hits[SIGWINCH], sa.sa_handler == SIG_DFL ? "SIG_DFL" : "handler");

  sa.sa_handler = nested;
  sa.sa_flags = SA_NODEFER;
  sigaction(SIGHUP, &sa, 0);
  raise(SIGHUP);
  printf("SA_NODEFER nested: %d\n", hits[SIGHUP]);

  signal(SIGINT, SIG_IGN);
  raise(SIGINT);
  printf("ignored SIGINT: still running\n");

  /* FP state: the handler computes, the interrupted computation is intact */
  signal(SIGALRM, fp_handler);
  volatile double acc = 0;
  for (int i = 1; i <= 10; i++) {
    acc += 1.0 / i;
    if (i == 5) raise(SIGALRM);
  }
  printf("fp: acc %.17g handler %.17g\n", acc, fp_in_handler);

  /* sigaltstack */
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, 0);
  sa.sa_handler = alt_handler;
  sa.sa_flags = SA_ONSTACK;
  sigaction(SIGUSR1, &sa, 0);
  raise(SIGUSR1);
  printf("handler on alternate stack: %d\n", on_alt);

  /* synchronous faults */
  sa.sa_sigaction = recover;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  for (int s = 0; s < 4; s++) {
    int sig = (int[]){SIGSEGV, SIGFPE, SIGILL, SIGTRAP}[s];
    sigaction(sig, &sa, 0);
  }
  if (!sigsetjmp(env, 1)) { *(volatile int *)16 = 1; }
  printf("SIGSEGV: hits %d code %d (MAPERR %d) addr %p\n", hits[SIGSEGV], last_code, SEGV_MAPERR, fault_addr);
  /* accesses that start on a mapped page and run into an unmapped one */
  char *two = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(two + 4096, 4096);
  if (!sigsetjmp(env, 1)) { (void)*(volatile long *)(two + 4093); }
  printf("SIGSEGV on a crossing load: addr page+%ld\n", (long)((char *)fault_addr - two));
  if (!sigsetjmp(env, 1)) { *(volatile int *)(two + 4094) = 1; }
  printf("SIGSEGV on a crossing store: addr page+%ld, first byte kept %d\n", (long)((char *)fault_addr - two), two[4094]);
  if (!sigsetjmp(env, 1)) { *(volatile char *)main = 1; }
  printf("SIGSEGV on code: code %d (ACCERR %d)\n", last_code, SEGV_ACCERR);
  volatile int zero = 0;
  if (!sigsetjmp(env, 1)) { printf("%d\n", 10 / zero); }
  printf("SIGFPE: hits %d code %d (INTDIV %d)\n", hits[SIGFPE], last_code, FPE_INTDIV);
  if (!sigsetjmp(env, 1)) { __asm__ volatile("ud2"); }
  printf("SIGILL: hits %d code %d (ILLOPN %d)\n", hits[SIGILL], last_code, ILL_ILLOPN);
  if (!sigsetjmp(env, 1)) { __asm__ volatile("int3"); }
  printf("SIGTRAP: hits %d\n", hits[SIGTRAP]);
  sigprocmask(0, 0, &old);
  printf("mask restored by siglongjmp: %d\n", sigismember(&old, SIGSEGV));

  return 0;
}
