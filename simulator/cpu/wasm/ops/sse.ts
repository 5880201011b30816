// The wasm tier's SSE data movement and packed integer instructions (as the
// JS tier's emit/sseMove.ts and emit/sseInteger.ts): the XMM registers lie
// in the module's memory (Cpu.xmm, layout X: 16 bytes each), so an
// instruction loads and stores them by constant address — no register is
// kept in a local across instructions. A memory operand is read (two 8-byte
// loads through the TLB, memoryOps.ts) before any register is written, so a
// fault leaves the state untouched. Packed operations use wasm's SIMD
// instructions, whose integer lanes are exactly x86's; a memory operand is
// assembled in the scratch slot past the registers (XMM_SCRATCH) first.
// Legacy SSE 128-bit memory operands must be 16-byte aligned (#GP), except
// for the explicitly unaligned moves; an unaligned 16-byte store that
// crosses a page checks both pages first (helpers/sse.ts probeWrite16At).

import { Mnemonic } from 'iced-x86';
import { Insn, MemOperand, Operand, OpKind } from '../../decode';
import { Op, SimdOp } from '../encoder';
import { Import, Unsupported } from '../context';
import type { MemoryCode } from '../memoryOps';
import { each, WasmOpTable } from './table';
import { stringOps } from './string';

/** Byte offset of XMM register n (the scratch slot is n = 16). */
export const xmmAt = (t: MemoryCode, n: number): number => t.L.X + 16 * n;
const SCRATCH = 16;

function xmm(op: Operand | undefined): number {
  if (op === undefined || op.kind !== OpKind.Xmm) throw new Unsupported();
  return op.reg;
}

export function memOp(op: Operand): MemOperand {
  if (op.kind !== OpKind.Mem) throw new Unsupported();
  return op;
}

/** The memory operand's address into local ma; `aligned`: #GP unless it is a multiple of 16; `store`: a page-crossing store checks both pages first. */
function address16(t: MemoryCode, m: MemOperand, aligned: boolean, store: boolean): void {
  const c = t.c, insn = t.insns[t.k];
  t.address(m); c.set(t.ma);
  if (!aligned && !store) return;
  c.get(t.ma).op(Op.I32WrapI64);
  if (aligned) c.i32(15).op(Op.I32And);
  else c.i32(4095).op(Op.I32And).i32(4080).op(Op.I32GtU);
  c.hint(false);
  t.open(Op.If);
  c.i32(aligned ? 1 : 0).get(t.ma).op(Op.I32WrapI64).get(t.ma).i64(32, 0).op(Op.I64ShrU, Op.I32WrapI64);
  c.i32(insn.ipLo).i32(insn.ipHi).call(Import.SseCheck);
  t.faultCheck();
  t.end();
}

/** Push the qword at ma + off (through the TLB). */
function loadQword(t: MemoryCode, off: number): void {
  t.c.get(t.ma);
  if (off) t.c.i64(off, 0).op(Op.I64Add);
  t.load(8);
}

/** The 16 bytes of memory operand `op` into XMM slot n (both halves read before either is written). */
function load128(t: MemoryCode, op: Operand, n: number, aligned: boolean): void {
  const c = t.c;
  address16(t, memOp(op), aligned, false);
  loadQword(t, 0); c.set(t.ta);
  loadQword(t, 8); c.set(t.tb);
  c.i32(0).get(t.ta).mem(Op.I64Store, xmmAt(t, n));
  c.i32(0).get(t.tb).mem(Op.I64Store, xmmAt(t, n) + 8);
}

/** XMM register s's 16 bytes to memory operand `op`; a watched or code page's trap leaves after both halves. */
function store128(t: MemoryCode, op: Operand, s: number, aligned: boolean): void {
  const c = t.c, insn = t.insns[t.k];
  address16(t, memOp(op), aligned, true);
  for (const off of [0, 8]) {
    c.i32(0).mem(Op.I64Load, xmmAt(t, s) + off).set(t.v);
    c.get(t.ma); if (off) c.i64(off, 0).op(Op.I64Add);
    t.store(8, () => {}, false);
  }
  t.trapExit([insn.nextLo, insn.nextHi]);
}

/** Copy qword `q` of XMM slot s to qword q of slot d. */
function copyQword(t: MemoryCode, d: number, s: number, q: number): void {
  copyQwordAcross(t, d, q, s, q);
}

/** Qword dq of XMM slot d = qword sq of slot s. */
function copyQwordAcross(t: MemoryCode, d: number, dq: number, s: number, sq: number): void {
  t.c.i32(0).i32(0).mem(Op.I64Load, xmmAt(t, s) + 8 * sq).mem(Op.I64Store, xmmAt(t, d) + 8 * dq);
}

/** Zero qword q of XMM register d. */
function zeroQword(t: MemoryCode, d: number, q: number): void {
  t.c.i32(0).i64(0, 0).mem(Op.I64Store, xmmAt(t, d) + 8 * q);
}

/** movdqa/movdqu/movaps/movups/movapd/movupd/movnt*: 128-bit copy. */
function mov128(aligned: boolean) {
  return (t: MemoryCode, d: Insn): void => {
    const [dst, src] = d.ops;
    if (dst.kind === OpKind.Xmm) {
      if (src.kind === OpKind.Xmm) { copyQword(t, dst.reg, src.reg, 0); copyQword(t, dst.reg, src.reg, 1); return; }
      load128(t, src, dst.reg, aligned);
      return;
    }
    store128(t, dst, xmm(src), aligned);
  };
}

/**
 * movq/movd (`w` bytes) and movsd/movss (`scalar`): to an XMM register from a GPR or memory,
 * the rest of it zeroed; movq xmm, xmm zeroes the high qword; movsd/movss xmm, xmm merge into the
 * low lane; from an XMM register to a GPR (zero-extended) or memory.
 */
function movLow(w: 4 | 8, scalar: boolean) {
  return (t: MemoryCode, d: Insn): void => {
    const c = t.c, [dst, src] = d.ops;
    const low = w === 8 ? Op.I64Load : Op.I64Load32U;
    if (dst.kind === OpKind.Xmm) {
      const at = xmmAt(t, dst.reg);
      if (src.kind === OpKind.Xmm) {
        if (!scalar && w === 4) throw new Unsupported(); // (movd xmm, xmm is no instruction)
        if (w === 8) copyQword(t, dst.reg, src.reg, 0);
        else c.i32(0).i32(0).mem(Op.I32Load, xmmAt(t, src.reg)).mem(Op.I32Store, at);
        if (!scalar) zeroQword(t, dst.reg, 1);
        return;
      }
      t.read(src, w); c.set(t.ta); // (a GPR's low w bytes, or memory: a fault changes nothing)
      c.i32(0).get(t.ta).mem(Op.I64Store, at);
      zeroQword(t, dst.reg, 1);
      return;
    }
    const s = xmm(src);
    c.i32(0).mem(low, xmmAt(t, s));
    if (dst.kind === OpKind.Reg) { t.writeReg(dst.size === 8 ? dst : { ...dst, size: 4 }); return; }
    c.set(t.v);
    t.address(memOp(dst));
    t.store(w);
  };
}

/** Push XMM slot n as a v128. */
function vget(t: MemoryCode, n: number): void {
  t.c.i32(0).simdMem(SimdOp.V128Load, xmmAt(t, n));
}

/** The source of a packed instruction as an XMM slot: its register, or the scratch slot its memory operand was loaded to (`aligned`: legacy SSE's rule). */
export function sourceSlot(t: MemoryCode, op: Operand, aligned: boolean): number {
  if (op.kind === OpKind.Xmm) return op.reg;
  load128(t, op, SCRATCH, aligned);
  return SCRATCH;
}

function packedSource(t: MemoryCode, op: Operand): number {
  return sourceSlot(t, op, true);
}

/** dst = dst op src, lane-wise (`swap`: op(src, dst), as andnot's operand order needs). */
function packed(op: SimdOp, swap = false) {
  return (t: MemoryCode, d: Insn): void => {
    const [dst, src] = d.ops, x = xmm(dst), s = packedSource(t, src);
    t.c.i32(0);
    if (swap) { vget(t, s); vget(t, x); } else { vget(t, x); vget(t, s); }
    t.c.simd(op).simdMem(SimdOp.V128Store, xmmAt(t, x));
  };
}

/** pxor/xorps/xorpd (and pandn…) of a register with itself: zero, whatever it held (the zeroing idiom). */
function zeroingOr(op: SimdOp, swap = false) {
  const general = packed(op, swap);
  return (t: MemoryCode, d: Insn): void => {
    const [dst, src] = d.ops;
    if (dst.kind === OpKind.Xmm && src.kind === OpKind.Xmm && dst.reg === src.reg) { zeroQword(t, dst.reg, 0); zeroQword(t, dst.reg, 1); return; }
    general(t, d);
  };
}

/** pmovmskb r32/r64, xmm: the bytes' sign bits. */
function pmovmskb(t: MemoryCode, d: Insn): void {
  const [dst, src] = d.ops;
  if (dst.kind !== OpKind.Reg) throw new Unsupported();
  vget(t, xmm(src));
  t.c.simd(SimdOp.I8x16Bitmask).op(Op.I64ExtendI32U);
  t.writeReg(dst.size === 8 ? dst : { ...dst, size: 4 });
}

/** dst = shuffle(a, b) with i8x16.shuffle's lanes (0–15: a's bytes, 16–31: b's); a or b null: zero. */
function shuffle(t: MemoryCode, x: number, a: number | null, b: number | null, lanes: number[]): void {
  const c = t.c;
  c.i32(0);
  for (const v of [a, b]) {
    if (v === null) c.simdBytes(SimdOp.V128Const, ZERO16); else vget(t, v);
  }
  c.simdBytes(SimdOp.I8x16Shuffle, lanes).simdMem(SimdOp.V128Store, xmmAt(t, x));
}

const ZERO16 = new Array<number>(16).fill(0);

function imm8(op: Operand | undefined): number {
  if (op === undefined || op.kind !== OpKind.Imm) throw new Unsupported();
  return op.lo & 255;
}

/** pslldq/psrldq xmm, imm8: a byte shift of the whole register (16 or more: zero). */
function byteShift(left: boolean) {
  return (t: MemoryCode, d: Insn): void => {
    const x = xmm(d.ops[0]), n = imm8(d.ops[1]);
    // a = zero (lanes 0–15), b = the register (lanes 16–31)
    const lanes = Array.from({ length: 16 }, (_, i) => {
      const from = left ? i - n : i + n;
      return from >= 0 && from < 16 ? 16 + from : 0;
    });
    shuffle(t, x, null, x, lanes);
  };
}

/** punpckl… and punpckh…: interleave the low (or high) halves' lanes of `size` bytes, dst's first. */
function unpack(size: number, high: boolean) {
  return (t: MemoryCode, d: Insn): void => {
    const x = xmm(d.ops[0]), s = packedSource(t, d.ops[1]);
    const lanes: number[] = [];
    for (let i = 0; i < 16 / size / 2; i++) {
      const from = (high ? 8 : 0) + i * size;
      for (let b = 0; b < size; b++) lanes.push(from + b);
      for (let b = 0; b < size; b++) lanes.push(16 + from + b);
    }
    shuffle(t, x, x, s, lanes);
  };
}

/** pshufd xmm, xmm/m128, imm8: dword i = source dword (imm >> 2i) & 3. */
function pshufd(t: MemoryCode, d: Insn): void {
  const x = xmm(d.ops[0]), s = packedSource(t, d.ops[1]), imm = imm8(d.ops[2]);
  const lanes: number[] = [];
  for (let i = 0; i < 4; i++) for (let b = 0; b < 4; b++) lanes.push(4 * ((imm >> (2 * i)) & 3) + b);
  shuffle(t, x, s, s, lanes);
}

/** pshufb xmm, xmm/m128: byte i = the destination's byte (s[i] & 15), or 0 when s[i]'s top bit is set (i8x16.swizzle: 0 for an index of 16 or more). */
function pshufb(t: MemoryCode, d: Insn): void {
  const x = xmm(d.ops[0]), s = packedSource(t, d.ops[1]), c = t.c;
  c.i32(0);
  vget(t, x); vget(t, s);
  c.simdBytes(SimdOp.V128Const, new Array<number>(16).fill(0x8f)).simd(SimdOp.V128And);
  c.simd(SimdOp.I8x16Swizzle).simdMem(SimdOp.V128Store, xmmAt(t, x));
}

/** palignr xmm, xmm/m128, imm8: the 32 bytes destination:source shifted right by imm bytes, the low 16 kept. */
function palignr(t: MemoryCode, d: Insn): void {
  const x = xmm(d.ops[0]), s = packedSource(t, d.ops[1]), n = imm8(d.ops[2]);
  if (n < 16) shuffle(t, x, s, x, Array.from({ length: 16 }, (_, i) => i + n)); // (a: the source's bytes, b: the destination's)
  else shuffle(t, x, x, null, Array.from({ length: 16 }, (_, i) => (i + n - 16 < 16 ? i + n - 16 : 16)));
}

/** movlps/movlpd (qword 0) and movhps/movhpd (qword 1): one qword of an XMM register from or to m64. */
function movHalf(q: 0 | 1) {
  return (t: MemoryCode, d: Insn): void => {
    const c = t.c, [dst, src] = d.ops;
    if (dst.kind === OpKind.Xmm) {
      t.read(memOp(src), 8);
      c.set(t.ta).i32(0).get(t.ta).mem(Op.I64Store, xmmAt(t, dst.reg) + 8 * q);
      return;
    }
    c.i32(0).mem(Op.I64Load, xmmAt(t, xmm(src)) + 8 * q).set(t.v);
    t.address(memOp(dst));
    t.store(8);
  };
}

/** pinsrw xmm, r32/m16, imm8: word imm & 7 = the source's low word; pextrw r32, xmm, imm8: that word, zero-extended. */
function pinsrw(t: MemoryCode, d: Insn): void {
  const c = t.c, x = xmm(d.ops[0]), i = imm8(d.ops[2]) & 7;
  t.read(d.ops[1], 2); c.set(t.ta);
  c.i32(0).get(t.ta).mem(Op.I64Store16, xmmAt(t, x) + 2 * i);
}

function pextrw(t: MemoryCode, d: Insn): void {
  const dst = d.ops[0], i = imm8(d.ops[2]) & 7;
  if (dst.kind !== OpKind.Reg) throw new Unsupported(); // (to memory: SSE4.1's, the JS tier's #UD)
  t.c.i32(0).mem(Op.I64Load16U, xmmAt(t, xmm(d.ops[1])) + 2 * i);
  t.writeReg({ ...dst, size: 4 });
}

/** movmskps/movmskpd r32/r64, xmm: the sign bits of the four dwords or the two qwords. */
function movmsk(lanes: 2 | 4) {
  return (t: MemoryCode, d: Insn): void => {
    const c = t.c, [dst, src] = d.ops, s = xmm(src);
    if (dst.kind !== OpKind.Reg) throw new Unsupported();
    for (let i = 0; i < lanes; i++) {
      c.i32(0).mem(Op.I32Load, xmmAt(t, s) + (16 / lanes) * (i + 1) - 4).i32(31).op(Op.I32ShrU);
      if (i > 0) c.i32(i).op(Op.I32Shl, Op.I32Or);
    }
    c.op(Op.I64ExtendI32U);
    t.writeReg({ ...dst, size: 4 });
  };
}

const movsd = movLow(8, true);
const stringMovsd = stringOps[Mnemonic.Movsd]!;

export const sseOps: WasmOpTable = {
  ...each([Mnemonic.Movdqa, Mnemonic.Movaps, Mnemonic.Movapd, Mnemonic.Movntdq, Mnemonic.Movntps, Mnemonic.Movntpd], mov128(true)),
  ...each([Mnemonic.Movdqu, Mnemonic.Movups, Mnemonic.Movupd], mov128(false)),
  [Mnemonic.Movq]: movLow(8, false),
  [Mnemonic.Movd]: movLow(4, false),
  [Mnemonic.Movss]: movLow(4, true),
  // (movsd without XMM operands is the string instruction)
  [Mnemonic.Movsd]: (t, d, j) => (d.ops.some((o) => o.kind === OpKind.Xmm) ? movsd : stringMovsd)(t, d, j),
  ...each([Mnemonic.Pxor, Mnemonic.Xorps, Mnemonic.Xorpd], zeroingOr(SimdOp.V128Xor)),
  ...each([Mnemonic.Pandn, Mnemonic.Andnps, Mnemonic.Andnpd], zeroingOr(SimdOp.V128AndNot, true)), // (~dst & src)
  ...each([Mnemonic.Pand, Mnemonic.Andps, Mnemonic.Andpd], packed(SimdOp.V128And)),
  ...each([Mnemonic.Por, Mnemonic.Orps, Mnemonic.Orpd], packed(SimdOp.V128Or)),
  [Mnemonic.Pcmpeqb]: packed(SimdOp.I8x16Eq),
  [Mnemonic.Pcmpeqw]: packed(SimdOp.I16x8Eq),
  [Mnemonic.Pcmpeqd]: packed(SimdOp.I32x4Eq),
  [Mnemonic.Pcmpgtb]: packed(SimdOp.I8x16GtS),
  [Mnemonic.Pcmpgtw]: packed(SimdOp.I16x8GtS),
  [Mnemonic.Pcmpgtd]: packed(SimdOp.I32x4GtS),
  [Mnemonic.Pminub]: packed(SimdOp.I8x16MinU),
  [Mnemonic.Pmaxub]: packed(SimdOp.I8x16MaxU),
  [Mnemonic.Paddb]: packed(SimdOp.I8x16Add),
  [Mnemonic.Paddw]: packed(SimdOp.I16x8Add),
  [Mnemonic.Paddd]: packed(SimdOp.I32x4Add),
  [Mnemonic.Paddq]: packed(SimdOp.I64x2Add),
  [Mnemonic.Psubb]: packed(SimdOp.I8x16Sub),
  [Mnemonic.Psubw]: packed(SimdOp.I16x8Sub),
  [Mnemonic.Psubd]: packed(SimdOp.I32x4Sub),
  [Mnemonic.Psubq]: packed(SimdOp.I64x2Sub),
  [Mnemonic.Pmovmskb]: pmovmskb,
  [Mnemonic.Pslldq]: byteShift(true),
  [Mnemonic.Psrldq]: byteShift(false),
  [Mnemonic.Punpcklbw]: unpack(1, false), [Mnemonic.Punpckhbw]: unpack(1, true),
  [Mnemonic.Punpcklwd]: unpack(2, false), [Mnemonic.Punpckhwd]: unpack(2, true),
  ...each([Mnemonic.Punpckldq, Mnemonic.Unpcklps], unpack(4, false)), ...each([Mnemonic.Punpckhdq, Mnemonic.Unpckhps], unpack(4, true)),
  ...each([Mnemonic.Punpcklqdq, Mnemonic.Unpcklpd], unpack(8, false)), ...each([Mnemonic.Punpckhqdq, Mnemonic.Unpckhpd], unpack(8, true)),
  [Mnemonic.Pshufd]: pshufd,
  [Mnemonic.Pshufb]: pshufb,
  [Mnemonic.Pinsrw]: pinsrw,
  [Mnemonic.Movmskps]: movmsk(4),
  [Mnemonic.Movmskpd]: movmsk(2),
  [Mnemonic.Pextrw]: pextrw,
  [Mnemonic.Palignr]: palignr,
  ...each([Mnemonic.Movlps, Mnemonic.Movlpd], movHalf(0)),
  ...each([Mnemonic.Movhps, Mnemonic.Movhpd], movHalf(1)),
  // movhlps: the low qword = the source's high one; movlhps: the high qword = the source's low one
  [Mnemonic.Movhlps]: (t, d) => copyQwordAcross(t, xmm(d.ops[0]), 0, xmm(d.ops[1]), 1),
  [Mnemonic.Movlhps]: (t, d) => copyQwordAcross(t, xmm(d.ops[0]), 1, xmm(d.ops[1]), 0),
};
