// 64- and 128-bit integer arithmetic on 32-bit halves (no BigInt: these run
// on the hot path). Results go to the shared `Q` array to avoid allocating.

export const Q = new Int32Array(8);

/** 32×32 → 64 unsigned; low half returned, high half in Q[7]. */
function mul32(x: number, y: number): number {
  const xl = x & 0xffff, xh = x >>> 16, yl = y & 0xffff, yh = y >>> 16;
  const ll = xl * yl, lh = xl * yh, hl = xh * yl, hh = xh * yh;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  Q[7] = (hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
  return ((mid & 0xffff) << 16) | (ll & 0xffff);
}

/** Unsigned 64×64 → 128: Q[0..3] = words, least significant first. */
export function mulU64(al: number, ah: number, bl: number, bh: number): void {
  const p00 = mul32(al, bl), p00h = Q[7];
  const p01 = mul32(al, bh), p01h = Q[7];
  const p10 = mul32(ah, bl), p10h = Q[7];
  const p11 = mul32(ah, bh), p11h = Q[7];
  const w1 = (p00h >>> 0) + (p01 >>> 0) + (p10 >>> 0);
  const w2 = (p01h >>> 0) + (p10h >>> 0) + (p11 >>> 0) + Math.floor(w1 / 4294967296);
  const w3 = (p11h >>> 0) + Math.floor(w2 / 4294967296);
  Q[0] = p00; Q[1] = w1 | 0; Q[2] = w2 | 0; Q[3] = w3 | 0;
}

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
export function mulS64(al: number, ah: number, bl: number, bh: number): void {
  mulU64(al, ah, bl, bh);
  // (a·b)signed = (a·b)unsigned − 2^64·(a<0 ? b : 0) − 2^64·(b<0 ? a : 0)
  let hl = Q[2] >>> 0, hh = Q[3] >>> 0;
  if (ah < 0) { const t = hl - (bl >>> 0); hl = t >>> 0; hh = (hh - (bh >>> 0) - (t < 0 ? 1 : 0)) >>> 0; }
  if (bh < 0) { const t = hl - (al >>> 0); hl = t >>> 0; hh = (hh - (ah >>> 0) - (t < 0 ? 1 : 0)) >>> 0; }
  Q[2] = hl | 0; Q[3] = hh | 0;
}

/**
 * Unsigned 128 / 64. Dividend n3:n2:n1:n0, divisor d1:d0 (non-zero).
 * Returns false when the quotient does not fit 64 bits (#DE). Quotient in
 * Q[0..1], remainder in Q[2..3].
 */
export function divU128(n0: number, n1: number, n2: number, n3: number, d0: number, d1: number): boolean {
  const dHi = d1 >>> 0, dLo = d0 >>> 0;
  // The quotient fits 64 bits iff the high 64 bits of the dividend < divisor.
  if ((n3 >>> 0) > dHi || ((n3 >>> 0) === dHi && (n2 >>> 0) >= dLo)) return false;
  if (n2 === 0 && n3 === 0 && dHi === 0 && (n1 >>> 0) < 0x200000) {
    // Exact in doubles (dividend < 2^53).
    const n = (n1 >>> 0) * 4294967296 + (n0 >>> 0);
    const q = Math.floor(n / dLo), r = n - q * dLo;
    Q[0] = q | 0; Q[1] = (q / 4294967296) | 0; Q[2] = r | 0; Q[3] = 0;
    return true;
  }
  if (n2 === 0 && n3 === 0) return divU64(n0 >>> 0, n1 >>> 0, dLo, dHi);
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

const TWO32 = 4294967296;

/**
 * Unsigned 64 / 64 (dividend n1:n0 ≥ 2^53 or divisor ≥ 2^32, divisor non-zero;
 * all arguments unsigned 32-bit halves): what C's u64 `/` and `%` compile to.
 * Exact, in doubles: estimates are corrected against exact products.
 */
function divU64(n0: number, n1: number, d0: number, d1: number): boolean {
  if (d1 === 0) {
    // Divisor < 2^32: schoolbook division by 32-, 16- and 16-bit digits; every
    // partial dividend stays below 2^48, so the doubles are exact.
    let qh = Math.floor(n1 / d0);
    let r = n1 - qh * d0;
    if (r < 0) { qh--; r += d0; }
    let x = r * 65536 + (n0 >>> 16);
    let qa = Math.floor(x / d0);
    r = x - qa * d0;
    if (r < 0) { qa--; r += d0; }
    x = r * 65536 + (n0 & 0xffff);
    let qb = Math.floor(x / d0);
    r = x - qb * d0;
    if (r < 0) { qb--; r += d0; }
    Q[0] = (qa * 65536 + qb) | 0; Q[1] = qh | 0; Q[2] = r | 0; Q[3] = 0;
    return true;
  }
  // Divisor ≥ 2^32: the quotient is below 2^32. The rounded double quotient is
  // within one of it; fix it up against the exact product q·d.
  let q = Math.floor((n1 * TWO32 + n0) / (d1 * TWO32 + d0));
  if (q > 0xffffffff) q = 0xffffffff;
  for (;;) {
    // p = q·d in 32-bit words p1:p0 (p1 may exceed 32 bits, then q·d > n)
    const a = (q & 0xffff) * d0, b = (q >>> 16) * d0; // each < 2^48: exact
    const t = a + (b % 65536) * 65536;
    const p0 = t % TWO32;
    const p1 = Math.floor(b / 65536) + Math.floor(t / TWO32) + q * d1;
    if (p1 > n1 || (p1 === n1 && p0 > n0)) { q--; continue; } // q·d > n
    // r = n − q·d < 2^64
    let r0 = n0 - p0, r1 = n1 - p1;
    if (r0 < 0) { r0 += TWO32; r1--; }
    if (r1 > d1 || (r1 === d1 && r0 >= d0)) { q++; continue; } // r ≥ d
    Q[0] = q | 0; Q[1] = 0; Q[2] = r0 | 0; Q[3] = r1 | 0;
    return true;
  }
}
