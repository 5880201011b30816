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
  // The register file as doubles (lane k of xmm n at 2n+k, i.e. word index / 2) and as singles.
  const XD = new Float64Array(X.buffer, X.byteOffset, X.length >> 1);
  const XF = new Float32Array(X.buffer, X.byteOffset, X.length);
  // Scratch for reinterpreting source bits; one view per type over the same bytes.
  const buf = new ArrayBuffer(16);
  const W = new Int32Array(buf);
  const D = new Float64Array(buf);
  const Fl = new Float32Array(buf);
  // Everything below reads and writes these arrays directly: a small helper
  // returning a double that V8 does not inline would box it on every call.

  /** The result of a binary double op at X[d] was NaN: pick it by the SSE rules. */
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

  // ---- scalar double: lane at word d (even) op= (lo, hi) ---------------------

  function addsd(d: number, lo: number, hi: number): void {
    W[0] = lo; W[1] = hi;
    const r = XD[d >> 1] + D[0];
    if (r === r) XD[d >> 1] = r; else nanD(d, lo, hi);
  }
  function subsd(d: number, lo: number, hi: number): void {
    W[0] = lo; W[1] = hi;
    const r = XD[d >> 1] - D[0];
    if (r === r) XD[d >> 1] = r; else nanD(d, lo, hi);
  }
  function mulsd(d: number, lo: number, hi: number): void {
    W[0] = lo; W[1] = hi;
    const r = XD[d >> 1] * D[0];
    if (r === r) XD[d >> 1] = r; else nanD(d, lo, hi);
  }
  function divsd(d: number, lo: number, hi: number): void {
    W[0] = lo; W[1] = hi;
    const r = XD[d >> 1] / D[0];
    if (r === r) XD[d >> 1] = r; else nanD(d, lo, hi);
  }
  /** minsd: dst < src ? dst : src (so src when either is NaN or both are zero). */
  function minsd(d: number, lo: number, hi: number): void {
    W[0] = lo; W[1] = hi;
    if (!(XD[d >> 1] < D[0])) { X[d] = lo; X[d + 1] = hi; }
  }
  function maxsd(d: number, lo: number, hi: number): void {
    W[0] = lo; W[1] = hi;
    if (!(XD[d >> 1] > D[0])) { X[d] = lo; X[d + 1] = hi; }
  }
  function sqrtsd(d: number, lo: number, hi: number): void {
    if (isNanD(lo, hi)) { X[d] = lo; X[d + 1] = hi | QUIET_D; return; }
    W[0] = lo; W[1] = hi;
    const r = Math.sqrt(D[0]);
    if (r === r) XD[d >> 1] = r; else { X[d] = 0; X[d + 1] = INDEF_D_HI; }
  }

  // ---- scalar single: X[d] op= v ----------------------------------------------

  function addss(d: number, v: number): void {
    W[0] = v;
    const r = Math.fround(XF[d] + Fl[0]);
    if (r === r) XF[d] = r; else nanF(d, v);
  }
  function subss(d: number, v: number): void {
    W[0] = v;
    const r = Math.fround(XF[d] - Fl[0]);
    if (r === r) XF[d] = r; else nanF(d, v);
  }
  function mulss(d: number, v: number): void {
    W[0] = v;
    const r = Math.fround(XF[d] * Fl[0]);
    if (r === r) XF[d] = r; else nanF(d, v);
  }
  function divss(d: number, v: number): void {
    W[0] = v;
    const r = Math.fround(XF[d] / Fl[0]);
    if (r === r) XF[d] = r; else nanF(d, v);
  }
  function minss(d: number, v: number): void {
    W[0] = v;
    if (!(XF[d] < Fl[0])) X[d] = v;
  }
  function maxss(d: number, v: number): void {
    W[0] = v;
    if (!(XF[d] > Fl[0])) X[d] = v;
  }
  function sqrtss(d: number, v: number): void {
    if (isNanF(v)) { X[d] = v | QUIET_F; return; }
    W[0] = v;
    const r = Math.fround(Math.sqrt(Fl[0]));
    if (r === r) XF[d] = r; else X[d] = INDEF_F;
  }

  // ---- packed: the scalar helpers lane by lane (arguments are snapshots) --------

  const addpd = (d: number, w0: number, w1: number, w2: number, w3: number): void => { addsd(d, w0, w1); addsd(d + 2, w2, w3); };
  const subpd = (d: number, w0: number, w1: number, w2: number, w3: number): void => { subsd(d, w0, w1); subsd(d + 2, w2, w3); };
  const mulpd = (d: number, w0: number, w1: number, w2: number, w3: number): void => { mulsd(d, w0, w1); mulsd(d + 2, w2, w3); };
  const divpd = (d: number, w0: number, w1: number, w2: number, w3: number): void => { divsd(d, w0, w1); divsd(d + 2, w2, w3); };
  const minpd = (d: number, w0: number, w1: number, w2: number, w3: number): void => { minsd(d, w0, w1); minsd(d + 2, w2, w3); };
  const maxpd = (d: number, w0: number, w1: number, w2: number, w3: number): void => { maxsd(d, w0, w1); maxsd(d + 2, w2, w3); };
  const sqrtpd = (d: number, w0: number, w1: number, w2: number, w3: number): void => { sqrtsd(d, w0, w1); sqrtsd(d + 2, w2, w3); };
  const addps = (d: number, w0: number, w1: number, w2: number, w3: number): void => { addss(d, w0); addss(d + 1, w1); addss(d + 2, w2); addss(d + 3, w3); };
  const subps = (d: number, w0: number, w1: number, w2: number, w3: number): void => { subss(d, w0); subss(d + 1, w1); subss(d + 2, w2); subss(d + 3, w3); };
  const mulps = (d: number, w0: number, w1: number, w2: number, w3: number): void => { mulss(d, w0); mulss(d + 1, w1); mulss(d + 2, w2); mulss(d + 3, w3); };
  const divps = (d: number, w0: number, w1: number, w2: number, w3: number): void => { divss(d, w0); divss(d + 1, w1); divss(d + 2, w2); divss(d + 3, w3); };
  const minps = (d: number, w0: number, w1: number, w2: number, w3: number): void => { minss(d, w0); minss(d + 1, w1); minss(d + 2, w2); minss(d + 3, w3); };
  const maxps = (d: number, w0: number, w1: number, w2: number, w3: number): void => { maxss(d, w0); maxss(d + 1, w1); maxss(d + 2, w2); maxss(d + 3, w3); };
  const sqrtps = (d: number, w0: number, w1: number, w2: number, w3: number): void => { sqrtss(d, w0); sqrtss(d + 1, w1); sqrtss(d + 2, w2); sqrtss(d + 3, w3); };

  // ---- compares ----------------------------------------------------------------

  /** comisd/ucomisd: returns CF | ZF<<1 | PF<<2 (unordered 7, less 1, equal 2, greater 0). */
  function comisd(xl: number, xh: number, yl: number, yh: number): number {
    W[0] = xl; W[1] = xh; W[2] = yl; W[3] = yh;
    const x = D[0], y = D[1];
    return x < y ? 1 : x > y ? 0 : x === y ? 2 : 7;
  }
  function comiss(xv: number, yv: number): number {
    W[0] = xv; W[1] = yv;
    const x = Fl[0], y = Fl[1];
    return x < y ? 1 : x > y ? 0 : x === y ? 2 : 7;
  }
  /** Predicates (imm8 & 7): eq lt le unord neq nlt nle ord. */
  function cmpsd(d: number, lo: number, hi: number, p: number): void {
    W[0] = lo; W[1] = hi;
    const x = XD[d >> 1], y = D[0];
    let t: boolean;
    switch (p) {
      case 0: t = x === y; break;
      case 1: t = x < y; break;
      case 2: t = x <= y; break;
      case 3: t = x !== x || y !== y; break;
      case 4: t = !(x === y); break;
      case 5: t = !(x < y); break;
      case 6: t = !(x <= y); break;
      default: t = x === x && y === y;
    }
    const m = t ? -1 : 0;
    X[d] = m; X[d + 1] = m;
  }
  function cmpss(d: number, v: number, p: number): void {
    W[0] = v;
    const x = XF[d], y = Fl[0];
    let t: boolean;
    switch (p) {
      case 0: t = x === y; break;
      case 1: t = x < y; break;
      case 2: t = x <= y; break;
      case 3: t = x !== x || y !== y; break;
      case 4: t = !(x === y); break;
      case 5: t = !(x < y); break;
      case 6: t = !(x <= y); break;
      default: t = x === x && y === y;
    }
    X[d] = t ? -1 : 0;
  }
  function cmppd(d: number, w0: number, w1: number, w2: number, w3: number, p: number): void {
    cmpsd(d, w0, w1, p); cmpsd(d + 2, w2, w3, p);
  }
  function cmpps(d: number, w0: number, w1: number, w2: number, w3: number, p: number): void {
    cmpss(d, w0, p); cmpss(d + 1, w1, p); cmpss(d + 2, w2, p); cmpss(d + 3, w3, p);
  }

  // ---- conversions ---------------------------------------------------------------

  /** int64 → nearest single (one rounding: low bits folded into a sticky bit first). */
  function i64ToF(d: number, lo: number, hi: number): void {
    let neg = false;
    if (hi < 0) { neg = true; lo = -lo | 0; hi = (~hi + (lo === 0 ? 1 : 0)) | 0; }
    // |v| = hi:lo unsigned now (for −2^63, hi = 0x80000000 read unsigned)
    const uh = hi >>> 0;
    let m: number;
    if (uh < 0x200000) m = uh * 4294967296 + (lo >>> 0); // < 2^53: exact
    else {
      // ≥ 2^53: a single's round bit is at bit ≥ 29, so bits 0..28 only matter as a sticky bit
      const ul = lo >>> 0;
      const folded = (ul & 0xe0000000) + ((ul & 0x1fffffff) !== 0 ? 0x10000000 : 0);
      m = uh * 4294967296 + (folded >>> 0); // ≤ 36 significant bits: exact
    }
    XF[d] = neg ? -m : m; // the Float32Array store rounds to nearest-even
  }

  /** int64 (lo, hi) → double: both terms exact, so a single rounding. */
  function cvtsi2sd(d: number, lo: number, hi: number): void { XD[d >> 1] = hi * 4294967296 + (lo >>> 0); }
  function cvtsi2sd32(d: number, v: number): void { XD[d >> 1] = v; }
  const cvtsi2ss = i64ToF;
  function cvtsi2ss32(d: number, v: number): void { XF[d] = v; }

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

  // The truncating conversions (every C cast) avoid passing doubles around.
  function cvttsd2si32(lo: number, hi: number): number {
    W[0] = lo; W[1] = hi;
    const x = D[0];
    return x > -2147483649 && x < 2147483648 ? x | 0 : INT_INDEFINITE;
  }
  function cvttss2si32(v: number): number {
    W[0] = v;
    const x = Fl[0];
    return x > -2147483649 && x < 2147483648 ? x | 0 : INT_INDEFINITE;
  }
  function cvttsd2si64(lo: number, hi: number): number {
    W[0] = lo; W[1] = hi;
    const x = D[0];
    if (!(x >= -9223372036854775808 && x < 9223372036854775808)) { Q[4] = INT_INDEFINITE; return 0; }
    const t = Math.trunc(x), h = Math.floor(t / 4294967296);
    Q[4] = h | 0;
    return (t - h * 4294967296) | 0;
  }
  function cvttss2si64(v: number): number {
    W[0] = v;
    const x = Fl[0];
    if (!(x >= -9223372036854775808 && x < 9223372036854775808)) { Q[4] = INT_INDEFINITE; return 0; }
    const t = Math.trunc(x), h = Math.floor(t / 4294967296);
    Q[4] = h | 0;
    return (t - h * 4294967296) | 0;
  }
  function cvtsd2si32(lo: number, hi: number): number { W[0] = lo; W[1] = hi; return toI32(D[0], rcOf()); }
  function cvtsd2si64(lo: number, hi: number): number { W[0] = lo; W[1] = hi; return toI64(D[0], rcOf()); }
  function cvtss2si32(v: number): number { W[0] = v; return toI32(Fl[0], rcOf()); }
  function cvtss2si64(v: number): number { W[0] = v; return toI64(Fl[0], rcOf()); }

  /** double bits → single at X[d] (NaN: quieted, payload truncated; else the store rounds). */
  function cvtsd2ss(d: number, lo: number, hi: number): void {
    if (isNanD(lo, hi)) { X[d] = (hi & 0x80000000) | 0x7fc00000 | ((hi & 0xfffff) << 3) | (lo >>> 29); return; }
    W[0] = lo; W[1] = hi;
    XF[d] = D[0];
  }
  /** single bits → double at X[d], X[d+1] (NaN: quieted, payload kept). */
  function cvtss2sd(d: number, v: number): void {
    if (isNanF(v)) {
      X[d] = (v & 7) << 29;
      X[d + 1] = (v & 0x80000000) | 0x7ff80000 | ((v & 0x7fffff) >>> 3);
      return;
    }
    W[0] = v;
    XD[d >> 1] = Fl[0];
  }
  function cvtps2pd(d: number, v0: number, v1: number): void { cvtss2sd(d, v0); cvtss2sd(d + 2, v1); }
  function cvtpd2ps(d: number, w0: number, w1: number, w2: number, w3: number): void {
    cvtsd2ss(d, w0, w1); cvtsd2ss(d + 1, w2, w3); X[d + 2] = 0; X[d + 3] = 0;
  }
  function cvtdq2pd(d: number, v0: number, v1: number): void { XD[d >> 1] = v0; XD[(d >> 1) + 1] = v1; }
  function cvtdq2ps(d: number, w0: number, w1: number, w2: number, w3: number): void {
    XF[d] = w0; XF[d + 1] = w1; XF[d + 2] = w2; XF[d + 3] = w3;
  }
  function cvtps2dq(d: number, w0: number, w1: number, w2: number, w3: number, truncate: boolean): void {
    const rc = truncate ? -1 : rcOf();
    W[0] = w0; W[1] = w1; W[2] = w2; W[3] = w3;
    X[d] = toI32(Fl[0], rc); X[d + 1] = toI32(Fl[1], rc); X[d + 2] = toI32(Fl[2], rc); X[d + 3] = toI32(Fl[3], rc);
  }
  function cvtpd2dq(d: number, w0: number, w1: number, w2: number, w3: number, truncate: boolean): void {
    const rc = truncate ? -1 : rcOf();
    W[0] = w0; W[1] = w1; W[2] = w2; W[3] = w3;
    X[d] = toI32(D[0], rc); X[d + 1] = toI32(D[1], rc); X[d + 2] = 0; X[d + 3] = 0;
  }

  return {
    addsd, subsd, mulsd, divsd, minsd, maxsd, sqrtsd,
    addss, subss, mulss, divss, minss, maxss, sqrtss,
    addpd, subpd, mulpd, divpd, minpd, maxpd, sqrtpd,
    addps, subps, mulps, divps, minps, maxps, sqrtps,
    comisd, comiss, cmpsd, cmpss, cmppd, cmpps,
    cvtsi2sd, cvtsi2sd32, cvtsi2ss, cvtsi2ss32,
    cvttsd2si32, cvtsd2si32, cvttsd2si64, cvtsd2si64, cvttss2si32, cvtss2si32, cvttss2si64, cvtss2si64,
    cvtsd2ss, cvtss2sd, cvtps2pd, cvtpd2ps, cvtdq2pd, cvtdq2ps, cvtps2dq, cvtpd2dq,
  };
}
