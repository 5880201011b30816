// The wasm tier's one-operand mul/imul (every width) and div/idiv (32 and 64 bits; as
// emit/muldiv.ts and helpers/arith.ts). Products are exact with i64 ops: a
// 32-bit one in a single i64.mul, the high half of a 64-bit one from its
// 32-bit halves. A quotient is inline when the host's divider cannot trap
// and the result fits — RDX the zero (div) or sign (idiv) extension of RAX,
// a divisor neither 0 nor (idiv) −1; anything else, any width, goes to the
// JS tier's helper through an import (tier.ts), which computes a dividend
// really 128 bits wide or raises #DE at this instruction, registers and
// flags exact. Neither writes flags other than mul's CF = OF.

import { Mnemonic } from 'iced-x86';
import { Insn } from '../../decode';
import { I64, Op } from '../encoder';
import { Import } from '../context';
import { Kind, Producer } from '../flags';
import type { MemoryCode } from '../memoryOps';
import { RAX, WasmOpTable } from './table';

const RDX = 2;

/**
 * mul r/m (imul r/m when signed): AX = AL × src, DX:AX, EDX:EAX or RDX:RAX = rAX × src; CF = OF = the
 * high half is not the low half's extension.
 */
function product(t: MemoryCode, d: Insn, j: number, signed: boolean): void {
  const c = t.c, w = d.opSize;
  const x = t.local(I64), y = t.local(I64), lo = t.local(I64), hi = t.local(I64);
  const p = t.producer(Kind.Overflow, w);
  t.read(d.ops[0], w); if (signed) t.signExtend(w); c.set(y); // (a load may fault: nothing written yet)
  t.read(RAX(w), w); if (signed) t.signExtend(w); c.set(x);
  if (w < 4) { narrowProduct(t, j, p, x, y, lo, signed, w); return; }
  if (w === 4) {
    // the exact product in 64 bits
    c.get(x).get(y).op(Op.I64Mul).tee(lo).i64(32, 0).op(signed ? Op.I64ShrS : Op.I64ShrU).set(hi);
    if (signed) c.get(lo).get(lo).op(Op.I64Extend32S).op(Op.I64Ne);
    else c.get(hi).op(Op.I64Eqz, Op.I32Eqz);
  } else {
    highProduct(t, x, y, hi, signed);
    c.get(x).get(y).op(Op.I64Mul).set(lo);
    if (signed) c.get(hi).get(lo).i64(63, 0).op(Op.I64ShrS).op(Op.I64Ne);
    else c.get(hi).op(Op.I64Eqz, Op.I32Eqz);
  }
  c.op(Op.I64ExtendI32U).set(p.r);
  t.producers[j] = p;
  c.get(lo); t.writeReg(RAX(w));
  c.get(hi); t.writeReg(RAX(w, RDX));
}

/** 8 and 16 bits (as helpers/arith.ts mul1/imul1): the exact product in 64 bits; AX gets it (8), or AX its low and DX its high 16 bits (16); the rest of RAX and RDX kept. */
function narrowProduct(t: MemoryCode, j: number, p: Producer, x: number, y: number, lo: number, signed: boolean, w: number): void {
  const c = t.c;
  c.get(x).get(y).op(Op.I64Mul).set(lo);
  if (signed) { c.get(lo).get(lo); t.signExtend(w); c.op(Op.I64Ne); } else c.get(lo).i64(w * 8, 0).op(Op.I64ShrU, Op.I64Eqz, Op.I32Eqz);
  c.op(Op.I64ExtendI32U).set(p.r);
  t.producers[j] = p;
  c.get(lo); t.writeReg(RAX(2));
  if (w === 2) { c.get(lo).i64(16, 0).op(Op.I64ShrU); t.writeReg(RAX(2, RDX)); }
}

/** hi = the high 64 bits of the 128-bit product x·y, from the 32-bit halves' products (each exact in 64 bits). */
function highProduct(t: MemoryCode, x: number, y: number, hi: number, signed: boolean): void {
  const c = t.c, mid = t.local(I64), cross = t.local(I64);
  const half = (v: number, high: boolean): void => {
    c.get(v);
    if (high) c.i64(32, 0).op(Op.I64ShrU); else c.i64(-1, 0).op(Op.I64And);
  };
  // mid = xh·yl + (xl·yl >> 32); cross = xl·yh + (mid & 0xffffffff)
  half(x, true); half(y, false); c.op(Op.I64Mul);
  half(x, false); half(y, false); c.op(Op.I64Mul).i64(32, 0).op(Op.I64ShrU, Op.I64Add).set(mid);
  half(x, false); half(y, true); c.op(Op.I64Mul);
  c.get(mid).i64(-1, 0).op(Op.I64And, Op.I64Add).set(cross);
  // hi = xh·yh + (mid >> 32) + (cross >> 32)
  half(x, true); half(y, true); c.op(Op.I64Mul);
  c.get(mid).i64(32, 0).op(Op.I64ShrU, Op.I64Add);
  c.get(cross).i64(32, 0).op(Op.I64ShrU, Op.I64Add);
  // signed: less y where x < 0 and x where y < 0 (two's complement of the high half)
  if (signed) {
    c.get(x).i64(63, 0).op(Op.I64ShrS).get(y).op(Op.I64And, Op.I64Sub);
    c.get(y).i64(63, 0).op(Op.I64ShrS).get(x).op(Op.I64And, Op.I64Sub);
  }
  c.set(hi);
}

/** div/idiv r/m: rAX = rDX:rAX / src, rDX = the remainder. */
function divide(t: MemoryCode, d: Insn, signed: boolean): void {
  const c = t.c, w = d.opSize;
  const rax = t.reg(0), rdx = t.reg(RDX), s = t.local(I64);
  t.read(d.ops[0], w); c.set(s);
  if (w !== 4 && w !== 8) { slowDivide(t, d, s, signed); return; }
  const n = t.local(I64), dv = t.local(I64), q = t.local(I64);
  // the inline case; n, dv: dividend and divisor as the i64 operation takes them
  if (w === 8) {
    c.get(rdx);
    if (signed) c.get(rax).i64(63, 0).op(Op.I64ShrS).op(Op.I64Eq); else c.op(Op.I64Eqz);
    c.get(rax).set(n).get(s).set(dv);
  } else if (signed) {
    // EDX = EAX's sign: the dividend is EAX sign-extended
    c.get(rdx).op(Op.I64Extend32S).get(rax).op(Op.I64Extend32S).i64(32, 0).op(Op.I64ShrS).op(Op.I64Eq);
    c.get(rax).op(Op.I64Extend32S).set(n).get(s).op(Op.I64Extend32S).set(dv);
  } else {
    // EDX < src: the quotient of EDX:EAX fits 32 bits (and src ≠ 0)
    c.get(rdx).i64(-1, 0).op(Op.I64And).get(s).op(Op.I64LtU);
    c.get(rdx).i64(32, 0).op(Op.I64Shl).get(rax).i64(-1, 0).op(Op.I64And, Op.I64Or).set(n).get(s).set(dv);
  }
  c.get(dv).op(Op.I64Eqz, Op.I32Eqz, Op.I32And);
  if (signed) c.get(dv).i64(-1, -1).op(Op.I64Ne, Op.I32And); // (INT_MIN / −1 traps the host; its quotient would not fit)
  c.hint(true);
  t.open(Op.If);
  c.get(n).get(dv).op(signed ? Op.I64DivS : Op.I64DivU).set(q);
  c.get(n).get(dv).op(signed ? Op.I64RemS : Op.I64RemU); t.writeReg(RAX(w, RDX));
  c.get(q); t.writeReg(RAX(w));
  c.op(Op.Else);
  slowDivide(t, d, s, signed);
  t.end();
}

/** The JS tier's helper on rAX/rDX (through R), which may raise #DE: the code then leaves at this instruction. */
function slowDivide(t: MemoryCode, d: Insn, s: number, signed: boolean): void {
  const c = t.c, R = t.L.R;
  const rax = t.reg(0), rdx = t.reg(RDX);
  c.i32(0).get(rax).mem(Op.I64Store, R).i32(0).get(rdx).mem(Op.I64Store, R + 8 * RDX);
  c.i32(signed ? 1 : 0).i32(d.opSize).get(s).op(Op.I32WrapI64).get(s).i64(32, 0).op(Op.I64ShrU, Op.I32WrapI64);
  c.i32(d.ipLo).i32(d.ipHi).call(Import.Divide);
  t.faultCheck();
  c.i32(0).mem(Op.I64Load, R).set(rax).i32(0).mem(Op.I64Load, R + 8 * RDX).set(rdx);
  t.written.add(0); t.written.add(RDX);
}

export const mulDivOps: WasmOpTable = {
  [Mnemonic.Mul]: (t, d, j) => product(t, d, j, false),
  [Mnemonic.Div]: (t, d) => divide(t, d, false),
  [Mnemonic.Idiv]: (t, d) => divide(t, d, true),
};

/** One-operand imul (the two- and three-operand forms are integer.ts's). */
export function imul1(t: MemoryCode, d: Insn, j: number): void {
  product(t, d, j, true);
}
