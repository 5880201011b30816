/* Page-table changes to pages the program has just used, so the simulator's
 * TLBs (the JS tier's and the wasm tier's) hold them: after mprotect to
 * read-only a store faults, after PROT_NONE a load faults, after munmap a
 * load faults, a fresh mmap MAP_FIXED over a used page reads zeros, and
 * after mprotect back to read-write stores go through. Round after round,
 * so the loops run hot (traces, then wasm) with the entries filled. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define PAGES 8
#define WORDS (4096 / 8)
#define ROUNDS 300

static sigjmp_buf back;
static volatile uintptr_t faultAt;

static void onSegv(int sig, siginfo_t *si, void *uc) {
  (void)sig;
  (void)uc;
  faultAt = (uintptr_t)si->si_addr;
  siglongjmp(back, 1);
}

/* Store v to every word of the page; 0, or 1 when a store faulted. */
static int fill(volatile uint64_t *page, uint64_t v) {
  if (sigsetjmp(back, 1) != 0) return 1;
  for (int i = 0; i < WORDS; i++) page[i] = v + (uint64_t)i;
  return 0;
}

/* The sum of the page's words in *sum; 0, or 1 when a load faulted. */
static int sum(volatile uint64_t *page, uint64_t *out) {
  if (sigsetjmp(back, 1) != 0) return 1;
  uint64_t s = 0;
  for (int i = 0; i < WORDS; i++) s += page[i];
  *out = s;
  return 0;
}

static uint64_t *pageOf(char *m, int i) { return (uint64_t *)(m + 4096 * i); }

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = onSegv;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGSEGV, &sa, 0);

  char *m = mmap(0, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return 1;
  uint64_t total = 0;
  int faults[6] = {0}, wrong = 0;
  for (int round = 0; round < ROUNDS; round++) {
    uint64_t s = 0;
    for (int i = 0; i < PAGES; i++) {
      if (fill(pageOf(m, i), (uint64_t)round * 1000 + i)) wrong++;
      if (sum(pageOf(m, i), &s)) wrong++;
      total += s;
    }
    /* read-only: loads work, a store faults at the page's first word */
    mprotect(m + 4096 * 2, 4096, PROT_READ);
    faults[0] += fill(pageOf(m, 2), 7);
    if (faultAt != (uintptr_t)(m + 4096 * 2)) wrong++;
    faults[1] += sum(pageOf(m, 2), &s);
    total += s;
    /* no access: a load faults */
    mprotect(m + 4096 * 3, 4096, PROT_NONE);
    faults[2] += sum(pageOf(m, 3), &s);
    if (faultAt != (uintptr_t)(m + 4096 * 3)) wrong++;
    /* unmapped: a load faults; mapped again: zeros */
    munmap(m + 4096 * 4, 4096);
    faults[3] += sum(pageOf(m, 4), &s);
    if (faultAt != (uintptr_t)(m + 4096 * 4)) wrong++;
    if (mmap(m + 4096 * 4, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != m + 4096 * 4) return 2;
    faults[4] += sum(pageOf(m, 4), &s);
    if (s != 0) wrong++;
    /* a fresh mapping over a used page, in place: zeros too */
    if (mmap(m + 4096 * 5, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != m + 4096 * 5) return 3;
    faults[5] += sum(pageOf(m, 5), &s);
    if (s != 0) wrong++;
    /* read-write again: stores go through */
    mprotect(m + 4096 * 2, 4096 * 2, PROT_READ | PROT_WRITE);
  }
  printf("total %llu\n", (unsigned long long)total);
  printf("faults: store to read-only %d, load of read-only %d, load of PROT_NONE %d, load of unmapped %d, load of mapped again %d, load of mapped over %d\n",
    faults[0], faults[1], faults[2], faults[3], faults[4], faults[5]);
  printf("wrong %d\n", wrong);
  return 0;
}
