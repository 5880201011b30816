// lib/string.c: mem* and str* with Linux's semantics (strcmp returns -1/0/1,
// memcmp the difference of the first differing bytes, strscpy the length or
// -E2BIG). gcc also calls memcpy/memset/memmove/memcmp on its own.
//
// Reads fault like the guest's own loads (an oops in the calling task);
// writes go through the CPU's store path so data breakpoints see them. A
// memcpy between overlapping buffers behaves as memmove.

import type { Machine } from '../machine';
import { U64, fillBytes, readBytes, readCBytes, writeBytes, writeU8 } from './util';

const E2BIG = 7;
/** Longest string the str* functions follow (a missing terminator that far away is a bug). */
const MAX_STR = 1 << 24;
/** Largest size the mem* functions accept (beyond it the guest would fault anyway). */
const MAX_MEM = 1 << 30;

const lower = (c: number): number => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);

/** A size argument as a JS number, capped (a huge size faults at the first unmapped page anyway). */
function size(v: bigint): number {
  return v > BigInt(MAX_MEM) ? MAX_MEM : Number(v);
}

const CHUNK = 1 << 16;

/**
 * Copy `n` bytes with memmove semantics, a chunk at a time (each chunk is
 * read before it is written; overlapping copies upwards go backwards).
 */
export function copyGuest(m: Machine, dst: bigint, src: bigint, n: number): void {
  if (n <= 0) return;
  const d = U64(dst), s = U64(src);
  const backwards = d > s && d < s + BigInt(n);
  for (let done = 0; done < n; done += CHUNK) {
    const len = Math.min(CHUNK, n - done);
    const off = BigInt(backwards ? n - done - len : done);
    writeBytes(m, U64(d + off), readBytes(m, U64(s + off), len));
  }
}

/** Index of the first byte equal to c within n bytes at addr, page by page; -1 if none. */
function memchrIndex(m: Machine, addr: bigint, c: number, n: number): number {
  let done = 0;
  while (done < n) {
    const a = U64(addr + BigInt(done));
    const pageLeft = 4096 - Number(a & 0xfffn);
    const len = Math.min(pageLeft, n - done);
    const i = readBytes(m, a, len).indexOf(c);
    if (i >= 0) return done + i;
    done += len;
  }
  return -1;
}

export function registerString(m: Machine): void {
  const str = (p: bigint, max = MAX_STR): Uint8Array => readCBytes(m, U64(p), max);

  m.defineHost('memcpy', () => { copyGuest(m, m.arg(0), m.arg(1), size(m.arg(2))); return m.arg(0); });
  m.defineHost('memmove', () => { copyGuest(m, m.arg(0), m.arg(1), size(m.arg(2))); return m.arg(0); });
  m.defineHost('memset', () => { fillBytes(m, U64(m.arg(0)), m.argU32(1), size(m.arg(2))); return m.arg(0); });

  m.defineHost('memcmp', () => {
    const n = size(m.arg(2));
    const p = U64(m.arg(0)), q = U64(m.arg(1));
    // Page by page, so a difference before an unmapped page is found without faulting.
    const pageLeft = (a: bigint): number => 4096 - Number(a & 0xfffn);
    for (let done = 0; done < n;) {
      const a0 = U64(p + BigInt(done)), b0 = U64(q + BigInt(done));
      const len = Math.min(n - done, pageLeft(a0), pageLeft(b0));
      const a = readBytes(m, a0, len), b = readBytes(m, b0, len);
      for (let i = 0; i < len; i++) if (a[i] !== b[i]) return a[i] - b[i];
      done += len;
    }
    return 0;
  });

  m.defineHost('memchr', () => {
    const s = U64(m.arg(0));
    const i = memchrIndex(m, s, m.argU32(1) & 0xff, size(m.arg(2)));
    return i < 0 ? 0n : U64(s + BigInt(i));
  });

  m.defineHost('strlen', () => str(m.arg(0)).length);
  m.defineHost('strnlen', () => str(m.arg(0), size(m.arg(1))).length);

  m.defineHost('strcpy', () => {
    const d = U64(m.arg(0)), s = str(m.arg(1));
    writeBytes(m, d, s);
    writeU8(m, d + BigInt(s.length), 0);
    return d;
  });

  m.defineHost('strncpy', () => {
    const d = U64(m.arg(0)), n = size(m.arg(2));
    const s = str(m.arg(1), n);
    writeBytes(m, d, s);
    fillBytes(m, d + BigInt(s.length), 0, n - s.length);
    return d;
  });

  // strscpy(dest, src, count): at most count-1 bytes plus a NUL; the length, or -E2BIG if truncated.
  m.defineHost('strscpy', () => {
    const d = U64(m.arg(0)), count = size(m.arg(2));
    if (count === 0) return -E2BIG;
    const s = str(m.arg(1), count);
    if (s.length === count) {
      writeBytes(m, d, s.subarray(0, count - 1));
      writeU8(m, d + BigInt(count - 1), 0);
      return -E2BIG;
    }
    writeBytes(m, d, s);
    writeU8(m, d + BigInt(s.length), 0);
    return s.length;
  });

  m.defineHost('strcat', () => {
    const d = U64(m.arg(0));
    const end = d + BigInt(str(d).length);
    const s = str(m.arg(1));
    writeBytes(m, end, s);
    writeU8(m, end + BigInt(s.length), 0);
    return d;
  });

  m.defineHost('strncat', () => {
    const d = U64(m.arg(0)), n = size(m.arg(2));
    if (n === 0) return d;
    const end = d + BigInt(str(d).length);
    const s = str(m.arg(1), n);
    writeBytes(m, end, s);
    writeU8(m, end + BigInt(s.length), 0);
    return d;
  });

  const compare = (a: Uint8Array, b: Uint8Array, n: number, fold: boolean): number => {
    for (let i = 0; i < n; i++) {
      let c1 = a[i] ?? 0, c2 = b[i] ?? 0;
      if (fold) { c1 = lower(c1); c2 = lower(c2); if (c1 !== c2 || c1 === 0) return c1 - c2; continue; }
      if (c1 !== c2) return c1 < c2 ? -1 : 1;
      if (c1 === 0) return 0;
    }
    return 0;
  };
  m.defineHost('strcmp', () => compare(str(m.arg(0)), str(m.arg(1)), MAX_STR, false));
  m.defineHost('strncmp', () => {
    const n = size(m.arg(2));
    return compare(str(m.arg(0), n), str(m.arg(1), n), n, false);
  });
  m.defineHost('strcasecmp', () => compare(str(m.arg(0)), str(m.arg(1)), MAX_STR, true));

  m.defineHost('strchr', () => {
    const p = U64(m.arg(0)), c = m.argU32(1) & 0xff;
    const s = str(p);
    if (c === 0) return U64(p + BigInt(s.length));
    const i = s.indexOf(c);
    return i < 0 ? 0n : U64(p + BigInt(i));
  });

  m.defineHost('strrchr', () => {
    const p = U64(m.arg(0)), c = m.argU32(1) & 0xff;
    const s = str(p);
    if (c === 0) return U64(p + BigInt(s.length));
    const i = s.lastIndexOf(c);
    return i < 0 ? 0n : U64(p + BigInt(i));
  });

  m.defineHost('strstr', () => {
    const p = U64(m.arg(0));
    const needle = str(m.arg(1));
    if (needle.length === 0) return p;
    const hay = str(p);
    outer: for (let i = 0; i + needle.length <= hay.length; i++) {
      for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
      return U64(p + BigInt(i));
    }
    return 0n;
  });
}
