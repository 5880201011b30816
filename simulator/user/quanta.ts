// How long a simulated CPU runs a user thread before the next CPU takes
// over, and so how the threads of a process interleave. The shape is the
// kernel's (`ksw run --sched`, kernel/schedPolicy.ts; the CLI passes that
// parsed policy straight here — the shape is shared from sched/, below both): a
// round gives each CPU one quantum, long ones uniform in
// [quantumMin, quantumMax], or, in a share of rounds, short ones of 1 to
// fineMax instructions, so a thread can lose its CPU at any instruction.
//
// On one CPU nothing runs in parallel: a quantum is the thread's time slice
// (20 000–79 999 instructions, as before CPUs were added). On several, the
// default is the kernel's `fine` policy, which makes narrow races reachable.

import { FINE_POLICY, SchedPolicy } from '../sched/quantumPolicy';
import { Mulberry32 } from './prng';

/** How long quanta are: the kernel's policy shape (`--sched` parses into it). */
export type QuantumPolicy = SchedPolicy;

/** One CPU: a thread keeps it for a time slice of 20 000–79 999 instructions. */
export const UNIPROCESSOR_QUANTA: QuantumPolicy = { quantumMin: 20_000, quantumMax: 79_999, finePercent: 0, fineMax: 1 };
/** Several CPUs: the kernel's default `fine` policy. */
export const SMP_QUANTA: QuantumPolicy = FINE_POLICY;

export class Quanta {
  private readonly rng: Mulberry32;
  private readonly fineRng: Mulberry32;
  private readonly span: number;

  constructor(private readonly policy: QuantumPolicy, seed: number) {
    // (the first stream is the one the one-CPU time slices always came from)
    this.rng = new Mulberry32(seed ^ 0x7468726);
    this.fineRng = new Mulberry32((seed ^ 0x5bd1e995) >>> 0);
    this.span = policy.quantumMax - policy.quantumMin + 1;
  }

  /** Drawn at the start of every round: are its quanta short? (All CPUs of a round alike.) */
  fineRound(): boolean {
    return this.policy.finePercent > 0 && this.fineRng.next() % 100 < this.policy.finePercent;
  }

  /** The next quantum, in instructions. */
  next(fine: boolean): number {
    return fine ? 1 + (this.fineRng.next() % this.policy.fineMax) : this.policy.quantumMin + (this.rng.next() % this.span);
  }

  /** Which CPU starts a round (several CPUs). */
  firstCpu(n: number): number {
    return this.rng.next() % n;
  }
}
