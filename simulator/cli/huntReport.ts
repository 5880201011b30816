// What `ksw hunt` and `ksw hunt merge` print: per non-clean seed its first
// report and the `ksw run` command replaying it (or, with --json, one
// `{"type":"seed"}` line per seed), a progress bar on a terminal, and the
// final summary (`{"type":"hunt"}` with --json; DESIGN.md §3.2).

import { describeReport, SeedResult } from './huntSeed';
import { EXIT_CLEAN, EXIT_CORRUPTION, EXIT_GUEST_FAILURE } from './moduleRun';

export interface HuntSummary {
  type: 'hunt';
  seeds: number;
  corrupted: number[];
  oopsed: number[];
  clean: number[];
  wall_ms: number;
  /** --seeds as given, and the shard (`K/N`) when there was one: merge checks shards belong together. */
  spec?: string;
  shard?: string;
  jobs?: number;
  /** --stop-after ended the hunt before every seed ran. */
  stopped?: boolean;
}

/** 1 if any seed corrupted, 3 if any failed otherwise, 0 if all ran clean (DESIGN.md §3.1). */
export function huntStatus(s: Pick<HuntSummary, 'corrupted' | 'oopsed'>): number {
  return s.corrupted.length ? EXIT_CORRUPTION : s.oopsed.length ? EXIT_GUEST_FAILURE : EXIT_CLEAN;
}

export function summarize(results: SeedResult[], extra: Omit<HuntSummary, 'type' | 'seeds' | 'corrupted' | 'oopsed' | 'clean'>): HuntSummary {
  const pick = (status: number) => results.filter((r) => r.status === status).map((r) => r.seed);
  return {
    type: 'hunt', seeds: results.length,
    corrupted: pick(EXIT_CORRUPTION), oopsed: pick(EXIT_GUEST_FAILURE), clean: pick(EXIT_CLEAN), ...extra,
  };
}

type Out = (line: string) => void;

export class HuntReporter {
  private barShown = false;
  private lastDraw = 0;
  private lastPlainTenth = 0;
  private readonly started = Date.now();

  /**
   * `progress`: where the bar or the progress lines go (stderr), `tty`
   * whether it is a terminal (a redrawn bar) or not (a line every tenth).
   */
  constructor(private readonly json: boolean, private readonly out: Out,
    private readonly progressOut: ((text: string) => void) | null, private readonly tty: boolean) {}

  seed(r: SeedResult): void {
    if (this.json) { this.clearBar(); this.out(JSON.stringify(r)); return; }
    if (r.status === 0) return;
    this.clearBar();
    this.out(`seed ${r.seed}: ${r.report ? describeReport(r.report) : `exit status ${r.status}`}`);
    if (r.replay) this.out(`  ${r.replay}`);
  }

  progress(done: number, found: number, total: number): void {
    if (!this.progressOut) return;
    const now = Date.now();
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
    const figures = `${done}/${total} seeds, ${found} found, ${rate.toFixed(1)} seeds/s, ETA ${formatDuration(eta)}`;
    if (!this.tty) {
      const tenth = Math.floor((done * 10) / total);
      if (tenth > this.lastPlainTenth && done < total) { this.lastPlainTenth = tenth; this.progressOut(`hunt: ${figures}\n`); }
      return;
    }
    if (now - this.lastDraw < 100 && done < total) return;
    this.lastDraw = now;
    const width = 24;
    const filled = Math.round((done / total) * width);
    this.progressOut(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${figures}`);
    this.barShown = true;
  }

  finish(s: HuntSummary): void {
    this.clearBar();
    if (this.json) { this.out(JSON.stringify(s)); return; }
    const seconds = s.wall_ms / 1000;
    const rate = seconds > 0 ? ` (${(s.seeds / seconds).toFixed(1)} seeds/s${s.jobs ? `, ${s.jobs} job${s.jobs > 1 ? 's' : ''}` : ''})` : '';
    const scope = s.shard ? ` of shard ${s.shard} of --seeds ${s.spec}` : '';
    const stopped = s.stopped ? ', stopped early (--stop-after)' : '';
    this.out(`hunt: ${s.seeds} seeds${scope} in ${seconds.toFixed(1)} s${rate}: ` +
      `${s.corrupted.length} corrupted, ${s.oopsed.length} oopsed, ${s.clean.length} clean${stopped}`);
    if (s.corrupted.length) this.out(`corrupted: ${s.corrupted.join(' ')}`);
    if (s.oopsed.length) this.out(`oopsed: ${s.oopsed.join(' ')}`);
  }

  private clearBar(): void {
    if (this.barShown && this.progressOut) { this.progressOut('\r\x1b[K'); this.barShown = false; }
  }
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}
