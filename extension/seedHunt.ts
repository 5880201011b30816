// "Run With Many Seeds" without the editor: the `ksw hunt` command line it
// runs, the reading of the hunt's `--json` lines as they arrive (progress,
// findings, the final summary), the list items of the seeds found, and the
// launch configuration that replays one of them in the debugger — the same
// program, watches, parameters, seed and interleaving policy, so the
// session sees the very history the hunt saw (the machine is
// deterministic). kswTools.ts wires it to VS Code.

import * as path from 'node:path';
import { describeReport, type SeedReport } from '../simulator/cli/seedReport';

/** What one hunt runs: the module (its source for the debugger, its object for ksw), the options, the seed count. */
export interface SeedHuntPlan {
  /** The C test module, as a launch's `program`. */
  source: string;
  /** Where `ksw cc` put its object: what the hunt runs. */
  object: string;
  watches: string[];
  params: Record<string, string | number>;
  seeds: number;
  /** `--sched` / launch `sched` (the default policy when empty). */
  sched: string;
}

/** `ksw hunt …` arguments: every seed 1..N on all cores, one JSON line per seed. */
export function huntArgv(p: SeedHuntPlan): string[] {
  return [
    'hunt', p.object,
    ...p.watches.flatMap((w) => ['--watch', w]),
    ...Object.entries(p.params).flatMap(([k, v]) => ['--param', `${k}=${v}`]),
    ...(p.sched ? ['--sched', p.sched] : []),
    '--seeds', `1-${p.seeds}`, '--json',
  ];
}

/** A seed whose run did not end clean: 1 a corruption was caught, 3 the guest oopsed (or hung, panicked…). */
export interface SeedFinding {
  seed: number;
  status: number;
  report?: SeedReport;
  /** The `ksw run` command replaying it (as the hunt printed it). */
  replay?: string;
}

export interface HuntTotals { seeds: number; corrupted: number[]; oopsed: number[]; clean: number[]; wall_ms: number; jobs?: number }

/**
 * Reads `ksw hunt --json` output chunk by chunk. Seed lines come in seed
 * order, so `done` lags the workers by at most a few seeds.
 */
export class HuntReader {
  done = 0;
  readonly findings: SeedFinding[] = [];
  totals: HuntTotals | null = null;
  private partial = '';

  /** Feed stdout; returns true when a seed line was read (time to report progress). */
  feed(chunk: string): boolean {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop()!;
    let progressed = false;
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      let v: { type?: string; seed?: number; status?: number; report?: SeedReport; replay?: string };
      try { v = JSON.parse(line) as typeof v; } catch { continue; }
      if (v.type === 'seed' && typeof v.seed === 'number') {
        this.done++;
        progressed = true;
        if (v.status !== 0) this.findings.push({ seed: v.seed, status: v.status ?? 3, report: v.report, replay: v.replay });
      } else if (v.type === 'hunt') {
        this.totals = v as unknown as HuntTotals;
      }
    }
    return progressed;
  }

  get found(): number {
    return this.findings.length;
  }
}

/** The progress notification's text. */
export function progressMessage(done: number, total: number, found: number): string {
  return `${done}/${total} seeds${found ? ` — ${found} found` : ''}`;
}

/** A QuickPick row for a finding: what happened first, and the command that replays it. */
export function findingItem(f: SeedFinding): { label: string; description: string; detail: string } {
  const what = f.report ? describeReport(f.report) : `exit status ${f.status}`;
  return {
    label: `$(${f.status === 1 ? 'bug' : 'error'}) seed ${f.seed}`,
    description: what,
    detail: f.replay ?? '',
  };
}

/** The debug configuration replaying `seed` exactly as the hunt ran it. */
export function replayConfiguration(p: SeedHuntPlan, seed: number): Record<string, unknown> {
  return {
    type: 'kstackwatch', request: 'launch', name: `KStackWatch: ${path.basename(p.source)} seed ${seed}`,
    program: p.source, seed, stackWatch: p.watches,
    ...(Object.keys(p.params).length ? { params: p.params } : {}),
    ...(p.sched ? { sched: p.sched } : {}),
  };
}

/** The summary line of a finished (or cancelled) hunt. */
export function huntSummary(r: HuntReader, total: number, cancelled: boolean): string {
  const corrupted = r.findings.filter((f) => f.status === 1).length;
  const failed = r.found - corrupted;
  const scope = cancelled ? `cancelled after ${r.done} of ${total} seeds` : `${total} seeds`;
  const seconds = r.totals ? ` in ${(r.totals.wall_ms / 1000).toFixed(1)} s` : '';
  return `${scope}${seconds}: ${corrupted} corrupted, ${failed} oopsed or failed, ${r.done - r.found} clean`;
}
