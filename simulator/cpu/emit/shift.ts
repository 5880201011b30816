// Shifts and rotates (shl shr sar rol ror rcl rcr, shld shrd). 32/64-bit
// shifts and rotates by an immediate — the common case in optimised code —
// are inline, their flags too (exactly as the helper sets them); by CL with
// dead flags as well; everything else goes through helpers/arith.ts.

import { Mnemonic } from 'iced-x86';
import { Emitter } from './context';
import { EmitTable } from './table';
import { OpKind } from '../decode';
import { ShiftKind } from '../helpers/arith';
import { FlagBit } from '../decode';

function countExpr(e: Emitter, n: number): string {
  const op = e.insn.ops[n];
  if (op === undefined) return '1';
  if (op.kind === OpKind.Imm) return String(op.lo & 255);
  return '(R[2]&255)';
}

function inlineShift(e: Emitter, kind: ShiftKind, n: number): boolean {
  const size = e.insn.opSize;
  if (size !== 4 && size !== 8) return false;
  if (kind !== ShiftKind.SHL && kind !== ShiftKind.SAL && kind !== ShiftKind.SHR && kind !== ShiftKind.SAR) return false;
  n &= size === 8 ? 63 : 31;
  const dst = e.insn.ops[0];
  e.load(dst, 'a', 'ah');
  if (n === 0) { // no change and no flags, but a 32-bit register write still zero-extends
    if (size === 4 && dst.kind === OpKind.Reg) e.store(dst, 'a', 'ah');
    return true;
  }
  const left = kind === ShiftKind.SHL || kind === ShiftKind.SAL;
  if (size === 4) {
    e.emit(left ? `r=a<<${n};` : kind === ShiftKind.SHR ? `r=a>>>${n}|0;` : `r=a>>${n};`);
  } else if (n < 32) {
    if (left) e.emit(`r=a<<${n};rh=(ah<<${n})|(a>>>${32 - n});`);
    else e.emit(`r=(a>>>${n})|(ah<<${32 - n});rh=ah${kind === ShiftKind.SHR ? '>>>' : '>>'}${n};`);
  } else {
    const m = n - 32;
    if (left) e.emit(`r=0;rh=a<<${m};`);
    else if (kind === ShiftKind.SHR) e.emit(`r=ah>>>${m}|0;rh=0;`);
    else e.emit(`r=ah>>${m};rh=ah>>31;`);
  }
  e.store(dst, 'r', 'rh');
  // the flags as helpers/arith.ts shift() sets them: CF the last bit shifted out, AF 0
  const CF = bitOf(size, left ? size * 8 - n : n - 1);
  const msb = size === 8 ? '(rh>>>31)' : '(r>>>31)';
  const OF = left ? `(${msb}^${CF})` : kind === ShiftKind.SHR ? (size === 8 ? '(ah>>>31)' : '(a>>>31)') : '0';
  e.flags({ CF, OF, AF: '0', ...e.resultFlags(size) });
  return true;
}

/** Bit p of the original operand (a, and ah for 64 bits) as 0/1. */
function bitOf(size: number, p: number): string {
  return size === 8 && p >= 32 ? `((ah>>>${p - 32})&1)` : `((a>>>${p})&1)`;
}

/** 32/64-bit shl/shr/sar by CL with dead flags (a count of 0 changes nothing, flags included). */
function inlineShiftByCl(e: Emitter, kind: ShiftKind): boolean {
  const size = e.insn.opSize;
  if (e.needs(FlagBit.ARITH) || (size !== 4 && size !== 8)) return false;
  if (kind !== ShiftKind.SHL && kind !== ShiftKind.SAL && kind !== ShiftKind.SHR && kind !== ShiftKind.SAR) return false;
  const dst = e.insn.ops[0];
  e.load(dst, 'a', 'ah');
  const left = kind === ShiftKind.SHL || kind === ShiftKind.SAL;
  if (size === 4) {
    e.emit(`t=R[2]&31;${left ? 'r=a<<t;' : kind === ShiftKind.SHR ? 'r=a>>>t|0;' : 'r=a>>t;'}`);
  } else if (left) {
    e.emit('t=R[2]&63;if(t===0){r=a;rh=ah;}else if(t<32){r=a<<t;rh=(ah<<t)|(a>>>(32-t));}else{r=0;rh=a<<(t-32);}');
  } else if (kind === ShiftKind.SHR) {
    e.emit('t=R[2]&63;if(t===0){r=a;rh=ah;}else if(t<32){r=(a>>>t)|(ah<<(32-t));rh=ah>>>t|0;}else{r=ah>>>(t-32)|0;rh=0;}');
  } else {
    e.emit('t=R[2]&63;if(t===0){r=a;rh=ah;}else if(t<32){r=(a>>>t)|(ah<<(32-t));rh=ah>>t;}else{r=ah>>(t-32);rh=ah>>31;}');
  }
  e.store(dst, 'r', 'rh');
  return true;
}

/** 32/64-bit rol/ror by an immediate. */
function inlineRotate(e: Emitter, kind: ShiftKind, count: number): boolean {
  const size = e.insn.opSize;
  if (size !== 4 && size !== 8) return false;
  if (kind !== ShiftKind.ROL && kind !== ShiftKind.ROR) return false;
  const bits = size * 8;
  const masked = count & (bits - 1);
  const dst = e.insn.ops[0];
  e.load(dst, 'a', 'ah');
  if (masked === 0) { // no change and no flags, but a 32-bit register write still zero-extends
    if (size === 4 && dst.kind === OpKind.Reg) e.store(dst, 'a', 'ah');
    return true;
  }
  const n = kind === ShiftKind.ROL ? masked : bits - masked; // as a left rotate
  if (size === 4) e.emit(`r=(a<<${n})|(a>>>${32 - n});`);
  else if (n === 32) e.emit('r=ah;rh=a;');
  else if (n < 32) e.emit(`r=(a<<${n})|(ah>>>${32 - n});rh=(ah<<${n})|(a>>>${32 - n});`);
  else e.emit(`r=(ah<<${n - 32})|(a>>>${64 - n});rh=(a<<${n - 32})|(ah>>>${64 - n});`);
  e.store(dst, 'r', 'rh');
  // as helpers/arith.ts shift(): rol CF = the result's low bit, ror CF = its top bit; OF = top ^ the next one
  const top = size === 8 ? 'rh' : 'r';
  if (kind === ShiftKind.ROL) e.flags({ CF: '(r&1)', OF: `((${top}>>>31)^(r&1))` });
  else e.flags({ CF: `(${top}>>>31)`, OF: `((${top}>>>31)^((${top}>>>30)&1))` });
  return true;
}

function shiftRotate(e: Emitter, kind: ShiftKind): void {
  const countOp = e.insn.ops[1];
  if (countOp && countOp.kind === OpKind.Imm && inlineShift(e, kind, countOp.lo & 255)) return;
  if (!countOp && inlineShift(e, kind, 1)) return;
  if (countOp && countOp.kind === OpKind.Imm && inlineRotate(e, kind, countOp.lo & 255)) return;
  if (!countOp && inlineRotate(e, kind, 1)) return;
  if (countOp && countOp.kind === OpKind.Reg && inlineShiftByCl(e, kind)) return;
  const dst = e.insn.ops[0];
  e.load(dst, 'a', 'ah');
  e.emit(`r=H.shift(F,${kind},${e.insn.opSize},a,ah,${countExpr(e, 1)});rh=Q[0];`);
  e.store(dst, 'r', 'rh');
}

function doubleShift(e: Emitter, left: boolean): void {
  const [dst, src] = e.insn.ops;
  e.load(dst, 'a', 'ah');
  e.load(src, 'b', 'bh');
  e.emit(`r=H.doubleShift(F,${left},${e.insn.opSize},a,ah,b,bh,${countExpr(e, 2)});rh=Q[0];`);
  e.store(dst, 'r', 'rh');
}

export const shiftEmitters: EmitTable = {
  [Mnemonic.Shl]: (e) => shiftRotate(e, ShiftKind.SHL),
  [Mnemonic.Sal]: (e) => shiftRotate(e, ShiftKind.SAL),
  [Mnemonic.Shr]: (e) => shiftRotate(e, ShiftKind.SHR),
  [Mnemonic.Sar]: (e) => shiftRotate(e, ShiftKind.SAR),
  [Mnemonic.Rol]: (e) => shiftRotate(e, ShiftKind.ROL),
  [Mnemonic.Ror]: (e) => shiftRotate(e, ShiftKind.ROR),
  [Mnemonic.Rcl]: (e) => shiftRotate(e, ShiftKind.RCL),
  [Mnemonic.Rcr]: (e) => shiftRotate(e, ShiftKind.RCR),
  [Mnemonic.Shld]: (e) => doubleShift(e, true),
  [Mnemonic.Shrd]: (e) => doubleShift(e, false),
};
