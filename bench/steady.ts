// Steady state versus fixed cost (`node out/bench/run.js --steady`): ksw is
// run a second time with three times the work, and the difference between
// the two runs is what the extra guest instructions cost once everything is
// warm. What is left of the first run is a fixed cost: node and bundle
// start-up plus the JIT warm-up (V8 compiling and optimising the generated
// block functions, and running them unoptimised until then). Profiles of
// kernel-shaped programs show the fixed cost dominating at scale 1, so the
// MIPS column of the main table mostly measures warm-up, not block code.

import { markdownTable } from './table';

/** ksw's retired instructions and seconds at the base scale and at three times it. */
export interface SteadyRuns {
  name: string;
  insns: number;
  seconds: number;
  insns3: number;
  seconds3: number;
}

export const STEADY_FACTOR = 3;

interface Split {
  /** Guest instructions per second once warm (the marginal rate between the two runs). */
  steadyMips: number;
  /** Seconds of the base run not explained by the steady rate. */
  fixedSeconds: number;
}

/** The marginal rate and fixed cost, or null when the longer run was not longer (timer noise). */
export function splitSteady(r: SteadyRuns): Split | null {
  const dInsns = r.insns3 - r.insns, dSeconds = r.seconds3 - r.seconds;
  if (!(dInsns > 0) || !(dSeconds > 0)) return null;
  const rate = dInsns / dSeconds;
  return { steadyMips: rate / 1e6, fixedSeconds: r.seconds - r.insns / rate };
}

/** Markdown table lines, one row per program. */
export function steadyTable(runs: SteadyRuns[], unit: string): string[] {
  const header = ['program', `ksw ${unit} ×1`, `ksw ${unit} ×${STEADY_FACTOR}`, 'steady MIPS', `fixed ${unit}`, 'fixed share ×1'];
  const rows = runs.map((r) => {
    const s = splitSteady(r);
    return [
      r.name, r.seconds.toFixed(3), r.seconds3.toFixed(3),
      s ? s.steadyMips.toFixed(1) : 'n/a',
      s ? s.fixedSeconds.toFixed(3) : 'n/a',
      s ? `${Math.round(Math.max(0, s.fixedSeconds) / r.seconds * 100)} %` : 'n/a',
    ];
  });
  return markdownTable(header, rows, [0]);
}
