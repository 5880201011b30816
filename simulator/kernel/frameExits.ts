// The frames a task's functions left behind: for each call depth, the last
// few frames that returned from it (callee entry, CFA, simulated time), so a
// report can say whose a stack address was before its current frame took it
// (KStackWatch's origin line). Recorded on every return from the shadow
// stack's pop, so it costs a few typed-array stores and never allocates on
// the hot path (the arrays grow with the deepest call only).

/** Frames remembered per call depth: distinct callees at the same depth (a loop calling several helpers). */
const WAYS = 4;
const FIELDS = 4; // targetLo, targetHi, cfaLo, cfaHi

/** One remembered frame, as read back (off the hot path). */
export interface FrameExit {
  /** Entry address of the function whose frame it was. */
  target: bigint;
  /** Its canonical frame address: RSP just after its ret (the return address lay at CFA-8). */
  cfa: bigint;
  /** Simulated time of its return. */
  returnedNs: number;
  /** Its call depth (0: the task's outermost function). */
  depth: number;
}

export class FrameExits {
  private data = new Int32Array(16 * WAYS * FIELDS);
  private times = new Float64Array(16 * WAYS);
  /** Next way to overwrite at each depth (round robin over the ways no same-callee entry claims). */
  private next = new Uint8Array(16);
  private depths = 0;

  /** A frame at `depth` whose function began at target returned at nowNs, leaving RSP = cfa. */
  record(depth: number, targetLo: number, targetHi: number, cfaLo: number, cfaHi: number, nowNs: number): void {
    if (depth >= this.next.length) this.grow(depth + 1);
    if (depth >= this.depths) this.depths = depth + 1;
    const d = this.data;
    const base = depth * WAYS;
    let way = -1;
    for (let w = 0; w < WAYS; w++) {
      const i = (base + w) * FIELDS;
      if (d[i] === targetLo && d[i + 1] === targetHi && d[i + 2] === cfaLo && d[i + 3] === cfaHi) { way = w; break; }
    }
    if (way < 0) { way = this.next[depth]; this.next[depth] = (way + 1) % WAYS; }
    const i = (base + way) * FIELDS;
    d[i] = targetLo; d[i + 1] = targetHi; d[i + 2] = cfaLo; d[i + 3] = cfaHi;
    this.times[base + way] = nowNs;
  }

  /** Every remembered frame whose CFA lies above addr (the only ones that can have held it). */
  above(addr: bigint): FrameExit[] {
    const out: FrameExit[] = [];
    const d = this.data;
    for (let slot = 0; slot < this.depths * WAYS; slot++) {
      const i = slot * FIELDS;
      if (d[i] === 0 && d[i + 1] === 0) continue;
      const cfa = join(d[i + 2], d[i + 3]);
      if (cfa <= addr) continue;
      out.push({ target: join(d[i], d[i + 1]), cfa, returnedNs: this.times[slot], depth: Math.floor(slot / WAYS) });
    }
    return out;
  }

  private grow(depths: number): void {
    const n = Math.max(depths, this.next.length * 2);
    const data = new Int32Array(n * WAYS * FIELDS); data.set(this.data); this.data = data;
    const times = new Float64Array(n * WAYS); times.set(this.times); this.times = times;
    const next = new Uint8Array(n); next.set(this.next); this.next = next;
  }
}

function join(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
