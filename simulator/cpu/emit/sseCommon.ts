// Operand plumbing shared by the SSE emitters (sseMove, sseInteger,
// sseFloat). XMM register n is X[4n..4n+3], least significant word first;
// emitters refer to it by its word index `4n`.
//
// Source operands are loaded into temporaries before anything is written:
// 128 bits into a ah b bh (words 0..3), 64 bits into a ah, 32 bits into a.
// Memory is always read (and written) before any register is, so a fault
// leaves the state untouched. Legacy-SSE 128-bit memory operands must be
// 16-byte aligned (#GP otherwise) except for the explicitly unaligned moves.

import { Emitter } from './context';
import { MemOperand, Operand, OpKind, UnsupportedOperand } from '../decode';

/** The four word temporaries a 128-bit source is loaded into. */
export const SRC = ['a', 'ah', 'b', 'bh'];

/** Word index of an XMM operand's register (throws → #UD for anything else). */
export function xr(op: Operand | undefined): number {
  if (!op || op.kind !== OpKind.Xmm) throw new UnsupportedOperand('expected an xmm operand');
  return 4 * op.reg;
}

export function isXmm(op: Operand | undefined): boolean {
  return op !== undefined && op.kind === OpKind.Xmm;
}

export function mem(op: Operand | undefined): MemOperand {
  if (!op || op.kind !== OpKind.Mem) throw new UnsupportedOperand('expected a memory operand');
  return op;
}

export function imm8(op: Operand | undefined): number {
  if (!op || op.kind !== OpKind.Imm) throw new UnsupportedOperand('expected an immediate');
  return op.lo & 255;
}

/** `X[i]` expressions for the four words of register word index d. */
export function words(d: number): string[] {
  return [`X[${d}]`, `X[${d + 1}]`, `X[${d + 2}]`, `X[${d + 3}]`];
}

function alignCheck(e: Emitter): void {
  e.emit('if((ml&15)!==0)H.misaligned(ml,mh);');
}

/** Arguments `lo,hi` addressing the operand's second qword (ml/mh computed). */
function secondQword(e: Emitter, aligned: boolean): string {
  if (aligned) return 'ml+8,mh'; // 16-aligned: +8 never carries or leaves int32
  e.emit('t=(ml>>>0)+8;');
  return 't|0,(mh+(t>4294967295?1:0))|0';
}

/** Load a 128-bit xmm/m128 source into a ah b bh. */
export function load128(e: Emitter, op: Operand, aligned = true): void {
  if (op.kind === OpKind.Xmm) {
    const s = 4 * op.reg;
    e.emit(`a=X[${s}];ah=X[${s + 1}];b=X[${s + 2}];bh=X[${s + 3}];`);
    return;
  }
  const m = mem(op);
  e.ea(m);
  if (aligned) alignCheck(e);
  e.emit('a=ld64(ml,mh);ah=S[0];');
  e.emit(`b=ld64(${secondQword(e, aligned)});bh=S[0];`);
}

/**
 * Source words of a 128-bit operand for a helper call: X words for a
 * register (no copy needed: helpers copy before writing), else loaded.
 */
export function src128(e: Emitter, op: Operand, aligned = true): string {
  if (op.kind === OpKind.Xmm) return words(4 * op.reg).join(',');
  load128(e, op, aligned);
  return SRC.join(',');
}

/** Low 64 bits of an xmm/m64 source: returns `lo,hi` expressions (loads memory into a/ah). */
export function src64(e: Emitter, op: Operand): string {
  if (op.kind === OpKind.Xmm) return `X[${4 * op.reg}],X[${4 * op.reg + 1}]`;
  const m = mem(op);
  e.ea(m);
  e.emit('a=ld64(ml,mh);ah=S[0];');
  return 'a,ah';
}

/** Low 32 bits of an xmm/m32 source: an expression (memory loaded into a). */
export function src32(e: Emitter, op: Operand): string {
  if (op.kind === OpKind.Xmm) return `X[${4 * op.reg}]`;
  const m = mem(op);
  e.ea(m);
  e.emit('a=ld32(ml,mh);');
  return 'a';
}

/** Store four word expressions to a 128-bit memory operand. */
export function store128(e: Emitter, op: Operand, w: string[], aligned: boolean): void {
  const m = mem(op);
  e.ea(m);
  e.stores = true;
  // An unaligned store crossing a page checks both pages before writing either half.
  e.emit(aligned ? 'if((ml&15)!==0)H.misaligned(ml,mh);' : 'if((ml&4095)>4080)H.probeWrite16(ml,mh);');
  e.emit(`st64(ml,mh,${w[0]},${w[1]});`);
  e.emit(`st64(${secondQword(e, aligned)},${w[2]},${w[3]});`);
}

/** Assign word expressions to register word index d. */
export function setWords(e: Emitter, d: number, w: string[]): void {
  e.emit(w.map((v, i) => `X[${d + i}]=${v};`).join(''));
}
