// The wasm tier's translator (experimental, KSW_WASM=1; tier.ts): a block
// that loops on itself and uses only a small integer subset becomes one
// WebAssembly function. Guest registers live in i64 locals for the whole
// call; loads and stores inline the TLB hit path on the guest's physical
// memory (the module's memory) and call out to the memory's accessors on a
// miss. Flags are lazy: each flag-writing instruction keeps its inputs and
// result in locals of its own, a branch computes only what its condition
// reads, and the one exit site writes the six flags current where the block
// left (the instruction count `xn` picks the case), as the JS blocks do —
// so a fault, a trap or a side exit sees exact flags and registers.
//
// Anything outside the subset returns null and the block stays JS.

import { ConditionCode, FlowControl, Mnemonic } from 'iced-x86';
import { Insn, MemOperand, Operand, OpKind } from '../decode';
import { Code, FuncType, I32, I64, moduleBytes, Op, uleb, VOID } from './encoder';

/** Byte offsets in the module's memory of what the code reads and writes. */
export interface WasmLayout {
  R: number; F: number; T: number; W: number;
  rTagA: number; rTagB: number; rBase: number;
  wTagA: number; wTagB: number; wBase: number; wStart: number; wEnd: number;
}

/** Imported functions, by index (tier.ts supplies them). */
export const enum Import { Load = 0, Store = 1, TrapAt = 2 }
export const IMPORT_TYPES: FuncType[] = [
  { params: [I32, I32, I32, I32, I32], results: [I32] }, // load(size, lo, hi, ipLo, ipHi) → value (8 bytes: high half in W[0])
  { params: [I32, I32, I32, I32, I32, I32, I32], results: [] }, // store(size, lo, hi, vlo, vhi, ipLo, ipHi)
  { params: [I32, I32], results: [] }, // trapAt(ipLo, ipHi): C.trapInsn = the store that trapped
];

const FAULT_BIT = 16; // TrapBit.FAULT
const LOOP_INSN_LIMIT = 8192; // as compiler.ts

const enum Kind { Add, Adc, Sub, Sbb, Logic, Inc, Dec, Neg, Shl, Shr, Sar, Rol, Ror, Imul }
const CF = 0, PF = 1, AF = 2, ZF = 3, SF = 4, OF = 5;
const ALL6 = 0x3f;
/** Which of the six flags each kind writes (bit f = FlagSlot f). */
function writes(k: Kind): number {
  if (k === Kind.Inc || k === Kind.Dec) return ALL6 & ~(1 << CF);
  if (k === Kind.Rol || k === Kind.Ror || k === Kind.Imul) return (1 << CF) | (1 << OF);
  return ALL6;
}

interface Producer { kind: Kind; w: number; a: number; b: number; r: number; c: number; n: number }

class Unsupported extends Error {}

/** KSW_WASM=why: say which instruction kept each self-looping block in JS. */
const WHY = typeof process !== 'undefined' && process.env.KSW_WASM === 'why';

/** Compile a self-looping block to a wasm module, or null when it uses anything outside the subset. */
export function translateLoop(trace: Insn[], lo: number, hi: number, layout: WasmLayout): Uint8Array | null {
  // The round: up to the first branch back to the start. A trace goes on past it (its fall-through);
  // the wasm code leaves there instead and the dispatcher runs the rest.
  const m = trace.findIndex((d) => d.targetLo === lo && d.targetHi === hi &&
    (d.flowControl === FlowControl.ConditionalBranch || d.flowControl === FlowControl.UnconditionalBranch));
  if (m < 0) return null;
  const insns = trace.slice(0, m + 1);
  const t = new Translator(insns, lo, hi, trace.length, layout);
  try {
    return t.module();
  } catch (e) {
    if (!(e instanceof Unsupported)) throw e;
    if (WHY) process.stderr.write(`wasm tier: left to JS at ${insns[t.at].text}\n`);
    return null;
  }
}

class Translator {
  private readonly c = new Code();
  private readonly localTypes: number[] = [];
  private readonly gpr = new Map<number, number>();
  private readonly written = new Set<number>();
  private readonly producers: (Producer | null)[];
  /** Nesting depth of wasm blocks around the current code, counted from the function body. */
  private nest = 0;
  private exitNest = 0;
  private topNest = 0;
  /** Positions (instruction counts in the iteration) the block can leave at. */
  private readonly exitAt = new Set<number>();
  // temporaries
  private readonly base: number; private readonly it: number; private readonly xn: number; private readonly xfault: number;
  private readonly xip: number; private readonly ad: number; private readonly v: number; private readonly t: number;
  private readonly ma: number; private readonly ta: number; private readonly tb: number; private readonly tc: number; private readonly tr: number;
  private readonly lo32: number; private readonly hi32: number; private readonly p: number; private readonly s: number; private readonly o: number;
  private k = 0;
  /** The instruction being translated (what a declined translation stopped at). */
  get at(): number { return this.k; }

  /** `length`: the whole trace's, which the JS block's budget check uses (the round may be shorter). */
  constructor(private readonly insns: Insn[], private readonly lo: number, private readonly hi: number,
    private readonly length: number, private readonly L: WasmLayout) {
    this.producers = insns.map(() => null);
    this.base = this.local(I32); this.it = this.local(I32); this.xn = this.local(I32); this.xfault = this.local(I32);
    this.xip = this.local(I64); this.ad = this.local(I64); this.v = this.local(I64); this.t = this.local(I64);
    this.ma = this.local(I64); this.ta = this.local(I64); this.tb = this.local(I64); this.tc = this.local(I64); this.tr = this.local(I64);
    this.lo32 = this.local(I32); this.hi32 = this.local(I32); this.p = this.local(I32); this.s = this.local(I32); this.o = this.local(I32);
  }

  private local(type: number): number {
    this.localTypes.push(type);
    return this.localTypes.length - 1;
  }

  private reg(n: number): number {
    let l = this.gpr.get(n);
    if (l === undefined) this.gpr.set(n, l = this.local(I64));
    return l;
  }

  private open(op: Op, type = VOID): void { this.c.op(op, type); this.nest++; }
  private end(): void { this.c.op(Op.End); this.nest--; }
  private brExit(): void { this.c.br(this.nest - this.exitNest); }

  module(): Uint8Array {
    const n = this.insns.length, c = this.c;
    // body first (registers are discovered as it goes), prologue prepended afterwards
    this.open(Op.Block); this.exitNest = this.nest;
    this.open(Op.Loop); this.topNest = this.nest;
    for (let j = 0; j < n; j++) { this.k = j; this.insn(this.insns[j], j, j === n - 1); }
    c.op(Op.Unreachable);
    this.end(); this.end();
    const body = c.bytes.splice(0);
    // prologue: registers into locals
    for (const [r, l] of this.gpr) c.i32(0).mem(Op.I64Load, this.L.R + 8 * r).set(l);
    c.bytes.push(...body);
    this.epilogue();
    const groups: [number, number][] = [];
    for (const t of this.localTypes) {
      if (groups.length > 0 && groups[groups.length - 1][1] === t) groups[groups.length - 1][0]++;
      else groups.push([1, t]);
    }
    return moduleBytes(IMPORT_TYPES, groups, c.bytes);
  }

  private epilogue(): void {
    const c = this.c, L = this.L;
    for (const r of this.written) c.i32(0).get(this.gpr.get(r)!).mem(Op.I64Store, L.R + 8 * r);
    // the flags current at the exit: one case per position the block leaves at
    const n = this.insns.length;
    const cases = [...this.exitAt].sort((x, y) => x - y);
    this.open(Op.Block); // done
    const doneNest = this.nest;
    for (let i = cases.length; i >= 0; i--) this.open(Op.Block); // one per case, the outermost the default
    const table: number[] = [];
    for (let pos = 0; pos <= n; pos++) { const at = cases.indexOf(pos); table.push(at < 0 ? cases.length : at); }
    c.get(this.xn).op(Op.BrTable, ...uleb(table.length), ...table.flatMap(uleb), ...uleb(cases.length));
    for (const pos of cases) {
      this.end();
      for (let f = 0; f < 6; f++) {
        if (this.source(f, pos) === null) continue;
        c.i32(0);
        this.flag(f, pos);
        c.mem(Op.I32Store, L.F + 4 * f);
      }
      c.br(this.nest - doneNest);
    }
    this.end(); // the default case: no such position
    c.op(Op.Unreachable);
    this.end(); // done
    c.get(this.xfault).op(Op.I32Eqz);
    this.open(Op.If);
    c.i32(0).get(this.xip).mem(Op.I64Store, L.R + 4 * 32);
    this.end();
    c.get(this.base).get(this.xn).op(Op.I32Add);
  }

  // ---- flags ---------------------------------------------------------------

  private lastProducer(f: number, before: number): number {
    for (let j = before - 1; j >= 0; j--) { const p = this.producers[j]; if (p && (writes(p.kind) >> f) & 1) return j; }
    return -1;
  }

  /** Where flag f comes from at a position: a producer in this round, the previous round's, or null (F as it is). */
  private source(f: number, pos: number): { now: number; carried: number } | null {
    const now = this.lastProducer(f, pos);
    const carried = now >= 0 ? -1 : this.lastProducer(f, this.insns.length);
    return now < 0 && carried < 0 ? null : { now, carried };
  }

  /** Push flag f (i32: 0/1; PF: the result byte) as it is before instruction `pos` of the round under way. */
  private flag(f: number, pos: number): void {
    const c = this.c;
    const src = this.source(f, pos);
    if (src === null) { c.i32(0).mem(Op.I32Load, this.L.F + 4 * f); return; }
    if (src.now >= 0) { this.formula(this.producers[src.now]!, f); return; }
    c.get(this.base);
    this.open(Op.If, I32);
    this.formula(this.producers[src.carried]!, f);
    c.op(Op.Else);
    c.i32(0).mem(Op.I32Load, this.L.F + 4 * f);
    this.end();
  }

  private signBit(local: number, w: number): void {
    this.c.get(local).i64(w * 8 - 1, 0).op(Op.I64ShrU).op(Op.I32WrapI64).i32(1).op(Op.I32And);
  }

  private bit(local: number, b: number): void {
    this.c.get(local).i64(b, 0).op(Op.I64ShrU).op(Op.I32WrapI64).i32(1).op(Op.I32And);
  }

  private isMin(local: number, w: number): void {
    const [mlo, mhi] = w === 8 ? [0, -2147483648] : [2 ** (w * 8 - 1) | 0, 0];
    this.c.get(local).i64(w === 4 ? mlo >>> 0 : mlo, mhi).op(Op.I64Eq);
  }

  /** Push flag f as producer p leaves it (as the JS emitters compute it). */
  private formula(p: Producer, f: number): void {
    const c = this.c;
    const { kind, w, a, b, r } = p;
    switch (f) {
      case ZF: c.get(r).op(Op.I64Eqz); return;
      case SF: this.signBit(r, w); return;
      case PF: c.get(r).op(Op.I32WrapI64).i32(255).op(Op.I32And); return;
      case AF:
        if (kind === Kind.Add || kind === Kind.Adc || kind === Kind.Sub || kind === Kind.Sbb) {
          c.get(a).get(b).op(Op.I64Xor).get(r).op(Op.I64Xor).i64(4, 0).op(Op.I64ShrU).op(Op.I32WrapI64).i32(1).op(Op.I32And);
        } else if (kind === Kind.Inc) c.get(r).op(Op.I32WrapI64).i32(15).op(Op.I32And).op(Op.I32Eqz);
        else if (kind === Kind.Dec) c.get(a).op(Op.I32WrapI64).i32(15).op(Op.I32And).op(Op.I32Eqz);
        else if (kind === Kind.Neg) c.get(a).op(Op.I32WrapI64).i32(15).op(Op.I32And).i32(0).op(Op.I32Ne);
        else c.i32(0);
        return;
      case CF:
        switch (kind) {
          case Kind.Add: c.get(r).get(a).op(Op.I64LtU); return;
          case Kind.Sub: c.get(a).get(b).op(Op.I64LtU); return;
          case Kind.Adc: c.get(r).get(a).op(Op.I64LeU).get(r).get(a).op(Op.I64LtU).get(p.c).op(Op.I32WrapI64).op(Op.Select); return;
          case Kind.Sbb: c.get(a).get(b).op(Op.I64LeU).get(a).get(b).op(Op.I64LtU).get(p.c).op(Op.I32WrapI64).op(Op.Select); return;
          case Kind.Neg: c.get(a).op(Op.I64Eqz).op(Op.I32Eqz); return;
          case Kind.Shl: this.bit(a, w * 8 - p.n); return;
          case Kind.Shr: case Kind.Sar: this.bit(a, p.n - 1); return;
          case Kind.Rol: this.bit(r, 0); return;
          case Kind.Ror: this.signBit(r, w); return;
          case Kind.Imul: this.imulOverflow(p); return;
          default: c.i32(0); return;
        }
      case OF:
        switch (kind) {
          case Kind.Add: case Kind.Adc:
            c.get(a).get(r).op(Op.I64Xor).get(b).get(r).op(Op.I64Xor).op(Op.I64And).set(this.t); this.signBit(this.t, w); return;
          case Kind.Sub: case Kind.Sbb:
            c.get(a).get(b).op(Op.I64Xor).get(a).get(r).op(Op.I64Xor).op(Op.I64And).set(this.t); this.signBit(this.t, w); return;
          case Kind.Inc: this.isMin(r, w); return;
          case Kind.Dec: case Kind.Neg: this.isMin(a, w); return;
          case Kind.Shl: this.signBit(r, w); this.bit(a, w * 8 - p.n); c.op(Op.I32Xor); return;
          case Kind.Shr: this.signBit(a, w); return;
          case Kind.Rol: this.signBit(r, w); this.bit(r, 0); c.op(Op.I32Xor); return;
          case Kind.Ror: this.signBit(r, w); this.bit(r, w * 8 - 2); c.op(Op.I32Xor); return;
          case Kind.Imul: this.imulOverflow(p); return;
          default: c.i32(0); return;
        }
    }
  }

  /** imul's CF = OF: the signed product did not fit (32 bits: a holds the exact 64-bit product). */
  private imulOverflow(p: Producer): void {
    const c = this.c;
    if (p.w === 4) { c.get(p.a).get(p.r).op(Op.I64Extend32S).op(Op.I64Ne); return; }
    // 64 bits: a·b overflowed iff a ≠ 0 and r / a ≠ b (a = −1: iff b = INT64_MIN, which r / a cannot be asked)
    c.get(p.a).op(Op.I64Eqz);
    this.open(Op.If, I32);
    c.i32(0);
    c.op(Op.Else);
    c.get(p.a).i64(-1, -1).op(Op.I64Eq);
    this.open(Op.If, I32);
    this.isMin(p.b, 8);
    c.op(Op.Else);
    c.get(p.r).get(p.a).op(Op.I64DivS).get(p.b).op(Op.I64Ne);
    this.end();
    this.end();
  }

  /** Push the condition (i32) of a jcc at position j. */
  private condition(cc: ConditionCode, j: number): void {
    const c = this.c;
    const needed = ccFlags(cc);
    let single = -2;
    for (let f = 0; f < 6; f++) {
      if (!((needed >> f) & 1)) continue;
      const s = this.lastProducer(f, j);
      single = single === -2 || single === s ? s : -1;
    }
    const p = single >= 0 ? this.producers[single]! : null;
    if (p && p.kind === Kind.Sub) {
      const signed = cc === ConditionCode.l || cc === ConditionCode.ge || cc === ConditionCode.le || cc === ConditionCode.g;
      const ops: Partial<Record<ConditionCode, Op>> = {
        [ConditionCode.e]: Op.I64Eq, [ConditionCode.ne]: Op.I64Ne, [ConditionCode.b]: Op.I64LtU, [ConditionCode.ae]: Op.I64GeU,
        [ConditionCode.be]: Op.I64LeU, [ConditionCode.a]: Op.I64GtU, [ConditionCode.l]: Op.I64LtS, [ConditionCode.ge]: Op.I64GeS,
        [ConditionCode.le]: Op.I64LeS, [ConditionCode.g]: Op.I64GtS,
      };
      const op = ops[cc];
      if (op !== undefined) {
        c.get(p.a); if (signed) this.signExtend(p.w);
        c.get(p.b); if (signed) this.signExtend(p.w);
        c.op(op);
        return;
      }
    }
    if (p && p.kind === Kind.Logic && (cc === ConditionCode.e || cc === ConditionCode.ne)) {
      c.get(p.r).op(Op.I64Eqz); if (cc === ConditionCode.ne) c.op(Op.I32Eqz);
      return;
    }
    const F = (f: number): void => this.flag(f, j);
    switch (cc) {
      case ConditionCode.o: F(OF); return;
      case ConditionCode.no: F(OF); c.op(Op.I32Eqz); return;
      case ConditionCode.b: F(CF); return;
      case ConditionCode.ae: F(CF); c.op(Op.I32Eqz); return;
      case ConditionCode.e: F(ZF); return;
      case ConditionCode.ne: F(ZF); c.op(Op.I32Eqz); return;
      case ConditionCode.be: F(CF); F(ZF); c.op(Op.I32Or); return;
      case ConditionCode.a: F(CF); F(ZF); c.op(Op.I32Or, Op.I32Eqz); return;
      case ConditionCode.s: F(SF); return;
      case ConditionCode.ns: F(SF); c.op(Op.I32Eqz); return;
      case ConditionCode.p: F(PF); c.op(Op.I32Popcnt).i32(1).op(Op.I32And, Op.I32Eqz); return;
      case ConditionCode.np: F(PF); c.op(Op.I32Popcnt).i32(1).op(Op.I32And); return;
      case ConditionCode.l: F(SF); F(OF); c.op(Op.I32Ne); return;
      case ConditionCode.ge: F(SF); F(OF); c.op(Op.I32Eq); return;
      case ConditionCode.le: F(ZF); F(SF); F(OF); c.op(Op.I32Ne, Op.I32Or); return;
      case ConditionCode.g: F(ZF); F(SF); F(OF); c.op(Op.I32Ne, Op.I32Or, Op.I32Eqz); return;
      default: throw new Unsupported();
    }
  }

  private signExtend(w: number): void {
    if (w === 4) this.c.op(Op.I64Extend32S);
    else if (w === 2) this.c.op(Op.I64Extend16S);
    else if (w === 1) this.c.op(Op.I64Extend8S);
  }

  private mask(w: number): void {
    if (w === 4) this.c.i64(-1, 0).op(Op.I64And);
    else if (w === 2) this.c.i64(0xffff, 0).op(Op.I64And);
    else if (w === 1) this.c.i64(0xff, 0).op(Op.I64And);
  }

  // ---- operands ------------------------------------------------------------

  /** Push operand `op` read at width w, zero-extended to i64. */
  private read(op: Operand, w: number): void {
    const c = this.c;
    switch (op.kind) {
      case OpKind.Reg:
        c.get(this.reg(op.reg));
        if (op.size === 1 && op.high8) c.i64(8, 0).op(Op.I64ShrU);
        this.mask(w);
        return;
      case OpKind.Imm: {
        c.i64(op.lo, op.hi);
        this.mask(w);
        return;
      }
      case OpKind.Mem:
        this.address(op);
        this.load(w);
        return;
      default: throw new Unsupported();
    }
  }

  /** Write the i64 on the stack to register operand `op` (x86 rules: 32-bit writes zero-extend, narrower ones merge). */
  private writeReg(op: Operand): void {
    if (op.kind !== OpKind.Reg) throw new Unsupported();
    const c = this.c, g = this.reg(op.reg);
    this.written.add(op.reg);
    if (op.size === 8) { c.set(g); return; }
    if (op.size === 4) { this.mask(4); c.set(g); return; }
    const [mlo, shift] = op.size === 2 ? [0xffff, 0] : op.high8 ? [0xff00, 8] : [0xff, 0];
    this.mask(op.size);
    if (shift) c.i64(shift, 0).op(Op.I64Shl);
    c.get(g).i64(~mlo, -1).op(Op.I64And, Op.I64Or).set(g);
  }

  /** Push the effective address of a memory operand (i64). */
  private address(m: MemOperand): void {
    if (m.seg !== 0 || m.addr32) throw new Unsupported();
    const c = this.c;
    c.i64(m.dispLo, m.dispHi);
    if (m.base >= 0) c.get(this.reg(m.base)).op(Op.I64Add);
    if (m.index >= 0) {
      c.get(this.reg(m.index));
      if (m.scale > 1) c.i64(Math.log2(m.scale), 0).op(Op.I64Shl);
      c.op(Op.I64Add);
    }
  }

  /** Split the address on the stack into lo32/hi32 and the TLB slot s (×4), page p and offset o. */
  private tlbIndex(): void {
    const c = this.c;
    c.tee(this.ad).op(Op.I32WrapI64).tee(this.lo32);
    c.i32(12).op(Op.I32ShrU).tee(this.p).i32(4095).op(Op.I32And).i32(2).op(Op.I32Shl).set(this.s);
    c.get(this.ad).i64(32, 0).op(Op.I64ShrU).op(Op.I32WrapI64).set(this.hi32);
    c.get(this.lo32).i32(4095).op(Op.I32And).set(this.o);
  }

  /** Split the address on the stack (tlbIndex) and push whether the TLB with these tags maps all w bytes (memory.ts's accessors' check). */
  private tlbHit(tagA: number, tagB: number, w: number): void {
    const c = this.c;
    this.tlbIndex();
    c.get(this.s).mem(Op.I32Load, tagA).get(this.p).op(Op.I32Eq);
    c.get(this.s).mem(Op.I32Load, tagB).get(this.hi32).op(Op.I32Eq).op(Op.I32And);
    if (w > 1) c.get(this.o).i32(4096 - w).op(Op.I32LeU).op(Op.I32And);
  }

  /** Leave at instruction k because the accessor called on a miss faulted (blockFault set RIP). */
  private faultCheck(): void {
    const c = this.c;
    c.i32(0).mem(Op.I32Load, this.L.T).i32(FAULT_BIT).op(Op.I32And);
    this.open(Op.If);
    c.i32(this.k).set(this.xn).i32(1).set(this.xfault);
    this.exitAt.add(this.k);
    this.brExit();
    this.end();
  }

  /** The address on the stack → the w-byte value there, zero-extended (i64). */
  private load(w: number): void {
    const c = this.c, L = this.L, insn = this.insns[this.k];
    this.tlbHit(L.rTagA, L.rTagB, w);
    this.open(Op.If, I64);
    c.get(this.s).mem(Op.I32Load, L.rBase).get(this.o).op(Op.I32Add);
    c.mem(w === 8 ? Op.I64Load : w === 4 ? Op.I64Load32U : w === 2 ? Op.I64Load16U : Op.I64Load8U, 0);
    c.op(Op.Else);
    c.i32(w).get(this.lo32).get(this.hi32).i32(insn.ipLo).i32(insn.ipHi).call(Import.Load).op(Op.I64ExtendI32U);
    if (w === 8) c.i32(0).mem(Op.I64Load32U, L.W).i64(32, 0).op(Op.I64Shl, Op.I64Or);
    c.set(this.t);
    this.faultCheck();
    c.get(this.t);
    this.end();
  }

  /** Store the i64 in local v, w bytes, at the address on the stack. */
  private store(w: number): void {
    const c = this.c, L = this.L, insn = this.insns[this.k];
    this.tlbHit(L.wTagA, L.wTagB, w);
    // outside the page's watched range: o >= end || o + w <= start
    c.get(this.o).get(this.s).mem(Op.I32Load, L.wEnd).op(Op.I32GeU);
    c.get(this.o).i32(w).op(Op.I32Add).get(this.s).mem(Op.I32Load, L.wStart).op(Op.I32LeU).op(Op.I32Or).op(Op.I32And);
    this.open(Op.If);
    c.get(this.s).mem(Op.I32Load, L.wBase).get(this.o).op(Op.I32Add).get(this.v);
    c.mem(w === 8 ? Op.I64Store : w === 4 ? Op.I64Store32 : w === 2 ? Op.I64Store16 : Op.I64Store8, 0);
    c.op(Op.Else);
    c.i32(w).get(this.lo32).get(this.hi32).get(this.v).op(Op.I32WrapI64).get(this.v).i64(32, 0).op(Op.I64ShrU, Op.I32WrapI64);
    c.i32(insn.ipLo).i32(insn.ipHi).call(Import.Store);
    this.faultCheck();
    // a watched or code page: leave after the store, as the JS blocks do
    c.i32(0).mem(Op.I32Load, L.T);
    this.open(Op.If);
    c.i32(insn.ipLo).i32(insn.ipHi).call(Import.TrapAt);
    this.exitTo(this.k + 1, insn.nextLo, insn.nextHi);
    this.end();
    this.end();
  }

  private exitTo(pos: number, lo: number, hi: number): void {
    this.c.i32(pos).set(this.xn).i64(lo, hi).set(this.xip);
    this.exitAt.add(pos);
    this.brExit();
  }

  // ---- instructions --------------------------------------------------------

  /** Push a destination operand's value; a memory destination's address stays in `ma` for writeDst. */
  private readDst(op: Operand, w: number): void {
    if (op.kind !== OpKind.Mem) { this.read(op, w); return; }
    this.address(op);
    this.c.tee(this.ma);
    this.load(w);
  }

  /** Write the i64 on the stack to a destination operand (a store may leave the block). */
  private writeDst(op: Operand, w: number): void {
    if (op.kind !== OpKind.Mem) { this.writeReg(op); return; }
    this.c.set(this.v).get(this.ma);
    this.store(w);
  }

  /**
   * The instruction's inputs and result (in ta, tb, tc, tr) become its producer's, after its
   * store: a store that faults leaves the previous round's values there, which the flags at the
   * fault may be (a carried flag, see source).
   */
  private produced(j: number, p: Producer): void {
    const c = this.c;
    c.get(this.ta).set(p.a).get(this.tb).set(p.b).get(this.tr).set(p.r);
    if (p.c >= 0) c.get(this.tc).set(p.c);
    this.producers[j] = p;
  }

  private producer(kind: Kind, w: number, n = 0): Producer {
    const p: Producer = { kind, w, a: this.local(I64), b: this.local(I64), r: this.local(I64), c: kind === Kind.Adc || kind === Kind.Sbb ? this.local(I64) : -1, n };
    return p;
  }

  private insn(d: Insn, j: number, last: boolean): void {
    const c = this.c, ops = d.ops;
    if (d.lock || d.rep || d.repne) throw new Unsupported();
    const w = d.opSize;
    switch (d.mnemonic) {
      case Mnemonic.Nop: return;
      case Mnemonic.Mov:
        if (ops[1].kind === OpKind.Mem && ops[0].kind === OpKind.Reg) { this.read(ops[1], w); this.writeReg(ops[0]); return; }
        if (ops[0].kind === OpKind.Reg) { this.read(ops[1], w); this.writeReg(ops[0]); return; }
        if (ops[0].kind === OpKind.Mem) { this.read(ops[1], w); c.set(this.v); this.address(ops[0]); this.store(w); return; }
        throw new Unsupported();
      case Mnemonic.Movzx: this.read(ops[1], ops[1].size); this.writeReg(ops[0]); return;
      case Mnemonic.Movsx: case Mnemonic.Movsxd:
        this.read(ops[1], ops[1].size); this.signExtend(ops[1].size); this.writeReg(ops[0]); return;
      case Mnemonic.Lea:
        if (ops[1].kind !== OpKind.Mem) throw new Unsupported();
        this.address(ops[1]); this.writeReg(ops[0]); return;
      case Mnemonic.Add: case Mnemonic.Adc: case Mnemonic.Sub: case Mnemonic.Sbb: case Mnemonic.Cmp: {
        const kind = d.mnemonic === Mnemonic.Add ? Kind.Add : d.mnemonic === Mnemonic.Adc ? Kind.Adc : d.mnemonic === Mnemonic.Sbb ? Kind.Sbb : Kind.Sub;
        const p = this.producer(kind, w);
        if (p.c >= 0) { this.flag(CF, j); c.op(Op.I64ExtendI32U).set(this.tc); }
        this.readDst(ops[0], w); c.set(this.ta);
        this.read(ops[1], w); c.set(this.tb);
        c.get(this.ta).get(this.tb).op(kind === Kind.Add || kind === Kind.Adc ? Op.I64Add : Op.I64Sub);
        if (p.c >= 0) c.get(this.tc).op(kind === Kind.Adc ? Op.I64Add : Op.I64Sub);
        this.mask(w); c.set(this.tr);
        if (d.mnemonic !== Mnemonic.Cmp) { c.get(this.tr); this.writeDst(ops[0], w); }
        this.produced(j, p);
        return;
      }
      case Mnemonic.And: case Mnemonic.Or: case Mnemonic.Xor: case Mnemonic.Test: {
        const p = this.producer(Kind.Logic, w);
        this.readDst(ops[0], w); this.read(ops[1], w);
        c.op(d.mnemonic === Mnemonic.Or ? Op.I64Or : d.mnemonic === Mnemonic.Xor ? Op.I64Xor : Op.I64And).set(this.tr);
        if (d.mnemonic !== Mnemonic.Test) { c.get(this.tr); this.writeDst(ops[0], w); }
        this.produced(j, p);
        return;
      }
      case Mnemonic.Inc: case Mnemonic.Dec: case Mnemonic.Neg: {
        const kind = d.mnemonic === Mnemonic.Inc ? Kind.Inc : d.mnemonic === Mnemonic.Dec ? Kind.Dec : Kind.Neg;
        const p = this.producer(kind, w);
        this.readDst(ops[0], w); c.set(this.ta);
        if (kind === Kind.Neg) c.i64(0, 0).get(this.ta).op(Op.I64Sub);
        else c.get(this.ta).i64(1, 0).op(kind === Kind.Inc ? Op.I64Add : Op.I64Sub);
        this.mask(w); c.tee(this.tr);
        this.writeDst(ops[0], w);
        this.produced(j, p);
        return;
      }
      case Mnemonic.Not:
        this.readDst(ops[0], w); c.i64(-1, -1).op(Op.I64Xor); this.mask(w); this.writeDst(ops[0], w);
        return;
      case Mnemonic.Shl: case Mnemonic.Sal: case Mnemonic.Shr: case Mnemonic.Sar: case Mnemonic.Rol: case Mnemonic.Ror: {
        if (ops[0].kind !== OpKind.Reg || (w !== 4 && w !== 8)) throw new Unsupported();
        const count = ops.length < 2 ? 1 : ops[1].kind === OpKind.Imm ? ops[1].lo & 255 : -1;
        if (count < 0) throw new Unsupported();
        const n = count & (w * 8 - 1);
        if (n === 0) { this.read(ops[0], w); this.writeReg(ops[0]); return; } // no flags; a 32-bit write still zero-extends
        const m = d.mnemonic;
        const kind = m === Mnemonic.Shl || m === Mnemonic.Sal ? Kind.Shl : m === Mnemonic.Shr ? Kind.Shr : m === Mnemonic.Sar ? Kind.Sar : m === Mnemonic.Rol ? Kind.Rol : Kind.Ror;
        const p = this.producer(kind, w, n);
        this.read(ops[0], w); c.set(p.a);
        if (kind === Kind.Rol || kind === Kind.Ror) {
          if (w === 8) c.get(p.a).i64(n, 0).op(kind === Kind.Rol ? Op.I64Rotl : Op.I64Rotr);
          else c.get(p.a).op(Op.I32WrapI64).i32(n).op(kind === Kind.Rol ? 0x77 : 0x78, Op.I64ExtendI32U); // i32.rotl / rotr
        } else if (kind === Kind.Sar) {
          c.get(p.a); this.signExtend(w); c.i64(n, 0).op(Op.I64ShrS);
        } else c.get(p.a).i64(n, 0).op(kind === Kind.Shl ? Op.I64Shl : Op.I64ShrU);
        this.mask(w); c.set(p.r);
        this.producers[j] = p;
        c.get(p.r); this.writeReg(ops[0]);
        return;
      }
      case Mnemonic.Imul: {
        if (ops.length < 2 || ops[0].kind !== OpKind.Reg || (w !== 4 && w !== 8)) throw new Unsupported();
        const [s1, s2] = ops.length === 3 ? [ops[1], ops[2]] : [ops[0], ops[1]];
        const p = this.producer(Kind.Imul, w);
        this.read(s1, w); if (w === 4) this.signExtend(4);
        this.read(s2, w); if (w === 4) this.signExtend(4);
        c.set(p.b).set(p.a); // (after both loads, as in arith)
        c.get(p.a).get(p.b).op(Op.I64Mul);
        if (w === 4) { c.tee(p.a); this.mask(4); } // a: the exact product, for the overflow flags
        c.set(p.r);
        this.producers[j] = p;
        c.get(p.r); this.writeReg(ops[0]);
        return;
      }
      case Mnemonic.Cdqe: case Mnemonic.Cwde: case Mnemonic.Cbw: { // rAX = the sign extension of its lower half
        // (no operands: the widths are the mnemonic's)
        const to = d.mnemonic === Mnemonic.Cdqe ? 8 : d.mnemonic === Mnemonic.Cwde ? 4 : 2, from = to / 2;
        this.read(RAX(from), from); this.signExtend(from); this.writeReg(RAX(to));
        return;
      }
      case Mnemonic.Cqo: case Mnemonic.Cdq: case Mnemonic.Cwd: { // rDX = the sign of rAX
        const size = d.mnemonic === Mnemonic.Cqo ? 8 : d.mnemonic === Mnemonic.Cdq ? 4 : 2;
        this.read(RAX(size), size); this.signExtend(size); c.i64(63, 0).op(Op.I64ShrS); this.writeReg(RAX(size, 2));
        return;
      }
      case Mnemonic.Cmove: case Mnemonic.Cmovne: case Mnemonic.Cmovb: case Mnemonic.Cmovae: case Mnemonic.Cmovbe:
      case Mnemonic.Cmova: case Mnemonic.Cmovl: case Mnemonic.Cmovge: case Mnemonic.Cmovle: case Mnemonic.Cmovg:
      case Mnemonic.Cmovs: case Mnemonic.Cmovns: case Mnemonic.Cmovo: case Mnemonic.Cmovno: case Mnemonic.Cmovp: case Mnemonic.Cmovnp:
        // the source is read (a load may fault) whatever the condition; a 32-bit destination is zero-extended either way
        this.read(ops[1], w); this.read(ops[0], w);
        this.condition(d.cc, j);
        c.op(Op.Select); this.writeReg(ops[0]);
        return;
      case Mnemonic.Sete: case Mnemonic.Setne: case Mnemonic.Setb: case Mnemonic.Setae: case Mnemonic.Setbe:
      case Mnemonic.Seta: case Mnemonic.Setl: case Mnemonic.Setge: case Mnemonic.Setle: case Mnemonic.Setg:
      case Mnemonic.Sets: case Mnemonic.Setns: case Mnemonic.Seto: case Mnemonic.Setno: case Mnemonic.Setp: case Mnemonic.Setnp:
        if (ops[0].kind !== OpKind.Reg) throw new Unsupported();
        this.condition(d.cc, j); c.op(Op.I64ExtendI32U); this.writeReg(ops[0]);
        return;
      case Mnemonic.Jmp:
        if (ops.length !== 0) throw new Unsupported();
        if (last) { this.loopBack(); return; }
        return; // traced through: the next instruction is its target
      default:
        if (d.flowControl !== FlowControl.ConditionalBranch || d.cc === 0 || isRcx(d)) throw new Unsupported();
        if (last) {
          this.condition(d.cc, j);
          this.open(Op.If);
          this.loopBack();
          this.end();
          this.exitTo(j + 1, d.nextLo, d.nextHi);
          return;
        }
        if (d.targetLo === this.lo && d.targetHi === this.hi) throw new Unsupported();
        this.condition(d.cc, j);
        this.open(Op.If);
        this.exitTo(j + 1, d.targetLo, d.targetHi);
        this.end();
    }
  }

  /**
   * Round again if the budget allows, else leave at the block's start. As compiler.ts's loops: another
   * round goes on only if the whole JS trace would still fit the budget, so a run stops where it would in JS.
   */
  private loopBack(): void {
    const c = this.c, n = this.insns.length;
    const limit = Math.max(1, Math.floor(LOOP_INSN_LIMIT / n));
    c.get(this.it).i32(1).op(Op.I32Add).tee(this.it).i32(limit).op(0x48); // i32.lt_s
    c.get(this.base).i32(n + this.length).op(Op.I32Add).i32(0).mem(Op.I32Load, this.L.T + 4).op(0x4c, Op.I32And); // i32.le_s
    this.open(Op.If);
    c.get(this.base).i32(n).op(Op.I32Add).set(this.base);
    c.br(this.nest - this.topNest);
    this.end();
    this.exitTo(n, this.lo, this.hi);
  }
}

/** rAX (RAX, EAX, AX or AL) as an operand of width w. */
function RAX(w: number, reg = 0): Operand {
  return { kind: OpKind.Reg, reg, size: w, high8: false };
}

function isRcx(d: Insn): boolean {
  return d.mnemonic === Mnemonic.Loop || d.mnemonic === Mnemonic.Loope || d.mnemonic === Mnemonic.Loopne ||
    d.mnemonic === Mnemonic.Jrcxz || d.mnemonic === Mnemonic.Jecxz;
}

/** The flags a condition reads (bit f = FlagSlot f). */
function ccFlags(cc: ConditionCode): number {
  switch (cc) {
    case ConditionCode.o: case ConditionCode.no: return 1 << OF;
    case ConditionCode.b: case ConditionCode.ae: return 1 << CF;
    case ConditionCode.e: case ConditionCode.ne: return 1 << ZF;
    case ConditionCode.be: case ConditionCode.a: return (1 << CF) | (1 << ZF);
    case ConditionCode.s: case ConditionCode.ns: return 1 << SF;
    case ConditionCode.p: case ConditionCode.np: return 1 << PF;
    case ConditionCode.l: case ConditionCode.ge: return (1 << SF) | (1 << OF);
    default: return (1 << ZF) | (1 << SF) | (1 << OF);
  }
}
