// String helpers of lib/string.c that modules built against real headers
// call and the SDK does not declare: strsep, strpbrk, strspn, strcspn, strim,
// skip_spaces, strnchr, memchr_inv.

import type { Machine } from '../machine';
import { U64, readBytes, readCBytes, readU64, writeU64, writeU8 } from './util';

const MAX = 1 << 20;

export function registerStringExtra(m: Machine): void {
  const str = (p: bigint): Uint8Array => readCBytes(m, U64(p), MAX);
  const set = (p: bigint): Set<number> => new Set(str(p));

  m.defineHost('strsep', () => {
    const sp = U64(m.arg(0));
    const s = readU64(m, sp);
    if (s === 0n) return 0n;
    const bytes = str(s), delim = set(m.arg(1));
    const i = bytes.findIndex((b) => delim.has(b));
    if (i < 0) { writeU64(m, sp, 0n); return s; }
    writeU8(m, s + BigInt(i), 0);
    writeU64(m, sp, s + BigInt(i + 1));
    return s;
  });
  m.defineHost('strpbrk', () => {
    const s = U64(m.arg(0)), accept = set(m.arg(1));
    const i = str(s).findIndex((b) => accept.has(b));
    return i < 0 ? 0n : s + BigInt(i);
  });
  const span = (inSet: boolean) => (): number => {
    const bytes = str(m.arg(0)), chars = set(m.arg(1));
    const i = bytes.findIndex((b) => chars.has(b) !== inSet);
    return i < 0 ? bytes.length : i;
  };
  m.defineHost('strspn', span(true));
  m.defineHost('strcspn', span(false));
  const isSpace = (b: number): boolean => b === 0x20 || (b >= 0x09 && b <= 0x0d);
  m.defineHost('skip_spaces', () => {
    const s = U64(m.arg(0));
    const i = str(s).findIndex((b) => !isSpace(b));
    return i < 0 ? s + BigInt(str(s).length) : s + BigInt(i);
  });
  m.defineHost('strim', () => {
    const s = U64(m.arg(0));
    const bytes = str(s);
    let end = bytes.length;
    while (end > 0 && isSpace(bytes[end - 1])) end--;
    if (end < bytes.length) writeU8(m, s + BigInt(end), 0);
    let start = 0;
    while (start < end && isSpace(bytes[start])) start++;
    return s + BigInt(start);
  });
  m.defineHost('strnchr', () => {
    // the first c in the first `count` bytes, stopping at the NUL
    const s = U64(m.arg(0)), count = Number(BigInt.asUintN(32, m.arg(1) > 0xffffffffn ? 0xffffffffn : m.arg(1))), c = Number(m.arg(2) & 0xffn);
    const bytes = readCBytes(m, s, count);
    for (let i = 0; i < count; i++) {
      const b = i < bytes.length ? bytes[i] : 0;
      if (b === c) return s + BigInt(i);
      if (b === 0) break;
    }
    return 0n;
  });
  m.defineHost('memchr_inv', () => {
    // the first byte that is not c, or NULL
    const p = U64(m.arg(0)), c = Number(m.arg(1) & 0xffn), n = Number(m.arg(2) > BigInt(MAX) ? BigInt(MAX) : m.arg(2));
    const i = readBytes(m, p, n).findIndex((b) => b !== c);
    return i < 0 ? 0n : p + BigInt(i);
  });
}
