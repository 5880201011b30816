// The stack-watch configuration: the kernel's v7 parser (with v8's
// auto_canary/panic_hit) — tokens split on space, tab and newline, each at
// its first '='; keys long|short; u16 numbers in base 0 — plus our
// extensions: `fo` may be omitted, `var=NAME` names a local variable.
//
// Two modes. The kernel's (a guest writing the debugfs file): a token
// without '=' is skipped, a bad number only warns. Ours, for what a user
// types (`--watch`, launch.json, the editor), is strict: a known key with a
// bad value, a bare token or a control character is refused up front with
// the reason. Both take CRLF line ends, and quote user text escaped.

import { printable } from '../text/printable';
import { UserError } from '../errors/userError';

export interface KswConfig {
  /** The text as written (reports quote it). */
  input: string;
  funcName: string;
  /** null when omitted: probe right after the prologue has stored the canary. */
  funcOffset: number | null;
  depth: number;
  maxWatch: number;
  spOffset: number;
  /** 0 = watch the canary (v7). */
  watchLen: number;
  autoCanary: boolean;
  panicHit: boolean;
  /** Extension: watch this local variable (address and length from DWARF). */
  varName: string | null;
}

export interface ParseResult {
  config: KswConfig;
  /** `unsupported param k=v` lines, as the kernel prints them. */
  warnings: string[];
}

export class KswConfigError extends UserError {}

/** The kernel refuses config writes of this many bytes or more. */
export const MAX_CONFIG_LENGTH = 128;

/** kstrtou16(val, 0): decimal, 0x hex, leading-0 octal; null when invalid. */
export function parseU16(text: string): number | null {
  let s = text;
  if (s.startsWith('+')) s = s.slice(1);
  let value: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) value = parseInt(s.slice(2), 16);
  else if (/^0[0-7]*$/.test(s)) value = s.length > 1 ? parseInt(s.slice(1), 8) : 0;
  else if (/^[1-9][0-9]*$/.test(s)) value = parseInt(s, 10);
  else return null;
  return value <= 0xffff ? value : null;
}

type NumericKey = 'funcOffset' | 'depth' | 'maxWatch' | 'spOffset' | 'watchLen';

const NUMERIC_KEYS: Record<string, NumericKey> = {
  func_offset: 'funcOffset', fo: 'funcOffset',
  depth: 'depth', dp: 'depth',
  max_watch: 'maxWatch', mw: 'maxWatch',
  sp_offset: 'spOffset', so: 'spOffset',
  watch_len: 'watchLen', wl: 'watchLen',
};

const FLAG_KEYS: Record<string, 'autoCanary' | 'panicHit'> = {
  auto_canary: 'autoCanary', ac: 'autoCanary',
  panic_hit: 'panicHit', ph: 'panicHit',
};

export interface ParseOptions {
  /** Refuse bad values, bare tokens and control characters (default); false: the kernel's leniency. */
  strict?: boolean;
}

/**
 * Parse one config line. Throws KswConfigError for input the kernel refuses
 * (too long, missing fn) and, when strict, for bad values and bare tokens;
 * unknown keys only warn.
 */
export function parseConfig(input: string, opts: ParseOptions = {}): ParseResult {
  const strict = opts.strict ?? true;
  if (input.length >= MAX_CONFIG_LENGTH) {
    throw new KswConfigError(`config is ${input.length} characters; the limit is ${MAX_CONFIG_LENGTH - 1}`);
  }
  const config: KswConfig = {
    input: input.trim(), funcName: '', funcOffset: null, depth: 0, maxWatch: 0, spOffset: 0, watchLen: 0,
    autoCanary: false, panicHit: false, varName: null,
  };
  const warnings: string[] = [];
  // eslint-disable-next-line no-control-regex
  const control = strict ? /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.exec(input) : null;
  if (control) throw new KswConfigError(`the config contains the control character ${printable(control[0])} at position ${control.index}`);
  for (const token of input.split(/[ \t\r\n]+/)) {
    if (token === '') continue;
    const eq = token.indexOf('=');
    if (eq < 0) {
      if (strict) throw new KswConfigError(`'${printable(token)}' is not a key=value setting (e.g. fn=NAME so=64 wl=8)`);
      continue;
    }
    const key = token.slice(0, eq), value = token.slice(eq + 1);
    if (key === 'func_name' || key === 'fn') { config.funcName = value; continue; }
    if (key === 'var') { config.varName = value; continue; }
    const numeric = NUMERIC_KEYS[key];
    const flag = FLAG_KEYS[key];
    const n = numeric || flag ? parseU16(value) : null;
    if (n === null && strict && (numeric || flag)) {
      throw new KswConfigError(value === ''
        ? `${printable(key)}=: no value (a number from 0 to 65535)`
        : `${printable(key)}=${printable(value)}: not a number from 0 to 65535 (decimal, 0x hex or 0-prefixed octal)`);
    }
    if (n === null) { warnings.push(`unsupported param ${printable(key)}=${printable(value)}`); continue; }
    if (numeric) config[numeric] = n;
    else config[flag] = n !== 0;
  }
  if (!config.funcName) throw new KswConfigError('Missing required parameters: function or func_offset');
  return { config, warnings };
}

/** True when the config watches the stack canary rather than a fixed slot. */
export function watchesCanary(c: KswConfig): boolean {
  return c.varName === null && (c.autoCanary || c.watchLen === 0);
}
