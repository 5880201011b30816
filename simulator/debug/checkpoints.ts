// The checkpoints of one debug session's history (time travel): a reverse
// step restores the latest checkpoint at or before its target and replays
// only from there. Checkpoints are taken every `interval` retired
// instructions as the machine runs forward (and as replays run through
// stretches that have none); the memory they hold is bounded: over budget,
// the one whose loss leaves the most even exponential spacing back from
// the newest goes (recent history dense, old history sparse; the first, at
// the start of the run, always stays).

import type { MemoryImage } from '../memory/memory';
import { mergeSummaries, StretchSummary } from './stretchSummary';

/** What ran since an earlier checkpoint, the machine running on from it without a restore in between. */
export interface Stretch {
  readonly from: StoredCheckpoint;
  readonly summary: StretchSummary;
}

/** What a checkpoint must offer the store. */
export interface StoredCheckpoint {
  readonly insns: number;
  readonly timeNs: number;
  readonly memory: MemoryImage;
  /** Bytes held besides guest pages (the object copies; an estimate). */
  readonly objectBytes: number;
  /** The stretch that ends here, when it was recorded whole (stretchSummary.ts). */
  stretch?: Stretch;
}

export const DEFAULT_CHECKPOINT_INTERVAL = 20_000_000;
export const DEFAULT_CHECKPOINT_MEMORY_MIB = 256;

export class CheckpointStore<C extends StoredCheckpoint> {
  /** By position, oldest first. */
  private readonly list: C[] = [];
  /** How many checkpoints hold each page copy (consecutive images share unchanged pages). */
  private readonly pageRefs = new Map<Uint8Array, number>();
  private held = 0;

  constructor(readonly interval: number, readonly budgetBytes: number) {}

  get size(): number {
    return this.list.length;
  }

  /** Host bytes the checkpoints hold (each page copy counted once). */
  get bytes(): number {
    return this.held;
  }

  get enabled(): boolean {
    return this.budgetBytes > 0;
  }

  positions(): number[] {
    return this.list.map((c) => c.insns);
  }

  /** The latest checkpoint at or before `insns` (and, with `timeNs`, not after that simulated time). */
  latest(insns: number, timeNs = Infinity): C | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const c = this.list[i];
      if (c.insns <= insns && c.timeNs <= timeNs) return c;
    }
    return undefined;
  }

  /**
   * The summary of the history from `from` to `to`, two consecutive
   * checkpoints, if it was recorded (else undefined: nothing is known of it).
   */
  summaryBetween(from: C, to: C): StretchSummary | undefined {
    return to.stretch?.from === from ? to.stretch.summary : undefined;
  }

  /** Checkpoints at or before `insns`, latest first. */
  before(insns: number): C[] {
    return this.list.filter((c) => c.insns <= insns).reverse();
  }

  /**
   * Instructions from `insns` to the next multiple of the interval. The
   * runtime ends its slices there — in fact at the machine's first round
   * boundary at or after it, a point of the history itself — so checkpoints
   * fall at the same moments however fast the host ran the slices before
   * (slice lengths follow the host's speed, to keep the editor responsive).
   */
  untilMark(insns: number): number {
    return this.enabled ? this.interval - (insns % this.interval) : Infinity;
  }

  /** Is a checkpoint due at `insns`: the first since the latest mark (untilMark), and none half an interval after? */
  due(insns: number): boolean {
    if (!this.enabled) return false;
    const prev = this.latest(insns);
    if (prev && Math.floor(prev.insns / this.interval) === Math.floor(insns / this.interval)) return false;
    const next = this.list.find((c) => c.insns > insns);
    return !next || next.insns - insns >= this.interval / 2;
  }

  add(c: C): void {
    let i = this.list.length;
    while (i > 0 && this.list[i - 1].insns > c.insns) i--;
    if (i > 0 && this.list[i - 1].insns === c.insns) this.remove(i - 1), i--; // the newer one of the same moment wins
    this.list.splice(i, 0, c);
    this.count(c, +1);
    while (this.held > this.budgetBytes && this.list.length > 2) this.remove(this.thinnest());
  }

  /** Drop the checkpoints at or after `insns` (their history was replaced: an edit, a change of stack watches). */
  dropFrom(insns: number): void {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i].insns >= insns) this.remove(i);
  }

  clear(): void {
    this.dropFrom(-Infinity);
  }

  /**
   * The checkpoint whose removal matters least: the smallest gap it would
   * leave, relative to its distance from the newest (so the spacing grows
   * geometrically going back). Never the first nor the newest.
   */
  private thinnest(): number {
    const l = this.list;
    const newest = l[l.length - 1].insns;
    let best = 1, bestScore = Infinity;
    for (let i = 1; i < l.length - 1; i++) {
      const score = (l[i + 1].insns - l[i - 1].insns) / Math.max(1, newest - l[i].insns);
      if (score < bestScore) { bestScore = score; best = i; }
    }
    return best;
  }

  private remove(i: number): void {
    // the stretches on both sides of it become one, if both were recorded
    const prev = this.list[i - 1], c0 = this.list[i], next = this.list[i + 1];
    if (prev && next && c0.stretch?.from === prev && next.stretch?.from === c0) {
      next.stretch = { from: prev, summary: mergeSummaries(c0.stretch.summary, next.stretch.summary) };
    }
    const [c] = this.list.splice(i, 1);
    this.count(c, -1);
  }

  private count(c: C, delta: 1 | -1): void {
    this.held += delta * c.objectBytes;
    for (const p of c.memory.pages.values()) {
      const n = (this.pageRefs.get(p.data) ?? 0) + delta;
      if (n === 0) { this.pageRefs.delete(p.data); this.held -= p.data.byteLength; }
      else {
        if (n === 1 && delta > 0) this.held += p.data.byteLength;
        this.pageRefs.set(p.data, n);
      }
    }
  }
}
