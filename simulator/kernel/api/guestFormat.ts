// The formatter (format.ts) wired to a machine: strings and bytes from guest
// memory, symbols from the machine's symbolizers, arguments from the host
// call's registers and stack or from a guest va_list.

import type { Machine } from '../machine';
import { ArgSource, FormatEnv, FormatResult, SymbolKind, VaListArgs, formatKernel } from './format';
import { U64, readCBytes, readU32, readU64, tryReadBytes, tryReadCBytes } from './util';

/** Longest format string we read. */
export const MAX_FORMAT = 64 * 1024;

/** `name+0xoff/0xsize` and whatever follows (e.g. " [module]"). */
const SYMBOL_RE = /^(.+?)\+0x([0-9a-f]+)\/0x([0-9a-f]+)(.*)$/;

/** A code address as the kernel's %pS (`S`), %ps (`s`) or %pB (`B`) prints it. */
export function symbolString(m: Machine, addr: bigint, kind: SymbolKind): string {
  const a = U64(addr);
  if (kind === 'B') {
    // sprint_backtrace(): a return address; the call is just before it.
    if (a === 0n) return '0x0';
    const s = m.symbolize(a - 1n).symbol;
    const hit = SYMBOL_RE.exec(s);
    if (!hit) return '0x' + a.toString(16);
    return `${hit[1]}+0x${(BigInt('0x' + hit[2]) + 1n).toString(16)}/0x${hit[3]}${hit[4]}`;
  }
  const s = m.symbolize(a).symbol;
  if (kind === 's') {
    const hit = SYMBOL_RE.exec(s);
    return hit ? hit[1] + hit[4] : s;
  }
  return s;
}

export function guestFormatEnv(m: Machine): FormatEnv {
  return {
    readString: (addr, max) => tryReadCBytes(m, addr, max),
    readBytes: (addr, len) => tryReadBytes(m, addr, len),
    symbol: (addr, kind) => symbolString(m, addr, kind),
    vaList: (addr) => vaListArgs(m, addr),
    readU64: (addr) => readU64(m, addr),
  };
}

/** Variadic arguments of the current host call, starting at argument `first`. */
export function callArgs(m: Machine, first: number): ArgSource {
  let i = first;
  return { next: () => m.arg(i++) };
}

/** The arguments in a guest va_list (a pointer to struct __va_list_tag). */
export function vaListArgs(m: Machine, va: bigint): ArgSource {
  return new VaListArgs((a) => readU64(m, a), (a) => readU32(m, a), U64(va));
}

/** Read a guest format string (faults on a bad pointer, as the kernel would). */
export function readFormat(m: Machine, fmt: bigint): Uint8Array {
  return readCBytes(m, fmt, MAX_FORMAT);
}

/** Format with a guest format string. */
export function guestFormat(m: Machine, fmt: bigint, args: ArgSource, limit: number): FormatResult {
  return formatKernel(readFormat(m, fmt), args, guestFormatEnv(m), limit);
}
