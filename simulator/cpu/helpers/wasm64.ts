// 64-bit multiply and divide by the host's own 64-bit integer unit, through a
// tiny WebAssembly module assembled here byte by byte (no dependency, no file
// to load). JavaScript has no 64-bit integers outside BigInt, which the hot
// path must not touch; doing u64 `/` and `%` on 32-bit halves in doubles
// costs about 100–150 ns a call, i64.div_u about 10 ns including the call.
//
// Arguments are the 32-bit halves (low first) as JS int32s. Results go to the
// module's memory, which `Q` views: Q[0..1] the first 64-bit result, Q[2..3]
// the second, low word first (the same slots the 32-bit-half helpers in
// wide.ts use).
//
// The division instructions trap on a zero divisor and on INT64_MIN / −1;
// callers rule both out first (they are #DE for the guest).

import { instantiateWasm } from '../wasmInstance';

/** i64 opcodes used below (WebAssembly core spec, §5.4). */
const enum Op {
  End = 0x0b, LocalGet = 0x20, LocalSet = 0x21, I32Const = 0x41, I64Const = 0x42, I64Store = 0x37,
  I64Add = 0x7c, I64Sub = 0x7d, I64Mul = 0x7e, I64DivS = 0x7f, I64DivU = 0x80, I64RemS = 0x81, I64RemU = 0x82,
  I64And = 0x83, I64Or = 0x84, I64Shl = 0x86, I64ShrS = 0x87, I64ShrU = 0x88, I32WrapI64 = 0xa7, I64ExtendI32U = 0xad,
}
const I32 = 0x7f, I64 = 0x7e;

function leb(n: number): number[] {
  const out: number[] = [];
  do { let b = n & 127; n >>>= 7; if (n) b |= 128; out.push(b); } while (n);
  return out;
}
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const get = (i: number): number[] => [Op.LocalGet, i];
const set = (i: number): number[] => [Op.LocalSet, i];
/** `i64.store` at address 0 + `offset`, 8-byte aligned; the address must be pushed before the value. */
const store = (offset: number): number[] => [Op.I64Store, 3, offset];
const addr0: number[] = [Op.I32Const, 0];
const shrU32: number[] = [Op.I64Const, 32, Op.I64ShrU];
/** Local `dst` (i64) = params hi:lo joined into one 64-bit value. */
const join = (lo: number, hi: number, dst: number): number[] =>
  [...get(hi), Op.I64ExtendI32U, Op.I64Const, 32, Op.I64Shl, ...get(lo), Op.I64ExtendI32U, Op.I64Or, ...set(dst)];

// Every function: (a_lo, a_hi, b_lo, b_hi: i32) -> (); locals 4.. are i64.
const A = 4, B = 5;

/** n / d and n % d → Q[0..1], Q[2..3]. */
function divide(div: Op, rem: Op): number[] {
  return [1, 2, I64, // locals: n, d
    ...join(0, 1, A), ...join(2, 3, B),
    ...addr0, ...get(A), ...get(B), div, ...store(0),
    ...addr0, ...get(A), ...get(B), rem, ...store(8),
    Op.End];
}

/**
 * The 128-bit product a × b → Q[0..3]: the low half is i64.mul; the high half
 * adds the 32×32 partial products (each exact in 64 bits) with their carries.
 * Signed: the unsigned high half minus (a<0 ? b : 0) and (b<0 ? a : 0).
 */
function multiply(signed: boolean): number[] {
  const A0 = 6, A1 = 7, B0 = 8, B1 = 9, MID = 10;
  const half = (p: number, dst: number) => [...get(p), Op.I64ExtendI32U, ...set(dst)];
  const mulp = (x: number, y: number) => [...get(x), ...get(y), Op.I64Mul];
  const low32 = [Op.I32WrapI64, Op.I64ExtendI32U];
  const body = [1, 7, I64, // locals: a, b, a0, a1, b0, b1, mid
    ...join(0, 1, A), ...join(2, 3, B),
    ...half(0, A0), ...half(1, A1), ...half(2, B0), ...half(3, B1),
    ...addr0, ...get(A), ...get(B), Op.I64Mul, ...store(0),
    // mid = (a0·b0 >> 32) + low32(a0·b1) + low32(a1·b0)   (< 3·2^32)
    ...mulp(A0, B0), ...shrU32, ...mulp(A0, B1), ...low32, Op.I64Add, ...mulp(A1, B0), ...low32, Op.I64Add, ...set(MID),
    // high = a1·b1 + (a0·b1 >> 32) + (a1·b0 >> 32) + (mid >> 32)
    ...addr0, ...mulp(A1, B1), ...mulp(A0, B1), ...shrU32, Op.I64Add, ...mulp(A1, B0), ...shrU32, Op.I64Add,
    ...get(MID), ...shrU32, Op.I64Add];
  if (signed) {
    body.push(...get(A), Op.I64Const, 63, Op.I64ShrS, ...get(B), Op.I64And, Op.I64Sub,
      ...get(B), Op.I64Const, 63, Op.I64ShrS, ...get(A), Op.I64And, Op.I64Sub);
  }
  body.push(...store(8), Op.End);
  return body;
}

const EXPORTS = ['divU', 'divS', 'mulU', 'mulS'] as const;
const BODIES = [divide(Op.I64DivU, Op.I64RemU), divide(Op.I64DivS, Op.I64RemS), multiply(false), multiply(true)];

function assemble(): Uint8Array {
  const name = (s: string) => [...leb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, // "\0asm", version 1
    ...section(1, [1, 0x60, 4, I32, I32, I32, I32, 0]), // one type: (i32 ×4) -> ()
    ...section(3, [BODIES.length, ...BODIES.map(() => 0)]), // functions, all of type 0
    ...section(5, [1, 0, 1]), // one memory of one page
    ...section(7, [EXPORTS.length + 1, ...name('m'), 2, 0, // export the memory, then the functions
      ...EXPORTS.flatMap((e, i) => [...name(e), 0, i])]),
    ...section(10, [BODIES.length, ...BODIES.flatMap((b) => [...leb(b.length), ...b])]),
  ]);
}

// The project's TypeScript libs (ES2022, node) do not describe WebAssembly;
// the little used here:
type Fn = (aLo: number, aHi: number, bLo: number, bHi: number) => void;
const wasm = instantiateWasm(assemble());

/** Result slots: the module's memory as int32 words. */
export const Q = new Int32Array((wasm.m as { buffer: ArrayBuffer }).buffer, 0, 8);
/** Unsigned 64 / 64: quotient Q[0..1], remainder Q[2..3]. Divisor non-zero. */
export const wasmDivU = wasm.divU as Fn;
/** Signed 64 / 64, truncating: quotient Q[0..1], remainder Q[2..3]. Divisor non-zero, not INT64_MIN / −1. */
export const wasmDivS = wasm.divS as Fn;
/** Unsigned 64 × 64 → 128 in Q[0..3]. */
export const wasmMulU = wasm.mulU as Fn;
/** Signed 64 × 64 → 128 in Q[0..3]. */
export const wasmMulS = wasm.mulS as Fn;
