// Multiply, divide, shifts and rotates, bit scans: instructions whose
// semantics are long enough to live in a function rather than inline code.
// They read and write the register file R and flag slots F directly.

import { divU128, mulS64, mulU64, Q } from './wide';
import { wasmDivS } from './wasm64';
import { DivideError } from '../faults';

const MASK: Record<number, number> = { 1: 0xff, 2: 0xffff, 4: -1 };

function signExtend(v: number, size: number): number {
  return size === 1 ? (v << 24) >> 24 : size === 2 ? (v << 16) >> 16 : v | 0;
}

function setResultFlags(F: Int32Array, lo: number, hi: number, size: number): void {
  if (size === 8) { F[3] = (lo | hi) === 0 ? 1 : 0; F[4] = hi >>> 31; }
  else { const m = lo & MASK[size]; F[3] = m === 0 ? 1 : 0; F[4] = (signExtend(m, size) >>> 31); }
  F[1] = lo & 255;
}

/** One-operand mul: AX/DX:AX/EDX:EAX/RDX:RAX = accumulator × src. */
export function mul1(R: Int32Array, F: Int32Array, size: number, sl: number, sh: number): void {
  let overflow: number;
  if (size === 1) {
    const r = (R[0] & 255) * (sl & 255);
    R[0] = (R[0] & -65536) | r;
    overflow = r > 255 ? 1 : 0;
  } else if (size === 2) {
    const r = (R[0] & 65535) * (sl & 65535);
    R[0] = (R[0] & -65536) | (r & 65535);
    R[4] = (R[4] & -65536) | (r >>> 16);
    overflow = r > 65535 ? 1 : 0;
  } else if (size === 4) {
    mulU64(R[0], 0, sl, 0);
    R[0] = Q[0]; R[1] = 0; R[4] = Q[1]; R[5] = 0;
    overflow = Q[1] !== 0 ? 1 : 0;
  } else {
    mulU64(R[0], R[1], sl, sh);
    R[0] = Q[0]; R[1] = Q[1]; R[4] = Q[2]; R[5] = Q[3];
    overflow = (Q[2] | Q[3]) !== 0 ? 1 : 0;
  }
  F[0] = F[5] = overflow;
}

/** One-operand imul (signed). */
export function imul1(R: Int32Array, F: Int32Array, size: number, sl: number, sh: number): void {
  let overflow: number;
  if (size === 1) {
    const r = signExtend(R[0], 1) * signExtend(sl, 1);
    R[0] = (R[0] & -65536) | (r & 65535);
    overflow = r !== signExtend(r, 1) ? 1 : 0;
  } else if (size === 2) {
    const r = signExtend(R[0], 2) * signExtend(sl, 2);
    R[0] = (R[0] & -65536) | (r & 65535);
    R[4] = (R[4] & -65536) | ((r >> 16) & 65535);
    overflow = r !== signExtend(r, 2) ? 1 : 0;
  } else if (size === 4) {
    mulS64(R[0], R[0] >> 31, sl, sl >> 31);
    R[0] = Q[0]; R[1] = 0; R[4] = Q[1]; R[5] = 0;
    overflow = Q[1] !== (Q[0] >> 31) ? 1 : 0;
  } else {
    mulS64(R[0], R[1], sl, sh);
    R[0] = Q[0]; R[1] = Q[1]; R[4] = Q[2]; R[5] = Q[3];
    const s = Q[1] >> 31;
    overflow = Q[2] !== s || Q[3] !== s ? 1 : 0;
  }
  F[0] = F[5] = overflow;
}

/** Two/three-operand imul: returns the truncated low half (high in Q[4]), sets CF=OF. */
export function imulN(F: Int32Array, size: number, al: number, ah: number, bl: number, bh: number): number {
  if (size === 8) {
    mulS64(al, ah, bl, bh);
    const s = Q[1] >> 31;
    F[0] = F[5] = Q[2] !== s || Q[3] !== s ? 1 : 0;
    Q[4] = Q[1];
    return Q[0];
  }
  if (size === 4) {
    mulS64(al, al >> 31, bl, bl >> 31);
    F[0] = F[5] = Q[1] !== (Q[0] >> 31) ? 1 : 0;
    return Q[0];
  }
  const r = signExtend(al, size) * signExtend(bl, size);
  F[0] = F[5] = r !== signExtend(r, size) ? 1 : 0;
  return r & MASK[size];
}

/** Unsigned divide of the accumulator pair by src; #DE on zero or overflow. */
export function div1(R: Int32Array, size: number, sl: number, sh: number): void {
  if (size === 8) {
    if ((sl | sh) === 0 || !divU128(R[0], R[1], R[4], R[5], sl, sh)) throw new DivideError();
    R[0] = Q[0]; R[1] = Q[1]; R[4] = Q[2]; R[5] = Q[3];
    return;
  }
  const d = sl & MASK[size];
  if (d === 0) throw new DivideError();
  if (size === 4) {
    if (!divU128(R[0], R[4], 0, 0, d, 0) || Q[1] !== 0) throw new DivideError();
    R[0] = Q[0]; R[1] = 0; R[4] = Q[2]; R[5] = 0;
    return;
  }
  const n = size === 1 ? R[0] & 65535 : ((R[4] & 65535) * 65536) + (R[0] & 65535);
  const dd = d >>> 0;
  const q = Math.floor(n / dd), r = n - q * dd;
  if (q > MASK[size]) throw new DivideError();
  if (size === 1) R[0] = (R[0] & -65536) | (r << 8) | q;
  else { R[0] = (R[0] & -65536) | q; R[4] = (R[4] & -65536) | r; }
}

/** Signed divide (truncating toward zero); #DE on zero or overflow. */
export function idiv1(R: Int32Array, size: number, sl: number, sh: number): void {
  if (size === 8) {
    if ((sl | sh) === 0) throw new DivideError();
    const ext = R[1] >> 31;
    if (R[4] === ext && R[5] === ext) {
      // RDX:RAX is RAX sign-extended (cqo: C's s64 `/` and `%`): a 64-bit
      // divide, which overflows only for INT64_MIN / −1.
      if (sl === -1 && sh === -1 && R[0] === 0 && R[1] === -2147483648) throw new DivideError();
      wasmDivS(R[0], R[1], sl, sh);
      R[0] = Q[0]; R[1] = Q[1]; R[4] = Q[2]; R[5] = Q[3];
      return;
    }
    // |dividend| as 128 bits, |divisor| as 64 bits
    let n0 = R[0], n1 = R[1], n2 = R[4], n3 = R[5];
    const nNeg = n3 < 0;
    if (nNeg) {
      n0 = ~n0; n1 = ~n1; n2 = ~n2; n3 = ~n3;
      let c = (n0 >>> 0) + 1; n0 = c | 0;
      if (c > 0xffffffff) { c = (n1 >>> 0) + 1; n1 = c | 0; if (c > 0xffffffff) { c = (n2 >>> 0) + 1; n2 = c | 0; if (c > 0xffffffff) n3 = (n3 + 1) | 0; } }
    }
    let d0 = sl, d1 = sh;
    const dNeg = d1 < 0;
    if (dNeg) { const c = ((~d0) >>> 0) + 1; d0 = c | 0; d1 = (~d1 + (c > 0xffffffff ? 1 : 0)) | 0; }
    if (!divU128(n0, n1, n2, n3, d0, d1)) throw new DivideError();
    let q0 = Q[0], q1 = Q[1], r0 = Q[2], r1 = Q[3];
    const qNeg = nNeg !== dNeg;
    // |quotient| must fit the signed range
    if (q1 < 0 && !(qNeg && q1 === -2147483648 && q0 === 0)) throw new DivideError();
    if (qNeg) { const c = ((~q0) >>> 0) + 1; q0 = c | 0; q1 = (~q1 + (c > 0xffffffff ? 1 : 0)) | 0; }
    if (nNeg) { const c = ((~r0) >>> 0) + 1; r0 = c | 0; r1 = (~r1 + (c > 0xffffffff ? 1 : 0)) | 0; }
    R[0] = q0; R[1] = q1; R[4] = r0; R[5] = r1;
    return;
  }
  const d = signExtend(sl, size);
  if (d === 0) throw new DivideError();
  if (size === 4) {
    // 64-bit dividend EDX:EAX by a sign-extended 32-bit divisor; INT64_MIN / −1
    // would trap the host divider, and its quotient does not fit 32 bits anyway.
    if (d === -1 && R[0] === 0 && R[4] === -2147483648) throw new DivideError();
    wasmDivS(R[0], R[4], d, d >> 31);
    if (Q[1] !== Q[0] >> 31) throw new DivideError();
    R[0] = Q[0]; R[1] = 0; R[4] = Q[2]; R[5] = 0;
    return;
  }
  const n = size === 1 ? signExtend(R[0], 2) : ((R[4] << 16) | (R[0] & 65535));
  const q = Math.trunc(n / d), r = n - q * d;
  const max = size === 1 ? 127 : 32767;
  if (q > max || q < -max - 1) throw new DivideError();
  if (size === 1) R[0] = (R[0] & -65536) | ((r & 255) << 8) | (q & 255);
  else { R[0] = (R[0] & -65536) | (q & 65535); R[4] = (R[4] & -65536) | (r & 65535); }
}

export const enum ShiftKind { ROL = 0, ROR = 1, RCL = 2, RCR = 3, SHL = 4, SHR = 5, SAL = 6, SAR = 7 }

function bitOf(lo: number, hi: number, k: number): number {
  return k < 32 ? (lo >>> k) & 1 : (hi >>> (k - 32)) & 1;
}

function shl64(lo: number, hi: number, n: number): number {
  if (n === 0) { Q[0] = hi; return lo; }
  if (n < 32) { Q[0] = (hi << n) | (lo >>> (32 - n)); return lo << n; }
  Q[0] = n < 64 ? lo << (n - 32) : 0; return 0;
}

function shr64(lo: number, hi: number, n: number): number {
  if (n === 0) { Q[0] = hi; return lo; }
  if (n < 32) { Q[0] = hi >>> n; return (lo >>> n) | (hi << (32 - n)); }
  Q[0] = 0; return n < 64 ? hi >>> (n - 32) : 0;
}

function sar64(lo: number, hi: number, n: number): number {
  if (n === 0) { Q[0] = hi; return lo; }
  if (n < 32) { Q[0] = hi >> n; return (lo >>> n) | (hi << (32 - n)); }
  Q[0] = hi >> 31; return hi >> (n - 32);
}

/**
 * Shift or rotate a value of `size` bytes by `count` (already the raw CL or
 * immediate). Returns the low half, high half in Q[0]. A masked count of 0
 * leaves value and flags unchanged.
 */
export function shift(F: Int32Array, kind: ShiftKind, size: number, lo: number, hi: number, count: number): number {
  const bits = size * 8;
  let n = count & (size === 8 ? 63 : 31);
  if (n === 0) { Q[0] = hi; return lo; }
  if (size !== 8) { hi = 0; lo &= MASK[size]; }
  const sign = size === 8 ? hi >>> 31 : (lo >>> (bits - 1)) & 1;
  let rl: number, rh: number;
  switch (kind) {
    case ShiftKind.SHL: case ShiftKind.SAL: {
      if (size === 8) { rl = shl64(lo, hi, n); rh = Q[0]; F[0] = bitOf(lo, hi, 64 - n); }
      else { rl = (lo << n) & MASK[size]; rh = 0; F[0] = n <= bits ? (lo >>> (bits - n)) & 1 : 0; }
      const msb = size === 8 ? rh >>> 31 : (rl >>> (bits - 1)) & 1;
      F[5] = msb ^ F[0];
      F[2] = 0;
      setResultFlags(F, rl, rh, size);
      break;
    }
    case ShiftKind.SHR: {
      if (size === 8) { rl = shr64(lo, hi, n); rh = Q[0]; F[0] = bitOf(lo, hi, n - 1); }
      else { rl = n < 32 ? (lo >>> n) : 0; rh = 0; F[0] = n - 1 < 32 ? (lo >>> (n - 1)) & 1 : 0; }
      F[5] = sign;
      F[2] = 0;
      setResultFlags(F, rl, rh, size);
      break;
    }
    case ShiftKind.SAR: {
      if (size === 8) { rl = sar64(lo, hi, n); rh = Q[0]; F[0] = bitOf(lo, hi, n - 1); }
      else {
        const sx = signExtend(lo, size);
        rl = (sx >> Math.min(n, 31)) & MASK[size]; rh = 0;
        F[0] = (sx >> Math.min(n - 1, 31)) & 1;
      }
      F[5] = 0;
      F[2] = 0;
      setResultFlags(F, rl, rh, size);
      break;
    }
    case ShiftKind.ROL: case ShiftKind.ROR: {
      const m = n % bits;
      if (size === 8) {
        const left = kind === ShiftKind.ROL ? m : (64 - m) % 64;
        const a = shl64(lo, hi, left), ah = Q[0];
        const b = shr64(lo, hi, left === 0 ? 64 : 64 - left), bh = Q[0];
        rl = a | b; rh = ah | bh;
      } else {
        const left = kind === ShiftKind.ROL ? m : (bits - m) % bits;
        rl = left === 0 ? lo : ((lo << left) | (lo >>> (bits - left))) & MASK[size];
        rh = 0;
      }
      const msb = size === 8 ? rh >>> 31 : (rl >>> (bits - 1)) & 1;
      if (kind === ShiftKind.ROL) { F[0] = rl & 1; F[5] = msb ^ F[0]; }
      else {
        const next = size === 8 ? (rh >>> 30) & 1 : (rl >>> (bits - 2)) & 1;
        F[0] = msb; F[5] = msb ^ next;
      }
      break;
    }
    default: { // RCL / RCR: rotate through carry, one bit at a time (counts are small)
      if (size !== 8) n = n % (bits + 1);
      rl = lo; rh = hi;
      let cf = F[0];
      for (let i = 0; i < n; i++) {
        if (kind === ShiftKind.RCL) {
          const out = size === 8 ? rh >>> 31 : (rl >>> (bits - 1)) & 1;
          if (size === 8) { rh = (rh << 1) | (rl >>> 31); rl = (rl << 1) | cf; }
          else rl = ((rl << 1) | cf) & MASK[size];
          cf = out;
        } else {
          const out = rl & 1;
          if (size === 8) { rl = (rl >>> 1) | (rh << 31); rh = (rh >>> 1) | (cf << 31); }
          else rl = ((rl >>> 1) | (cf << (bits - 1))) & MASK[size];
          cf = out;
        }
      }
      const msb = size === 8 ? rh >>> 31 : (rl >>> (bits - 1)) & 1;
      F[0] = cf;
      if (kind === ShiftKind.RCL) F[5] = msb ^ cf;
      else F[5] = msb ^ (size === 8 ? (rh >>> 30) & 1 : (rl >>> (bits - 2)) & 1);
      if (n === 0) { Q[0] = hi; return lo; }
      break;
    }
  }
  Q[0] = rh | 0;
  return rl | 0;
}

/** shld/shrd: shift dst by count, filling from src. */
export function doubleShift(F: Int32Array, left: boolean, size: number,
  dl: number, dh: number, sl: number, sh: number, count: number): number {
  const bits = size * 8;
  const n = count & (size === 8 ? 63 : 31);
  if (n === 0) { Q[0] = dh; return dl; }
  let rl: number, rh: number, cf: number;
  if (size === 8) {
    if (left) {
      rl = shl64(dl, dh, n); rh = Q[0];
      const fl = shr64(sl, sh, 64 - n), fh = Q[0];
      rl |= fl; rh |= fh; cf = bitOf(dl, dh, 64 - n);
    } else {
      rl = shr64(dl, dh, n); rh = Q[0];
      const fl = shl64(sl, sh, 64 - n), fh = Q[0];
      rl |= fl; rh |= fh; cf = bitOf(dl, dh, n - 1);
    }
  } else if (size === 4) {
    rh = 0;
    if (left) { rl = (dl << n) | (sl >>> (32 - n)); cf = (dl >>> (32 - n)) & 1; }
    else { rl = (dl >>> n) | (sl << (32 - n)); cf = (dl >>> (n - 1)) & 1; }
  } else {
    // 16-bit: counts above 16 are undefined; model the 32-bit concatenation
    const cat = left ? (((dl & 65535) << 16) | (sl & 65535)) >>> 0 : (((sl & 65535) << 16) | (dl & 65535)) >>> 0;
    rh = 0;
    if (left) {
      const v = n < 32 ? (cat << n) | ((n > 16) ? ((dl & 65535) << (n - 16)) : 0) : 0;
      rl = (v >>> 16) & 65535; cf = n <= 32 ? (cat >>> (32 - n)) & 1 : 0;
    } else {
      rl = (cat >>> n) & 65535; cf = (cat >>> (n - 1)) & 1;
    }
  }
  const msb = size === 8 ? rh >>> 31 : (rl >>> (bits - 1)) & 1;
  const oldMsb = size === 8 ? dh >>> 31 : (dl >>> (bits - 1)) & 1;
  F[0] = cf;
  F[5] = msb ^ oldMsb;
  F[2] = 0;
  setResultFlags(F, rl, rh, size);
  Q[0] = rh | 0;
  return rl | 0;
}

/** Bit scans and counts. kind: 0 bsf, 1 bsr, 2 tzcnt, 3 lzcnt, 4 popcnt. Returns result (high in Q[0]); `keep` (−1) means dst unchanged. */
export function bitScan(F: Int32Array, kind: number, size: number, lo: number, hi: number): number {
  if (size !== 8) { lo &= MASK[size]; hi = 0; }
  const bits = size * 8;
  const zero = (lo | hi) === 0;
  let r: number;
  switch (kind) {
    case 0: case 2: {
      if (zero) r = bits;
      else if (lo !== 0) r = 31 - Math.clz32(lo & -lo);
      else r = 63 - Math.clz32(hi & -hi);
      break;
    }
    case 1: case 3: {
      const lz = size === 8 ? (hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo)) : Math.clz32(lo) - (32 - bits);
      r = zero ? bits : kind === 1 ? bits - 1 - lz : lz;
      break;
    }
    default: {
      let c = 0;
      for (let v = lo >>> 0; v; v &= v - 1) c++;
      for (let v = hi >>> 0; v; v &= v - 1) c++;
      r = c;
    }
  }
  if (kind <= 1) { F[3] = zero ? 1 : 0; }
  else if (kind <= 3) { F[0] = zero ? 1 : 0; F[3] = r === 0 ? 1 : 0; }
  else { F[0] = F[5] = F[2] = F[4] = 0; F[1] = 1; F[3] = zero ? 1 : 0; }
  Q[0] = 0;
  return r;
}
