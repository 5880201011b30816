// The wasm tier's translation state (translate.ts): the function body under
// construction, its locals (guest registers and temporaries), the nesting of
// wasm blocks, and the positions the code can leave at. The concerns built on
// it — flags.ts, memoryOps.ts, control.ts — extend this class in that order;
// instruction families (ops/*.ts) call their methods.

import { Insn } from '../decode';
import { Code, FuncType, I32, I64, Op, VOID } from './encoder';
import { XMM_COUNT } from '../registers';

/** Byte offsets in the module's memory of what the code reads and writes. */
export interface WasmLayout {
  R: number; F: number; T: number; W: number;
  /** The XMM registers (16 bytes each, Cpu.xmm), then XMM_SCRATCH more slots (ops/sse.ts), then MXCSR (mxcsrAt). */
  X: number;
  /** The read and write TLBs' 16-byte entries (memory.ts rTlb, wTlb: i64 tag, i32 addend). */
  rTlb: number; wTlb: number;
  /** The CPU's dispatch table, where a block's exit looks its successor up (chain.ts chainExit). */
  dispatch: number; mask: number;
}

/** loadMiss(w, address, ipLo, ipHi) → the w bytes zero-extended; a fault sets T's FAULT bit (the caller leaves). missPaths.ts. */
export const LOAD_MISS_TYPE: FuncType = { params: [I32, I64, I32, I32], results: [I64] };
/** storeW(address, value, ipLo, ipHi) → T[0] after the store (0: go on; FAULT_BIT set: not done; else a trap after it, trapAt called). missPaths.ts. */
export const STORE_MISS_TYPE: FuncType = { params: [I64, I64, I32, I32], results: [I32] };

/** Imported functions, by index (tier.ts supplies them). */
export const enum Import { Load = 0, Store = 1, TrapAt = 2, Divide = 3, StackHook = 4, LoadMiss = 5, StoreMiss1 = 6, Settle = 10, SseCheck = 11, SseCall = 12 }
export const IMPORT_TYPES: FuncType[] = [
  { params: [I32, I32, I32, I32, I32], results: [I32] }, // load(size, lo, hi, ipLo, ipHi) → value (8 bytes: high half in W[0])
  { params: [I32, I32, I32, I32, I32, I32, I32], results: [] }, // store(size, lo, hi, vlo, vhi, ipLo, ipHi)
  { params: [I32, I32], results: [] }, // trapAt(ipLo, ipHi): C.trapInsn = the store that trapped
  { params: [I32, I32, I32, I32, I32, I32], results: [] }, // divide(signed, size, lo, hi, ipLo, ipHi): div/idiv on R's rAX/rDX
  { params: [I32, I32, I32, I32], results: [] }, // stackHook(call, retLo, retHi, retired): C.onCall(retLo, retHi) or C.onRet()
  LOAD_MISS_TYPE, // the miss paths (missPaths.ts): loadMiss, then a store's for 1, 2, 4 and 8 bytes
  STORE_MISS_TYPE, STORE_MISS_TYPE, STORE_MISS_TYPE, STORE_MISS_TYPE,
  { params: [], results: [] }, // settle(): the pending flags (lazyFlags.ts) into F's slots
  { params: [I32, I32, I32, I32, I32], results: [] }, // sseCheck(aligned, lo, hi, ipLo, ipHi): a 16-byte access's fault (ops/sse.ts), reported as a fault
  { params: [I32, I32, I32, I32, I32, I32, I32], results: [I32] }, // sseCall(op, a, b, c, d, ipLo, ipHi): the JS tier's SSE helper SSE_CALLS[op] (ops/sseFloat.ts)
];

/** 16-byte slots past the XMM registers (Cpu.xmm) that the wasm tier uses as scratch: a memory operand of a packed instruction. */
export const XMM_SCRATCH = 1;

/** Byte offset of MXCSR's word (Cpu.mxcsr) in the wasm memory. */
export function mxcsrAt(L: WasmLayout): number {
  return L.X + 16 * (XMM_COUNT + XMM_SCRATCH);
}

/** The import of a w-byte store's miss path. */
export function storeMissImport(w: number): number {
  return Import.StoreMiss1 + (w === 8 ? 3 : w === 4 ? 2 : w === 2 ? 1 : 0);
}

/** Bits of W[1] (tier.ts sets them before each run): which of the CPU's call/return hooks are set. */
export const enum HookBit { CALL = 1, RET = 2 }

/** TrapBit.FAULT: an accessor called on a TLB miss faulted. */
export const FAULT_BIT = 16;

/** Thrown by a translation step the subset does not cover: the block stays JS. */
export class Unsupported extends Error {}

export class WasmCode {
  readonly c = new Code();
  readonly localTypes: number[] = [];
  readonly gpr = new Map<number, number>();
  /** Registers the code writes (the epilogue stores them back). */
  readonly written = new Set<number>();
  /** Nesting depth of wasm blocks around the current code, counted from the function body. */
  nest = 0;
  exitNest = 0;
  topNest = 0;
  /** Positions (instruction counts in the iteration) the block can leave at. */
  readonly exitAt = new Set<number>();
  // temporaries
  readonly base: number; readonly it: number; readonly xn: number; readonly xfault: number;
  readonly xip: number; readonly ad: number; readonly v: number; readonly t: number;
  readonly ma: number; readonly ta: number; readonly tb: number; readonly tc: number; readonly tr: number;
  readonly lo32: number; readonly s: number;
  /** Instructions of this round that forward branches inside the trace skipped (control.ts): not retired. */
  readonly skipped: number;
  /** What a store's miss path said (memoryOps.ts store: fault, trap or neither). */
  readonly st: number;
  /** The instruction being translated (what a declined translation stopped at). */
  k = 0;

  constructor(readonly insns: Insn[], readonly L: WasmLayout) {
    this.base = this.local(I32); this.it = this.local(I32); this.xn = this.local(I32); this.xfault = this.local(I32);
    this.xip = this.local(I64); this.ad = this.local(I64); this.v = this.local(I64); this.t = this.local(I64);
    this.ma = this.local(I64); this.ta = this.local(I64); this.tb = this.local(I64); this.tc = this.local(I64); this.tr = this.local(I64);
    this.lo32 = this.local(I32); this.s = this.local(I32);
    this.skipped = this.local(I32);
    this.st = this.local(I32);
  }

  /** Push the instructions retired before position `pos` of the round under way (i32). */
  retired(pos: number): void {
    this.c.get(this.base).i32(pos).op(Op.I32Add).get(this.skipped).op(Op.I32Sub);
  }

  local(type: number): number {
    this.localTypes.push(type);
    return this.localTypes.length - 1;
  }

  /** The i64 local holding guest register n (loaded from R in the prologue). */
  reg(n: number): number {
    let l = this.gpr.get(n);
    if (l === undefined) this.gpr.set(n, l = this.local(I64));
    return l;
  }

  open(op: Op, type = VOID): void { this.c.op(op, type); this.nest++; }
  end(): void { this.c.op(Op.End); this.nest--; }
  brExit(): void { this.c.br(this.nest - this.exitNest); }

  /** Leave after `pos` instructions of the round, RIP = lo:hi. */
  exitTo(pos: number, lo: number, hi: number): void {
    this.c.i32(pos).set(this.xn).i64(lo, hi).set(this.xip);
    this.exitAt.add(pos);
    this.brExit();
  }

  /** Leave after `pos` instructions of the round, RIP = the i64 in local `target`. */
  exitVia(pos: number, target: number): void {
    this.c.get(target).set(this.xip).i32(pos).set(this.xn);
    this.exitAt.add(pos);
    this.brExit();
  }

  signExtend(w: number): void {
    if (w === 4) this.c.op(Op.I64Extend32S);
    else if (w === 2) this.c.op(Op.I64Extend16S);
    else if (w === 1) this.c.op(Op.I64Extend8S);
  }

  mask(w: number): void {
    if (w === 4) this.c.i64(-1, 0).op(Op.I64And);
    else if (w === 2) this.c.i64(0xffff, 0).op(Op.I64And);
    else if (w === 1) this.c.i64(0xff, 0).op(Op.I64And);
  }
}
