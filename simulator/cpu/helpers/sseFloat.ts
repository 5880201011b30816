// SSE/SSE2 floating point: scalar and packed arithmetic, comparisons and
// conversions, working directly on the XMM register file (Int32Array, four
// little-endian words per register). `d` is always the word index of the
// destination lane (4 × register number, + lane offset); source operands
// arrive as int32 words (the emitter loads them from a register or memory).
//
// Exactness: JS numbers are IEEE binary64, so + − × ÷ √ on doubles match the
// hardware bit for bit under round-to-nearest. Single precision is computed
// in double and rounded with Math.fround, which is exact for + − × ÷ √ (the
// double has more than 2·24+2 bits). NaN results never come from JS: when a
// result is NaN the SSE rules are applied to the operand bits (first source's
// NaN if it is one, else the second's, quieted; an invalid operation gives
// the negative "real indefinite" QNaN).
//
// Not modelled: MXCSR exception flags (never set), DAZ/FTZ, and rounding
// modes other than round-to-nearest for arithmetic (only the float→integer
// conversions cvtsd2si/cvtss2si/cvtpd2dq/cvtps2dq honour MXCSR.RC).

import type { Cpu } from '../cpu';
import { Q } from './wide';

const INDEF_D_HI = 0xfff80000 | 0; // real indefinite (binary64), low word 0
const INDEF_F = 0xffc00000 | 0; // real indefinite (binary32)
const QUIET_D = 0x80000; // quiet bit in the high word of a double
const QUIET_F = 0x400000;
const INT_INDEFINITE = -0x80000000;

export function isNanD(lo: number, hi: number): boolean {
  return (hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0;
}

export function isNanF(v: number): boolean {
  return (v & 0x7f800000) === 0x7f800000 && (v & 0x7fffff) !== 0;
}

/** Comparison predicates of cmpss/cmpsd/cmpps/cmppd (imm8 & 7). */
function predicate(p: number, x: number, y: number): boolean {
  switch (p & 7) {
    case 0: return x === y;
    case 1: return x < y;
    case 2: return x <= y;
    case 3: return x !== x || y !== y;
    case 4: return !(x === y);
    case 5: return !(x < y);
    case 6: return !(x <= y);
    default: return x === x && y === y;
  }
}

/** Round a double to an integer per MXCSR.RC (0 nearest-even, 1 down, 2 up, 3 toward zero). */
function roundRc(x: number, rc: number): number {
  switch (rc) {
    case 1: return Math.floor(x);
    case 2: return Math.ceil(x);
    case 3: return Math.trunc(x);
    default: {
      const f = Math.floor(x), diff = x - f; // exact for every double
      if (diff > 0.5) return f + 1;
      if (diff < 0.5) return f;
      return f % 2 === 0 ? f : f + 1;
    }
  }
}

export function createSseFloatHelpers(cpu: Cpu) {
  const X = cpu.xmm;
  // Scratch for reinterpreting bits; one view per type over the same bytes.
  const buf = new ArrayBuffer(16);
  const W = new Int32Array(buf);
  const D = new Float64Array(buf);
  const Fl = new Float32Array(buf);

  const dOf = (lo: number, hi: number): number => { W[0] = lo; W[1] = hi; return D[0]; };
  const fOf = (v: number): number => { W[0] = v; return Fl[0]; };
  /** Store a non-NaN double at X[d], X[d+1]. */
  const putD = (d: number, r: number): void => { D[0] = r; X[d] = W[0]; X[d + 1] = W[1]; };
  /** Bits of a non-NaN single. */
  const bitsF = (r: number): number => { Fl[0] = r; return W[0]; };

  /** The result of a binary double op was NaN: pick it by the SSE rules. */
  function nanD(d: number, lo: number, hi: number): void {
    const xh = X[d + 1];
    if (isNanD(X[d], xh)) X[d + 1] = xh | QUIET_D;
    else if (isNanD(lo, hi)) { X[d] = lo; X[d + 1] = hi | QUIET_D; }
    else { X[d] = 0; X[d + 1] = INDEF_D_HI; }
  }

  function nanF(d: number, v: number): void {
    const x = X[d];
    if (isNanF(x)) X[d] = x | QUIET_F;
    else if (isNanF(v)) X[d] = v | QUIET_F;
    else X[d] = INDEF_F;
  }

  // ---- scalar double: X[d..d+1] op= (lo,hi) ------------------------------

  function addsd(d: number, lo: number, hi: number): void {
    const r = dOf(X[d], X[d + 1]) + dOf(lo, hi);
    if (r !== r) nanD(d, lo, hi); else putD(d, r);
  }
  function subsd(d: number, lo: number, hi: number): void {
    const r = dOf(X[d], X[d + 1]) - dOf(lo, hi);
    if (r !== r) nanD(d, lo, hi); else putD(d, r);
  }
  function mulsd(d: number, lo: number, hi: number): void {
    const r = dOf(X[d], X[d + 1]) * dOf(lo, hi);
    if (r !== r) nanD(d, lo, hi); else putD(d, r);
  }
  function divsd(d: number, lo: number, hi: number): void {
    const r = dOf(X[d], X[d + 1]) / dOf(lo, hi);
    if (r !== r) nanD(d, lo, hi); else putD(d, r);
  }
  /** minsd: dst < src ? dst : src (so src when either is NaN or both are zero). */
  function minsd(d: number, lo: number, hi: number): void {
    if (!(dOf(X[d], X[d + 1]) < dOf(lo, hi))) { X[d] = lo; X[d + 1] = hi; }
  }
  function maxsd(d: number, lo: number, hi: number): void {
    if (!(dOf(X[d], X[d + 1]) > dOf(lo, hi))) { X[d] = lo; X[d + 1] = hi; }
  }
  function sqrtsd(d: number, lo: number, hi: number): void {
    if (isNanD(lo, hi)) { X[d] = lo; X[d + 1] = hi | QUIET_D; return; }
    const r = Math.sqrt(dOf(lo, hi));
    if (r !== r) { X[d] = 0; X[d + 1] = INDEF_D_HI; } else putD(d, r);
  }

  // ---- scalar single: X[d] op= v ----------------------------------------

  function addss(d: number, v: number): void {
    const r = Math.fround(fOf(X[d]) + fOf(v));
    if (r !== r) nanF(d, v); else X[d] = bitsF(r);
  }
  function subss(d: number, v: number): void {
    const r = Math.fround(fOf(X[d]) - fOf(v));
    if (r !== r) nanF(d, v); else X[d] = bitsF(r);
  }
  function mulss(d: number, v: number): void {
    const r = Math.fround(fOf(X[d]) * fOf(v));
    if (r !== r) nanF(d, v); else X[d] = bitsF(r);
  }
  function divss(d: number, v: number): void {
    const r = Math.fround(fOf(X[d]) / fOf(v));
    if (r !== r) nanF(d, v); else X[d] = bitsF(r);
  }
  function minss(d: number, v: number): void {
    if (!(fOf(X[d]) < fOf(v))) X[d] = v;
  }
  function maxss(d: number, v: number): void {
    if (!(fOf(X[d]) > fOf(v))) X[d] = v;
  }
  function sqrtss(d: number, v: number): void {
    if (isNanF(v)) { X[d] = v | QUIET_F; return; }
    const r = Math.fround(Math.sqrt(fOf(v)));
    X[d] = r !== r ? INDEF_F : bitsF(r);
  }

  // ---- packed: the scalar helpers applied lane by lane --------------------

  type SdFn = (d: number, lo: number, hi: number) => void;
  type SsFn = (d: number, v: number) => void;
  const pd = (f: SdFn) => (d: number, w0: number, w1: number, w2: number, w3: number): void => {
    f(d, w0, w1); f(d + 2, w2, w3);
  };
  const ps = (f: SsFn) => (d: number, w0: number, w1: number, w2: number, w3: number): void => {
    f(d, w0); f(d + 1, w1); f(d + 2, w2); f(d + 3, w3);
  };

  // ---- compares ------------------------------------------------------------

  /** comisd/ucomisd: returns CF | ZF<<1 | PF<<2 (unordered 7, less 1, equal 2, greater 0). */
  function comisd(xl: number, xh: number, yl: number, yh: number): number {
    const x = dOf(xl, xh), y = dOf(yl, yh);
    return x < y ? 1 : x > y ? 0 : x === y ? 2 : 7;
  }
  function comiss(xv: number, yv: number): number {
    const x = fOf(xv), y = fOf(yv);
    return x < y ? 1 : x > y ? 0 : x === y ? 2 : 7;
  }
  function cmpsd(d: number, lo: number, hi: number, p: number): void {
    const m = predicate(p, dOf(X[d], X[d + 1]), dOf(lo, hi)) ? -1 : 0;
    X[d] = m; X[d + 1] = m;
  }
  function cmpss(d: number, v: number, p: number): void {
    X[d] = predicate(p, fOf(X[d]), fOf(v)) ? -1 : 0;
  }
  function cmppd(d: number, w0: number, w1: number, w2: number, w3: number, p: number): void {
    cmpsd(d, w0, w1, p); cmpsd(d + 2, w2, w3, p);
  }
  function cmpps(d: number, w0: number, w1: number, w2: number, w3: number, p: number): void {
    cmpss(d, w0, p); cmpss(d + 1, w1, p); cmpss(d + 2, w2, p); cmpss(d + 3, w3, p);
  }

  // ---- conversions -----------------------------------------------------------

  /** int64 (lo, hi) → nearest double. */
  function i64ToD(lo: number, hi: number): number {
    return hi * 4294967296 + (lo >>> 0); // both terms exact: one rounding
  }

  /** int64 → nearest single (one rounding: low bits folded into a sticky bit first). */
  function i64ToF(lo: number, hi: number): number {
    let neg = false;
    if (hi < 0) { neg = true; lo = -lo | 0; hi = (~hi + (lo === 0 ? 1 : 0)) | 0; }
    // |v| = hi:lo unsigned now (for −2^63, hi = 0x80000000 read unsigned)
    const uh = hi >>> 0;
    let m: number;
    if (uh < 0x200000) m = uh * 4294967296 + (lo >>> 0); // < 2^53: exact
    else {
      // ≥ 2^53: a single's round bit is at bit ≥ 29, so bits 0..28 only matter as sticky
      const ul = lo >>> 0;
      const folded = (ul & 0xe0000000) + ((ul & 0x1fffffff) !== 0 ? 0x10000000 : 0);
      m = uh * 4294967296 + (folded >>> 0);
    }
    const r = Math.fround(m);
    return neg ? -r : r;
  }

  function cvtsi2sd(d: number, lo: number, hi: number): void { putD(d, i64ToD(lo, hi)); }
  function cvtsi2ss(d: number, lo: number, hi: number): void { X[d] = bitsF(i64ToF(lo, hi)); }
  function cvtsi2ss32(d: number, v: number): void { X[d] = bitsF(Math.fround(v)); }

  /** double → int32 (rc < 0: truncate, else MXCSR rounding). */
  function toI32(x: number, rc: number): number {
    if (x !== x) return INT_INDEFINITE;
    const r = rc < 0 ? Math.trunc(x) : roundRc(x, rc);
    return r >= -2147483648 && r <= 2147483647 ? r | 0 : INT_INDEFINITE;
  }
  /** double → int64: low word returned, high word in Q[4]. */
  function toI64(x: number, rc: number): number {
    const r = x !== x ? Infinity : rc < 0 ? Math.trunc(x) : roundRc(x, rc);
    if (!(r >= -9223372036854775808 && r < 9223372036854775808)) { Q[4] = INT_INDEFINITE; return 0; }
    const hi = Math.floor(r / 4294967296);
    Q[4] = hi | 0;
    return (r - hi * 4294967296) | 0;
  }
  const rcOf = (): number => (cpu.mxcsr >>> 13) & 3;

  const cvttsd2si32 = (lo: number, hi: number): number => toI32(dOf(lo, hi), -1);
  const cvtsd2si32 = (lo: number, hi: number): number => toI32(dOf(lo, hi), rcOf());
  const cvttsd2si64 = (lo: number, hi: number): number => toI64(dOf(lo, hi), -1);
  const cvtsd2si64 = (lo: number, hi: number): number => toI64(dOf(lo, hi), rcOf());
  const cvttss2si32 = (v: number): number => toI32(fOf(v), -1);
  const cvtss2si32 = (v: number): number => toI32(fOf(v), rcOf());
  const cvttss2si64 = (v: number): number => toI64(fOf(v), -1);
  const cvtss2si64 = (v: number): number => toI64(fOf(v), rcOf());

  /** double bits → single bits (NaN: quieted, payload truncated). */
  function dToF(lo: number, hi: number): number {
    if (isNanD(lo, hi)) return (hi & 0x80000000) | 0x7fc00000 | ((hi & 0xfffff) << 3) | (lo >>> 29);
    return bitsF(Math.fround(dOf(lo, hi)));
  }
  /** single bits → double, written at X[d], X[d+1]. */
  function fToD(d: number, v: number): void {
    if (isNanF(v)) {
      X[d] = (v & 7) << 29;
      X[d + 1] = (v & 0x80000000) | 0x7ff80000 | ((v & 0x7fffff) >>> 3);
    } else putD(d, fOf(v));
  }
  function cvtsd2ss(d: number, lo: number, hi: number): void { X[d] = dToF(lo, hi); }
  const cvtss2sd = fToD;
  function cvtps2pd(d: number, v0: number, v1: number): void { fToD(d, v0); fToD(d + 2, v1); }
  function cvtpd2ps(d: number, w0: number, w1: number, w2: number, w3: number): void {
    X[d] = dToF(w0, w1); X[d + 1] = dToF(w2, w3); X[d + 2] = 0; X[d + 3] = 0;
  }
  function cvtdq2pd(d: number, v0: number, v1: number): void { putD(d, v0); putD(d + 2, v1); }
  function cvtdq2ps(d: number, w0: number, w1: number, w2: number, w3: number): void {
    X[d] = bitsF(Math.fround(w0)); X[d + 1] = bitsF(Math.fround(w1));
    X[d + 2] = bitsF(Math.fround(w2)); X[d + 3] = bitsF(Math.fround(w3));
  }
  function cvtps2dq(d: number, w0: number, w1: number, w2: number, w3: number, truncate: boolean): void {
    const rc = truncate ? -1 : rcOf();
    X[d] = toI32(fOf(w0), rc); X[d + 1] = toI32(fOf(w1), rc); X[d + 2] = toI32(fOf(w2), rc); X[d + 3] = toI32(fOf(w3), rc);
  }
  function cvtpd2dq(d: number, w0: number, w1: number, w2: number, w3: number, truncate: boolean): void {
    const rc = truncate ? -1 : rcOf();
    X[d] = toI32(dOf(w0, w1), rc); X[d + 1] = toI32(dOf(w2, w3), rc); X[d + 2] = 0; X[d + 3] = 0;
  }

  return {
    addsd, subsd, mulsd, divsd, minsd, maxsd, sqrtsd,
    addss, subss, mulss, divss, minss, maxss, sqrtss,
    addpd: pd(addsd), subpd: pd(subsd), mulpd: pd(mulsd), divpd: pd(divsd),
    minpd: pd(minsd), maxpd: pd(maxsd), sqrtpd: pd(sqrtsd),
    addps: ps(addss), subps: ps(subss), mulps: ps(mulss), divps: ps(divss),
    minps: ps(minss), maxps: ps(maxss), sqrtps: ps(sqrtss),
    comisd, comiss, cmpsd, cmpss, cmppd, cmpps,
    cvtsi2sd, cvtsi2ss, cvtsi2ss32,
    cvttsd2si32, cvtsd2si32, cvttsd2si64, cvtsd2si64, cvttss2si32, cvtss2si32, cvttss2si64, cvtss2si64,
    cvtsd2ss, cvtss2sd, cvtps2pd, cvtpd2ps, cvtdq2pd, cvtdq2ps, cvtps2dq, cvtpd2dq,
  };
}
