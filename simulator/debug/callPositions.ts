// Where each live frame began (time travel's restartFrame): the position
// in history (retired instructions) right after the call that made it,
// recorded by the call observer per task and shadow-stack index, with the
// function the call entered. A slot is rewritten whenever a frame at that
// index is entered — by a call instruction, or by a host function calling
// into the module (a sort() comparison, a work item: the kernel's call
// observer sees those too) — so a slot whose function is the live frame's
// describes that frame. (Not the return address: KStackWatch's exit probe
// replaces it with a trampoline.) A thread's first function is not entered
// by a call: its slot is never written, and the runtime takes the thread's
// first run instead.
// It is part of the history: a checkpoint copies it with the target.

interface Slots {
  pos: Float64Array;
  /** The function the call entered, lo/hi pairs. */
  target: Int32Array;
}

export class CallPositions {
  /** A Map, not a WeakMap: a checkpoint copies it (tasks live as long as their machine). */
  private readonly table = new Map<object, Slots>();

  /** After a call (the frame at `depth - 1` was entered) at position `pos`, into the function at (targetLo, targetHi). */
  record(owner: object, depth: number, pos: number, targetLo: number, targetHi: number): void {
    if (depth <= 0) return;
    const i = depth - 1;
    let s = this.table.get(owner);
    if (!s || s.pos.length <= i) {
      const n = Math.max(64, (i + 1) * 2);
      const bigger: Slots = { pos: new Float64Array(n), target: new Int32Array(2 * n) };
      if (s) { bigger.pos.set(s.pos); bigger.target.set(s.target); }
      this.table.set(owner, s = bigger);
    }
    s.pos[i] = pos;
    s.target[2 * i] = targetLo; s.target[2 * i + 1] = targetHi;
  }

  /** The position right after the call that made the frame at shadow index `index`, if that call entered `target`. */
  at(owner: object, index: number, target: bigint): number | undefined {
    const s = this.table.get(owner);
    if (!s || index < 0 || index >= s.pos.length) return undefined;
    const lo = Number(target & 0xffffffffn) | 0, hi = Number((target >> 32n) & 0xffffffffn) | 0;
    return s.target[2 * index] === lo && s.target[2 * index + 1] === hi && s.pos[index] > 0 ? s.pos[index] : undefined;
  }
}
