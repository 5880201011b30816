/* What the flag tests (faultflags.c, crossflags.c) share: the arithmetic
 * EFLAGS bits, and a SIGSEGV/SIGFPE handler that records the EFLAGS of the
 * fault's context and resumes at the address the faulting case left in R9;
 * and the operand values both feed their cases. */
#ifndef EFLAGS_HANDLER_H
#define EFLAGS_HANDLER_H
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#define CF 0x1u
#define PF 0x4u
#define AF 0x10u
#define ZF 0x40u
#define SF 0x80u
#define OF 0x800u
#define ARITH (CF | PF | AF | ZF | SF | OF)
#define LOGIC (CF | PF | ZF | SF | OF) /* AF is undefined after and/or/xor/test */
#define SHIFT (CF | PF | ZF | SF)      /* OF is undefined for counts > 1, AF always */

static volatile uint64_t seen;   /* EFLAGS in the last handler's context */
static volatile unsigned faults;

/* The faulting instruction's resume address is in R9 (set by the case before it). */
static void handler(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  (void)sig; (void)si;
  seen = (uint64_t)uc->uc_mcontext.gregs[REG_EFL];
  uc->uc_mcontext.gregs[REG_RIP] = uc->uc_mcontext.gregs[REG_R9];
  faults++;
}

static uint64_t state = 0x9e3779b97f4a7c15ull;
static uint64_t next(void) {
  state ^= state << 13; state ^= state >> 7; state ^= state << 17;
  return state;
}

/* Values at the edges (zero, all ones, the sign bits of each width) and random ones. */
static uint64_t value(unsigned i) {
  static const uint64_t edge[] = {0, 1, ~0ull, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
                                  0x80000000, 0xffffffff, 0x7fffffffffffffffull, 0x8000000000000000ull};
  uint64_t r = next();
  switch (i % 4) {
    case 0: return edge[r % (sizeof edge / sizeof edge[0])];
    case 1: return r & 0xff;
    default: return r;
  }
}
#endif
