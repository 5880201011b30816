// Exact SSE floating point with the whole MXCSR model: the four rounding
// modes, flush-to-zero (FZ), denormals-are-zero (DAZ) and the six sticky
// exception flags. This is the slow path of helpers/sseFloat.ts, taken only
// when the fast JS arithmetic cannot decide the result or the flags (a
// non-default MXCSR, a NaN, infinity, zero or denormal operand/result, or an
// inexact result while PE is still clear), so plain BigInt arithmetic is
// fine here. Everything returns the raised flags; results go to `OUT`.
//
// Semantics follow the Intel SDM (checked against hardware by
// test/unit/sse.test.ts): tininess is detected after rounding; masked
// underflow sets UE only when the result is also inexact; FZ replaces tiny
// results by a signed zero (UE and PE set); DAZ treats denormal inputs as
// signed zeros without raising DE; a NaN operand, and division by zero,
// take precedence over DE.

export const IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32;
export const DAZ = 0x40, FZ = 0x8000;

/** Results of the soft operations: [lo, hi] of a double, [bits] of a single, or an integer. */
export const OUT = new Int32Array(2);

const enum Cls { ZERO, FIN, INF, QNAN, SNAN }

interface Fmt { p: number; emin: number; emax: number; bias: number }
const F64: Fmt = { p: 53, emin: -1022, emax: 1023, bias: 1023 };
const F32: Fmt = { p: 24, emin: -126, emax: 127, bias: 127 };

/** An unpacked operand: value = (−1)^sign · mant · 2^exp for FIN. */
interface Val { cls: Cls; sign: number; mant: bigint; exp: number; den: boolean }

function unpack64(lo: number, hi: number): Val {
  const e = (hi >>> 20) & 0x7ff, sign = hi >>> 31;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo >>> 0);
  if (e === 0x7ff) return { cls: frac === 0n ? Cls.INF : hi & 0x80000 ? Cls.QNAN : Cls.SNAN, sign, mant: 0n, exp: 0, den: false };
  if (e === 0) return { cls: frac === 0n ? Cls.ZERO : Cls.FIN, sign, mant: frac, exp: -1074, den: frac !== 0n };
  return { cls: Cls.FIN, sign, mant: frac | (1n << 52n), exp: e - 1075, den: false };
}

function unpack32(v: number): Val {
  const e = (v >>> 23) & 0xff, sign = v >>> 31, frac = BigInt(v & 0x7fffff);
  if (e === 0xff) return { cls: frac === 0n ? Cls.INF : v & 0x400000 ? Cls.QNAN : Cls.SNAN, sign, mant: 0n, exp: 0, den: false };
  if (e === 0) return { cls: frac === 0n ? Cls.ZERO : Cls.FIN, sign, mant: frac, exp: -149, den: frac !== 0n };
  return { cls: Cls.FIN, sign, mant: frac | (1n << 23n), exp: e - 150, den: false };
}

const isNan = (v: Val): boolean => v.cls === Cls.QNAN || v.cls === Cls.SNAN;

/** DAZ: a denormal input becomes a zero of the same sign (and raises nothing). */
function daz(v: Val, m: number): Val {
  if (v.den && (m & DAZ)) return { cls: Cls.ZERO, sign: v.sign, mant: 0n, exp: 0, den: false };
  return v;
}

function bitLength(n: bigint): number {
  let bits = 0;
  while (n >= 0x100000000n) { n >>= 32n; bits += 32; }
  return bits + (32 - Math.clz32(Number(n)));
}

// ---- packing ---------------------------------------------------------------------

function packZero(f: Fmt, sign: number): void {
  if (f === F64) { OUT[0] = 0; OUT[1] = sign << 31; } else OUT[0] = sign << 31;
}
function packInf(f: Fmt, sign: number): void {
  if (f === F64) { OUT[0] = 0; OUT[1] = (sign << 31) | 0x7ff00000; } else OUT[0] = (sign << 31) | 0x7f800000;
}
function packMax(f: Fmt, sign: number): void {
  if (f === F64) { OUT[0] = -1; OUT[1] = (sign << 31) | 0x7fefffff; } else OUT[0] = (sign << 31) | 0x7f7fffff;
}
function packDefaultNan(f: Fmt): void {
  if (f === F64) { OUT[0] = 0; OUT[1] = 0xfff80000 | 0; } else OUT[0] = 0xffc00000 | 0;
}
/** k · 2^q with k < 2^p, normalised or subnormal (q = emin − p + 1). */
function packFinite(f: Fmt, sign: number, k: bigint, q: number): void {
  let biased: number, frac: bigint;
  if (k >= 1n << BigInt(f.p - 1)) { biased = q + f.p - 1 + f.bias; frac = k - (1n << BigInt(f.p - 1)); }
  else { biased = 0; frac = k; }
  if (f === F64) {
    OUT[0] = Number(frac & 0xffffffffn) | 0;
    OUT[1] = (sign << 31) | (biased << 20) | Number(frac >> 32n);
  } else OUT[0] = (sign << 31) | (biased << 23) | Number(frac);
}

/** Round mant·2^exp (sticky: nonzero bits below it) to a multiple of 2^q; returns [kept, inexact]. */
function roundAt(mant: bigint, exp: number, sticky: boolean, q: number, sign: number, rc: number): [bigint, boolean] {
  const shift = q - exp;
  if (shift <= 0) return [mant << BigInt(-shift), sticky];
  const s = BigInt(shift);
  let kept = mant >> s;
  const rem = mant & ((1n << s) - 1n), half = 1n << (s - 1n);
  const inexact = rem !== 0n || sticky;
  let up = false;
  switch (rc) {
    case 0: up = rem > half || (rem === half && (sticky || (kept & 1n) === 1n)); break;
    case 1: up = inexact && sign === 1; break;
    case 2: up = inexact && sign === 0; break;
    default: up = false;
  }
  if (up) kept += 1n;
  return [kept, inexact];
}

/**
 * Round the exact nonzero value (−1)^sign · mant · 2^exp (+ sticky) into
 * format f under MXCSR m; writes OUT, returns OE/UE/PE flags. Callers give
 * at least p+2 significant bits whenever sticky is set.
 */
function roundPack(f: Fmt, sign: number, mant: bigint, exp: number, sticky: boolean, m: number): number {
  const rc = (m >>> 13) & 3;
  const E = exp + bitLength(mant) - 1;
  // tininess after rounding: round to p bits as if the exponent range were unbounded
  const qUnb = E - (f.p - 1);
  const [kUnb] = roundAt(mant, exp, sticky, qUnb, sign, rc);
  const tiny = qUnb + bitLength(kUnb) - 1 < f.emin;
  let q = Math.max(qUnb, f.emin - f.p + 1);
  let [k, inexact] = roundAt(mant, exp, sticky, q, sign, rc);
  if (k >= 1n << BigInt(f.p)) { k >>= 1n; q += 1; }
  if (k !== 0n && q + bitLength(k) - 1 > f.emax) {
    // overflow: ±inf or the largest finite value, by rounding direction
    const toInf = rc === 0 || (rc === 1 && sign === 1) || (rc === 2 && sign === 0);
    if (toInf) packInf(f, sign); else packMax(f, sign);
    return OE | PE;
  }
  if (tiny && (m & FZ)) { packZero(f, sign); return UE | PE; }
  let flags = inexact ? PE : 0;
  if (tiny && inexact) flags |= UE;
  if (k === 0n) packZero(f, sign); else packFinite(f, sign, k, q);
  return flags;
}

/** Integer square root (floor) of n ≥ 0. */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

// ---- arithmetic --------------------------------------------------------------------

export const enum Op { ADD, SUB, MUL, DIV, MIN, MAX, SQRT }

/** The quiet NaN result of a NaN operand (first source first), written to OUT. */
function propagateNan(f: Fmt, a: Val, alo: number, ahi: number, blo: number, bhi: number): void {
  const first = isNan(a);
  if (f === F64) {
    if (first) { OUT[0] = alo; OUT[1] = ahi | 0x80000; } else { OUT[0] = blo; OUT[1] = bhi | 0x80000; }
  } else OUT[0] = (first ? alo : blo) | 0x400000;
}

/**
 * a op b in format f (words: a = alo/ahi, b = blo/bhi; singles use lo only).
 * For SQRT only b is used (the result is √b). MIN/MAX are done by compare().
 */
function arith(f: Fmt, op: Op, alo: number, ahi: number, blo: number, bhi: number, m: number): number {
  const a0 = op === Op.SQRT ? unpack64(0, 0) : f === F64 ? unpack64(alo, ahi) : unpack32(alo);
  const b0 = f === F64 ? unpack64(blo, bhi) : unpack32(blo);
  if (isNan(a0) || isNan(b0)) {
    propagateNan(f, a0, alo, ahi, blo, bhi);
    return a0.cls === Cls.SNAN || b0.cls === Cls.SNAN ? IE : 0;
  }
  const a = daz(a0, m), b = daz(b0, m);
  let flags = (a.den && op !== Op.SQRT) || b.den ? DE : 0;
  const rc = (m >>> 13) & 3;
  switch (op) {
    case Op.ADD: case Op.SUB: {
      const bs = op === Op.SUB ? b.sign ^ 1 : b.sign;
      if (a.cls === Cls.INF || b.cls === Cls.INF) {
        if (a.cls === Cls.INF && b.cls === Cls.INF && a.sign !== bs) { packDefaultNan(f); return IE; }
        packInf(f, a.cls === Cls.INF ? a.sign : bs);
        return flags;
      }
      const e = Math.min(a.exp, b.exp);
      const av = a.cls === Cls.ZERO ? 0n : a.mant << BigInt(a.exp - e);
      const bv = b.cls === Cls.ZERO ? 0n : b.mant << BigInt(b.exp - e);
      const sum = (a.sign ? -av : av) + (bs ? -bv : bv);
      if (sum === 0n) {
        // an exact zero: two zeros of one sign keep it; otherwise +0, or −0 when rounding down
        const bothZero = av === 0n && bv === 0n;
        packZero(f, bothZero && a.sign === bs ? a.sign : rc === 1 ? 1 : 0);
        return flags;
      }
      return flags | roundPack(f, sum < 0n ? 1 : 0, sum < 0n ? -sum : sum, e, false, m);
    }
    case Op.MUL: {
      const sign = a.sign ^ b.sign;
      if (a.cls === Cls.INF || b.cls === Cls.INF) {
        if (a.cls === Cls.ZERO || b.cls === Cls.ZERO) { packDefaultNan(f); return IE; }
        packInf(f, sign);
        return flags;
      }
      if (a.cls === Cls.ZERO || b.cls === Cls.ZERO) { packZero(f, sign); return flags; }
      return flags | roundPack(f, sign, a.mant * b.mant, a.exp + b.exp, false, m);
    }
    case Op.DIV: {
      const sign = a.sign ^ b.sign;
      if (a.cls === Cls.INF) {
        if (b.cls === Cls.INF) { packDefaultNan(f); return IE; }
        packInf(f, sign);
        return flags;
      }
      if (b.cls === Cls.INF) { packZero(f, sign); return flags; }
      if (b.cls === Cls.ZERO) {
        if (a.cls === Cls.ZERO) { packDefaultNan(f); return IE; }
        packInf(f, sign);
        return ZE; // division by zero takes precedence over a denormal dividend (no DE)
      }
      if (a.cls === Cls.ZERO) { packZero(f, sign); return flags; }
      const k = Math.max(0, f.p + 3 + bitLength(b.mant) - bitLength(a.mant));
      const num = a.mant << BigInt(k);
      const quo = num / b.mant, rem = num - quo * b.mant;
      return flags | roundPack(f, sign, quo, a.exp - b.exp - k, rem !== 0n, m);
    }
    case Op.SQRT: {
      if (b.cls === Cls.ZERO) { packZero(f, b.sign); return flags; }
      if (b.sign) { packDefaultNan(f); return IE; }
      if (b.cls === Cls.INF) { packInf(f, 0); return flags; }
      let mant = b.mant, exp = b.exp;
      if (exp & 1) { mant <<= 1n; exp -= 1; }
      const k = Math.max(0, Math.ceil((2 * (f.p + 3) - bitLength(mant)) / 2));
      const n = mant << BigInt(2 * k);
      const r = isqrt(n);
      return flags | roundPack(f, 0, r, (exp - 2 * k) / 2, r * r !== n, m);
    }
    default: throw new Error('soft arith: bad op');
  }
}

export function arith64(op: Op, alo: number, ahi: number, blo: number, bhi: number, m: number): number {
  return arith(F64, op, alo, ahi, blo, bhi, m);
}
export function arith32(op: Op, a: number, b: number, m: number): number {
  return arith(F32, op, a, 0, b, 0, m);
}

// ---- comparisons -------------------------------------------------------------------

/** Relation of a to b: 0 greater, 1 less, 2 equal, 3 unordered. */
export const REL_GT = 0, REL_LT = 1, REL_EQ = 2, REL_UN = 3;

function relation(a: Val, b: Val): number {
  if (isNan(a) || isNan(b)) return REL_UN;
  const va = value(a), vb = value(b);
  return va < vb ? REL_LT : va > vb ? REL_GT : REL_EQ;
}

/** The exact value as a JS number (exact for every double and single). */
function value(v: Val): number {
  let x: number;
  switch (v.cls) {
    case Cls.ZERO: x = 0; break;
    case Cls.INF: x = Infinity; break;
    default: x = Number(v.mant) * Math.pow(2, v.exp);
  }
  return v.sign ? -x : x;
}

/**
 * Compare a with b: relation in OUT[0]; flags IE (SNaN, or any NaN when
 * `signaling`) and DE (denormal operand, unless a NaN is involved or DAZ).
 */
function compare(f: Fmt, alo: number, ahi: number, blo: number, bhi: number, m: number, signaling: boolean): number {
  const a0 = f === F64 ? unpack64(alo, ahi) : unpack32(alo);
  const b0 = f === F64 ? unpack64(blo, bhi) : unpack32(blo);
  if (isNan(a0) || isNan(b0)) {
    OUT[0] = REL_UN;
    return signaling || a0.cls === Cls.SNAN || b0.cls === Cls.SNAN ? IE : 0;
  }
  const a = daz(a0, m), b = daz(b0, m);
  OUT[0] = relation(a, b);
  return a.den || b.den ? DE : 0;
}

export function compare64(alo: number, ahi: number, blo: number, bhi: number, m: number, signaling: boolean): number {
  return compare(F64, alo, ahi, blo, bhi, m, signaling);
}
export function compare32(a: number, b: number, m: number, signaling: boolean): number {
  return compare(F32, a, 0, b, 0, m, signaling);
}

/**
 * minsd/maxsd (and ss/pd/ps lanes): dst < src ? dst : src (resp. >); the
 * source when either is NaN (IE) or both are zero. With DAZ a denormal
 * operand that is selected comes out as the zero it was taken for.
 */
function minMax(f: Fmt, max: boolean, alo: number, ahi: number, blo: number, bhi: number, m: number): number {
  const flags = compare(f, alo, ahi, blo, bhi, m, true);
  const rel = OUT[0];
  const pickA = max ? rel === REL_GT : rel === REL_LT;
  const lo = pickA ? alo : blo, hi = pickA ? ahi : bhi;
  const v = f === F64 ? unpack64(lo, hi) : unpack32(lo);
  if (v.den && (m & DAZ)) packZero(f, v.sign);
  else if (f === F64) { OUT[0] = lo; OUT[1] = hi; } else OUT[0] = lo;
  return flags;
}

export function minMax64(max: boolean, alo: number, ahi: number, blo: number, bhi: number, m: number): number {
  return minMax(F64, max, alo, ahi, blo, bhi, m);
}
export function minMax32(max: boolean, a: number, b: number, m: number): number {
  return minMax(F32, max, a, 0, b, 0, m);
}

// ---- conversions -------------------------------------------------------------------

/** double → single. */
export function cvt64to32(lo: number, hi: number, m: number): number {
  const v0 = unpack64(lo, hi);
  if (isNan(v0)) {
    OUT[0] = (hi & 0x80000000) | 0x7fc00000 | ((hi & 0xfffff) << 3) | (lo >>> 29);
    return v0.cls === Cls.SNAN ? IE : 0;
  }
  const v = daz(v0, m);
  const flags = v.den ? DE : 0;
  if (v.cls === Cls.ZERO) { packZero(F32, v.sign); return flags; }
  if (v.cls === Cls.INF) { packInf(F32, v.sign); return flags; }
  return flags | roundPack(F32, v.sign, v.mant, v.exp, false, m);
}

/** single → double (exact). */
export function cvt32to64(x: number, m: number): number {
  const v0 = unpack32(x);
  if (isNan(v0)) {
    OUT[0] = (x & 7) << 29;
    OUT[1] = (x & 0x80000000) | 0x7ff80000 | ((x & 0x7fffff) >>> 3);
    return v0.cls === Cls.SNAN ? IE : 0;
  }
  const v = daz(v0, m);
  const flags = v.den ? DE : 0;
  if (v.cls === Cls.ZERO) packZero(F64, v.sign);
  else if (v.cls === Cls.INF) packInf(F64, v.sign);
  else roundPack(F64, v.sign, v.mant, v.exp, false, m);
  return flags;
}

/**
 * Float → integer (bits 32 or 64): truncating, or rounding per MXCSR.RC.
 * NaN and out-of-range give the integer indefinite with IE; a dropped
 * fraction sets PE. Result in OUT[0] (and OUT[1] for 64 bits).
 */
function toInt(v0: Val, m: number, bits: number, truncate: boolean): number {
  const indefinite = (): number => {
    if (bits === 64) { OUT[0] = 0; OUT[1] = -0x80000000; } else OUT[0] = -0x80000000;
    return IE;
  };
  if (isNan(v0) || v0.cls === Cls.INF) return indefinite();
  const v = daz(v0, m);
  if (v.cls === Cls.ZERO) { OUT[0] = 0; OUT[1] = 0; return 0; }
  const rc = truncate ? 3 : (m >>> 13) & 3;
  const [k, inexact] = roundAt(v.mant, v.exp, false, 0, v.sign, rc);
  const limit = 1n << BigInt(bits - 1);
  if (v.sign ? k > limit : k >= limit) return indefinite();
  const n = BigInt.asUintN(64, v.sign ? -k : k);
  OUT[0] = Number(n & 0xffffffffn) | 0;
  OUT[1] = Number(n >> 32n) | 0;
  return inexact ? PE : 0;
}

export function cvt64toInt(lo: number, hi: number, m: number, bits: number, truncate: boolean): number {
  return toInt(unpack64(lo, hi), m, bits, truncate);
}
export function cvt32toInt(x: number, m: number, bits: number, truncate: boolean): number {
  return toInt(unpack32(x), m, bits, truncate);
}

/** int64 (lo, hi) → double (fmt64) or single, rounded per MXCSR.RC. */
export function cvtIntToFloat(lo: number, hi: number, m: number, double: boolean): number {
  const f = double ? F64 : F32;
  const n = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
  if (n === 0n) { packZero(f, 0); return 0; }
  return roundPack(f, n < 0n ? 1 : 0, n < 0n ? -n : n, 0, false, m);
}
