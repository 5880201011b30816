// The debugger's writes as part of the history (time travel): a Set Value,
// a setExpression, a writeMemory or a register change made while stopped is
// recorded with the moment it was made (retired instructions, simulated
// ns), and every replay of the history makes it again at that same moment —
// so going back before it shows the old value, forward past it the new one,
// and what the program does after it is the edited history.

import type { RegisterRef } from './registers';

/** One write: bytes into memory (virtual, as the debugger writes), or one register of a task. */
export type Edit =
  | { kind: 'memory'; address: bigint; bytes: Uint8Array }
  | { kind: 'register'; pid: number; ref: RegisterRef; value: bigint };

/** A moment of the history: the same as TimePoint in reverseSearch.ts. */
export interface Moment { insns: number; time_ns: number }

interface Recorded { at: Moment; edit: Edit }

/** a is later than b (several stops can share a position; the simulated time orders them). */
function later(a: Moment, b: Moment): boolean {
  return a.insns > b.insns || (a.insns === b.insns && a.time_ns > b.time_ns);
}

export class EditLog {
  private readonly records: Recorded[] = [];
  /** Records before this index have been made in the machine's current history. */
  private cursor = 0;

  get size(): number {
    return this.records.length;
  }

  /**
   * An edit made now (already written by the debugger). Edits recorded
   * later in history than `at` belonged to a future this edit replaces:
   * they are dropped, and their count returned.
   */
  record(at: Moment, edit: Edit): number {
    let keep = this.records.length;
    while (keep > 0 && later(this.records[keep - 1].at, at)) keep--;
    const dropped = this.records.length - keep;
    this.records.length = keep;
    this.records.push({ at, edit });
    this.cursor = this.records.length;
    return dropped;
  }

  /** How many of the recorded edits the machine's current history has made (a checkpoint keeps it). */
  get made(): number {
    return this.cursor;
  }

  /** The machine is back at a checkpoint that had made `n` of them. */
  rewindTo(n: number): void {
    this.cursor = Math.min(n, this.records.length);
  }

  /** A rebuilt machine is at the start of the history: nothing is made yet. */
  rewind(): void {
    this.cursor = 0;
  }

  clear(): void {
    this.records.length = 0;
    this.cursor = 0;
  }

  /** The position of the next edit to make, or Infinity. */
  nextPosition(): number {
    return this.cursor < this.records.length ? this.records[this.cursor].at.insns : Infinity;
  }

  /**
   * Make every edit whose moment has come (`now` at or after it), in the
   * order they were made. Cheap when none is due: one compare.
   */
  makeDue(now: Moment, make: (e: Edit) => void): void {
    while (this.cursor < this.records.length) {
      const r = this.records[this.cursor];
      if (later(r.at, now)) return;
      this.cursor++;
      make(r.edit);
    }
  }
}
