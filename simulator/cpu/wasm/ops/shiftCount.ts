// The wasm tier's shifts and rotates of a 32/64-bit register by CL, and
// shld/shrd by CL or an immediate (as helpers/arith.ts shift/doubleShift).
// A masked count of 0 changes no flag: the producer keeps the flags from
// before the instruction for that case (flags.ts countedProducer), so the
// flags stay lazy whatever CL holds.

import { Mnemonic } from 'iced-x86';
import { Insn, OpKind } from '../../decode';
import { Op } from '../encoder';
import { Unsupported } from '../context';
import { Kind, Producer } from '../flags';
import type { MemoryCode } from '../memoryOps';
import { each, WasmOpTable } from './table';

const RCX = 1;

/** A producer for a count in CL: its masked count in p.cnt, the flags before it saved for a count of 0. */
function byCl(t: MemoryCode, kind: Kind, w: number, j: number): Producer {
  const p = t.countedProducer(kind, w);
  t.c.get(t.reg(RCX)).i64(w * 8 - 1, 0).op(Op.I64And).set(p.cnt);
  t.saveFlags(p, j);
  return p;
}

/** shl/sal/shr/sar/rol/ror reg, cl (integer.ts's shift hands over its CL form). */
export function shiftByCl(t: MemoryCode, d: Insn, j: number): void {
  const c = t.c, dst = d.ops[0], w = d.opSize, m = d.mnemonic;
  if (dst.kind !== OpKind.Reg || (w !== 4 && w !== 8)) throw new Unsupported();
  const kind = m === Mnemonic.Shl || m === Mnemonic.Sal ? Kind.Shl : m === Mnemonic.Shr ? Kind.Shr : m === Mnemonic.Sar ? Kind.Sar : m === Mnemonic.Rol ? Kind.Rol : Kind.Ror;
  const p = byCl(t, kind, w, j);
  t.read(dst, w); c.set(p.a);
  if (kind === Kind.Rol || kind === Kind.Ror) {
    if (w === 8) c.get(p.a).get(p.cnt).op(kind === Kind.Rol ? Op.I64Rotl : Op.I64Rotr);
    else c.get(p.a).op(Op.I32WrapI64).get(p.cnt).op(Op.I32WrapI64, kind === Kind.Rol ? Op.I32Rotl : Op.I32Rotr, Op.I64ExtendI32U);
  } else if (kind === Kind.Sar) {
    c.get(p.a); t.signExtend(w); c.get(p.cnt).op(Op.I64ShrS);
  } else c.get(p.a).get(p.cnt).op(kind === Kind.Shl ? Op.I64Shl : Op.I64ShrU);
  t.mask(w); c.set(p.r);
  t.producers[j] = p;
  c.get(p.r); t.writeReg(dst);
}

/** shld dst, src, count (shrd: to the right): dst shifted, the vacated bits filled from src. */
function doubleShift(t: MemoryCode, d: Insn, j: number): void {
  const c = t.c, [dst, src, count] = d.ops, w = d.opSize;
  if (dst.kind !== OpKind.Reg || src.kind !== OpKind.Reg || (w !== 4 && w !== 8)) throw new Unsupported();
  const left = d.mnemonic === Mnemonic.Shld, kind = left ? Kind.Shld : Kind.Shrd, bits = w * 8;
  let p: Producer;
  if (count.kind === OpKind.Imm) {
    const n = count.lo & (bits - 1);
    if (n === 0) { t.read(dst, w); t.writeReg(dst); return; } // no flags; a 32-bit write still zero-extends
    p = t.producer(kind, w, n);
  } else p = byCl(t, kind, w, j);
  const n = (): void => { if (p.cnt >= 0) c.get(p.cnt); else c.i64(p.n, 0); };
  const rest = (): void => { if (p.cnt >= 0) c.i64(bits, 0).get(p.cnt).op(Op.I64Sub); else c.i64(bits - p.n, 0); };
  t.read(dst, w); c.set(p.a);
  t.read(src, w); c.set(p.b);
  c.get(p.a); n(); c.op(left ? Op.I64Shl : Op.I64ShrU);
  c.get(p.b); rest(); c.op(left ? Op.I64ShrU : Op.I64Shl);
  c.op(Op.I64Or);
  t.mask(w);
  // a count of 0 (in CL) leaves dst as it was: the shift by 64 − 0 above is wasm's by 0
  if (p.cnt >= 0) c.get(p.a).get(p.cnt).op(Op.I64Eqz, Op.I32Eqz, Op.Select);
  c.set(p.r);
  t.producers[j] = p;
  c.get(p.r); t.writeReg(dst);
}

export const shiftCountOps: WasmOpTable = {
  ...each([Mnemonic.Shld, Mnemonic.Shrd], doubleShift),
};
