// 64- and 128-bit integer arithmetic on 32-bit halves (no BigInt: these run
// on the hot path). Results go to the shared `Q` array to avoid allocating;
// 64-bit multiplies and divides run on the host's 64-bit unit (wasm64.ts).

import { Q, wasmDivU, wasmMulS, wasmMulU } from './wasm64';

export { Q };

/** Unsigned 64×64 → 128: Q[0..3] = words, least significant first. */
export const mulU64: (al: number, ah: number, bl: number, bh: number) => void = wasmMulU;

/**
 * Low 64 bits of a 64×64 product (signed and unsigned agree there): low half
 * returned, high half in Q[1]. Partial products of 16-bit digits stay exact
 * in doubles.
 */
export function mulLo64(al: number, ah: number, bl: number, bh: number): number {
  const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const p00 = a0 * b0;
  const mid = (p00 >>> 16) + a0 * b1 + a1 * b0; // < 2^34
  Q[1] = (Math.floor(mid / 65536) + a1 * b1 + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
  return ((mid & 0xffff) << 16) | (p00 & 0xffff);
}

/** Signed 64×64 → 128 into Q[0..3]. */
export const mulS64: (al: number, ah: number, bl: number, bh: number) => void = wasmMulS;

/**
 * Unsigned 128 / 64. Dividend n3:n2:n1:n0, divisor d1:d0 (non-zero).
 * Returns false when the quotient does not fit 64 bits (#DE). Quotient in
 * Q[0..1], remainder in Q[2..3].
 */
export function divU128(n0: number, n1: number, n2: number, n3: number, d0: number, d1: number): boolean {
  const dHi = d1 >>> 0, dLo = d0 >>> 0;
  // The quotient fits 64 bits iff the high 64 bits of the dividend < divisor.
  if ((n3 >>> 0) > dHi || ((n3 >>> 0) === dHi && (n2 >>> 0) >= dLo)) return false;
  // 64-bit dividend (what C's u64 `/` and `%` compile to): the host's divider.
  if (n2 === 0 && n3 === 0) { wasmDivU(n0, n1, d0, d1); return true; }
  // Shift-subtract long division; the running remainder starts as the high
  // half of the dividend (already < divisor) and takes one bit per step.
  let rLo = n2 >>> 0, rHi = n3 >>> 0;
  let qLo = 0, qHi = 0;
  let lo = n0 >>> 0, hi = n1 >>> 0;
  for (let i = 0; i < 64; i++) {
    const top = rHi >>> 31;
    rHi = ((rHi << 1) | (rLo >>> 31)) >>> 0;
    rLo = ((rLo << 1) | (hi >>> 31)) >>> 0;
    hi = ((hi << 1) | (lo >>> 31)) >>> 0;
    lo = (lo << 1) >>> 0;
    qHi = ((qHi << 1) | (qLo >>> 31)) >>> 0;
    qLo = (qLo << 1) >>> 0;
    if (top || rHi > dHi || (rHi === dHi && rLo >= dLo)) {
      const t = rLo - dLo;
      rLo = t >>> 0;
      rHi = (rHi - dHi - (t < 0 ? 1 : 0)) >>> 0;
      qLo = (qLo | 1) >>> 0;
    }
  }
  Q[0] = qLo | 0; Q[1] = qHi | 0; Q[2] = rLo | 0; Q[3] = rHi | 0;
  return true;
}
