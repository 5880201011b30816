// x87 transcendental instructions: f2xm1, fyl2x, fyl2xp1, fpatan, fsin,
// fcos, fsincos, fptan.
//
// Each result is computed with about 250 bits of precision in a small
// BigInt floating point (value m·2^e) and then rounded once with the x87
// rounding control, so it is the correctly rounded value. Real FPUs are only
// faithful here (their microcode keeps a few guard bits), so in rare cases a
// hardware result is the other neighbour, one unit in the last place away.
//
// What is modelled exactly, because programs can see it:
//  - fsin/fcos/fsincos/fptan reduce their argument with the x87's 66-bit
//    approximation of π (0xC90FDAA22168C234C·2^-66), so for large arguments
//    the result is that of the reduced argument, not of the true one;
//    |x| ≥ 2^63 sets C2 and leaves ST0 unchanged.
//  - f2xm1 outside −1…1 and fyl2xp1 with x ≤ −1 return their operand with
//    #P set (observed on hardware; the architectural result is undefined);
//    results that happen to be exact still report #P, as hardware does.
//  - the special-value tables (zeros, infinities, NaNs) from the manuals.

import { X87Unary } from './x87';
import {
  Exc, Ext, FpEnv, INDEFINITE, Kind, bitLength, fromInt, inf, isDenormal, isNaNKind, kindOf, mul,
  propagateNaN, quiet, roundExt, signOf, unpack, zero,
} from './x87Float';

/** Working precision in bits. */
const P = 256;

/** A value m · 2^e (m signed). */
interface BF { m: bigint; e: number }

const ZERO: BF = { m: 0n, e: 0 };

function abs(v: bigint): bigint { return v < 0n ? -v : v; }

/** Index of the most significant bit of |x| as an exponent (x ≠ 0). */
function top(x: BF): number { return x.e + bitLength(abs(x.m)) - 1; }

/** Keep P bits, rounding to odd: a discarded nonzero tail sets the last bit, so the value stays strictly on its side. */
function norm(x: BF): BF {
  if (x.m === 0n) return ZERO;
  const a = abs(x.m);
  const n = bitLength(a);
  if (n <= P) return x;
  const s = BigInt(n - P);
  let q = a >> s;
  if ((q << s) !== a) q |= 1n;
  return { m: x.m < 0n ? -q : q, e: x.e + n - P };
}

function bf(m: bigint, e = 0): BF { return norm({ m, e }); }

function add(a: BF, b: BF): BF {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const ta = top(a), tb = top(b);
  // a far smaller operand still decides which side of the larger one the sum lies on
  if (ta - tb > P + 8) return nudge(a, b.m < 0n);
  if (tb - ta > P + 8) return nudge(b, a.m < 0n);
  const e = Math.min(a.e, b.e);
  return norm({ m: (a.m << BigInt(a.e - e)) + (b.m << BigInt(b.e - e)), e });
}

function nudge(a: BF, down: boolean): BF {
  const s = P + 10;
  return norm({ m: (a.m << BigInt(s)) + (down ? -1n : 1n), e: a.e - s });
}

const neg = (a: BF): BF => ({ m: -a.m, e: a.e });
const sub = (a: BF, b: BF): BF => add(a, neg(b));
const mul2 = (a: BF, b: BF): BF => norm({ m: a.m * b.m, e: a.e + b.e });
const scale2 = (a: BF, n: number): BF => ({ m: a.m, e: a.e + n });

function div2(a: BF, b: BF): BF {
  if (a.m === 0n) return ZERO;
  const k = P + 4 + bitLength(abs(b.m)) - bitLength(abs(a.m));
  const num = k > 0 ? a.m << BigInt(k) : a.m;
  let q = abs(num) / abs(b.m);
  if (q * abs(b.m) !== abs(num)) q |= 1n;
  return norm({ m: (num < 0n) !== (b.m < 0n) ? -q : q, e: a.e - (k > 0 ? k : 0) - b.e });
}

function sqrt2(a: BF): BF {
  let m = a.m, e = a.e;
  let k = 2 * P + 4 - bitLength(m);
  if (k < 0) k = 0;
  if ((e - k) & 1) k++;
  m <<= BigInt(k); e -= k;
  let x = 1n << BigInt((bitLength(m) >> 1) + 1);
  for (;;) { const y = (x + m / x) >> 1n; if (y >= x) break; x = y; }
  if (x * x !== m) x |= 1n;
  return norm({ m: x, e: e / 2 });
}

/** Below this, a series term no longer matters for a sum of magnitude ~2^t. */
const negligible = (term: BF, sumTop: number): boolean => term.m === 0n || top(term) < sumTop - P - 12;

/** atan(z) by its Taylor series (|z| ≤ ~0.25); atanh when hyperbolic. */
function atanSeries(z: BF, hyperbolic: boolean): BF {
  const z2 = mul2(z, z);
  let pow = z, sum = z;
  for (let k = 1; ; k++) {
    pow = mul2(pow, z2);
    const term = div2(pow, bf(BigInt(2 * k + 1)));
    const done = negligible(term, top(sum));
    sum = hyperbolic || (k & 1) === 0 ? add(sum, term) : sub(sum, term);
    if (done) return sum;
  }
}

/** e^t − 1 (|t| ≲ 1). */
function expm1Series(t: BF): BF {
  let term = t, sum = t;
  for (let k = 2; ; k++) {
    term = div2(mul2(term, t), bf(BigInt(k)));
    const done = negligible(term, top(sum));
    sum = add(sum, term);
    if (done) return sum;
  }
}

/** sin(r) and cos(r) (|r| ≲ 1). */
function sinSeries(r: BF): BF {
  const r2 = mul2(r, r);
  let term = r, sum = r;
  for (let k = 1; ; k++) {
    term = neg(div2(mul2(term, r2), bf(BigInt(2 * k * (2 * k + 1)))));
    const done = negligible(term, top(sum));
    sum = add(sum, term);
    if (done) return sum;
  }
}

function cosSeries(r: BF): BF {
  const r2 = mul2(r, r);
  let term = bf(1n), sum = term;
  if (r.m === 0n) return sum;
  for (let k = 1; ; k++) {
    term = neg(div2(mul2(term, r2), bf(BigInt((2 * k - 1) * (2 * k)))));
    const done = negligible(term, top(sum));
    sum = add(sum, term);
    if (done) return sum;
  }
}

let piCache: BF | null = null, ln2Cache: BF | null = null;
/** π (Machin: 16·atan(1/5) − 4·atan(1/239)). */
function PI(): BF {
  if (!piCache) {
    const a = atanSeries(div2(bf(1n), bf(5n)), false), b = atanSeries(div2(bf(1n), bf(239n)), false);
    piCache = sub(scale2(a, 4), scale2(b, 2));
  }
  return piCache;
}
/** ln 2 = 2·atanh(1/3). */
function LN2(): BF {
  if (!ln2Cache) ln2Cache = scale2(atanSeries(div2(bf(1n), bf(3n)), true), 1);
  return ln2Cache;
}

/** atan(z) for z ≥ 0 of any size. */
function atanAny(z: BF): BF {
  if (z.m === 0n) return ZERO;
  if (top(z) >= 0 && sub(z, bf(1n)).m > 0n) return sub(scale2(PI(), -1), atanAny(div2(bf(1n), z)));
  // two half-angle steps: atan z = 2·atan(z / (1 + √(1 + z²)))
  let w = z;
  for (let i = 0; i < 2; i++) w = div2(w, add(bf(1n), sqrt2(add(bf(1n), mul2(w, w)))));
  return scale2(atanSeries(w, false), 2);
}

/** ln(v) for v > 0. */
function ln(v: BF): BF {
  // v = m'·2^k with m' in [√½, √2): ln v = k·ln2 + 2·atanh((m'−1)/(m'+1))
  let k = top(v);
  let mp = scale2(v, -k);
  if (sub(mul2(mp, mp), bf(2n)).m > 0n) { mp = scale2(mp, -1); k++; }
  const u = div2(sub(mp, bf(1n)), add(mp, bf(1n)));
  return add(mul2(bf(BigInt(k)), LN2()), scale2(atanSeries(u, true), 1));
}

const fromExt = (x: Ext): BF => {
  const u = unpack(x);
  return bf(u.sign ? -u.M : u.M, u.e);
};

/**
 * Round an approximation to the 80-bit format. The true value is never
 * representable (exact cases are handled before), so a sticky bit below the
 * working precision marks the result inexact.
 */
function round(v: BF, env: FpEnv): Ext {
  const sign = v.m < 0n ? 1 : 0;
  const a = abs(v.m);
  const s = Math.max(0, P + 2 - bitLength(a));
  return roundExt(sign, (a << BigInt(s + 1)) | 1n, v.e - s - 1, 64, env);
}

// ---- pi reduction -----------------------------------------------------------------

/** The x87's internal π: 66 significant bits. */
const PI66_M = 0xc90fdaa22168c234cn; // × 2^-66

/** x − k·(π66/2) exactly, with k the nearest integer to x/(π66/2). */
function reduce(x: Ext): { r: BF; k: bigint } {
  const u = unpack(x);
  // x = M·2^e; π66/2 = PI66_M·2^-67. Work at the scale 2^min(e, −67).
  const s = Math.min(u.e, -67);
  const X = u.M << BigInt(u.e - s), H = PI66_M << BigInt(-67 - s);
  let k = X / H;
  let r = X - k * H;
  if (2n * r > H) { k += 1n; r -= H; }
  const sgn = u.sign ? -1n : 1n;
  return { r: bf(sgn * r, s), k: sgn * k };
}

/** sin and cos of x with π66 reduction. */
function sinCos(x: Ext): { s: BF; c: BF } {
  const { r, k } = reduce(x);
  const sr = sinSeries(r), cr = cosSeries(r);
  switch (Number(((k % 4n) + 4n) % 4n)) {
    case 0: return { s: sr, c: cr };
    case 1: return { s: cr, c: neg(sr) };
    case 2: return { s: neg(sr), c: neg(cr) };
    default: return { s: neg(cr), c: sr };
  }
}

// ---- instructions -----------------------------------------------------------------

const TWO63 = 16383 + 63;

/** One-operand transcendentals on ST0: f2xm1, fsin, fcos, fptan (v, then 1 pushed), fsincos (v = sin, v2 = cos pushed). */
export function transcendental1(op: number, x: Ext, env: FpEnv): { v: Ext; v2?: Ext; c2?: boolean } {
  const k = kindOf(x);
  const trig = op !== X87Unary.F2XM1;
  if (k === Kind.UNSUPPORTED) { env.flags |= Exc.IE; return { v: INDEFINITE, v2: INDEFINITE, c2: false }; }
  if (isNaNKind(k)) {
    if (k === Kind.SNAN) env.flags |= Exc.IE;
    return { v: quiet(x), v2: quiet(x), c2: false };
  }
  if (!trig) {
    if (k === Kind.ZERO) return { v: x };
    if (k === Kind.INF) return { v: signOf(x) ? { se: 0xbfff, m: 1n << 63n } : x };
    if (isDenormal(x)) env.flags |= Exc.DE;
    const e = x.se & 0x7fff;
    if (e >= 16383 && !(e === 16383 && x.m === 1n << 63n)) { env.flags |= Exc.PE; return { v: x }; } // |x| > 1
    if (e === 16383) { // x = ±1: computed as if from just below 1 / just above −0.5 (as hardware does)
      if (signOf(x)) { env.flags |= Exc.PE; return { v: { se: 0xbffe, m: 1n << 63n } }; }
      return { v: round({ m: (1n << BigInt(P)) - 1n, e: -P }, env) };
    }
    return { v: round(expm1Series(mul2(fromExt(x), LN2())), env) };
  }
  if (k === Kind.INF) { env.flags |= Exc.IE; return { v: INDEFINITE, v2: INDEFINITE, c2: false }; }
  if (k === Kind.FINITE && (x.se & 0x7fff) >= TWO63) return { v: x, c2: true };
  const one: Ext = { se: 16383, m: 1n << 63n };
  if (k === Kind.ZERO) {
    switch (op) {
      case X87Unary.COS: return { v: one, c2: false };
      case X87Unary.SINCOS: return { v: x, v2: one, c2: false };
      case X87Unary.PTAN: return { v: x, v2: one, c2: false };
      default: return { v: x, c2: false };
    }
  }
  if (isDenormal(x)) env.flags |= Exc.DE;
  const { s, c } = sinCos(x);
  switch (op) {
    case X87Unary.SIN: return { v: round(s, env), c2: false };
    case X87Unary.COS: return { v: round(c, env), c2: false };
    case X87Unary.PTAN: {
      // for a tiny x, tan x = x·(1 + x²/3 + …) lies just beyond x (s/c alone would lose that side)
      const xv = fromExt(x);
      const t = top(xv) < -P / 2 ? nudge(xv, xv.m < 0n) : div2(s, c);
      return { v: round(t, env), v2: one, c2: false };
    }
    default: {
      // fsincos: ST0 ← sin, then cos is pushed; C1 reflects the rounding of sin
      const cv = round(c, env);
      const sv = round(s, env);
      return { v: sv, v2: cv, c2: false };
    }
  }
}

/** Two-operand transcendentals: x = ST0, y = ST1; the result replaces ST1 (then the stack pops). */
export function transcendental2(op: number, x: Ext, y: Ext, env: FpEnv): Ext {
  const kx = kindOf(x), ky = kindOf(y);
  if (kx === Kind.UNSUPPORTED || ky === Kind.UNSUPPORTED) { env.flags |= Exc.IE; return INDEFINITE; }
  if (isNaNKind(kx) || isNaNKind(ky)) return propagateNaN(x, y, env);
  if (isDenormal(x) || isDenormal(y)) env.flags |= Exc.DE;
  const sx = signOf(x), sy = signOf(y);
  switch (op) {
    case X87Unary.PATAN: return patan(x, y, kx, ky, sx, sy, env);
    case X87Unary.YL2X: {
      if (sx && kx !== Kind.ZERO) return invalid(env);
      if (kx === Kind.ZERO) {
        if (ky === Kind.ZERO) return invalid(env);
        if (ky !== Kind.INF) env.flags |= Exc.ZE;
        return inf(sy ^ 1);
      }
      if (kx === Kind.INF) return ky === Kind.ZERO ? invalid(env) : inf(sy);
      return ylog(y, ky, fromExt(x), env, null);
    }
    default: { // fyl2xp1: y · log2(1 + x)
      if (kx === Kind.ZERO) return ky === Kind.INF ? invalid(env) : zero(sy ^ sx);
      if (kx === Kind.INF) return sx || ky === Kind.ZERO ? invalid(env) : inf(sy);
      const xv = fromExt(x);
      const v = add(bf(1n), xv);
      if (v.m <= 0n) { // x ≤ −1 (undefined): hardware returns −y for y = ±0/±∞, else x with #P
        if (ky !== Kind.FINITE) return { se: y.se ^ 0x8000, m: y.m };
        env.flags |= Exc.PE;
        return x;
      }
      // small x: ln(1 + x) = 2·atanh(x / (2 + x)), which keeps x's precision
      const small = top(xv) < -1;
      return ylog(y, ky, small ? null : v, env, small ? scale2(atanSeries(div2(xv, add(bf(2n), xv)), true), 1) : null);
    }
  }
}

function invalid(env: FpEnv): Ext {
  env.flags |= Exc.IE;
  return INDEFINITE;
}

/**
 * y · log2(v) for finite v > 0, v ≠ 1 exactly; or, when v is null, with
 * ln(v) given (fyl2xp1 with a small x: v is then no power of two).
 */
function ylog(y: Ext, ky: Kind, v: BF | null, env: FpEnv, lnv: BF | null): Ext {
  const below1 = v ? (top(v) < 0 ? 1 : 0) : lnv!.m < 0n ? 1 : 0;
  if (v && abs(v.m) === 1n << BigInt(bitLength(abs(v.m)) - 1)) {
    const t = top(v);
    // a power of two: log2 is the integer t, the product is rounded once (and,
    // as on hardware, a nonzero result still reports #P)
    const r = mul(y, fromInt(BigInt(t)), 64, env);
    if (t !== 0 && ky === Kind.FINITE) {
      env.flags |= Exc.PE;
      if ((r.se & 0x7fff) === 0) { env.flags |= Exc.UE; env.up = true; } // (a denormal product: hardware reports it so)
    }
    return r;
  }
  const sy = signOf(y);
  if (ky === Kind.ZERO) return zero(sy ^ below1);
  if (ky === Kind.INF) return inf(sy ^ below1);
  const l = div2(lnv ?? ln(v!), LN2());
  return round(mul2(fromExt(y), l), env);
}

function patan(x: Ext, y: Ext, kx: Kind, ky: Kind, sx: number, sy: number, env: FpEnv): Ext {
  const pi = PI();
  const withSign = (v: BF): Ext => round(sy ? neg(v) : v, env);
  if (ky === Kind.ZERO) return sx ? withSign(pi) : zero(sy);
  if (ky === Kind.INF) {
    if (kx === Kind.INF) return withSign(sx ? scale2(mul2(pi, bf(3n)), -2) : scale2(pi, -2));
    return withSign(scale2(pi, -1));
  }
  if (kx === Kind.ZERO) return withSign(scale2(pi, -1));
  if (kx === Kind.INF) return sx ? withSign(pi) : zero(sy);
  const a = atanAny(div2(abs2(fromExt(y)), abs2(fromExt(x))));
  return withSign(sx ? sub(pi, a) : a);
}

function abs2(v: BF): BF { return { m: abs(v.m), e: v.e }; }
