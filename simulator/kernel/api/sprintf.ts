// Formatting into guest buffers (sprintf, snprintf, scnprintf, vsnprintf,
// vscnprintf, vsprintf) with the kernel's format language, and parsing
// (sscanf, kstrto*) as lib/vsprintf.c and lib/kstrtox.c do.
//
// Output is written through the CPU's store accessors (data breakpoints see
// it); a bad buffer or format pointer faults in the calling task, as in Linux.

import type { Machine } from '../machine';
import { ArgSource } from './format';
import { callArgs, guestFormat, vaListArgs } from './guestFormat';
import { readCBytes, writeBytes, writeU16, writeU32, writeU64, writeU8 } from './util';
import { kmalloc } from './slab';

const INT_MAX = 0x7fffffff;
/** Most output kept on the host side (no guest buffer is larger: the heap is 64 MiB). */
const MAX_OUTPUT = 64 << 20;
const EINVAL = 22, ERANGE = 34;

/** vsnprintf(): returns the untruncated length. */
export function guestVsnprintf(m: Machine, buf: bigint, size: bigint, fmt: bigint, args: ArgSource): number {
  if (size > BigInt(INT_MAX)) return 0; // Linux: WARN_ON_ONCE(size > INT_MAX), returns 0
  const sz = Number(size);
  const r = guestFormat(m, fmt, args, Math.max(0, Math.min(sz - 1, MAX_OUTPUT)));
  if (sz > 0) {
    writeBytes(m, buf, r.bytes);
    writeU8(m, buf + BigInt(r.bytes.length), 0);
  }
  return r.length;
}

function scn(len: number, size: bigint): number {
  if (BigInt(len) < size) return len;
  return size !== 0n && size <= BigInt(INT_MAX) ? Number(size) - 1 : 0;
}

// ---- sscanf --------------------------------------------------------------------------

const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isXDigit = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const isODigit = (c: number): boolean => c >= 0x30 && c <= 0x37;
const lower = (c: number): number => c | 0x20;

function digitValue(c: number): number {
  if (isDigit(c)) return c - 0x30;
  const l = lower(c);
  if (l >= 0x61 && l <= 0x7a) return l - 0x61 + 10;
  return 99;
}

/** _parse_integer_fixup_radix(): the base (0 = auto) and where the digits start. */
function fixupRadix(s: Uint8Array, at: number, base: number): { base: number; at: number } {
  if (base === 0) {
    if (s[at] === 0x30) base = lower(s[at + 1] ?? 0) === 0x78 && isXDigit(s[at + 2] ?? 0) ? 16 : 8;
    else base = 10;
  }
  if (base === 16 && s[at] === 0x30 && lower(s[at + 1] ?? 0) === 0x78) at += 2;
  return { base, at };
}

/** _parse_integer_limit(): digits consumed and the value (wrapping, with an overflow flag). */
function parseInteger(s: Uint8Array, at: number, base: number, maxChars: number): { value: bigint; used: number; overflow: boolean } {
  let value = 0n, used = 0, overflow = false;
  const b = BigInt(base);
  while (used < maxChars && at + used < s.length) {
    const d = digitValue(s[at + used]);
    if (d >= base) break;
    const next = value * b + BigInt(d);
    if (next > 0xffffffffffffffffn) overflow = true;
    value = BigInt.asUintN(64, next);
    used++;
  }
  return { value, used, overflow };
}

/** simple_strntoull(): stops at the first non-digit; `end` is where it stopped. */
function strntoull(s: Uint8Array, at: number, base: number, maxChars: number): { value: bigint; end: number } {
  const f = fixupRadix(s, at, base);
  const prefix = f.at - at;
  const r = parseInteger(s, f.at, f.base, Math.max(0, maxChars - prefix));
  return { value: r.value, end: f.at + r.used };
}

function strntoll(s: Uint8Array, at: number, base: number, maxChars: number): { value: bigint; end: number } {
  if (s[at] === 0x2d && maxChars > 0) {
    const r = strntoull(s, at + 1, base, maxChars - 1);
    return { value: BigInt.asUintN(64, -r.value), end: r.end };
  }
  return strntoull(s, at, base, maxChars);
}

/** vsscanf() from lib/vsprintf.c: returns the number of fields assigned. */
export function guestVsscanf(m: Machine, bufPtr: bigint, fmtPtr: bigint, args: ArgSource): number {
  const str = readCBytes(m, bufPtr, 1 << 20);
  const fmt = readCBytes(m, fmtPtr, 1 << 16);
  const S = (k: number): number => str[k] ?? 0;
  const F = (k: number): number => fmt[k] ?? 0;
  let s = 0, f = 0, num = 0;
  const skipSpaces = (k: number, get: (k: number) => number): number => { while (isSpace(get(k))) k++; return k; };
  while (F(f)) {
    if (isSpace(F(f))) {
      f = skipSpaces(f + 1, F);
      s = skipSpaces(s, S);
    }
    if (F(f) !== 0x25 && F(f)) {
      if (F(f++) !== S(s++)) break;
      continue;
    }
    if (!F(f)) break;
    f++;
    if (F(f) === 0x2a) { // %*: skip a field
      if (!S(s)) break;
      while (!isSpace(F(f)) && F(f) !== 0x25 && F(f)) {
        if (F(f) === 0x5b) return num;
        f++;
      }
      while (!isSpace(S(s)) && S(s)) s++;
      continue;
    }
    let width = -1;
    if (isDigit(F(f))) {
      width = 0;
      while (isDigit(F(f))) width = Math.min(width * 10 + F(f++) - 0x30, 0x7fff);
      if (width <= 0) break;
    }
    let q = 0;
    if (F(f) === 0x68 || lower(F(f)) === 0x6c || F(f) === 0x7a) {
      q = F(f++);
      if (q === F(f)) {
        if (q === 0x68) { q = 0x48; f++; } else if (q === 0x6c) { q = 0x4c; f++; }
      }
    }
    if (!F(f)) break;
    if (F(f) === 0x6e) { // %n
      writeU32(m, args.next(), s);
      f++;
      continue;
    }
    if (!S(s)) break;
    let base = 10, isSign = false;
    const conv = F(f++);
    switch (conv) {
      case 0x63: { // c
        let p = args.next();
        let w = width === -1 ? 1 : width;
        do { writeU8(m, p++, S(s++)); } while (--w > 0 && S(s));
        num++;
        continue;
      }
      case 0x73: { // s
        let p = args.next();
        let w = width === -1 ? 0x7fff : width;
        s = skipSpaces(s, S);
        while (S(s) && !isSpace(S(s)) && w-- > 0) writeU8(m, p++, S(s++));
        writeU8(m, p, 0);
        num++;
        continue;
      }
      case 0x5b: { // [set] (no ranges; a width is required)
        let p = args.next();
        if (width === -1) return num;
        const negate = F(f) === 0x5e;
        if (negate) f++;
        const set = new Uint8Array(256);
        let len = 0;
        for (; F(f) && F(f) !== 0x5d; f++, len++) set[F(f)] = 1;
        if (!F(f) || !len) return num;
        f++;
        if (negate) { for (let k = 0; k < 256; k++) set[k] ^= 1; set[0] = 0; }
        if (!set[S(s)]) return num;
        let w = width;
        while (set[S(s)] && w-- > 0) writeU8(m, p++, S(s++));
        writeU8(m, p, 0);
        num++;
        continue;
      }
      case 0x6f: base = 8; break;
      case 0x78: case 0x58: base = 16; break;
      case 0x69: base = 0; isSign = true; break;
      case 0x64: isSign = true; break;
      case 0x75: break;
      case 0x25:
        if (S(s++) !== 0x25) return num;
        continue;
      default:
        return num;
    }
    s = skipSpaces(s, S);
    let digit = S(s);
    if (isSign && digit === 0x2d) {
      if (width === 1) break;
      digit = S(s + 1);
    }
    if (!digit || (base === 16 && !isXDigit(digit)) || (base === 10 && !isDigit(digit)) ||
      (base === 8 && !isODigit(digit)) || (base === 0 && !isDigit(digit))) break;
    const max = width >= 0 ? width : INT_MAX;
    const r = isSign ? strntoll(str, s, base, max) : strntoull(str, s, base, max);
    const p = args.next();
    switch (q) {
      case 0x48: writeU8(m, p, Number(r.value & 0xffn)); break;
      case 0x68: writeU16(m, p, Number(r.value & 0xffffn)); break;
      case 0x6c: case 0x4c: case 0x7a: writeU64(m, p, r.value); break;
      default: writeU32(m, p, Number(r.value & 0xffffffffn));
    }
    num++;
    s = r.end;
  }
  return num;
}

// ---- kstrto* -------------------------------------------------------------------------

/** _kstrtoull(): the value, or a negative errno. */
function kstrtoullCore(s: Uint8Array, at: number, base: number): bigint | number {
  const f = fixupRadix(s, at, base);
  const r = parseInteger(s, f.at, f.base, s.length);
  if (r.overflow) return -ERANGE;
  if (r.used === 0) return -EINVAL;
  let end = f.at + r.used;
  if (s[end] === 0x0a) end++;
  if (end < s.length) return -EINVAL;
  return r.value;
}

/** kstrtoull/kstrtoll semantics: [+-]digits[\n]; returns the value or a negative errno. */
export function kstrto(s: Uint8Array, base: number, signed: boolean): bigint | number {
  if (signed && s[0] === 0x2d) {
    const v = kstrtoullCore(s, 1, base);
    if (typeof v === 'number') return v;
    if (v > 0x8000000000000000n) return -ERANGE;
    return -v;
  }
  const v = kstrtoullCore(s, s[0] === 0x2b ? 1 : 0, base);
  if (typeof v === 'number') return v;
  if (signed && v > 0x7fffffffffffffffn) return -ERANGE;
  return v;
}

export function registerSprintf(m: Machine): void {
  m.defineHost('vsnprintf', () => guestVsnprintf(m, m.arg(0), m.arg(1), m.arg(2), vaListArgs(m, m.arg(3))));
  m.defineHost('vscnprintf', () => scn(guestVsnprintf(m, m.arg(0), m.arg(1), m.arg(2), vaListArgs(m, m.arg(3))), m.arg(1)));
  m.defineHost('snprintf', () => guestVsnprintf(m, m.arg(0), m.arg(1), m.arg(2), callArgs(m, 3)));
  m.defineHost('scnprintf', () => scn(guestVsnprintf(m, m.arg(0), m.arg(1), m.arg(2), callArgs(m, 3)), m.arg(1)));
  m.defineHost('sprintf', () => guestVsnprintf(m, m.arg(0), BigInt(INT_MAX), m.arg(1), callArgs(m, 2)));
  m.defineHost('vsprintf', () => guestVsnprintf(m, m.arg(0), BigInt(INT_MAX), m.arg(1), vaListArgs(m, m.arg(2))));
  // kasprintf(gfp, fmt, ...): a kmalloc'ed formatted string (NULL when out of memory)
  const kasprintf = (fmt: bigint, args: () => ArgSource): bigint => {
    const len = guestFormat(m, fmt, args(), 0).length;
    const p = kmalloc(m, BigInt(len + 1), false);
    if (p > 16n) guestVsnprintf(m, p, BigInt(len + 1), fmt, args());
    return p > 16n ? p : 0n;
  };
  m.defineHost('kasprintf', () => kasprintf(m.arg(1), () => callArgs(m, 2)));
  m.defineHost('kvasprintf', () => kasprintf(m.arg(1), () => vaListArgs(m, m.arg(2))));
  m.defineHost('sscanf', () => guestVsscanf(m, m.arg(0), m.arg(1), callArgs(m, 2)));
  m.defineHost('vsscanf', () => guestVsscanf(m, m.arg(0), m.arg(1), vaListArgs(m, m.arg(2))));

  // kstrto*(const char *s, unsigned int base, T *res): 0, -EINVAL or -ERANGE.
  const kinds: [string, boolean, number][] = [
    ['kstrtoull', false, 64], ['kstrtoll', true, 64], ['kstrtoul', false, 64], ['kstrtol', true, 64],
    ['kstrtouint', false, 32], ['kstrtoint', true, 32], ['kstrtou16', false, 16], ['kstrtos16', true, 16],
    ['kstrtou8', false, 8], ['kstrtos8', true, 8],
  ];
  for (const [name, signed, bits] of kinds) {
    m.defineHost(name, () => {
      const s = readCBytes(m, m.arg(0), 1 << 16);
      const v = kstrto(s, m.argU32(1), signed);
      if (typeof v === 'number') return v;
      const fits = signed ? BigInt.asIntN(bits, v) === v : BigInt.asUintN(bits, v) === v;
      if (!fits) return -ERANGE;
      const p = m.arg(2);
      if (bits === 64) writeU64(m, p, v);
      else if (bits === 32) writeU32(m, p, Number(BigInt.asUintN(32, v)));
      else if (bits === 16) writeU16(m, p, Number(BigInt.asUintN(16, v)));
      else writeU8(m, p, Number(BigInt.asUintN(8, v)));
      return 0;
    });
  }

  // kstrtobool(s, &res): y/Y/t/T/1 and on/ON true, n/N/f/F/0 and of/OF false, else -EINVAL
  m.defineHost('kstrtobool', () => {
    if (m.arg(0) === 0n) return -EINVAL;
    const s = readCBytes(m, m.arg(0), 2);
    const c = String.fromCharCode(s[0] ?? 0).toLowerCase(), d = String.fromCharCode(s[1] ?? 0).toLowerCase();
    const v = 'yt1'.includes(c) && c !== '' ? true : 'nf0'.includes(c) && c !== '' ? false : c === 'o' && d === 'n' ? true : c === 'o' && d === 'f' ? false : null;
    if (v === null || s.length === 0) return -EINVAL;
    writeU8(m, m.arg(1), v ? 1 : 0);
    return 0;
  });
}
