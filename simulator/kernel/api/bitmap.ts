// The out-of-line bitmap helpers of lib/bitmap.c and lib/find_bit.c that
// <linux/bitmap.h> and <linux/find.h> call for bitmaps longer than one word
// (6.1's signatures): _find_{first,next,last}_bit and their zero/and/andnot
// forms, __bitmap_{weight,equal,and,or,xor,andnot,complement,intersects,
// subset,set,clear}. Semantics as Linux: whole words where Linux works on
// whole words (or, xor, complement), the last word masked where it masks.

import type { Machine } from '../machine';
import { U64, readU64, writeU64 } from './util';

const BITS = 64n;
const ALL = (1n << 64n) - 1n;

/** BITMAP_LAST_WORD_MASK(nbits). */
const lastWordMask = (nbits: bigint): bigint => (nbits % BITS === 0n ? ALL : (1n << (nbits % BITS)) - 1n);
const words = (nbits: bigint): number => Number((nbits + BITS - 1n) / BITS);

function popcount(v: bigint): number {
  let n = 0;
  for (let x = v; x !== 0n; x &= x - 1n) n++;
  return n;
}

export function registerBitmap(m: Machine): void {
  const word = (p: bigint, k: number): bigint => readU64(m, U64(p) + BigInt(8 * k));
  const put = (p: bigint, k: number, v: bigint): void => writeU64(m, U64(p) + BigInt(8 * k), U64(v));

  /** The first bit >= start and < nbits of the word sequence `fetch(k)`, else nbits (find_bit.c's FIND_NEXT_BIT). */
  const findNext = (fetch: (k: number) => bigint, nbits: bigint, start: bigint): bigint => {
    if (start >= nbits) return nbits;
    let k = Number(start / BITS);
    let w = fetch(k) & (ALL << (start % BITS)) & ALL;
    for (;;) {
      if (w !== 0n) {
        let bit = 0n;
        while (((w >> bit) & 1n) === 0n) bit++;
        const found = BigInt(k) * BITS + bit;
        return found < nbits ? found : nbits;
      }
      k++;
      if (BigInt(k) * BITS >= nbits) return nbits;
      w = fetch(k);
    }
  };
  const a0 = (): bigint => m.arg(0), a1 = (): bigint => m.arg(1);
  m.defineHost('_find_first_bit', () => findNext((k) => word(a0(), k), a1(), 0n));
  m.defineHost('_find_first_zero_bit', () => findNext((k) => ~word(a0(), k) & ALL, a1(), 0n));
  m.defineHost('_find_next_bit', () => findNext((k) => word(a0(), k), a1(), m.arg(2)));
  m.defineHost('_find_next_zero_bit', () => findNext((k) => ~word(a0(), k) & ALL, a1(), m.arg(2)));
  m.defineHost('_find_first_and_bit', () => findNext((k) => word(a0(), k) & word(a1(), k), m.arg(2), 0n));
  m.defineHost('_find_next_and_bit', () => findNext((k) => word(a0(), k) & word(a1(), k), m.arg(2), m.arg(3)));
  m.defineHost('_find_next_andnot_bit', () => findNext((k) => word(a0(), k) & ~word(a1(), k) & ALL, m.arg(2), m.arg(3)));
  m.defineHost('_find_last_bit', () => {
    const addr = a0(), size = a1();
    if (size === 0n) return size;
    let k = words(size) - 1;
    let w = word(addr, k) & lastWordMask(size);
    for (;;) {
      if (w !== 0n) {
        let bit = 63n;
        while (((w >> bit) & 1n) === 0n) bit--;
        return BigInt(k) * BITS + bit;
      }
      if (k === 0) return size;
      w = word(addr, --k);
    }
  });

  /** Every word of `nbits`, the last one masked: f(k, mask). */
  const eachMasked = (nbits: bigint, f: (k: number, mask: bigint) => void): void => {
    const n = words(nbits);
    for (let k = 0; k < n; k++) f(k, k === n - 1 ? lastWordMask(nbits) : ALL);
  };
  m.defineHost('__bitmap_weight', () => {
    let n = 0;
    eachMasked(BigInt(m.argU32(1)), (k, mask) => { n += popcount(word(a0(), k) & mask); });
    return n;
  });
  m.defineHost('__bitmap_weight_and', () => {
    let n = 0;
    eachMasked(BigInt(m.argU32(2)), (k, mask) => { n += popcount(word(a0(), k) & word(a1(), k) & mask); });
    return n;
  });
  const everyWord = (pred: (a: bigint, b: bigint) => boolean) => (): boolean => {
    let all = true;
    eachMasked(BigInt(m.argU32(2)), (k, mask) => { if (all && !pred(word(a0(), k) & mask, word(a1(), k) & mask)) all = false; });
    return all;
  };
  m.defineHost('__bitmap_equal', everyWord((a, b) => a === b));
  m.defineHost('__bitmap_intersects', () => !everyWord((a, b) => (a & b) === 0n)());
  m.defineHost('__bitmap_subset', everyWord((a, b) => (a & ~b) === 0n));

  /** dst = op(b1, b2) word by word; `masked`: the last word masked (and/andnot return whether any bit is set). */
  const binary = (op: (a: bigint, b: bigint) => bigint, masked: boolean) => (): boolean => {
    const dst = m.arg(0), b1 = m.arg(1), b2 = m.arg(2), nbits = BigInt(m.argU32(3));
    let any = 0n;
    eachMasked(nbits, (k, mask) => {
      const v = op(word(b1, k), word(b2, k)) & (masked ? mask : ALL);
      put(dst, k, v);
      any |= v;
    });
    return any !== 0n;
  };
  m.defineHost('__bitmap_and', binary((a, b) => a & b, true));
  m.defineHost('__bitmap_andnot', binary((a, b) => a & ~b, true));
  m.defineHost('__bitmap_or', binary((a, b) => a | b, false));
  m.defineHost('__bitmap_xor', binary((a, b) => a ^ b, false));
  m.defineHost('__bitmap_complement', () => {
    const dst = m.arg(0), src = m.arg(1), n = words(BigInt(m.argU32(2)));
    for (let k = 0; k < n; k++) put(dst, k, ~word(src, k) & ALL);
  });
  /** Bits [start, start+len) set or cleared. */
  const range = (set: boolean) => (): void => {
    const map = m.arg(0), start = BigInt(m.argU32(1)), len = BigInt(Number(BigInt.asIntN(32, m.arg(2))));
    if (len <= 0n) return;
    const end = start + len;
    for (let k = Number(start / BITS); BigInt(k) * BITS < end; k++) {
      const lo = BigInt(k) * BITS;
      const from = start > lo ? start - lo : 0n, to = end < lo + BITS ? end - lo : BITS;
      const mask = ((1n << (to - from)) - 1n) << from;
      const w = word(map, k);
      put(map, k, set ? w | mask : w & ~mask);
    }
  };
  m.defineHost('__bitmap_set', range(true));
  m.defineHost('__bitmap_clear', range(false));
}
