// The wasm tier's integer instructions: moves, lea, add/adc/sub/sbb/cmp,
// logic/test, inc/dec/neg/not, shifts and rotates by an immediate, imul,
// the rAX sign extensions, cmovcc and setcc.

import { Mnemonic } from 'iced-x86';
import { Insn, OpKind } from '../../decode';
import { Op } from '../encoder';
import { Unsupported } from '../context';
import { Kind, CF } from '../flags';
import type { MemoryCode } from '../memoryOps';
import { each, RAX, WasmOpTable } from './table';
import { imul1 } from './muldiv';
import { shiftByCl } from './shiftCount';

function mov(t: MemoryCode, d: Insn): void {
  const [dst, src] = d.ops, w = d.opSize;
  if (dst.kind === OpKind.Reg) { t.read(src, w); t.writeReg(dst); return; }
  if (dst.kind === OpKind.Mem) { t.read(src, w); t.c.set(t.v); t.address(dst); t.store(w); return; }
  throw new Unsupported();
}

function arith(t: MemoryCode, d: Insn, j: number): void {
  const c = t.c, ops = d.ops, w = d.opSize;
  const kind = d.mnemonic === Mnemonic.Add ? Kind.Add : d.mnemonic === Mnemonic.Adc ? Kind.Adc : d.mnemonic === Mnemonic.Sbb ? Kind.Sbb : Kind.Sub;
  const p = t.producer(kind, w);
  if (p.c >= 0) { t.flag(CF, j); c.op(Op.I64ExtendI32U).set(t.tc); }
  t.readDst(ops[0], w); c.set(t.ta);
  t.read(ops[1], w); c.set(t.tb);
  c.get(t.ta).get(t.tb).op(kind === Kind.Add || kind === Kind.Adc ? Op.I64Add : Op.I64Sub);
  if (p.c >= 0) c.get(t.tc).op(kind === Kind.Adc ? Op.I64Add : Op.I64Sub);
  t.mask(w); c.set(t.tr);
  if (d.mnemonic !== Mnemonic.Cmp) { c.get(t.tr); t.writeDst(ops[0], w, () => t.produced(j, p)); } else t.produced(j, p);
}

function logic(t: MemoryCode, d: Insn, j: number): void {
  const c = t.c, ops = d.ops, w = d.opSize;
  const p = t.producer(Kind.Logic, w);
  t.readDst(ops[0], w); t.read(ops[1], w);
  c.op(d.mnemonic === Mnemonic.Or ? Op.I64Or : d.mnemonic === Mnemonic.Xor ? Op.I64Xor : Op.I64And).set(t.tr);
  if (d.mnemonic !== Mnemonic.Test) { c.get(t.tr); t.writeDst(ops[0], w, () => t.produced(j, p)); } else t.produced(j, p);
}

function incDecNeg(t: MemoryCode, d: Insn, j: number): void {
  const c = t.c, ops = d.ops, w = d.opSize;
  const kind = d.mnemonic === Mnemonic.Inc ? Kind.Inc : d.mnemonic === Mnemonic.Dec ? Kind.Dec : Kind.Neg;
  const p = t.producer(kind, w);
  t.readDst(ops[0], w); c.set(t.ta);
  if (kind === Kind.Neg) c.i64(0, 0).get(t.ta).op(Op.I64Sub);
  else c.get(t.ta).i64(1, 0).op(kind === Kind.Inc ? Op.I64Add : Op.I64Sub);
  t.mask(w); c.tee(t.tr);
  t.writeDst(ops[0], w, () => t.produced(j, p));
}

function not(t: MemoryCode, d: Insn): void {
  const w = d.opSize;
  t.readDst(d.ops[0], w); t.c.i64(-1, -1).op(Op.I64Xor); t.mask(w); t.writeDst(d.ops[0], w);
}

/**
 * Shifts and rotates of a register by an immediate: 32/64 bits, and 8/16-bit shifts by less than the
 * width (the count is masked to 5 bits there: larger ones and narrow rotates stay JS). By CL: shiftCount.ts.
 */
function shift(t: MemoryCode, d: Insn, j: number): void {
  const c = t.c, ops = d.ops, w = d.opSize;
  if (ops[0].kind !== OpKind.Reg) throw new Unsupported();
  const count = ops.length < 2 ? 1 : ops[1].kind === OpKind.Imm ? ops[1].lo & 255 : -1;
  if (count < 0) { shiftByCl(t, d, j); return; }
  const n = count & (w === 8 ? 63 : 31);
  const m = d.mnemonic;
  const kind = m === Mnemonic.Shl || m === Mnemonic.Sal ? Kind.Shl : m === Mnemonic.Shr ? Kind.Shr : m === Mnemonic.Sar ? Kind.Sar : m === Mnemonic.Rol ? Kind.Rol : Kind.Ror;
  if (w < 4 && (n >= w * 8 || kind === Kind.Rol || kind === Kind.Ror)) throw new Unsupported();
  if (n === 0) { t.read(ops[0], w); t.writeReg(ops[0]); return; } // no flags; a 32-bit write still zero-extends
  const p = t.producer(kind, w, n);
  t.read(ops[0], w); c.set(p.a);
  if (kind === Kind.Rol || kind === Kind.Ror) {
    if (w === 8) c.get(p.a).i64(n, 0).op(kind === Kind.Rol ? Op.I64Rotl : Op.I64Rotr);
    else c.get(p.a).op(Op.I32WrapI64).i32(n).op(kind === Kind.Rol ? Op.I32Rotl : Op.I32Rotr, Op.I64ExtendI32U);
  } else if (kind === Kind.Sar) {
    c.get(p.a); t.signExtend(w); c.i64(n, 0).op(Op.I64ShrS);
  } else c.get(p.a).i64(n, 0).op(kind === Kind.Shl ? Op.I64Shl : Op.I64ShrU);
  t.mask(w); c.set(p.r);
  t.producers[j] = p;
  c.get(p.r); t.writeReg(ops[0]);
}

function imul(t: MemoryCode, d: Insn, j: number): void {
  const c = t.c, ops = d.ops, w = d.opSize;
  if (ops.length === 1) { imul1(t, d, j); return; } // (RDX:RAX, muldiv.ts)
  if (ops[0].kind !== OpKind.Reg || (w !== 4 && w !== 8)) throw new Unsupported();
  const [s1, s2] = ops.length === 3 ? [ops[1], ops[2]] : [ops[0], ops[1]];
  const p = t.producer(Kind.Imul, w);
  t.read(s1, w); if (w === 4) t.signExtend(4);
  t.read(s2, w); if (w === 4) t.signExtend(4);
  c.set(p.b).set(p.a); // (after both loads, as in arith)
  c.get(p.a).get(p.b).op(Op.I64Mul);
  if (w === 4) { c.tee(p.a); t.mask(4); } // a: the exact product, for the overflow flags
  c.set(p.r);
  t.producers[j] = p;
  c.get(p.r); t.writeReg(ops[0]);
}

export const integerOps: WasmOpTable = {
  // (no effect on the machine: the JS tier's emit/control.ts too)
  ...each([Mnemonic.Nop, Mnemonic.Endbr64, Mnemonic.Prefetchnta, Mnemonic.Prefetcht0, Mnemonic.Prefetcht1, Mnemonic.Prefetcht2,
    Mnemonic.Prefetchw, Mnemonic.Pause, Mnemonic.Lfence, Mnemonic.Mfence, Mnemonic.Sfence], () => {}),
  [Mnemonic.Mov]: mov,
  [Mnemonic.Movzx]: (t, d) => { t.read(d.ops[1], d.ops[1].size); t.writeReg(d.ops[0]); },
  ...each([Mnemonic.Movsx, Mnemonic.Movsxd], (t, d) => {
    t.read(d.ops[1], d.ops[1].size); t.signExtend(d.ops[1].size); t.writeReg(d.ops[0]);
  }),
  [Mnemonic.Lea]: (t, d) => {
    if (d.ops[1].kind !== OpKind.Mem) throw new Unsupported();
    t.address({ ...d.ops[1], seg: 0 }); t.writeReg(d.ops[0]); // (lea adds no segment base)
  },
  ...each([Mnemonic.Add, Mnemonic.Adc, Mnemonic.Sub, Mnemonic.Sbb, Mnemonic.Cmp], arith),
  ...each([Mnemonic.And, Mnemonic.Or, Mnemonic.Xor, Mnemonic.Test], logic),
  ...each([Mnemonic.Inc, Mnemonic.Dec, Mnemonic.Neg], incDecNeg),
  [Mnemonic.Not]: not,
  ...each([Mnemonic.Shl, Mnemonic.Sal, Mnemonic.Shr, Mnemonic.Sar, Mnemonic.Rol, Mnemonic.Ror], shift),
  [Mnemonic.Imul]: imul,
  // rAX = the sign extension of its lower half (no operands: the widths are the mnemonic's)
  ...each([Mnemonic.Cdqe, Mnemonic.Cwde, Mnemonic.Cbw], (t, d) => {
    const to = d.mnemonic === Mnemonic.Cdqe ? 8 : d.mnemonic === Mnemonic.Cwde ? 4 : 2, from = to / 2;
    t.read(RAX(from), from); t.signExtend(from); t.writeReg(RAX(to));
  }),
  // rDX = the sign of rAX
  ...each([Mnemonic.Cqo, Mnemonic.Cdq, Mnemonic.Cwd], (t, d) => {
    const size = d.mnemonic === Mnemonic.Cqo ? 8 : d.mnemonic === Mnemonic.Cdq ? 4 : 2;
    t.read(RAX(size), size); t.signExtend(size); t.c.i64(63, 0).op(Op.I64ShrS); t.writeReg(RAX(size, 2));
  }),
  // the source is read (a load may fault) whatever the condition; a 32-bit destination is zero-extended either way
  ...each([Mnemonic.Cmove, Mnemonic.Cmovne, Mnemonic.Cmovb, Mnemonic.Cmovae, Mnemonic.Cmovbe, Mnemonic.Cmova, Mnemonic.Cmovl,
    Mnemonic.Cmovge, Mnemonic.Cmovle, Mnemonic.Cmovg, Mnemonic.Cmovs, Mnemonic.Cmovns, Mnemonic.Cmovo, Mnemonic.Cmovno,
    Mnemonic.Cmovp, Mnemonic.Cmovnp], (t, d, j) => {
    t.read(d.ops[1], d.opSize); t.read(d.ops[0], d.opSize);
    t.condition(d.cc, j);
    t.c.op(Op.Select); t.writeReg(d.ops[0]);
  }),
  ...each([Mnemonic.Sete, Mnemonic.Setne, Mnemonic.Setb, Mnemonic.Setae, Mnemonic.Setbe, Mnemonic.Seta, Mnemonic.Setl,
    Mnemonic.Setge, Mnemonic.Setle, Mnemonic.Setg, Mnemonic.Sets, Mnemonic.Setns, Mnemonic.Seto, Mnemonic.Setno,
    Mnemonic.Setp, Mnemonic.Setnp], (t, d, j) => {
    const dst = d.ops[0];
    t.condition(d.cc, j); t.c.op(Op.I64ExtendI32U);
    if (dst.kind === OpKind.Reg) { t.writeReg(dst); return; }
    if (dst.kind !== OpKind.Mem) throw new Unsupported();
    t.c.set(t.v); t.address(dst); t.store(1);
  }),
};
