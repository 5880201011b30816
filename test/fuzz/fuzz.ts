// The fuzz driver: runs a target on `count` seeded inputs and counts the
// outcomes. Used small by fuzz.test.ts (part of npm test) and long by
// `npm run fuzz` (test/fuzz/main.ts).

import { ContractBroken, Hang, HANG_MS, Target } from './targets';
import { Rng } from './generators';

export interface FuzzStats {
  target: string;
  seed: number;
  tried: number;
  accepted: number;
  clean: number;
  crashes: { index: number; error: string }[];
  hangs: { index: number; error: string }[];
  /** Highest resident set size seen, MiB. */
  peakRssMiB: number;
}

export async function fuzz(target: Target, seed: number, count: number): Promise<FuzzStats> {
  const stats: FuzzStats = { target: target.name, seed, tried: 0, accepted: 0, clean: 0, crashes: [], hangs: [], peakRssMiB: 0 };
  const rng = new Rng(seed);
  try {
    for (let i = 0; i < count; i++) {
      stats.tried++;
      const t0 = performance.now();
      try {
        const outcome = await target.one(rng, i);
        if (performance.now() - t0 > HANG_MS) stats.hangs.push({ index: i, error: `took ${Math.round(performance.now() - t0)} ms` });
        else stats[outcome]++;
      } catch (e) {
        const error = e instanceof ContractBroken || e instanceof Hang ? e.message : (e as Error)?.stack ?? String(e);
        (e instanceof Hang ? stats.hangs : stats.crashes).push({ index: i, error });
      }
      stats.peakRssMiB = Math.max(stats.peakRssMiB, Math.round(process.memoryUsage().rss / 2 ** 20));
    }
  } finally {
    target.dispose?.();
  }
  return stats;
}

export function formatStats(s: FuzzStats): string {
  return `${s.target}: ${s.tried} inputs (seed ${s.seed}): ${s.accepted} accepted, ${s.clean} clean errors, `
    + `${s.crashes.length} crashes, ${s.hangs.length} hangs; peak RSS ${s.peakRssMiB} MiB`;
}
