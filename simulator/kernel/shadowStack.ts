// A per-task shadow call stack, kept by the CPU's call/ret hooks rather
// than read from guest memory, so a Call Trace stays exact even after the
// guest has smashed its own stack.

const ENTRY = 4; // retLo, retHi, targetLo, targetHi

export interface ShadowFrame {
  /** Return address pushed by the call (the call site is just before it). */
  ret: bigint;
  /** Address the call went to (the callee's entry). */
  target: bigint;
}

export class ShadowStack {
  private data = new Int32Array(64 * ENTRY);
  depth = 0;

  push(retLo: number, retHi: number, targetLo: number, targetHi: number): void {
    if ((this.depth + 1) * ENTRY > this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    const i = this.depth++ * ENTRY;
    this.data[i] = retLo; this.data[i + 1] = retHi; this.data[i + 2] = targetLo; this.data[i + 3] = targetHi;
  }

  /**
   * A ret went to (lo, hi): pop the matching frame, or several if frames
   * were skipped (longjmp). Returns the popped frame's depth (its callee
   * entry stays readable through targetLo/targetHi until the next call),
   * or -1 for a ret that matches no call.
   */
  returned(lo: number, hi: number): number {
    const d = this.data;
    for (let j = this.depth - 1; j >= 0 && j >= this.depth - 64; j--) {
      if (d[j * ENTRY] === lo && d[j * ENTRY + 1] === hi) { this.depth = j; return j; }
    }
    // a ret that matches no call (used as an indirect jump): leave the stack alone
    return -1;
  }

  /** The callee entry of the frame at depth j (low half). */
  targetLo(j: number): number {
    return this.data[j * ENTRY + 2];
  }

  targetHi(j: number): number {
    return this.data[j * ENTRY + 3];
  }

  /** If the innermost frame returns to (oldLo, oldHi), make it return to (newLo, newHi). */
  replaceTopReturn(oldLo: number, oldHi: number, newLo: number, newHi: number): void {
    if (this.depth === 0) return;
    const i = (this.depth - 1) * ENTRY;
    if (this.data[i] === oldLo && this.data[i + 1] === oldHi) { this.data[i] = newLo; this.data[i + 1] = newHi; }
  }

  /** Frames innermost first. */
  frames(): ShadowFrame[] {
    const out: ShadowFrame[] = [];
    for (let j = this.depth - 1; j >= 0; j--) {
      const i = j * ENTRY;
      out.push({ ret: join(this.data[i], this.data[i + 1]), target: join(this.data[i + 2], this.data[i + 3]) });
    }
    return out;
  }

  clear(): void {
    this.depth = 0;
  }
}

function join(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
