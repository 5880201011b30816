// The reverse searches of time travel: where in the past a step back,
// restartFrame, goto, gotoOrigin or reverseContinue lands, and which replays
// find it. They reuse what earlier replays saw (a thread's instruction
// starts, the stops met in a stretch) while it holds, and go by the
// checkpoints' notes (each task's retired instructions) and the stretch
// summaries (stretchSummary.ts) to replay as little history as they can.
// The replays themselves are the runtime's (runtime.ts runReplay), as is
// the recording of the checkpoints and summaries they read.

import type { Task } from '../kernel/task';
import type { CheckpointStore, StoredCheckpoint } from './checkpoints';
import type { HitCounter } from './hitCounts';
import { mayHaveRead, mayHaveRun, mayHaveWritten, StretchSummary } from './stretchSummary';
import { FIRST_WINDOW, REVERSE_STOP_REASONS, Sample, SampleRequest, TimeTarget, WINDOW_GROWTH } from './timeTravel';
import type { TargetCheckpoint } from './target';
import type { StopInfo } from './types';

/** What a stop met during a replay becomes: passed by, shown (a 'stopped' event), or the replay's quiet end. */
export type ReplayAction = 'skip' | 'report' | 'quiet';

/**
 * A checkpoint of the session's history (checkpoints.ts): the system's,
 * and the runtime's own counts of that history (corruptions, log lines,
 * edits made).
 */
export interface SessionCheckpoint extends StoredCheckpoint {
  system: TargetCheckpoint;
  corruptions: number;
  logLines: number;
  editsMade: number;
  /** Breakpoints' hit counts at that point (hitCounts.ts). */
  hits: Map<HitCounter, number>;
  /** Each task's retired instructions at that point, by pid: whether it ran between two checkpoints. */
  taskInsns: ReadonlyMap<number, number>;
}

/** Where a replay starts: a checkpoint, or a rebuilt machine at the start of the run. */
export type ReplayOrigin = SessionCheckpoint | 'boot';

/** Where the session is in the history, for the `kstackwatch.time` event. */
export interface TimePoint { time_ns: number; insns: number }

/** What the searches need of the session: where it is, its replays, and what could stop it now. */
export interface ReverseHost {
  /** The machine's position: its retired instructions. */
  insns(): number;
  time(): TimePoint;
  /**
   * Replay from the latest checkpoint before what it must see (or from
   * `origin`) to `limit`, deciding at each stop; returns the sampled
   * thread's instruction starts (runtime.ts runReplay).
   */
  runReplay(limit: number, sample: SampleRequest | null, atStop: (info: StopInfo, pos: number) => ReplayAction,
    until?: TimeTarget, arrival?: (t: Task) => StopInfo, origin?: ReplayOrigin): Sample[];
  /** Replay to the start of the run and stop there. */
  goToStart(): void;
  /** The summary so far of the stretch being recorded, when it runs on from checkpoint `c` (else undefined). */
  recordingSummary(c: SessionCheckpoint): StretchSummary | undefined;
  /** Addresses where a breakpoint set now stops. */
  stoppingAddresses(): readonly bigint[];
  /** The data breakpoints armed now. */
  armedWatches(): readonly { address: bigint; length: number; access: 'w' | 'rw' }[];
}

export class ReverseSearch {
  /**
   * What replays learnt about the history, reused by the next reverse step
   * while it stays true: one thread's instruction starts from `from` to
   * `until`, and the stops met before `until` with today's breakpoints.
   */
  private samplesSeen: { pid: number; from: number; until: number; samples: Sample[] } | null = null;
  private stopsSeen: { origin: ReplayOrigin; until: TimePoint; stops: { at: TimePoint; reverse: boolean }[] } | null = null;

  constructor(private readonly host: ReverseHost, private readonly checkpoints: CheckpointStore<SessionCheckpoint>) {}

  /** What an earlier replay saw no longer holds (breakpoints changed what stops; an edit or restart changed history). */
  forget(what: 'stops' | 'all'): void {
    this.stopsSeen = null;
    if (what === 'all') this.samplesSeen = null;
  }

  /**
   * Find a moment of `task`'s past among its instruction starts before now
   * (`pick`; `fromStart` when they go back to the start of the run) and
   * land there: first in what the last replay saw, then (after `quick`, a
   * cheaper try) in replays sampling the thread over the last FIRST_WINDOW
   * instructions, ×WINDOW_GROWTH until found; `none` when the whole history has none.
   */
  searchBack(task: Task, pick: (samples: Sample[], fromStart: boolean) => Sample | undefined, land: (s: Sample) => void,
    none: () => void, quick?: () => boolean, notAfter = Infinity): void {
    const now = this.host.insns();
    // what the last replay saw of this thread, if it covers now
    const seen = this.samplesSeen;
    const known = seen && seen.pid === task.pid && seen.until >= now ? seen.from : now;
    if (seen && known < now) {
      const found = pick(seen.samples.filter((x) => x.pos < now), known === 0);
      if (found) { land(found); return; }
      if (known === 0) { none(); return; }
    }
    if (known === now && quick?.()) return;
    // the thread ran nothing after `end`: its instruction starts end there (a thread asleep since long ago)
    // (or where the stretch summaries say what `pick` looks for may last have run: `notAfter`)
    const quiet = this.quietSince(task, now);
    const end = Math.min(quiet, notAfter);
    for (let window = FIRST_WINDOW; ; window *= WINDOW_GROWTH) {
      const from = Math.max(0, end - window);
      if (from >= known && from > 0) continue; // already seen: nothing there
      const samples = this.host.runReplay(end, { pid: task.pid, from }, (_info, pos) => (pos >= end ? 'quiet' : 'skip'));
      // they are all the thread's instruction starts up to now only if it ran none after `end`
      this.samplesSeen = { pid: task.pid, from, until: end < quiet ? end : now, samples };
      const found = pick(samples, from === 0);
      if (found) { land(found); return; }
      if (from === 0) { none(); return; }
    }
  }

  /**
   * The end of the newest stretch of history before `now` in which code at
   * one of `addresses` may have run, by the stretch summaries (the newest
   * stretch's is the one being recorded); now when that is the newest
   * stretch or one without a summary.
   */
  lastMayHaveRun(addresses: readonly bigint[], now: number): number {
    let end = now;
    let later: SessionCheckpoint | null = null;
    for (const c of this.checkpoints.before(now)) {
      const s = later ? this.checkpoints.summaryBetween(c, later)
        : this.host.recordingSummary(c);
      if (!s || addresses.some((a) => mayHaveRun(s, a))) return end;
      end = c.insns;
      later = c;
    }
    return end; // none since the first checkpoint: from there back
  }

  /** The earliest checkpoint at or before `now` since which `task` has retired no instruction (else now). */
  quietSince(task: Task, now: number): number {
    let end = now;
    for (const c of this.checkpoints.before(now)) {
      if (c.taskInsns.get(task.pid) !== task.insns) break;
      end = c.insns;
    }
    return end;
  }

  /**
   * Back to the latest point before now where going forward stopped (or
   * would have, with today's breakpoints, data breakpoints and stack
   * watches), else to the start of the run (DAP reverseContinue).
   */
  reverseContinue(): void {
    // Several stops can share one position (an oops retires no instruction; the next task's breakpoint
    // comes before any does): the simulated time, which the oops moved on, orders them.
    const before = (at: TimePoint, end: TimePoint): boolean => at.insns < end.insns || (at.insns === end.insns && at.time_ns < end.time_ns);
    // the newest stretch first: from the latest checkpoint before now to now, then the one before it…
    let end = this.host.time();
    const origins: ReplayOrigin[] = this.checkpoints.before(end.insns);
    if (origins.length === 0 || origins[origins.length - 1] !== this.checkpoints.latest(0)) origins.push('boot');
    /** The checkpoint that ends the stretch (null: now; that stretch's summary is the one being recorded). */
    let later: SessionCheckpoint | null = null;
    for (const origin of origins) {
      // …skipping, without a replay, the stretches whose summary says nothing there could stop
      if (origin !== 'boot' && !this.mayStopBetween(origin, later)) {
        end = { insns: origin.insns, time_ns: origin.timeNs };
        later = origin;
        continue;
      }
      const stops = this.stopsIn(origin, end, before);
      // the latest stop strictly before the stretch's end (a stop at now is where we are)
      let last = -1;
      stops.forEach((x, i) => { if (x.reverse && before(x.at, end)) last = i; });
      if (last >= 0) {
        let again = 0;
        const until = end;
        this.host.runReplay(until.insns + 1, null, () => (again++ === last || !before(this.host.time(), until) ? 'report' : 'skip'), undefined, undefined, origin);
        return;
      }
      if (origin === 'boot') break;
      end = { insns: origin.insns, time_ns: origin.timeNs };
      later = origin;
    }
    this.host.goToStart();
  }

  /** The stops met replaying from `origin` up to `end` (the last replay's list, while it covers them). */
  private stopsIn(origin: ReplayOrigin, end: TimePoint, before: (at: TimePoint, end: TimePoint) => boolean): { at: TimePoint; reverse: boolean }[] {
    const seen = this.stopsSeen;
    if (seen && seen.origin === origin && !before(seen.until, end)) return seen.stops;
    const met: { at: TimePoint; reverse: boolean }[] = [];
    // the limit is one past the end: the stops at its own position are met before the gate stops there
    this.host.runReplay(end.insns + 1, null, (info) => {
      const at = this.host.time();
      if (!before(at, end)) return 'quiet';
      met.push({ at, reverse: REVERSE_STOP_REASONS.has(info.reason) });
      return 'skip';
    }, undefined, undefined, origin);
    this.stopsSeen = { origin, until: end, stops: met };
    return met;
  }

  /**
   * Could going forward from checkpoint `from` to the next one, `to` (null:
   * to now), stop anywhere with today's breakpoints, data breakpoints and
   * stack watches? Only a recorded summary of that stretch can say no (to
   * now: the one being recorded, when the machine ran on from `from`).
   */
  private mayStopBetween(from: SessionCheckpoint, to: SessionCheckpoint | null): boolean {
    const s = to ? this.checkpoints.summaryBetween(from, to) : this.host.recordingSummary(from);
    if (!s || s.events > 0) return true;
    if (this.host.stoppingAddresses().some((a) => mayHaveRun(s, a))) return true;
    // a read/write watch stops on loads too
    return this.host.armedWatches().some((w) => mayHaveWritten(s, w.address, w.length) || (w.access === 'rw' && mayHaveRead(s, w.address, w.length)));
  }
}
