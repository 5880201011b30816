// Hit counts of breakpoints with a hit condition, as a function of the
// position in history (time travel): a count starts where the breakpoint
// was set — its position `since` — and counts the hits from there. Going
// back restores the counts the history had at that point (the runtime keeps
// them with each checkpoint), so going forward again stops at the same Nth
// hit; before `since` nothing is counted (and a hit condition never holds
// there: the breakpoint did not exist at that point of the history run).

/** One breakpoint's count: what a checkpoint keeps and a restore puts back. */
export interface HitCounter {
  /** The position (retired instructions) where the breakpoint was set. */
  readonly since: number;
  hits: number;
}

/**
 * Count a hit at `position`: false when it is before the breakpoint was set
 * (not counted, and a breakpoint with a hit condition does not stop there).
 */
export function countHit(c: HitCounter, position: number): boolean {
  if (position < c.since) return false;
  c.hits++;
  return true;
}

/** Does any of these breakpoints count its hits (has a hit condition)? */
export function countsHits(specs: readonly { hitCondition?: string }[]): boolean {
  return specs.some((s) => !!s.hitCondition?.trim());
}

/** The counts now, for a checkpoint at this position. */
export function saveCounts(counters: Iterable<HitCounter>): Map<HitCounter, number> {
  return new Map([...counters].map((c) => [c, c.hits]));
}

/**
 * Back at a checkpoint taken at `position` with `saved`: each count as it
 * was there (0 for a breakpoint set after that point). A breakpoint set at
 * or before the checkpoint has its count in it: checkpoints after the moment
 * a counted breakpoint is set are dropped (runtime.ts).
 */
export function restoreCounts(counters: Iterable<HitCounter>, position: number, saved: ReadonlyMap<HitCounter, number>): void {
  for (const c of counters) c.hits = position < c.since ? 0 : saved.get(c) ?? 0;
}
