// Full flag computation for helpers that are not worth inlining (cmpxchg,
// xadd, string compares). Inline code computes only live flags instead.

const MASK: Record<number, number> = { 1: 0xff, 2: 0xffff, 4: -1 };

/** Flags of a − b (as cmp). */
export function compareFlags(F: Int32Array, size: number, a: number, ah: number, b: number, bh: number): void {
  if (size === 8) {
    const t = (a >>> 0) - (b >>> 0), r = t | 0;
    const u = (ah >>> 0) - (bh >>> 0) - (t < 0 ? 1 : 0), rh = u | 0;
    F[0] = u < 0 ? 1 : 0;
    F[5] = (((ah ^ bh) & (ah ^ rh)) >>> 31);
    F[3] = (r | rh) === 0 ? 1 : 0;
    F[4] = rh >>> 31;
    F[2] = ((a ^ b ^ r) >> 4) & 1;
    F[1] = r & 255;
    return;
  }
  const m = MASK[size], bits = size * 8;
  a &= m; b &= m;
  const t = (a >>> 0) - (b >>> 0), r = t & m;
  F[0] = t < 0 ? 1 : 0;
  F[5] = ((((a ^ b) & (a ^ r)) >>> (bits - 1)) & 1);
  F[3] = r === 0 ? 1 : 0;
  F[4] = (r >>> (bits - 1)) & 1;
  F[2] = ((a ^ b ^ r) >> 4) & 1;
  F[1] = r & 255;
}

/** Flags of a + b (as add). */
export function addFlags(F: Int32Array, size: number, a: number, ah: number, b: number, bh: number): void {
  if (size === 8) {
    const t = (a >>> 0) + (b >>> 0), r = t | 0;
    const u = (ah >>> 0) + (bh >>> 0) + (t > 4294967295 ? 1 : 0), rh = u | 0;
    F[0] = u > 4294967295 ? 1 : 0;
    F[5] = (((ah ^ rh) & (bh ^ rh)) >>> 31);
    F[3] = (r | rh) === 0 ? 1 : 0;
    F[4] = rh >>> 31;
    F[2] = ((a ^ b ^ r) >> 4) & 1;
    F[1] = r & 255;
    return;
  }
  const m = MASK[size], bits = size * 8;
  a &= m; b &= m;
  const t = (a >>> 0) + (b >>> 0), r = t & m;
  F[0] = t > (m >>> 0) ? 1 : 0;
  F[5] = ((((a ^ r) & (b ^ r)) >>> (bits - 1)) & 1);
  F[3] = r === 0 ? 1 : 0;
  F[4] = (r >>> (bits - 1)) & 1;
  F[2] = ((a ^ b ^ r) >> 4) & 1;
  F[1] = r & 255;
}
