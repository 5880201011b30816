// The shape of an interleaving policy, shared by the two schedulers that
// run guest code on several simulated CPUs: the kernel's (kernel tasks,
// kernel/schedPolicy.ts, which also parses `--sched`) and user mode's
// (threads of a `ksw exec` program, user/quanta.ts). It sits at the bottom
// of the layers so both can use one definition.

export interface SchedPolicy {
  /** The ordinary quantum is uniform in [quantumMin, quantumMax] instructions. */
  quantumMin: number;
  quantumMax: number;
  /** Percentage (0–100) of rounds whose quanta are short instead. */
  finePercent: number;
  /** A short quantum is uniform in [1, fineMax] instructions. */
  fineMax: number;
}

export const COARSE_POLICY: SchedPolicy = { quantumMin: 500, quantumMax: 1999, finePercent: 0, fineMax: 1 };
/** The default (measured in README "Interleaving"): finds narrow races at a modest run-time cost. */
export const FINE_POLICY: SchedPolicy = { quantumMin: 500, quantumMax: 1999, finePercent: 80, fineMax: 16 };
