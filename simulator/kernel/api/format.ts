// The kernel's printf format language (lib/vsprintf.c), on bytes: what
// printk, snprintf and friends share. It follows Linux, not ISO C, where the
// two differ: the zero flag still pads when a precision is given, `%#x` of 0
// is "0x0", `%.0d` of 0 is "0", a negative `*` precision means 0, an
// unknown conversion stops the formatting, `%s` of NULL is "(null)" and of
// a bad pointer "(efault)", and `%p` takes the kernel's pointer extensions.
//
// Pointers: %p prints the address itself (Linux hashes it unless booted with
// no_hash_pointers; here it is printed as with no_hash_pointers, so it is
// deterministic and matches %px): 16 hex digits, zero-padded, no "0x".
// %px the same; %pK like %p; %pS/%pF "name+0xoff/0xsize", %ps/%pf "name",
// %pB like %pS for a return address (looked up at addr-1); %pe an error
// pointer's name ("-EINVAL") or else like %p; %ph/%phC/%phD/%phN a hex dump
// of up to 64 bytes (length = field width); %pV a struct va_format.
//
// Pure: guest access goes through a FormatEnv, so this is testable without
// a machine.

/** Where the arguments come from: registers and stack, or a va_list. */
export interface ArgSource {
  /** The next 8-byte argument slot. */
  next(): bigint;
}

export type SymbolKind = 'S' | 's' | 'B';

export interface FormatEnv {
  /** The NUL-terminated string at addr (without the NUL, at most max bytes), or null if unreadable. */
  readString(addr: bigint, max: number): Uint8Array | null;
  /** `len` bytes at addr, or null if unreadable. */
  readBytes(addr: bigint, len: number): Uint8Array | null;
  /** A code address as %pS ('S'), %ps ('s') or %pB ('B') prints it. */
  symbol(addr: bigint, kind: SymbolKind): string;
  /** A va_list (struct __va_list_tag *) at addr as an argument source (for %pV). */
  vaList(addr: bigint): ArgSource;
  /** A u64 at addr (for %pV's struct va_format); throws like the guest would. */
  readU64(addr: bigint): bigint;
}

export interface FormatResult {
  /** The output, truncated to the limit. */
  bytes: Uint8Array;
  /** The length the whole output would have (vsnprintf's return value). */
  length: number;
}

const ZEROPAD = 1, SIGN = 2, PLUS = 4, SPACE = 8, LEFT = 16, SMALL = 32, SPECIAL = 64;
const FIELD_WIDTH_MAX = (1 << 23) - 1;
const PRECISION_MAX = (1 << 15) - 1;
/** Longest %s we follow (Linux has no limit; a string this long is a bug anyway). */
const MAX_STRING = 1 << 20;
const MAX_ERRNO = 4095n;
const PAGE_SIZE = 4096n;
const MAX_NESTING = 8;

const enum Ch {
  PERCENT = 0x25, MINUS = 0x2d, PLUSC = 0x2b, SPACEC = 0x20, HASH = 0x23, ZERO = 0x30, NINE = 0x39,
  STAR = 0x2a, DOT = 0x2e,
}

interface Spec {
  flags: number;
  width: number;
  precision: number;
  base: number;
}

/** Output that counts everything but keeps only `limit` bytes. */
class Out {
  buf: Uint8Array;
  len = 0;
  constructor(readonly limit: number) {
    this.buf = new Uint8Array(Math.max(0, Math.min(limit, 256)));
  }

  put(b: number): void {
    if (this.len < this.limit) {
      if (this.len >= this.buf.length) {
        const bigger = new Uint8Array(Math.min(this.limit, this.buf.length * 2 + 64));
        bigger.set(this.buf);
        this.buf = bigger;
      }
      this.buf[this.len] = b;
    }
    this.len++;
  }

  /** `n` copies of b (fast when past the limit). */
  repeat(b: number, n: number): void {
    if (n <= 0) return;
    const keep = Math.max(0, Math.min(n, this.limit - this.len));
    for (let i = 0; i < keep; i++) this.put(b);
    this.len += n - keep;
  }

  putBytes(s: Uint8Array): void {
    for (let i = 0; i < s.length; i++) this.put(s[i]);
  }

  putAscii(s: string): void {
    for (let i = 0; i < s.length; i++) this.put(s.charCodeAt(i) & 0xff);
  }

  result(): FormatResult {
    return { bytes: this.buf.slice(0, Math.min(this.len, this.limit)), length: this.len };
  }
}

const isDigit = (c: number): boolean => c >= Ch.ZERO && c <= Ch.NINE;
const isAlnum = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/**
 * Format `fmt` (bytes, no NUL) with arguments from `args`. At most `limit`
 * output bytes are kept; the returned length counts them all.
 */
export function formatKernel(fmt: Uint8Array, args: ArgSource, env: FormatEnv, limit: number, depth = 0): FormatResult {
  const out = new Out(limit);
  formatInto(out, fmt, args, env, depth);
  return out.result();
}

function formatInto(out: Out, fmt: Uint8Array, args: ArgSource, env: FormatEnv, depth: number): void {
  const n = fmt.length;
  let i = 0;
  while (i < n) {
    const c = fmt[i];
    if (c !== Ch.PERCENT) { out.put(c); i++; continue; }
    i++;
    const spec: Spec = { flags: 0, width: -1, precision: -1, base: 10 };
    // flags
    for (;;) {
      const f = fmt[i];
      if (f === Ch.MINUS) spec.flags |= LEFT;
      else if (f === Ch.PLUSC) spec.flags |= PLUS;
      else if (f === Ch.SPACEC) spec.flags |= SPACE;
      else if (f === Ch.HASH) spec.flags |= SPECIAL;
      else if (f === Ch.ZERO) spec.flags |= ZEROPAD;
      else break;
      i++;
    }
    // field width
    if (i < n && isDigit(fmt[i])) {
      let w = 0;
      while (i < n && isDigit(fmt[i])) { w = Math.min(w * 10 + fmt[i] - Ch.ZERO, 0x7fffffff); i++; }
      spec.width = Math.min(w, FIELD_WIDTH_MAX);
    } else if (fmt[i] === Ch.STAR) {
      i++;
      let w = Number(BigInt.asIntN(32, args.next()));
      w = Math.max(-FIELD_WIDTH_MAX, Math.min(FIELD_WIDTH_MAX, w));
      if (w < 0) { w = -w; spec.flags |= LEFT; }
      spec.width = w;
    }
    // precision ("%.d" leaves it unset, as in Linux)
    if (fmt[i] === Ch.DOT) {
      i++;
      if (i < n && isDigit(fmt[i])) {
        let p = 0;
        while (i < n && isDigit(fmt[i])) { p = Math.min(p * 10 + fmt[i] - Ch.ZERO, 0x7fffffff); i++; }
        spec.precision = Math.min(p, PRECISION_MAX);
      } else if (fmt[i] === Ch.STAR) {
        i++;
        const p = Number(BigInt.asIntN(32, args.next()));
        spec.precision = Math.max(0, Math.min(PRECISION_MAX, p));
      }
    }
    // qualifier: h hh l ll L z t
    let q = 0;
    const qc = fmt[i];
    if (qc === 0x68 /* h */ || qc === 0x6c /* l */ || qc === 0x4c /* L */ || qc === 0x7a /* z */ || qc === 0x74 /* t */) {
      q = qc;
      i++;
      if (fmt[i] === qc && qc === 0x6c) { q = 0x4c; i++; } // ll → L
      else if (fmt[i] === qc && qc === 0x68) { q = 0x48; i++; } // hh → H
    }
    if (i >= n) return; // a lone '%' at the end: invalid, stop
    const conv = fmt[i++];
    switch (conv) {
      case 0x63: { // c
        if (!(spec.flags & LEFT)) out.repeat(0x20, spec.width - 1);
        out.put(Number(args.next() & 0xffn));
        if (spec.flags & LEFT) out.repeat(0x20, spec.width - 1);
        continue;
      }
      case 0x73: // s
        stringArg(out, args.next(), spec, env);
        continue;
      case 0x70: { // p
        let ext = 0, ext2 = 0;
        if (i < n && isAlnum(fmt[i])) { ext = fmt[i]; ext2 = i + 1 < n ? fmt[i + 1] : 0; }
        pointer(out, ext, ext2, U64(args.next()), spec, env, depth);
        while (i < n && isAlnum(fmt[i])) i++;
        continue;
      }
      case Ch.PERCENT:
        out.put(Ch.PERCENT);
        continue;
      case 0x6f: spec.base = 8; break; // o
      case 0x78: spec.flags |= SMALL; spec.base = 16; break; // x
      case 0x58: spec.base = 16; break; // X
      case 0x64: case 0x69: spec.flags |= SIGN; break; // d i
      case 0x75: break; // u
      default:
        return; // unsupported conversion (%n, %f, ...): Linux stops here
    }
    const raw = args.next();
    const signed = (spec.flags & SIGN) !== 0;
    let num: bigint;
    switch (q) {
      case 0x4c: case 0x6c: case 0x7a: case 0x74: num = U64(raw); break; // L l z t: 64-bit
      case 0x48: num = signed ? U64(BigInt.asIntN(8, raw)) : raw & 0xffn; break;
      case 0x68: num = signed ? U64(BigInt.asIntN(16, raw)) : raw & 0xffffn; break;
      default: num = signed ? U64(BigInt.asIntN(32, raw)) : raw & 0xffffffffn;
    }
    number(out, num, spec);
  }
}

const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/** lib/vsprintf.c number(). */
function number(out: Out, num: bigint, spec: Spec): void {
  let flags = spec.flags;
  const base = spec.base;
  let width = spec.width;
  let precision = spec.precision;
  const locase = (flags & SMALL) !== 0;
  const needPfx = (flags & SPECIAL) !== 0 && base !== 10;
  const isZero = num === 0n;
  if (flags & LEFT) flags &= ~ZEROPAD;
  let sign = 0;
  if (flags & SIGN) {
    const s = BigInt.asIntN(64, num);
    if (s < 0n) { sign = 0x2d; num = -s; width--; }
    else if (flags & PLUS) { sign = 0x2b; width--; }
    else if (flags & SPACE) { sign = 0x20; width--; }
  }
  if (needPfx) {
    if (base === 16) width -= 2;
    else if (!isZero) width--;
  }
  let digits = num.toString(base);
  if (base === 16 && !locase) digits = digits.toUpperCase();
  const len = digits.length;
  if (len > precision) precision = len;
  width -= precision;
  if (!(flags & (ZEROPAD | LEFT))) { out.repeat(0x20, width); width = Math.min(width, 0); }
  if (sign) out.put(sign);
  if (needPfx) {
    if (base === 16 || !isZero) out.put(0x30);
    if (base === 16) out.put(locase ? 0x78 : 0x58);
  }
  if (!(flags & LEFT)) { out.repeat(flags & ZEROPAD ? 0x30 : 0x20, width); width = Math.min(width, 0); }
  out.repeat(0x30, precision - len);
  out.putAscii(digits);
  out.repeat(0x20, width);
}

/** string_nocheck() + widen_string(): at most `precision` bytes of s, padded to the width with spaces. */
function putString(out: Out, s: Uint8Array, spec: Spec): void {
  const len = spec.precision >= 0 ? Math.min(s.length, spec.precision) : s.length;
  const pad = spec.width - len;
  if (!(spec.flags & LEFT)) out.repeat(0x20, pad);
  for (let i = 0; i < len; i++) out.put(s[i]);
  if (spec.flags & LEFT) out.repeat(0x20, pad);
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/** error_string(): a message such as "(null)", at most 16 bytes unless a precision is given. */
function errorString(out: Out, msg: string, spec: Spec): void {
  putString(out, ascii(msg), spec.precision === -1 ? { ...spec, precision: 16 } : spec);
}

/** check_pointer_msg(). */
function badPointer(p: bigint): string | null {
  if (p === 0n) return '(null)';
  if (p < PAGE_SIZE || p >= U64(-MAX_ERRNO)) return '(efault)';
  return null;
}

function stringArg(out: Out, p: bigint, spec: Spec, env: FormatEnv): void {
  const addr = U64(p);
  const bad = badPointer(addr);
  if (bad) { errorString(out, bad, spec); return; }
  const s = env.readString(addr, spec.precision >= 0 ? spec.precision : MAX_STRING);
  if (!s) { errorString(out, '(efault)', spec); return; }
  putString(out, s, spec);
}

/** pointer_string(): hex, 16 zero-padded digits unless a width is given. */
function pointerString(out: Out, p: bigint, spec: Spec): void {
  const s: Spec = { ...spec, base: 16, flags: spec.flags | SMALL };
  if (s.width === -1) { s.width = 16; s.flags |= ZEROPAD; }
  number(out, p, s);
}

function pointer(out: Out, ext: number, ext2: number, p: bigint, spec: Spec, env: FormatEnv, depth: number): void {
  switch (ext) {
    case 0x53: case 0x46: // S, F
      putString(out, ascii(env.symbol(p, 'S')), spec);
      return;
    case 0x73: case 0x66: // s, f
      putString(out, ascii(env.symbol(p, 's')), spec);
      return;
    case 0x42: // B
      putString(out, ascii(env.symbol(p, 'B')), spec);
      return;
    case 0x78: // x
      pointerString(out, p, spec);
      return;
    case 0x65: { // e
      const err = BigInt.asIntN(64, p);
      if (err < 0n && err >= -MAX_ERRNO) {
        const name = ERRNO_NAMES[Number(-err)];
        if (name) putString(out, ascii('-' + name), spec);
        else number(out, p, { ...spec, flags: spec.flags | SIGN, base: 10 });
        return;
      }
      pointerString(out, p, spec);
      return;
    }
    case 0x68: { // h: hex dump
      if (spec.width === 0) return;
      const bad = badPointer(p);
      if (bad) { errorString(out, bad, spec); return; }
      const sep = ext2 === 0x43 ? 0x3a : ext2 === 0x44 ? 0x2d : ext2 === 0x4e ? 0 : 0x20;
      const len = spec.width > 0 ? Math.min(spec.width, 64) : 1;
      const bytes = env.readBytes(p, len);
      if (!bytes) { errorString(out, '(efault)', spec); return; }
      const digits = '0123456789abcdef';
      for (let k = 0; k < len; k++) {
        out.put(digits.charCodeAt(bytes[k] >> 4));
        out.put(digits.charCodeAt(bytes[k] & 15));
        if (sep && k !== len - 1) out.put(sep);
      }
      return;
    }
    case 0x56: { // V: struct va_format { const char *fmt; va_list *va; }
      const bad = badPointer(p);
      if (bad) { errorString(out, bad, spec); return; }
      if (depth >= MAX_NESTING) { errorString(out, '(efault)', spec); return; }
      const fmtPtr = env.readU64(p);
      const vaPtr = env.readU64(p + 8n);
      const fmt = env.readString(fmtPtr, MAX_STRING);
      if (!fmt) { errorString(out, '(efault)', spec); return; }
      formatInto(out, fmt, env.vaList(vaPtr), env, depth + 1);
      return;
    }
    default: // plain %p, %pK and extensions we do not know: the address
      pointerString(out, p, spec);
  }
}

/** errname(): Linux's error names by number (those in the SDK's errno.h). */
export const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 5: 'EIO', 6: 'ENXIO', 7: 'E2BIG', 8: 'ENOEXEC',
  9: 'EBADF', 10: 'ECHILD', 11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES', 14: 'EFAULT', 15: 'ENOTBLK',
  16: 'EBUSY', 17: 'EEXIST', 18: 'EXDEV', 19: 'ENODEV', 20: 'ENOTDIR', 21: 'EISDIR', 22: 'EINVAL',
  23: 'ENFILE', 24: 'EMFILE', 25: 'ENOTTY', 26: 'ETXTBSY', 27: 'EFBIG', 28: 'ENOSPC', 29: 'ESPIPE',
  30: 'EROFS', 31: 'EMLINK', 32: 'EPIPE', 33: 'EDOM', 34: 'ERANGE', 35: 'EDEADLK', 36: 'ENAMETOOLONG',
  37: 'ENOLCK', 38: 'ENOSYS', 39: 'ENOTEMPTY', 40: 'ELOOP', 42: 'ENOMSG', 61: 'ENODATA', 62: 'ETIME',
  75: 'EOVERFLOW', 84: 'EILSEQ', 95: 'EOPNOTSUPP', 98: 'EADDRINUSE', 105: 'ENOBUFS', 110: 'ETIMEDOUT',
  114: 'EALREADY', 115: 'EINPROGRESS', 125: 'ECANCELED', 512: 'ERESTARTSYS', 513: 'ERESTARTNOINTR',
  524: 'ENOTSUPP',
};

// ---- argument sources ------------------------------------------------------------------

/** Arguments from a fixed list (tests, internal callers). */
export class ListArgs implements ArgSource {
  private i = 0;
  constructor(private readonly values: readonly (bigint | number)[]) {}
  next(): bigint {
    const v = this.values[this.i++];
    return v === undefined ? 0n : U64(BigInt(v));
  }
}

/**
 * A SysV x86-64 va_list: struct { u32 gp_offset; u32 fp_offset; void
 * *overflow_arg_area; void *reg_save_area; }. Integer arguments come from
 * the register save area while gp_offset < 48, then from the overflow area.
 * (The kernel is built with -mgeneral-regs-only: there are no FP arguments.)
 * The guest's va_list is not updated.
 */
export class VaListArgs implements ArgSource {
  private gpOffset: number;
  private overflow: bigint;
  private readonly regSave: bigint;

  constructor(private readonly readU64: (addr: bigint) => bigint, readU32: (addr: bigint) => number, va: bigint) {
    this.gpOffset = readU32(va);
    this.overflow = readU64(va + 8n);
    this.regSave = readU64(va + 16n);
  }

  next(): bigint {
    if (this.gpOffset <= 40) {
      const v = this.readU64(U64(this.regSave + BigInt(this.gpOffset)));
      this.gpOffset += 8;
      return v;
    }
    const v = this.readU64(this.overflow);
    this.overflow = U64(this.overflow + 8n);
    return v;
  }
}

// ---- printk levels -----------------------------------------------------------------------

export interface PrintkPrefix {
  /** 0–7, or -1 when none was given. */
  level: number;
  /** KERN_CONT was given. */
  cont: boolean;
  /** Bytes of prefix to skip. */
  skip: number;
}

/** printk_get_level() over every leading KERN_SOH pair: the first level wins; 'c' marks a continuation. */
export function parsePrintkPrefix(text: Uint8Array): PrintkPrefix {
  let level = -1, cont = false, skip = 0;
  while (skip + 1 < text.length && text[skip] === 1) {
    const c = text[skip + 1];
    if (c >= 0x30 && c <= 0x37) { if (level < 0) level = c - 0x30; }
    else if (c === 0x63) cont = true;
    else break;
    skip += 2;
  }
  return { level, cont, skip };
}
