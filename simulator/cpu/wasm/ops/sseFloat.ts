// The wasm tier's SSE floating point (scalar double and single arithmetic,
// comisd/ucomisd/comiss/ucomiss, the int/float conversions, cmpsd/cmpss),
// SSE4.2's pcmpistri and the x87 control word (fnstcw/fldcw): the JS tier's
// own helpers (helpers/sseFloat.ts — bit-exact under every MXCSR mode, with
// its exception flags and #XM) called through one import, SseCall (tier.ts):
// the wasm code passes the destination's word index and the source's words
// (an XMM register's loaded from the wasm memory, where the helper also
// writes its result), so a trace with a double's arithmetic stays in wasm
// instead of leaving for the dispatcher at it. A fault the helper throws
// (#XM) leaves before the instruction, as a load's does.
//
// The common double operations first try the helpers' own fast paths
// inline, under the same conditions (MXCSR in its usual state, read from the
// wasm memory): wasm's f64 add/sub/mul/div/sqrt are IEEE round-to-nearest,
// bit-exact as x86's when the result is a normal number and no exception
// flag that is still clear would be raised — the precision flag PE already
// set (the helper's exactness tests are not repeated here: until a first
// inexact result sets PE, the helper runs), no denormal operand (or DE set).

import { Mnemonic } from 'iced-x86';
import { Insn, Operand, OpKind } from '../../decode';
import { F64, I32, I64, Op } from '../encoder';
import { Import, mxcsrAt, Unsupported } from '../context';
import { Kind } from '../flags';
import type { MemoryCode } from '../memoryOps';
import { each, WasmOpTable } from './table';
import { memOp, sourceSlot, xmmAt } from './sse';

/** The helpers SseCall calls, by index (the names are helpers/sseFloat.ts's: the JS tier's H.<name>). */
export const SSE_CALLS = [
  'addsd', 'subsd', 'mulsd', 'divsd', 'sqrtsd', 'minsd', 'maxsd',
  'addss', 'subss', 'mulss', 'divss', 'sqrtss', 'minss', 'maxss',
  'comisd', 'ucomisd', 'comiss', 'ucomiss',
  'cvtsi2sd', 'cvtsi2sd32', 'cvtsi2ss', 'cvtsi2ss32',
  'cvttsd2si32', 'cvtsd2si32', 'cvttsd2si64', 'cvtsd2si64', 'cvttss2si32', 'cvtss2si32', 'cvttss2si64', 'cvtss2si64',
  'cvtsd2ss', 'cvtss2sd', 'cmpsd', 'cmpss',
  // (pcmpistri: tier.ts calls H.pcmpstr with the source slot's words)
  'pcmpistri', 'x87Control', 'x87SetControl', 'ldmxcsr',
] as const;
type SseCallName = typeof SSE_CALLS[number];

/** Byte offset of XMM register n's word k. */
const word = (t: MemoryCode, n: number, k: number): number => xmmAt(t, n) + 4 * k;

/**
 * A memory (or GPR) source is read first, into local tb — a load that faults leaves with nothing
 * done; sourceWords then pushes its words.
 */
function readSource(t: MemoryCode, src: Operand, w: 4 | 8): void {
  if (src.kind === OpKind.Xmm) return;
  t.read(src, w); t.c.set(t.tb);
}

/** Push the source's low w bytes as i32 words (w = 8: lo, hi; 4: one): an XMM register's from the wasm memory, else readSource's. */
function sourceWords(t: MemoryCode, src: Operand, w: 4 | 8): void {
  const c = t.c;
  if (src.kind === OpKind.Xmm) {
    c.i32(0).mem(Op.I32Load, word(t, src.reg, 0));
    if (w === 8) c.i32(0).mem(Op.I32Load, word(t, src.reg, 1));
    return;
  }
  c.get(t.tb).op(Op.I32WrapI64);
  if (w === 8) c.get(t.tb).i64(32, 0).op(Op.I64ShrU, Op.I32WrapI64);
}

/**
 * Call helper `name` with the i32 arguments pushed (`pushed` of them; the rest 0) → its i32 result
 * on the stack (a 64-bit result's high word in W[0]); leave before the instruction if it faulted.
 */
function call(t: MemoryCode, pushed: number): void {
  const c = t.c, insn = t.insns[t.k];
  for (let i = pushed; i < 4; i++) c.i32(0);
  c.i32(insn.ipLo).i32(insn.ipHi).call(Import.SseCall);
  c.set(t.lo32);
  t.faultCheck();
  c.get(t.lo32);
}

/** Push the op number, then the destination XMM register's word index (the helpers' `d`). */
function head(t: MemoryCode, name: SseCallName, dst: Operand): void {
  if (dst.kind !== OpKind.Xmm) throw new Unsupported();
  t.c.i32(SSE_CALLS.indexOf(name)).i32(4 * dst.reg);
}

/** The smallest normal double and the largest finite one (helpers/sseFloat.ts MIN_D, MAX_D). */
const MIN_D = 2.2250738585072014e-308, MAX_D = 1.7976931348623157e+308;

/** f64 locals a translation's fast paths share (allocated once per translation, in the same order in both passes). */
const f64Locals = new WeakMap<MemoryCode, { x: number; y: number; r: number; m: number }>();
function locals(t: MemoryCode): { x: number; y: number; r: number; m: number } {
  let l = f64Locals.get(t);
  if (l === undefined) f64Locals.set(t, l = { x: t.local(F64), y: t.local(F64), r: t.local(F64), m: t.local(I32) });
  return l;
}

/** MXCSR into local m; push whether (m & mask) === value. */
function mxcsrIs(t: MemoryCode, mask: number, value: number): void {
  const m = locals(t).m;
  t.c.i32(0).mem(Op.I32Load, mxcsrAt(t.L)).tee(m).i32(mask).op(Op.I32And).i32(value).op(Op.I32Eq);
}

/** Push whether f64 local v is no denormal (0, a normal number, an infinity; NaN: no). */
function notDenormal(t: MemoryCode, v: number): void {
  t.c.get(v).op(Op.F64Abs).f64(MIN_D).op(Op.F64Ge).get(v).f64(0).op(Op.F64Eq).op(Op.I32Or);
}

/** Push whether the operands in f64 locals raise no denormal flag that is clear (DE set in m, or neither is one). */
function noDenormalFlag(t: MemoryCode, ...v: number[]): void {
  const c = t.c;
  c.get(locals(t).m).i32(2).op(Op.I32And).i32(0).op(Op.I32Ne);
  for (const x of v) { notDenormal(t, x); if (x !== v[0]) c.op(Op.I32And); }
  c.op(Op.I32Or);
}

/** Push the source's low qword as an f64 (after readSource). */
function sourceF64(t: MemoryCode, src: Operand): void {
  if (src.kind === OpKind.Xmm) t.c.i32(0).mem(Op.F64Load, word(t, src.reg, 0));
  else t.c.get(t.tb).op(Op.F64ReinterpretI64);
}

const FAST_SD: Partial<Record<SseCallName, Op>> = { addsd: Op.F64Add, subsd: Op.F64Sub, mulsd: Op.F64Mul, divsd: Op.F64Div, sqrtsd: Op.F64Sqrt };

/** addsd/subsd/mulsd/divsd/sqrtsd: the helper's fast path inline (a normal result, MXCSR plain with PE set), else the helper. */
function arithSd(name: SseCallName) {
  const op = FAST_SD[name]!, slow = arith(name, 8);
  return (t: MemoryCode, d: Insn): void => {
    const c = t.c, [dst, src] = d.ops, { x, y, r } = locals(t);
    if (dst.kind !== OpKind.Xmm) throw new Unsupported();
    readSource(t, src, 8);
    sourceF64(t, src); c.set(y);
    if (op === Op.F64Sqrt) c.get(y).op(op);
    else c.i32(0).mem(Op.F64Load, word(t, dst.reg, 0)).tee(x).get(y).op(op);
    c.set(r);
    mxcsrIs(t, 0xffe0, 0x1fa0); // (all masked, round to nearest, no FZ/DAZ; PE set)
    c.get(r).op(Op.F64Abs).f64(MIN_D).op(Op.F64Gt).op(Op.I32And);
    c.get(r).op(Op.F64Abs).f64(MAX_D).op(Op.F64Le).op(Op.I32And);
    if (op === Op.F64Sqrt) noDenormalFlag(t, y); else noDenormalFlag(t, x, y);
    c.op(Op.I32And).hint(true);
    t.open(Op.If);
    c.i32(0).get(r).mem(Op.F64Store, word(t, dst.reg, 0));
    c.op(Op.Else);
    slow(t, d, 0, true);
    t.end();
  };
}

/** comisd/ucomisd: the helper's fast path inline (no NaN, no denormal unless DE is set, exceptions masked, no DAZ), else the helper. */
function comisSd(name: SseCallName) {
  return (t: MemoryCode, d: Insn, j: number): void => {
    const c = t.c, [dst, src] = d.ops, { x, y } = locals(t);
    if (dst.kind !== OpKind.Xmm) throw new Unsupported();
    readSource(t, src, 8);
    const p = t.producer(Kind.Comis, 8);
    sourceF64(t, src); c.set(y);
    c.i32(0).mem(Op.F64Load, word(t, dst.reg, 0)).set(x);
    mxcsrIs(t, 0x1fc0, 0x1f80);
    c.get(x).get(x).op(Op.F64Eq, Op.I32And).get(y).get(y).op(Op.F64Eq, Op.I32And);
    noDenormalFlag(t, x, y);
    c.op(Op.I32And).hint(true);
    t.open(Op.If, I32);
    // less 1, greater 0, equal 2
    c.i32(1).i32(0).i32(2).get(x).get(y).op(Op.F64Gt).op(Op.Select).get(x).get(y).op(Op.F64Lt).op(Op.Select);
    c.op(Op.Else);
    c.i32(SSE_CALLS.indexOf(name));
    sourceWords(t, dst, 8);
    sourceWords(t, src, 8);
    call(t, 4);
    t.end();
    c.op(Op.I64ExtendI32U).set(p.a);
    t.producers[j] = p;
  };
}

/** cvttsd2si: the helper's fast path inline (in range, exact or PE set, exceptions masked), else the helper. */
function cvttsd2si(t: MemoryCode, d: Insn): void {
  const c = t.c, [dst, src] = d.ops, { x } = locals(t);
  if (dst.kind !== OpKind.Reg) throw new Unsupported();
  const wide = dst.size === 8;
  readSource(t, src, 8);
  sourceF64(t, src); c.set(x);
  mxcsrIs(t, 0x1f80, 0x1f80);
  if (wide) c.get(x).f64(-9223372036854775808).op(Op.F64Ge).get(x).f64(9223372036854775808).op(Op.F64Lt);
  else c.get(x).f64(-2147483648).op(Op.F64Ge).get(x).f64(2147483647).op(Op.F64Le);
  c.op(Op.I32And, Op.I32And);
  c.get(x).op(Op.F64Trunc).get(x).op(Op.F64Eq).get(locals(t).m).i32(32).op(Op.I32And).i32(0).op(Op.I32Ne).op(Op.I32Or, Op.I32And).hint(true);
  t.open(Op.If, I64);
  c.get(x);
  if (wide) c.op(Op.I64TruncF64S); else c.op(Op.I32TruncF64S, Op.I64ExtendI32U);
  c.op(Op.Else);
  c.i32(SSE_CALLS.indexOf(wide ? 'cvttsd2si64' : 'cvttsd2si32'));
  sourceWords(t, src, 8);
  call(t, 2);
  c.op(Op.I64ExtendI32U);
  if (wide) c.i32(0).mem(Op.I64Load32U, t.L.W).i64(32, 0).op(Op.I64Shl, Op.I64Or);
  t.end();
  t.writeReg(dst);
}

/** cvtsi2sd xmm, r/m32 (always exact) and r/m64 (exact below 2^53 in magnitude, or PE set and masked, round to nearest): inline, else the helper. */
function cvtsi2sd(t: MemoryCode, d: Insn): void {
  const c = t.c, [dst, src] = d.ops, wide = src.size === 8;
  if (dst.kind !== OpKind.Xmm || src.kind === OpKind.Xmm) throw new Unsupported();
  readSource(t, src, wide ? 8 : 4);
  if (!wide) { c.i32(0).get(t.tb).op(Op.I32WrapI64).op(Op.F64ConvertI32S).mem(Op.F64Store, word(t, dst.reg, 0)); return; }
  c.get(t.tb).i64(0, 0x200000).op(Op.I64Add).i64(0, 0x400000).op(Op.I64LtU);
  mxcsrIs(t, 0x7020, 0x1020);
  c.op(Op.I32Or).hint(true);
  t.open(Op.If);
  c.i32(0).get(t.tb).op(Op.F64ConvertI64S).mem(Op.F64Store, word(t, dst.reg, 0));
  c.op(Op.Else);
  head(t, 'cvtsi2sd', dst);
  sourceWords(t, src, 8);
  call(t, 3);
  c.op(Op.Drop);
  t.end();
}

/** addsd… (w 8) and addss… (w 4): H.name(d, source words). */
function arith(name: SseCallName, w: 4 | 8) {
  return (t: MemoryCode, d: Insn, _j = 0, sourceRead = false): void => {
    const src = d.ops[1];
    if (!sourceRead) readSource(t, src, w);
    head(t, name, d.ops[0]);
    sourceWords(t, src, w);
    call(t, 1 + (w === 8 ? 2 : 1));
    t.c.op(Op.Drop);
  };
}

/** comisd/ucomisd (w 8), comiss/ucomiss (w 4): the flags from the helper's CF | ZF << 1 | PF << 2 (flags.ts Kind.Comis). */
function comis(name: SseCallName, w: 4 | 8) {
  return (t: MemoryCode, d: Insn, j: number): void => {
    const c = t.c, [dst, src] = d.ops;
    if (dst.kind !== OpKind.Xmm) throw new Unsupported();
    readSource(t, src, w);
    const p = t.producer(Kind.Comis, w);
    c.i32(SSE_CALLS.indexOf(name));
    sourceWords(t, dst, w);
    sourceWords(t, src, w);
    call(t, w === 8 ? 4 : 2);
    c.op(Op.I64ExtendI32U).set(p.a);
    t.producers[j] = p;
  };
}

/** cvtsi2sd/cvtsi2ss xmm, r/m32|r/m64 (the integer's size picks the helper). */
function cvtsi2(double: boolean) {
  return (t: MemoryCode, d: Insn): void => {
    const [dst, src] = d.ops, wide = src.size === 8;
    const name: SseCallName = double ? (wide ? 'cvtsi2sd' : 'cvtsi2sd32') : (wide ? 'cvtsi2ss' : 'cvtsi2ss32');
    if (src.kind === OpKind.Xmm) throw new Unsupported();
    readSource(t, src, wide ? 8 : 4);
    head(t, name, dst);
    sourceWords(t, src, wide ? 8 : 4);
    call(t, wide ? 3 : 2);
    t.c.op(Op.Drop);
  };
}

/** cvt(t)sd2si / cvt(t)ss2si r32|r64, xmm/m: the result (64 bits: the high word from W[0]) to the GPR. */
function cvt2si(from: 'sd' | 'ss', truncate: boolean) {
  return (t: MemoryCode, d: Insn): void => {
    const c = t.c, [dst, src] = d.ops, w = from === 'sd' ? 8 : 4;
    if (dst.kind !== OpKind.Reg) throw new Unsupported();
    const size = dst.size === 8 ? 64 : 32;
    const name = `cvt${truncate ? 't' : ''}${from}2si${size}` as SseCallName;
    readSource(t, src, w);
    c.i32(SSE_CALLS.indexOf(name));
    sourceWords(t, src, w);
    call(t, w === 8 ? 2 : 1);
    c.op(Op.I64ExtendI32U);
    if (size === 64) c.i32(0).mem(Op.I64Load32U, t.L.W).i64(32, 0).op(Op.I64Shl, Op.I64Or);
    t.writeReg(dst);
  };
}

/** cvtsd2ss xmm, xmm/m64 and cvtss2sd xmm, xmm/m32. */
function convert(name: 'cvtsd2ss' | 'cvtss2sd') {
  return arith(name, name === 'cvtsd2ss' ? 8 : 4);
}

/** cmpsd/cmpss xmm, xmm/m, imm8 (a lane mask from predicate imm & 7); cmpsd without XMM operands is the string instruction: not in the tier. */
function cmpScalar(name: 'cmpsd' | 'cmpss', w: 4 | 8) {
  return (t: MemoryCode, d: Insn): void => {
    const [dst, src, imm] = d.ops;
    if (dst === undefined || dst.kind !== OpKind.Xmm || imm === undefined || imm.kind !== OpKind.Imm) throw new Unsupported();
    readSource(t, src, w);
    head(t, name, dst);
    sourceWords(t, src, w);
    t.c.i32(imm.lo & 7);
    call(t, w === 8 ? 4 : 3);
    t.c.op(Op.Drop);
  };
}

/**
 * pcmpistri xmm1, xmm2/m128 (unaligned), imm8: the helper's result t (the mask u in its low 16 bits,
 * ZF, SF above) gives ECX — the index of u's lowest (or, imm bit 6, highest) set bit, else the
 * element count — and the flags (flags.ts Kind.PcmpStr), as the JS tier's emit/sse4.ts pcmpstr.
 */
function pcmpistri(t: MemoryCode, d: Insn, j: number): void {
  const c = t.c, [dst, src, im] = d.ops;
  if (dst.kind !== OpKind.Xmm || im === undefined || im.kind !== OpKind.Imm) throw new Unsupported();
  const imm = im.lo & 255, n = imm & 1 ? 8 : 16;
  const s = sourceSlot(t, src, false);
  const p = t.producer(Kind.PcmpStr, 4);
  c.i32(SSE_CALLS.indexOf('pcmpistri')).i32(4 * dst.reg).i32(imm).i32(4 * s);
  call(t, 3);
  c.op(Op.I64ExtendI32U).tee(p.a);
  // ECX: u = t & 0xffff; 0 → n, else the highest or lowest set bit's index
  c.i64(0xffff, 0).op(Op.I64And).set(p.r);
  c.i64(n, 0);
  if (imm & 0x40) c.i64(63, 0).get(p.r).op(Op.I64Clz, Op.I64Sub); else c.get(p.r).op(Op.I64Ctz);
  c.get(p.r).op(Op.I64Eqz).op(Op.Select);
  t.writeReg({ kind: OpKind.Reg, reg: 1, size: 4, high8: false });
  t.producers[j] = p;
}

/** fnstcw/fstcw m16 (or AX): the x87 control word; fldcw m16. */
function storeControl(t: MemoryCode, d: Insn): void {
  const c = t.c, [op] = d.ops;
  c.i32(SSE_CALLS.indexOf('x87Control'));
  call(t, 0);
  c.op(Op.I64ExtendI32U);
  if (op.kind === OpKind.Reg) { t.writeReg({ ...op, size: 2 }); return; }
  c.set(t.v);
  t.address(memOp(op));
  t.store(2);
}

function loadControl(t: MemoryCode, d: Insn): void {
  const c = t.c, [op] = d.ops;
  t.read(memOp(op), 2); c.set(t.tb);
  c.i32(SSE_CALLS.indexOf('x87SetControl')).get(t.tb).op(Op.I32WrapI64);
  call(t, 1);
  c.op(Op.Drop);
}

/** stmxcsr m32: MXCSR's word in the wasm memory; ldmxcsr m32: the helper (#GP on reserved bits). */
function stmxcsr(t: MemoryCode, d: Insn): void {
  t.c.i32(0).mem(Op.I64Load32U, mxcsrAt(t.L)).set(t.v);
  t.address(memOp(d.ops[0]));
  t.store(4);
}

function ldmxcsr(t: MemoryCode, d: Insn): void {
  const c = t.c;
  t.read(memOp(d.ops[0]), 4); c.set(t.tb);
  c.i32(SSE_CALLS.indexOf('ldmxcsr')).get(t.tb).op(Op.I32WrapI64);
  call(t, 1);
  c.op(Op.Drop);
}

export const sseFloatOps: WasmOpTable = {
  [Mnemonic.Stmxcsr]: stmxcsr,
  [Mnemonic.Ldmxcsr]: ldmxcsr,
  [Mnemonic.Pcmpistri]: pcmpistri,
  ...each([Mnemonic.Fnstcw, Mnemonic.Fstcw], storeControl),
  [Mnemonic.Fldcw]: loadControl,
  [Mnemonic.Cmpsd]: cmpScalar('cmpsd', 8), [Mnemonic.Cmpss]: cmpScalar('cmpss', 4),
  [Mnemonic.Addsd]: arithSd('addsd'), [Mnemonic.Subsd]: arithSd('subsd'), [Mnemonic.Mulsd]: arithSd('mulsd'),
  [Mnemonic.Divsd]: arithSd('divsd'), [Mnemonic.Sqrtsd]: arithSd('sqrtsd'), [Mnemonic.Minsd]: arith('minsd', 8),
  [Mnemonic.Maxsd]: arith('maxsd', 8),
  [Mnemonic.Addss]: arith('addss', 4), [Mnemonic.Subss]: arith('subss', 4), [Mnemonic.Mulss]: arith('mulss', 4),
  [Mnemonic.Divss]: arith('divss', 4), [Mnemonic.Sqrtss]: arith('sqrtss', 4), [Mnemonic.Minss]: arith('minss', 4),
  [Mnemonic.Maxss]: arith('maxss', 4),
  [Mnemonic.Comisd]: comisSd('comisd'), [Mnemonic.Ucomisd]: comisSd('ucomisd'),
  [Mnemonic.Comiss]: comis('comiss', 4), [Mnemonic.Ucomiss]: comis('ucomiss', 4),
  [Mnemonic.Cvtsi2sd]: cvtsi2sd, [Mnemonic.Cvtsi2ss]: cvtsi2(false),
  [Mnemonic.Cvttsd2si]: cvttsd2si, [Mnemonic.Cvtsd2si]: cvt2si('sd', false),
  [Mnemonic.Cvttss2si]: cvt2si('ss', true), [Mnemonic.Cvtss2si]: cvt2si('ss', false),
  [Mnemonic.Cvtsd2ss]: convert('cvtsd2ss'), [Mnemonic.Cvtss2sd]: convert('cvtss2sd'),
};
