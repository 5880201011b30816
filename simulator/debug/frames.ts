// Stack frames of a task, from its shadow call stack (exact even when the
// guest has smashed its own stack) and the stack pointer recorded at each
// call — the function's entry RSP, so its CFA (entry RSP + 8, gcc's DWARF
// frame base) is exact for every frame, not only the innermost one, with
// no CFI and no fprobe.

import type { ShadowStack } from '../kernel/shadowStack';
import type { CallFrameInfo } from './cfi';
import { DWARF_TO_GPR, getGpr, RegisterFile } from './registers';

/** A callee-saved register's value in a caller frame, and where a callee saved it (if one did). */
export interface SavedRegister {
  value: bigint;
  address?: bigint;
}

/** One frame of a call stack, innermost first. */
export interface RawFrame {
  index: number;
  /** RIP for the innermost frame; the return address for its callers. */
  pc: bigint;
  /** Where to look up the line and the variables in scope: inside the call for callers. */
  lookupPc: bigint;
  /** Canonical frame address (RSP before the call that entered this frame). */
  cfa?: bigint;
  /** RSP in this frame: the register for the innermost, the callee's CFA for callers. */
  sp?: bigint;
  /** Callers: the callee-saved registers (GPR number → value) recovered through CFI. */
  saved?: Map<number, SavedRegister>;
}

/** rbx, rbp, r12–r15: the registers a callee must preserve (SysV x86-64). */
const CALLEE_SAVED = [3, 5, 12, 13, 14, 15];

/**
 * Fill in each caller frame's callee-saved registers: they are the callee's
 * own values unless the callee's CFI says it saved them on its stack (then
 * they are read there). Frames without CFI (kernel stubs implemented on the
 * host, which preserve every register) pass them through unchanged.
 */
export function recoverSavedRegisters(frames: RawFrame[], top: RegisterFile, cfi: CallFrameInfo | null,
  read: (address: bigint) => bigint | undefined): void {
  let regs = new Map<number, SavedRegister>(CALLEE_SAVED.map((g) => [g, { value: getGpr(top, g) }]));
  for (let k = 1; k < frames.length; k++) {
    const callee = frames[k - 1];
    const row = cfi?.rowAt(callee.lookupPc);
    const next = new Map(regs);
    if (row) {
      const cfa = callee.cfa ?? (() => {
        const g = DWARF_TO_GPR[row.cfaReg];
        const base = k - 1 === 0 ? getGpr(top, g) : g === 4 ? callee.sp : regs.get(g)?.value;
        return base === undefined ? undefined : base + BigInt(row.cfaOffset);
      })();
      for (const [dwarf, offset] of row.saved) {
        const g = DWARF_TO_GPR[dwarf];
        if (g === undefined || !CALLEE_SAVED.includes(g)) continue;
        const address = cfa === undefined ? undefined : cfa + BigInt(offset);
        const value = address === undefined ? undefined : read(address);
        if (value === undefined) next.delete(g); else next.set(g, { value, address });
      }
    }
    frames[k].saved = next;
    regs = next;
  }
}

/**
 * Records RSP after every call instruction, per task, by shadow-stack
 * depth: the slot of a frame is rewritten whenever a frame at that depth is
 * entered, so the slots below the current depth always describe the live
 * frames.
 */
export class EntrySpTracker {
  /** A Map, not a WeakMap: a checkpoint copies it (tasks live as long as their machine). */
  private readonly table = new Map<object, Int32Array>();

  /** After a call: the frame at `depth - 1` was entered with RSP = (lo, hi). */
  record(owner: object, depth: number, lo: number, hi: number): void {
    if (depth <= 0) return;
    let t = this.table.get(owner);
    const i = 2 * (depth - 1);
    if (!t || t.length < i + 2) {
      const bigger = new Int32Array(Math.max(64, (i + 2) * 2));
      if (t) bigger.set(t);
      this.table.set(owner, t = bigger);
    }
    t[i] = lo; t[i + 1] = hi;
  }

  entrySp(owner: object, index: number): bigint | undefined {
    const t = this.table.get(owner);
    if (!t || 2 * index + 1 >= t.length) return undefined;
    const lo = t[2 * index], hi = t[2 * index + 1];
    if (lo === 0 && hi === 0) return undefined;
    return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  }
}

export interface UnwindSource {
  shadow: ShadowStack;
  /** Return addresses innermost first, with trampolines replaced by where they return (fprobe). */
  returnAddresses: bigint[];
  /** Entry RSP of the frame at shadow index i (0 = outermost), if known. */
  entrySp(index: number): bigint | undefined;
  rip: bigint;
  rsp: bigint;
}

/** The frames of a task: its current function, then one per shadow-stack entry. */
export function unwind(src: UnwindSource): RawFrame[] {
  const depth = src.shadow.depth;
  const cfaOf = (k: number): bigint | undefined => {
    const i = depth - 1 - k; // shadow index of the call that entered frame k
    if (i < 0) return undefined;
    const sp = src.entrySp(i);
    return sp === undefined ? undefined : sp + 8n;
  };
  const frames: RawFrame[] = [{ index: 0, pc: src.rip, lookupPc: src.rip, cfa: cfaOf(0), sp: src.rsp }];
  src.returnAddresses.forEach((ret, j) => {
    const k = j + 1;
    frames.push({ index: k, pc: ret, lookupPc: ret - 1n, cfa: cfaOf(k), sp: frames[k - 1].cfa });
  });
  return frames;
}
