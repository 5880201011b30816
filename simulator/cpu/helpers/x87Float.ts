// Soft float for the x87 FPU: exact 80-bit extended-precision arithmetic
// (64-bit significand with an explicit integer bit, 15-bit exponent), with
// the x87's rounding control, precision control, exception flags and NaN
// rules, so results are bit-identical to a real FPU.
//
// Significands are BigInts. That is deliberate and confined to the x87
// helpers: x87 code is rare (musl's printf/strtod and long double math), is
// never on the integer hot path, and exactness matters far more than speed
// here. Every operation computes the exact result (or enough quotient/root
// bits plus a sticky bit) and rounds it once.

/** A raw 80-bit register value: se = sign (bit 15) and biased exponent (bits 0–14); m = the 64-bit significand. */
export interface Ext { readonly se: number; readonly m: bigint }

/** Status-word exception bits. */
export const enum Exc { IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32, SF = 64 }

/** Rounding control (control word bits 10–11). */
export const enum Rc { NEAREST = 0, DOWN = 1, UP = 2, ZERO = 3 }

/** Per-instruction rounding state: the mode in, the exceptions and the C1 (rounded up) indicator out. */
export interface FpEnv {
  rc: number; flags: number; up: boolean;
  /** The memory operand of an arithmetic/compare instruction was a denormal in its own format. */
  srcDenormal?: boolean;
}

export const EXT_BIAS = 16383;
const MASK64 = (1n << 64n) - 1n;
const J_BIT = 1n << 63n;
const QUIET_BIT = 1n << 62n;
const FRAC_MASK = J_BIT - 1n;

/** The "real indefinite" QNaN an invalid operation produces. */
export const INDEFINITE: Ext = { se: 0xffff, m: 0xc000000000000000n };
export const POS_ZERO: Ext = { se: 0, m: 0n };

export const enum Kind { ZERO, FINITE, INF, QNAN, SNAN, UNSUPPORTED }

export function kindOf(x: Ext): Kind {
  const e = x.se & 0x7fff;
  if (e === 0) return x.m === 0n ? Kind.ZERO : Kind.FINITE; // denormals and pseudo-denormals are finite
  if ((x.m & J_BIT) === 0n) return Kind.UNSUPPORTED; // unnormal, pseudo-infinity, pseudo-NaN
  if (e === 0x7fff) return (x.m & FRAC_MASK) === 0n ? Kind.INF : (x.m & QUIET_BIT) !== 0n ? Kind.QNAN : Kind.SNAN;
  return Kind.FINITE;
}

export const isNaNKind = (k: Kind): boolean => k === Kind.QNAN || k === Kind.SNAN;
export const isDenormal = (x: Ext): boolean => (x.se & 0x7fff) === 0 && x.m !== 0n;
export const signOf = (x: Ext): number => (x.se >> 15) & 1;
export const negate = (x: Ext): Ext => ({ se: x.se ^ 0x8000, m: x.m });
export const withSign = (x: Ext, s: number): Ext => ({ se: (x.se & 0x7fff) | (s << 15), m: x.m });
export const zero = (s: number): Ext => ({ se: s << 15, m: 0n });
export const inf = (s: number): Ext => ({ se: (s << 15) | 0x7fff, m: J_BIT });
export const quiet = (x: Ext): Ext => ({ se: x.se, m: x.m | QUIET_BIT });

export function bitLength(v: bigint): number {
  // v > 0; hex digits give the length in a few steps even for long values
  const s = v.toString(16);
  return 4 * (s.length - 1) + (32 - Math.clz32(parseInt(s[0], 16)));
}

/** Exact value of a finite operand: (−1)^sign · M · 2^e. */
interface Exact { sign: number; M: bigint; e: number }

export function unpack(x: Ext): Exact {
  return { sign: signOf(x), M: x.m, e: Math.max(x.se & 0x7fff, 1) - EXT_BIAS - 63 };
}

// ---- rounding ------------------------------------------------------------------

/** A destination format: significand width (with integer bit), exponent range. */
export interface Format { mbits: number; emin: number; emax: number }
export const EXT: Format = { mbits: 64, emin: -16382, emax: 16383 };
export const DOUBLE: Format = { mbits: 53, emin: -1022, emax: 1023 };
export const SINGLE: Format = { mbits: 24, emin: -126, emax: 127 };

/** Rounded finite result q · 2^lsb (q < 2^p), or an overflow (then q/lsb give the rounded-to-format value). */
export interface Rounded { sign: number; q: bigint; lsb: number }

/** M >> sh rounded by rc for sign; returns the rounded integer and sets inexact/up. */
function shiftRound(M: bigint, sh: number, sign: number, rc: number, st: { inexact: boolean; up: boolean }): bigint {
  if (sh <= 0) return M << BigInt(-sh);
  const s = BigInt(sh);
  const q = M >> s;
  const rem = M & ((1n << s) - 1n);
  if (rem === 0n) return q;
  st.inexact = true;
  let inc: boolean;
  switch (rc) {
    case Rc.NEAREST: {
      const half = 1n << (s - 1n);
      inc = rem > half || (rem === half && (q & 1n) === 1n);
      break;
    }
    case Rc.DOWN: inc = sign === 1; break;
    case Rc.UP: inc = sign === 0; break;
    default: inc = false;
  }
  if (inc) { st.up = true; return q + 1n; }
  return q;
}

/**
 * Round (−1)^sign · M · 2^e (M > 0) to p significant bits in format f, with
 * gradual underflow; raises PE/UE/OE in env. Returns null on overflow (the
 * caller then applies the overflow response, see overflowResult).
 */
export function roundTo(sign: number, M: bigint, e: number, p: number, f: Format, env: FpEnv): Rounded | null {
  const n = bitLength(M);
  const E = e + n - 1;
  // Precision control acts like a p-bit format with the extended exponent range:
  // denormal results keep their bits above 2^(emin − (p − 1)).
  const lsbMin = f.emin - (p - 1);
  let lsb = Math.max(E - (p - 1), lsbMin);
  const st = { inexact: false, up: false };
  let q = shiftRound(M, lsb - e, sign, env.rc, st);
  if (q >> BigInt(p) !== 0n) { q >>= 1n; lsb++; }
  if (st.inexact) {
    env.flags |= Exc.PE;
    if (E < f.emin) {
      // tininess is detected after rounding (with an unbounded exponent), as x86 does
      const st2 = { inexact: false, up: false };
      const qu = shiftRound(M, E - (p - 1) - e, sign, env.rc, st2);
      const Eu = E - (p - 1) + bitLength(qu) - 1;
      if (Eu < f.emin) env.flags |= Exc.UE;
    }
  }
  env.up = st.up;
  if (q !== 0n && lsb + bitLength(q) - 1 > f.emax) {
    env.flags |= Exc.OE | Exc.PE;
    return null;
  }
  return { sign, q, lsb };
}

/** The masked overflow response: ∞ or the largest finite value with p bits, depending on rounding. */
function overflowToInf(sign: number, rc: number): boolean {
  return rc === Rc.NEAREST || (rc === Rc.DOWN && sign === 1) || (rc === Rc.UP && sign === 0);
}

/** Pack a rounded value (or overflow) into the 80-bit format. */
function packExt(sign: number, r: Rounded | null, p: number, env: FpEnv): Ext {
  if (r === null) {
    if (overflowToInf(sign, env.rc)) { env.up = true; return inf(sign); }
    env.up = false;
    return { se: (sign << 15) | 0x7ffe, m: (((1n << BigInt(p)) - 1n) << BigInt(64 - p)) };
  }
  if (r.q === 0n) return zero(sign);
  const n = bitLength(r.q);
  const E = r.lsb + n - 1;
  if (E < EXT.emin) return { se: sign << 15, m: r.q << BigInt(r.lsb - (EXT.emin - 63)) };
  return { se: (sign << 15) | (E + EXT_BIAS), m: r.q << BigInt(64 - n) };
}

/** Round an exact value to an extended register with precision p (24, 53 or 64 bits). */
export function roundExt(sign: number, M: bigint, e: number, p: number, env: FpEnv): Ext {
  if (M === 0n) return zero(sign);
  return packExt(sign, roundTo(sign, M, e, p, EXT, env), p, env);
}

// ---- NaNs and operand checks ------------------------------------------------------

/** x87 NaN propagation for two operands (at least one a NaN): raises IE for an SNaN. */
export function propagateNaN(a: Ext, b: Ext, env: FpEnv): Ext {
  const ka = kindOf(a), kb = kindOf(b);
  if (ka === Kind.SNAN || kb === Kind.SNAN) env.flags |= Exc.IE;
  const an = isNaNKind(ka), bn = isNaNKind(kb);
  if (an && !bn) return quiet(a);
  if (bn && !an) return quiet(b);
  // both NaNs: a QNaN beats an SNaN; otherwise the larger significand wins
  if (ka === Kind.QNAN && kb === Kind.SNAN) return a;
  if (kb === Kind.QNAN && ka === Kind.SNAN) return b;
  const qa = a.m | QUIET_BIT, qb = b.m | QUIET_BIT;
  if (qa > qb) return quiet(a);
  if (qb > qa) return quiet(b);
  return (a.se & 0x8000) === 0 ? quiet(a) : quiet(b);
}

/**
 * The common front of a two-operand arithmetic instruction: unsupported
 * formats and NaNs give their result here (non-null); otherwise DE is raised
 * for denormal operands and null is returned.
 */
function specials(a: Ext, b: Ext, ka: Kind, kb: Kind, env: FpEnv): Ext | null {
  if (ka === Kind.UNSUPPORTED || kb === Kind.UNSUPPORTED) { env.flags |= Exc.IE; return INDEFINITE; }
  if (isNaNKind(ka) || isNaNKind(kb)) return propagateNaN(a, b, env);
  if (isDenormal(a) || isDenormal(b) || env.srcDenormal) env.flags |= Exc.DE;
  return null;
}

function invalid(env: FpEnv): Ext {
  env.flags |= Exc.IE;
  return INDEFINITE;
}

// ---- arithmetic ---------------------------------------------------------------------

/** a + b (or a − b when sub), rounded to p bits. */
export function add(a: Ext, b: Ext, sub: boolean, p: number, env: FpEnv): Ext {
  const ka = kindOf(a), kb = kindOf(b);
  const s = specials(a, b, ka, kb, env);
  if (s) return s;
  const sa = signOf(a), sb = signOf(b) ^ (sub ? 1 : 0);
  if (ka === Kind.INF) return kb === Kind.INF && sa !== sb ? invalid(env) : a;
  if (kb === Kind.INF) return inf(sb);
  if (ka === Kind.ZERO && kb === Kind.ZERO) return zero(sa === sb ? sa : env.rc === Rc.DOWN ? 1 : 0);
  const x = unpack(a), y = unpack(b);
  let Ma = ka === Kind.ZERO ? 0n : x.M, Mb = kb === Kind.ZERO ? 0n : y.M;
  let ea = x.e, eb = y.e;
  // A far smaller operand only matters as a sticky bit below every rounding position.
  if (Ma !== 0n && Mb !== 0n) {
    const Ea = ea + bitLength(Ma) - 1, Eb = eb + bitLength(Mb) - 1;
    if (Ea - Eb > 80) { Mb = 1n; eb = Ea - 100; }
    else if (Eb - Ea > 80) { Ma = 1n; ea = Eb - 100; }
  }
  if (Ma === 0n) { ea = eb; }
  if (Mb === 0n) { eb = ea; }
  const e = Math.min(ea, eb);
  const va = Ma << BigInt(ea - e), vb = Mb << BigInt(eb - e);
  const sum = (sa ? -va : va) + (sb ? -vb : vb);
  if (sum === 0n) return zero(env.rc === Rc.DOWN ? 1 : 0);
  return sum < 0n ? roundExt(1, -sum, e, p, env) : roundExt(0, sum, e, p, env);
}

export function mul(a: Ext, b: Ext, p: number, env: FpEnv): Ext {
  const ka = kindOf(a), kb = kindOf(b);
  const s = specials(a, b, ka, kb, env);
  if (s) return s;
  const sign = signOf(a) ^ signOf(b);
  if (ka === Kind.INF || kb === Kind.INF) return ka === Kind.ZERO || kb === Kind.ZERO ? invalid(env) : inf(sign);
  if (ka === Kind.ZERO || kb === Kind.ZERO) return zero(sign);
  const x = unpack(a), y = unpack(b);
  return roundExt(sign, x.M * y.M, x.e + y.e, p, env);
}

export function div(a: Ext, b: Ext, p: number, env: FpEnv): Ext {
  const ka = kindOf(a), kb = kindOf(b);
  const s = specials(a, b, ka, kb, env);
  if (s) return s;
  const sign = signOf(a) ^ signOf(b);
  if (ka === Kind.INF) return kb === Kind.INF ? invalid(env) : inf(sign);
  if (kb === Kind.INF) return zero(sign);
  if (kb === Kind.ZERO) {
    if (ka === Kind.ZERO) return invalid(env);
    env.flags |= Exc.ZE;
    return inf(sign);
  }
  if (ka === Kind.ZERO) return zero(sign);
  const x = unpack(a), y = unpack(b);
  // enough quotient bits for any rounding position, plus a sticky bit
  const k = Math.max(0, 70 + bitLength(y.M) - bitLength(x.M));
  const num = x.M << BigInt(k);
  const q = num / y.M;
  const sticky = num - q * y.M !== 0n ? 1n : 0n;
  return roundExt(sign, (q << 1n) | sticky, x.e - y.e - k - 1, p, env);
}

/** floor(sqrt(n)) for n ≥ 0. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function sqrt(a: Ext, p: number, env: FpEnv): Ext {
  const ka = kindOf(a);
  if (ka === Kind.UNSUPPORTED) return invalid(env);
  if (isNaNKind(ka)) { if (ka === Kind.SNAN) env.flags |= Exc.IE; return quiet(a); }
  if (ka === Kind.ZERO) return a;
  if (signOf(a)) return invalid(env);
  if (ka === Kind.INF) return a;
  if (isDenormal(a)) env.flags |= Exc.DE;
  const x = unpack(a);
  let M = x.M, e = x.e;
  if (e & 1) { M <<= 1n; e -= 1; }
  // scale so the root has at least 70 bits
  const k = Math.max(0, 140 - bitLength(M)) & ~1;
  M <<= BigInt(k); e -= k;
  const r = isqrt(M);
  const sticky = r * r !== M ? 1n : 0n;
  return roundExt(0, (r << 1n) | sticky, e / 2 - 1, p, env);
}

// ---- comparisons ------------------------------------------------------------------------

export const enum Cmp { LT = -1, EQ = 0, GT = 1, UN = 2 }

/** Compare two values; `quietNaNsOk` (fucom*) raises IE only for SNaNs and unsupported formats. */
export function compare(a: Ext, b: Ext, quietNaNsOk: boolean, env: FpEnv): Cmp {
  const ka = kindOf(a), kb = kindOf(b);
  if (ka === Kind.UNSUPPORTED || kb === Kind.UNSUPPORTED) { env.flags |= Exc.IE; return Cmp.UN; }
  if (isNaNKind(ka) || isNaNKind(kb)) {
    if (!quietNaNsOk || ka === Kind.SNAN || kb === Kind.SNAN) env.flags |= Exc.IE;
    return Cmp.UN;
  }
  if (isDenormal(a) || isDenormal(b) || env.srcDenormal) env.flags |= Exc.DE;
  return compareOrdered(a, b, ka, kb);
}

function compareOrdered(a: Ext, b: Ext, ka: Kind, kb: Kind): Cmp {
  if (ka === Kind.ZERO && kb === Kind.ZERO) return Cmp.EQ;
  const sa = signOf(a), sb = signOf(b);
  if (ka === Kind.ZERO) return sb ? Cmp.GT : Cmp.LT;
  if (kb === Kind.ZERO) return sa ? Cmp.LT : Cmp.GT;
  if (sa !== sb) return sa ? Cmp.LT : Cmp.GT;
  const mag = compareMagnitude(a, b, ka, kb);
  return (sa ? -mag : mag) as Cmp;
}

function compareMagnitude(a: Ext, b: Ext, ka: Kind, kb: Kind): number {
  if (ka === Kind.INF || kb === Kind.INF) return ka === kb ? 0 : ka === Kind.INF ? 1 : -1;
  const x = unpack(a), y = unpack(b);
  const Ea = x.e + bitLength(x.M), Eb = y.e + bitLength(y.M);
  if (Ea !== Eb) return Ea > Eb ? 1 : -1;
  const e = Math.min(x.e, y.e);
  const va = x.M << BigInt(x.e - e), vb = y.M << BigInt(y.e - e);
  return va === vb ? 0 : va > vb ? 1 : -1;
}

// ---- integers -----------------------------------------------------------------------------

export function fromInt(v: bigint): Ext {
  if (v === 0n) return POS_ZERO;
  const sign = v < 0n ? 1 : 0;
  const M = sign ? -v : v;
  const n = bitLength(M);
  return { se: (sign << 15) | (n - 1 + EXT_BIAS), m: M << BigInt(64 - n) };
}

/** Round to an integral value by rc (frndint); exact for |x| ≥ 2^63. */
export function roundToIntegral(a: Ext, rc: number, env: FpEnv): Ext {
  const ka = kindOf(a);
  if (ka === Kind.UNSUPPORTED) return invalid(env);
  if (isNaNKind(ka)) { if (ka === Kind.SNAN) env.flags |= Exc.IE; return quiet(a); }
  if (ka !== Kind.FINITE) return a;
  if (isDenormal(a)) env.flags |= Exc.DE;
  const x = unpack(a);
  if (x.e >= 0) return a;
  const st = { inexact: false, up: false };
  const q = shiftRound(x.M, -x.e, x.sign, rc, st);
  if (st.inexact) env.flags |= Exc.PE;
  env.up = st.up;
  if (q === 0n) return zero(x.sign);
  const n = bitLength(q);
  return { se: (x.sign << 15) | (n - 1 + EXT_BIAS), m: q << BigInt(64 - n) };
}

/**
 * Convert to a signed integer of `bits` bits by rc; null when the value is
 * not representable (NaN, ∞, out of range: the caller stores the integer
 * indefinite and IE is raised here).
 */
export function toInt(a: Ext, bits: number, rc: number, env: FpEnv): bigint | null {
  const ka = kindOf(a);
  if (ka === Kind.ZERO) return 0n;
  if (ka !== Kind.FINITE) { env.flags |= Exc.IE; return null; }
  const x = unpack(a); // (a denormal source does not raise DE)
  const E = x.e + bitLength(x.M) - 1;
  if (E > bits) { env.flags |= Exc.IE; return null; }
  const st = { inexact: false, up: false };
  const q = shiftRound(x.M, -x.e, x.sign, rc, st);
  const v = x.sign ? -q : q;
  const limit = 1n << BigInt(bits - 1);
  if (v >= limit || v < -limit) { env.flags |= Exc.IE; return null; }
  if (st.inexact) env.flags |= Exc.PE;
  env.up = st.up;
  return v;
}

// ---- memory formats -------------------------------------------------------------------------

/**
 * float32/float64 bits (as BigInt) → extended, exactly. For a load (fld) an
 * SNaN is quieted with IE and a denormal raises DE; for an arithmetic source
 * operand (`operand`) the SNaN stays signalling and a denormal is only noted
 * in env.srcDenormal, since the instruction decides which exceptions win.
 */
export function fromIEEE(bits: bigint, f: Format, env: FpEnv, operand = false): Ext {
  const fracBits = f.mbits - 1;
  const expBits = f === SINGLE ? 8 : 11;
  const sign = Number((bits >> BigInt(fracBits + expBits)) & 1n);
  const exp = Number((bits >> BigInt(fracBits)) & BigInt((1 << expBits) - 1));
  const frac = bits & ((1n << BigInt(fracBits)) - 1n);
  const bias = (1 << (expBits - 1)) - 1;
  if (exp === (1 << expBits) - 1) {
    if (frac === 0n) return inf(sign);
    const m = J_BIT | (frac << BigInt(64 - f.mbits));
    if (operand) return { se: (sign << 15) | 0x7fff, m };
    if ((m & QUIET_BIT) === 0n) env.flags |= Exc.IE;
    return { se: (sign << 15) | 0x7fff, m: m | QUIET_BIT };
  }
  if (exp === 0) {
    if (frac === 0n) return zero(sign);
    if (operand) env.srcDenormal = true;
    else env.flags |= Exc.DE;
    const n = bitLength(frac);
    // value = frac · 2^(1 − bias − fracBits)
    const E = 1 - bias - fracBits + n - 1;
    return { se: (sign << 15) | (E + EXT_BIAS), m: frac << BigInt(64 - n) };
  }
  return { se: (sign << 15) | (exp - bias + EXT_BIAS), m: J_BIT | (frac << BigInt(64 - f.mbits)) };
}

/** extended → float32/float64 bits, rounded by rc (NaNs keep their top payload bits). */
export function toIEEE(a: Ext, f: Format, env: FpEnv): bigint {
  const fracBits = f.mbits - 1;
  const expBits = f === SINGLE ? 8 : 11;
  const expMax = BigInt((1 << expBits) - 1);
  const signBit = BigInt(signOf(a)) << BigInt(fracBits + expBits);
  const ka = kindOf(a);
  switch (ka) {
    case Kind.ZERO: return signBit;
    case Kind.INF: return signBit | (expMax << BigInt(fracBits));
    case Kind.UNSUPPORTED: env.flags |= Exc.IE; return indefiniteIEEE(f);
    case Kind.QNAN: case Kind.SNAN: {
      if (ka === Kind.SNAN) env.flags |= Exc.IE;
      const frac = ((a.m | QUIET_BIT) & FRAC_MASK) >> BigInt(64 - f.mbits);
      return signBit | (expMax << BigInt(fracBits)) | frac;
    }
  }
  // (a denormal source does not raise DE on a store)
  const x = unpack(a);
  const r = roundTo(x.sign, x.M, x.e, f.mbits, f, env);
  if (r === null) {
    if (overflowToInf(x.sign, env.rc)) { env.up = true; return signBit | (expMax << BigInt(fracBits)); }
    env.up = false;
    return signBit | ((expMax - 1n) << BigInt(fracBits)) | ((1n << BigInt(fracBits)) - 1n);
  }
  if (r.q === 0n) return signBit;
  const n = bitLength(r.q);
  const E = r.lsb + n - 1;
  const bias = (1 << (expBits - 1)) - 1;
  if (E < f.emin) return signBit | (r.q << BigInt(r.lsb - (f.emin - fracBits)));
  return signBit | (BigInt(E + bias) << BigInt(fracBits)) | ((r.q << BigInt(f.mbits - n)) & ((1n << BigInt(fracBits)) - 1n));
}

function indefiniteIEEE(f: Format): bigint {
  return f === SINGLE ? 0xffc00000n : 0xfff8000000000000n;
}

// ---- the rest of the instruction set's arithmetic ---------------------------------------------

/** fscale: a · 2^trunc(b). */
export function scale(a: Ext, b: Ext, env: FpEnv): Ext {
  const ka = kindOf(a), kb = kindOf(b);
  const s = specials(a, b, ka, kb, env);
  if (s) return s;
  if (kb === Kind.INF) {
    if (signOf(b)) return ka === Kind.INF ? invalid(env) : zero(signOf(a));
    return ka === Kind.ZERO ? invalid(env) : inf(signOf(a));
  }
  if (ka === Kind.ZERO || ka === Kind.INF) return a;
  let n = 0;
  if (kb === Kind.FINITE) {
    const y = unpack(b);
    const Eb = y.e + bitLength(y.M) - 1;
    if (Eb >= 20) n = y.sign ? -1 << 20 : 1 << 20; // far beyond the exponent range either way
    else if (Eb >= 0) n = Number(y.e >= 0 ? y.M << BigInt(y.e) : y.M >> BigInt(-y.e)) * (y.sign ? -1 : 1);
  }
  const x = unpack(a);
  return roundExt(x.sign, x.M, x.e + n, 64, env);
}

/** fxtract: [exponent, significand] of a. */
export function extract(a: Ext, env: FpEnv): [Ext, Ext] {
  const ka = kindOf(a);
  if (ka === Kind.UNSUPPORTED) { env.flags |= Exc.IE; return [INDEFINITE, INDEFINITE]; }
  if (isNaNKind(ka)) { if (ka === Kind.SNAN) env.flags |= Exc.IE; return [quiet(a), quiet(a)]; }
  if (ka === Kind.ZERO) { env.flags |= Exc.ZE; return [inf(1), a]; }
  if (ka === Kind.INF) return [inf(0), a];
  if (isDenormal(a)) env.flags |= Exc.DE;
  const x = unpack(a);
  const n = bitLength(x.M);
  const E = x.e + n - 1;
  return [fromInt(BigInt(E)), { se: (x.sign << 15) | EXT_BIAS, m: x.M << BigInt(64 - n) }];
}

/**
 * fprem (ieee false: truncated quotient) / fprem1 (ieee: nearest quotient).
 * Returns the new ST0 and the status bits C0..C3 (as in the status word).
 */
export function remainder(a: Ext, b: Ext, ieee: boolean, env: FpEnv): { r: Ext; c: number } | { r: Ext; c: -1 } {
  const ka = kindOf(a), kb = kindOf(b);
  const s = specials(a, b, ka, kb, env);
  if (s) return { r: s, c: -1 };
  if (ka === Kind.INF || kb === Kind.ZERO) return { r: invalid(env), c: -1 };
  if (ka === Kind.ZERO) return { r: a, c: 0 };
  if (kb === Kind.INF) { const x = unpack(a); return { r: roundExt(x.sign, x.M, x.e, 64, env), c: 0 }; } // (normalized)
  const x = unpack(a), y = unpack(b);
  const Ea = x.e + bitLength(x.M) - 1, Eb = y.e + bitLength(y.M) - 1;
  const D = Ea - Eb;
  if (D >= 64) {
    // partial remainder: reduce the exponent difference to N in 32..63
    const N = 32 + (D & 31);
    const shift = D - N; // divide by y·2^shift, truncating
    const e = Math.min(x.e, y.e + shift);
    const X = x.M << BigInt(x.e - e), Y = y.M << BigInt(y.e + shift - e);
    const q = X / Y;
    const r = X - q * Y;
    return { r: roundExt(x.sign, r, e, 64, env), c: C2 }; // C0 C1 C3 read as 0 (host behaviour)
  }
  const e = Math.min(x.e, y.e);
  const X = x.M << BigInt(x.e - e), Y = y.M << BigInt(y.e - e);
  let q = X / Y;
  let r = X - q * Y;
  let sign = x.sign;
  if (ieee) {
    const twice = r << 1n;
    if (twice > Y || (twice === Y && (q & 1n) === 1n)) { q += 1n; r = Y - r; sign ^= 1; }
  }
  if (r === 0n) return { r: zero(x.sign), c: quotientBits(q) };
  return { r: roundExt(sign, r, e, 64, env), c: quotientBits(q) };
}

const C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000;

function quotientBits(q: bigint): number {
  const low = Number(q & 7n);
  return (low & 4 ? C0 : 0) | (low & 2 ? C3 : 0) | (low & 1 ? C1 : 0);
}

/** fxam classification bits (C3, C2, C0; C1 = sign). */
export function examine(a: Ext, empty: boolean): number {
  const c1 = signOf(a) ? C1 : 0;
  if (empty) return C3 | C0 | c1;
  switch (kindOf(a)) {
    case Kind.UNSUPPORTED: return c1;
    case Kind.QNAN: case Kind.SNAN: return C0 | c1;
    case Kind.INF: return C2 | C0 | c1;
    case Kind.ZERO: return C3 | c1;
    default: return (isDenormal(a) ? C3 | C2 : C2) | c1;
  }
}

export function toBits80(a: Ext): [number, number, number] {
  return [Number(a.m & 0xffffffffn) | 0, Number((a.m >> 32n) & 0xffffffffn) | 0, a.se & 0xffff];
}

export function fromBits80(lo: number, hi: number, se: number): Ext {
  return { se: se & 0xffff, m: ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)) & MASK64 };
}
