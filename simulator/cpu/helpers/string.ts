// String instructions (movs stos lods cmps scas) with rep/repe/repne. One
// element per iteration through the ordinary memory accessors, so faults and
// data breakpoints behave exactly as for single moves.

import type { Memory } from '../../memory/memory';
import { compareFlags } from './flags';

export const enum StringKind { MOVS = 0, STOS = 1, LODS = 2, CMPS = 3, SCAS = 4 }
export const enum RepKind { NONE = 0, REPE = 1, REPNE = 2 }
export const enum StringResult { DONE = 0, TRAP = 1, FAULT = 2 }

/** Index register advance: reg += delta (64-bit, or 32-bit with upper half cleared under a 67h prefix). */
function advance(R: Int32Array, slot: number, delta: number, addr32: boolean): void {
  const t = (R[slot] >>> 0) + delta;
  R[slot] = t | 0;
  R[slot + 1] = addr32 ? 0 : (R[slot + 1] + Math.floor(t / 4294967296)) | 0;
}

export function createStringOp(mem: Memory, R: Int32Array, F: Int32Array, T: Int32Array) {
  const { ld8, ld16, ld32, ld64, st8, st16, st32, st64 } = mem;
  const S = mem.scratch;
  const load = (size: number, lo: number, hi: number): number =>
    size === 1 ? ld8(lo, hi) : size === 2 ? ld16(lo, hi) : size === 4 ? ld32(lo, hi) : ld64(lo, hi);
  const store = (size: number, lo: number, hi: number, v: number, vh: number): void => {
    if (size === 1) st8(lo, hi, v); else if (size === 2) st16(lo, hi, v); else if (size === 4) st32(lo, hi, v); else st64(lo, hi, v, vh);
  };
  const accLo = (size: number): number => size === 1 ? R[0] & 255 : size === 2 ? R[0] & 65535 : R[0];

  /** The fault the last stringOp stopped on (see stringOp). */
  let fault: unknown = null;

  /**
   * Execute the instruction: StringResult.DONE, TRAP if it stopped before RCX
   * reached zero because a trap is pending (the instruction is then
   * restarted), FAULT if an access faulted — returned, not thrown, so the
   * block reloads the registers this changed before it throws stringFault()
   * (registerLocals.ts: the block's copies of RAX, RCX, RSI and RDI must not
   * be written back over the progress made before the fault).
   */
  function stringOp(kind: StringKind, size: number, rep: RepKind, addr32: boolean): StringResult {
    try {
      return run(kind, size, rep, addr32) ? StringResult.TRAP : StringResult.DONE;
    } catch (e) {
      fault = e;
      return StringResult.FAULT;
    }
  }

  function stringFault(): unknown {
    const e = fault;
    fault = null;
    return e;
  }

  return { stringOp, stringFault };

  function run(kind: StringKind, size: number, rep: RepKind, addr32: boolean): boolean {
    const step = F[6] !== 0 ? -size : size;
    for (;;) {
      if (rep !== RepKind.NONE && (addr32 ? R[2] : R[2] | R[3]) === 0) return false;
      const siHi = addr32 ? 0 : R[13], diHi = addr32 ? 0 : R[15];
      let vh = 0;
      switch (kind) {
        case StringKind.MOVS: {
          const v = load(size, R[12], siHi); vh = S[0];
          store(size, R[14], diHi, v, vh);
          advance(R, 12, step, addr32); advance(R, 14, step, addr32);
          break;
        }
        case StringKind.STOS:
          store(size, R[14], diHi, accLo(size), R[1]);
          advance(R, 14, step, addr32);
          break;
        case StringKind.LODS: {
          const v = load(size, R[12], siHi); vh = S[0];
          if (size === 8) { R[0] = v; R[1] = vh; }
          else if (size === 4) { R[0] = v; R[1] = 0; }
          else R[0] = (R[0] & (size === 1 ? -256 : -65536)) | v;
          advance(R, 12, step, addr32);
          break;
        }
        case StringKind.CMPS: {
          const a = load(size, R[12], siHi), ah = S[0];
          const b = load(size, R[14], diHi), bh = S[0];
          compareFlags(F, size, a, ah, b, bh);
          advance(R, 12, step, addr32); advance(R, 14, step, addr32);
          break;
        }
        default: { // SCAS: compare accumulator with [rdi]
          const b = load(size, R[14], diHi), bh = S[0];
          compareFlags(F, size, accLo(size), R[1], b, bh);
          advance(R, 14, step, addr32);
        }
      }
      if (rep === RepKind.NONE) return false;
      advance(R, 2, -1, addr32);
      if (kind === StringKind.CMPS || kind === StringKind.SCAS) {
        if (rep === RepKind.REPE && F[3] === 0) return false;
        if (rep === RepKind.REPNE && F[3] !== 0) return false;
      }
      if (T[0] !== 0 && (addr32 ? R[2] : R[2] | R[3]) !== 0) return true;
    }
  }
}
