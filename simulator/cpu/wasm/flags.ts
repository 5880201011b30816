// The wasm tier's flags (translate.ts): lazy, as the JS blocks' are. Each
// flag-writing instruction keeps its inputs and result in locals of its own
// (a Producer); a branch computes only what its condition reads, from the
// last producer of each flag; the exit site writes the six flags current
// where the block left. A flag no producer in the round wrote is read from
// F; one written later in the round comes from the previous round when the
// code has gone round at least once (`base` ≠ 0). The body is translated in
// order, so such a read meets its producer only later: a first pass finds
// the round's producers (`plan`), a second translates with them known
// (translate.ts). Where a forward branch's ways meet (control.ts joinAt),
// a Join producer picks each flag from the way that ran.

import { ConditionCode } from 'iced-x86';
import { I32, I64, Op } from './encoder';
import { Unsupported, WasmCode } from './context';

export const enum Kind {
  Add, Adc, Sub, Sbb, Logic, Inc, Dec, Neg, Shl, Shr, Sar, Rol, Ror, Imul,
  /** shld/shrd: as shl/shr, OF = the sign changed */
  Shld, Shrd,
  /** one-operand mul/imul (CF = OF = r, 0 or 1) and bt/bts/btr/btc (CF = r) */
  Overflow, BitTest,
  /** bsf/bsr (ZF: r, the source, is 0), tzcnt/lzcnt (CF: the source a is 0; ZF: the count r is 0), popcnt */
  BitScan, ZeroCount, Popcnt,
  /** where a forward branch inside the trace joins the way it skipped (control.ts): each flag the way wrote, per way taken */
  Join,
  /** comisd/ucomisd/comiss/ucomiss (ops/sseFloat.ts): a = the helper's CF | ZF << 1 | PF << 2; OF, SF, AF cleared */
  Comis,
  /** pcmpistri (ops/sseFloat.ts): a = the helper's t, r = its mask u (t & 0xffff): CF = u ≠ 0, ZF, SF = t's bits 16, 17, OF = u & 1, AF 0, PF's byte 1 (PF 0) */
  PcmpStr,
}
export const CF = 0, PF = 1, AF = 2, ZF = 3, SF = 4, OF = 5;
const ALL6 = 0x3f;

/** Which of the six flags each kind writes (bit f = FlagSlot f). */
function writes(k: Kind): number {
  if (k === Kind.Inc || k === Kind.Dec) return ALL6 & ~(1 << CF);
  if (k === Kind.Rol || k === Kind.Ror || k === Kind.Imul || k === Kind.Overflow) return (1 << CF) | (1 << OF);
  if (k === Kind.BitTest) return 1 << CF;
  if (k === Kind.BitScan) return 1 << ZF;
  if (k === Kind.ZeroCount) return (1 << CF) | (1 << ZF);
  return ALL6;
}

/**
 * A flag-writing instruction's locals: inputs a, b (and carry c), result r, shift count n — or, for
 * a count in CL, the local `cnt` (the masked count) and six i32 locals from `saved` on: the flags
 * before the instruction, which a count of 0 leaves as they were (−1 when the count is constant).
 */
export interface Producer { kind: Kind; w: number; a: number; b: number; r: number; c: number; n: number; cnt: number; saved: number; join?: Join }

/**
 * A Join's flags: the first branch (in trace order) whose i32 local `took` says it skipped gives
 * flag f as `before[f]` (the producer current at that branch; a later branch's `took` counts only
 * when the earlier ones fell through, so it ran), else `way[f]` (the way's last producer; null: the
 * way did not write f).
 */
export interface Join { from: { took: number; before: Producer[] }[]; way: (Producer | null)[] }

/** Which of the six flags p writes. */
function producerWrites(p: Producer): number {
  if (p.join === undefined) return writes(p.kind);
  let m = 0;
  p.join.way.forEach((q, f) => { if (q !== null) m |= 1 << f; });
  return m;
}

export class FlagCode extends WasmCode {
  readonly producers: (Producer | null)[] = this.insns.map(() => null);
  /** Instructions of a round when the code goes round a loop (its back edge + 1), else 0: where carried flags come from. */
  roundEnd = 0;
  /**
   * The round's producers as a first pass made them (translate.ts), or null in that pass. The
   * passes allocate locals in the same order, so these are the second pass's producers too
   * (checkPlan makes sure).
   */
  plan: readonly (Producer | null)[] | null = null;
  /** Set in a first pass when a read came before the round's producer of its flag: a second pass is needed. */
  needsPlan = false;
  /** The code reads a flag from F's slots, or an exit leaves one there as it was: it settles pending flags first (translate.ts). */
  readsF = false;

  lastProducer(f: number, before: number, producers: readonly (Producer | null)[] = this.producers): number {
    for (let j = before - 1; j >= 0; j--) { const p = producers[j]; if (p && (producerWrites(p) >> f) & 1) return j; }
    return -1;
  }

  /** Where flag f comes from at a position: a producer in this round, the previous round's, or null (F as it is). */
  source(f: number, pos: number): { now: number; carried: number } | null {
    const now = this.lastProducer(f, pos);
    if (now >= 0) return { now, carried: -1 };
    const carried = this.lastProducer(f, this.roundEnd, this.plan ?? this.producers);
    if (carried < 0 && this.plan === null && this.writtenLaterInRound(f, pos)) this.needsPlan = true;
    return carried < 0 ? null : { now, carried };
  }

  /**
   * Whether an instruction at or after `pos` in the loop's round writes flag f (decode's facts):
   * read before the round's producer of f (a round that starts by branching on its previous
   * round's compare), the flag comes from that producer once the code has gone round — which
   * the first pass has not met yet.
   */
  private writtenLaterInRound(f: number, pos: number): boolean {
    for (let k = pos; k < this.roundEnd; k++) if (this.insns[k].flagsWritten & (1 << f)) return true; // (decode.ts FlagBit: bit f = FlagSlot f)
    return false;
  }

  /** The second pass made the producers the plan said (same kinds, same locals), else the translation is declined. */
  checkPlan(): void {
    const plan = this.plan;
    if (plan === null) return;
    for (let j = 0; j < this.roundEnd; j++) {
      const p = this.producers[j], q = plan[j];
      if (p === q) continue;
      if (p === null || q === null || p.kind !== q.kind || p.w !== q.w || p.a !== q.a || p.b !== q.b || p.r !== q.r ||
        p.c !== q.c || p.n !== q.n || p.cnt !== q.cnt || p.saved !== q.saved) throw new Unsupported();
    }
  }

  /** Push flag f (i32: 0/1; PF: the result byte) as it is before instruction `pos` of the round under way. */
  flag(f: number, pos: number): void {
    const c = this.c;
    const src = this.source(f, pos);
    if (src === null || src.now < 0) this.readsF = true;
    if (src === null) { c.i32(0).mem(Op.I32Load, this.L.F + 4 * f); return; }
    if (src.now >= 0) { this.formula(this.producers[src.now]!, f); return; }
    c.get(this.base);
    this.open(Op.If, I32);
    this.formula((this.plan ?? this.producers)[src.carried]!, f);
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

  isMin(local: number, w: number): void {
    const [mlo, mhi] = w === 8 ? [0, -2147483648] : [2 ** (w * 8 - 1) | 0, 0];
    this.c.get(local).i64(w === 4 ? mlo >>> 0 : mlo, mhi).op(Op.I64Eq);
  }

  /** Push flag f as producer p leaves it (as the JS emitters compute it). */
  private formula(p: Producer, f: number): void {
    if (p.cnt < 0) { this.formulaOf(p, f); return; }
    // a count of 0 changed no flag: the flags saved before it (saveFlags)
    this.c.get(p.cnt).op(Op.I64Eqz);
    this.open(Op.If, I32);
    this.c.get(p.saved + f);
    this.c.op(Op.Else);
    this.formulaOf(p, f);
    this.end();
  }

  /** Push bit `w·8 − n` (left: the last one a left shift moved out) or `n − 1` (right) of p's input a. */
  private countBit(p: Producer, left: boolean): void {
    if (p.cnt < 0) { this.bit(p.a, left ? p.w * 8 - p.n : p.n - 1); return; }
    const c = this.c;
    c.get(p.a);
    if (left) c.i64(p.w * 8, 0).get(p.cnt).op(Op.I64Sub);
    else c.get(p.cnt).i64(1, 0).op(Op.I64Sub);
    c.op(Op.I64ShrU).op(Op.I32WrapI64).i32(1).op(Op.I32And);
  }

  private formulaOf(p: Producer, f: number): void {
    const c = this.c;
    if (p.join !== undefined) { this.joined(p.join, f, 0); return; }
    const { kind, w, a, b, r } = p;
    if (kind === Kind.Overflow || kind === Kind.BitTest) { c.get(r).op(Op.I32WrapI64); return; }
    if (kind === Kind.Comis) { this.comisFlag(a, f); return; }
    if (kind === Kind.PcmpStr) { this.pcmpStrFlag(a, r, f); return; }
    switch (f) {
      case ZF: c.get(r).op(Op.I64Eqz); return;
      case SF: this.signBit(r, w); return;
      case PF:
        if (kind === Kind.Popcnt) c.i32(1); // (as helpers/arith.ts bitScan: PF's byte 1, PF = 0)
        else c.get(r).op(Op.I32WrapI64).i32(255).op(Op.I32And);
        return;
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
          case Kind.Shl: case Kind.Shld: this.countBit(p, true); return;
          case Kind.Shr: case Kind.Sar: case Kind.Shrd: this.countBit(p, false); return;
          case Kind.ZeroCount: c.get(a).op(Op.I64Eqz); return;
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
          case Kind.Shl: this.signBit(r, w); this.countBit(p, true); c.op(Op.I32Xor); return;
          case Kind.Shld: case Kind.Shrd: this.signBit(r, w); this.signBit(a, w); c.op(Op.I32Xor); return;
          case Kind.Shr: this.signBit(a, w); return;
          case Kind.Rol: this.signBit(r, w); this.bit(r, 0); c.op(Op.I32Xor); return;
          case Kind.Ror: this.signBit(r, w); this.bit(r, w * 8 - 2); c.op(Op.I32Xor); return;
          case Kind.Imul: this.imulOverflow(p); return;
          default: c.i32(0); return;
        }
    }
  }

  /** Push flag f of a comis (a: CF | ZF << 1 | PF << 2, as the JS tier's emit/sseFloat.ts reads it; PF's byte: 0 has even parity). */
  private comisFlag(a: number, f: number): void {
    const c = this.c;
    if (f === CF || f === ZF) { c.get(a).op(Op.I32WrapI64).i32(f === CF ? 1 : 2).op(Op.I32And); if (f === ZF) c.i32(1).op(Op.I32ShrU); return; }
    if (f === PF) { c.get(a).op(Op.I32WrapI64).i32(2).op(Op.I32ShrU).i32(1).op(Op.I32Xor); return; }
    c.i32(0);
  }

  /** Push flag f of a pcmpistri (Kind.PcmpStr), as the JS tier's emit/sse4.ts pcmpstr. */
  private pcmpStrFlag(a: number, r: number, f: number): void {
    const c = this.c;
    switch (f) {
      case CF: c.get(r).op(Op.I64Eqz, Op.I32Eqz); return;
      case ZF: this.bit(a, 16); return;
      case SF: this.bit(a, 17); return;
      case OF: this.bit(r, 0); return;
      case PF: c.i32(1); return;
      default: c.i32(0);
    }
  }

  /** Push flag f where a way ends (Join), from the `i`th skipping branch on. */
  private joined(join: Join, f: number, i: number): void {
    if (i === join.from.length) { this.formula(join.way[f]!, f); return; }
    this.c.get(join.from[i].took);
    this.open(Op.If, I32);
    this.formula(join.from[i].before[f], f);
    this.c.op(Op.Else);
    this.joined(join, f, i + 1);
    this.end();
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

  /** Push the condition (i32) of a jcc, cmovcc or setcc at position j. */
  condition(cc: ConditionCode, j: number): void {
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
      const op = SUB_COMPARE[cc];
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

  /** New locals for an instruction's flag inputs and result. */
  producer(kind: Kind, w: number, n = 0): Producer {
    return {
      kind, w, a: this.local(I64), b: this.local(I64), r: this.local(I64), c: kind === Kind.Adc || kind === Kind.Sbb ? this.local(I64) : -1,
      n, cnt: -1, saved: -1,
    };
  }

  /**
   * A producer whose count is in a register (shifts by CL): its masked count goes to the local
   * `cnt`, and saveFlags keeps the flags before it in `saved` for a count of 0.
   */
  countedProducer(kind: Kind, w: number): Producer {
    const p = this.producer(kind, w);
    p.cnt = this.local(I64);
    p.saved = this.local(I32);
    for (let f = 1; f < 6; f++) this.local(I32);
    return p;
  }

  /** Save the flags before position j into p.saved when p's count (in p.cnt) is 0; before producers[j] = p. */
  saveFlags(p: Producer, j: number): void {
    const c = this.c;
    // the flags before it carried from its own previous round: its count (p.cnt) is already this round's
    for (let f = 0; f < 6; f++) if ((writes(p.kind) >> f) & 1 && this.source(f, j)?.carried === j) throw new Unsupported();
    c.get(p.cnt).op(Op.I64Eqz);
    this.open(Op.If);
    for (let f = 0; f < 6; f++) if ((writes(p.kind) >> f) & 1) { this.flag(f, j); c.set(p.saved + f); }
    this.end();
  }

  /**
   * The instruction's inputs and result (in ta, tb, tc, tr) become its producer's, after its
   * store (memoryOps.ts writeDst's `after`): a store that faults leaves the previous round's values
   * there, which the flags at the fault may be (a carried flag, see source); a watched store's
   * trap leaves after it, with this instruction's flags.
   */
  produced(j: number, p: Producer): void {
    const c = this.c;
    c.get(this.ta).set(p.a).get(this.tb).set(p.b).get(this.tr).set(p.r);
    if (p.c >= 0) c.get(this.tc).set(p.c);
    this.producers[j] = p;
  }
}

/** A condition read straight off a compare's inputs (cmp/sub as the only producer of its flags). */
const SUB_COMPARE: Partial<Record<ConditionCode, Op>> = {
  [ConditionCode.e]: Op.I64Eq, [ConditionCode.ne]: Op.I64Ne, [ConditionCode.b]: Op.I64LtU, [ConditionCode.ae]: Op.I64GeU,
  [ConditionCode.be]: Op.I64LeU, [ConditionCode.a]: Op.I64GtU, [ConditionCode.l]: Op.I64LtS, [ConditionCode.ge]: Op.I64GeS,
  [ConditionCode.le]: Op.I64LeS, [ConditionCode.g]: Op.I64GtS,
};

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
