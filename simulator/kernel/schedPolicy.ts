// How long each CPU runs before the next one takes over: the interleaving
// policy (`ksw run --sched`, launch.json "sched"). CPUs run in rounds, each
// CPU a quantum in turn; a race is seen only when a quantum ends inside its
// window, so the chance per window is about window / mean quantum. Coarse
// quanta (500–1999 instructions) keep runs fast but almost never end inside
// a window of a few dozen instructions; the default therefore draws a share
// of quanta short — 1 to `fineMax` instructions — so a CPU can be switched
// out at any instruction, while most quanta stay long. Short quanta come a
// round at a time (every CPU of the round gets one), so no CPU idles through
// the rest of a round while another runs a long quantum.
//
// Determinism: the long quantum is drawn from the machine's PRNG exactly as
// before (so `coarse` reproduces the old histories, and the guest's random
// numbers and canaries do not depend on the policy); whether a quantum is
// short, and how short, comes from a second PRNG seeded from the same seed.

import { Prng } from './prng';

import { COARSE_POLICY, FINE_POLICY, SchedPolicy } from '../sched/quantumPolicy';

export { COARSE_POLICY, FINE_POLICY };
export type { SchedPolicy };
export const DEFAULT_SCHED_POLICY = FINE_POLICY;

export const SCHED_SYNTAX = 'coarse | fine | KEY=VALUE,… with quantum=MIN-MAX, fine=PERCENT, fine-max=N';

export class SchedPolicyError extends Error {}

/** `fine`, `coarse`, or comma-separated `quantum=MIN-MAX`, `fine=PERCENT`, `fine-max=N` over the default (or a preset named first). */
export function parseSchedPolicy(spec: string): SchedPolicy {
  const p: SchedPolicy = { ...DEFAULT_SCHED_POLICY };
  const parts = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (!parts.length) throw new SchedPolicyError(`empty --sched (expected ${SCHED_SYNTAX})`);
  const int = (key: string, v: string, min: number, max: number): number => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new SchedPolicyError(`sched ${key}: '${v}' is not a number in ${min}..${max}`);
    return Number(v);
  };
  for (const [i, part] of parts.entries()) {
    if (part === 'coarse' || part === 'fine') {
      if (i !== 0) throw new SchedPolicyError(`sched: the preset '${part}' must come first`);
      Object.assign(p, part === 'coarse' ? COARSE_POLICY : FINE_POLICY);
      continue;
    }
    const eq = part.indexOf('=');
    const [key, value] = eq > 0 ? [part.slice(0, eq), part.slice(eq + 1)] : [part, ''];
    switch (key) {
      case 'quantum': {
        const m = /^(\d+)-(\d+)$/.exec(value) ?? /^(\d+)()$/.exec(value);
        if (!m) throw new SchedPolicyError(`sched quantum: '${value}' is not MIN-MAX (e.g. 500-2000)`);
        p.quantumMin = int('quantum', m[1], 1, 1_000_000);
        p.quantumMax = m[2] ? int('quantum', m[2], 1, 1_000_000) : p.quantumMin;
        if (p.quantumMin > p.quantumMax) throw new SchedPolicyError(`sched quantum: '${value}' has MIN above MAX`);
        break;
      }
      case 'fine': p.finePercent = int('fine', value.replace(/%$/, ''), 0, 100); break;
      case 'fine-max': p.fineMax = int('fine-max', value, 1, 1_000_000); break;
      default: throw new SchedPolicyError(`sched: unknown '${part}' (expected ${SCHED_SYNTAX})`);
    }
  }
  return p;
}

/** The canonical text of a policy (what `--sched` would reproduce it from). */
export function formatSchedPolicy(p: SchedPolicy): string {
  return `quantum=${p.quantumMin}-${p.quantumMax},fine=${p.finePercent},fine-max=${p.fineMax}`;
}

/**
 * Draws quantum lengths. Its second PRNG is scheduler state; whether the
 * current round is short is kept in the scheduler's round object (so a stop
 * in the middle of a round resumes it unchanged).
 */
export class QuantumDraw {
  private readonly finePrng: Prng;
  private readonly span: number;

  constructor(private readonly policy: SchedPolicy, seed: number) {
    // A stream distinct from the machine's (seed ^ a constant), so the short-quantum choice changes nothing else.
    this.finePrng = new Prng((seed ^ 0x5bd1e995) >>> 0);
    this.span = policy.quantumMax - policy.quantumMin + 1;
  }

  /**
   * Drawn at the start of every round: are its quanta short? A round is short
   * for all its CPUs alike (a lone short quantum would leave its CPU idle for
   * the rest of a long round, and the race would not come closer).
   */
  fineRound(): boolean {
    return this.policy.finePercent > 0 && this.finePrng.below(100) < this.policy.finePercent;
  }

  /** The next quantum; `main` is the machine's PRNG, drawn once per quantum as always. */
  next(main: Prng, fine: boolean): number {
    const long = this.policy.quantumMin + main.below(this.span);
    return fine ? 1 + this.finePrng.below(this.policy.fineMax) : long;
  }
}
