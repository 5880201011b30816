// Stack-watch configs as the editor checks them before a launch, in a .ksw
// file and in the Stack Watches view. The kernel's parser
// (simulator/kstackwatch/config.ts) decides what is valid; on top of it this
// file finds *which token* is wrong, so the user sees `wl=x` underlined or
// quoted instead of a failed debug session. No `vscode` import: unit-tested
// under plain node.

import { KswConfigError, MAX_CONFIG_LENGTH, parseConfig, parseU16 } from '../simulator/kstackwatch/config';
import type { KswConfig } from '../simulator/kstackwatch/config';
import { LaunchError, stackWatchFromObject } from '../simulator/debug/launchConfig';
import type { StackWatchObject } from '../simulator/debug/launchConfig';

export type Severity = 'error' | 'warning';

/** One problem in a config line; `start`/`end` are character offsets into the line. */
export interface WatchProblem {
  severity: Severity;
  message: string;
  /** The offending token, as written (empty when the whole line is at fault). */
  token: string;
  start: number;
  end: number;
}

export interface KeyInfo {
  long: string;
  short: string;
  kind: 'name' | 'number' | 'flag' | 'variable';
  doc: string;
  example: string;
}

/** Every key of DESIGN.md §3.3, long and short forms (completion and hover use the docs). */
export const WATCH_KEYS: readonly KeyInfo[] = [
  { long: 'func_name', short: 'fn', kind: 'name', doc: 'Function whose stack frame is watched (required).', example: 'fn=test_mthread_victim' },
  { long: 'func_offset', short: 'fo', kind: 'number', doc: 'Offset into the function of the probe that arms the watch; must be an instruction boundary. Omit it to probe right after the prologue has stored the canary.', example: 'fo=0x4c' },
  { long: 'depth', short: 'dp', kind: 'number', doc: 'Recursion depth to watch (0 = the outermost call).', example: 'dp=3' },
  { long: 'max_watch', short: 'mw', kind: 'number', doc: 'How many debug registers the watch pool may take (0 = every free one).', example: 'mw=2' },
  { long: 'sp_offset', short: 'so', kind: 'number', doc: 'Watched slot as an offset from the stack pointer at the probe; must be aligned to the watch length.', example: 'so=64' },
  { long: 'watch_len', short: 'wl', kind: 'number', doc: 'Bytes to watch: 1, 2, 4 or 8; 0 watches the stack canary.', example: 'wl=8' },
  { long: 'auto_canary', short: 'ac', kind: 'flag', doc: 'Find and watch the canary slot automatically (1) or not (0).', example: 'ac=1' },
  { long: 'panic_hit', short: 'ph', kind: 'flag', doc: 'Panic the machine on the first hit (1) instead of only reporting it.', example: 'ph=1' },
  { long: 'var', short: 'var', kind: 'variable', doc: 'Watch a local variable of the function, found through DWARF; an array element as NAME[INDEX] (our extension).', example: 'var=buf[4]' },
];

const KEY_BY_NAME = new Map<string, KeyInfo>();
for (const k of WATCH_KEYS) { KEY_BY_NAME.set(k.long, k); KEY_BY_NAME.set(k.short, k); }

export function keyInfo(name: string): KeyInfo | undefined {
  return KEY_BY_NAME.get(name);
}

interface Token { text: string; start: number; end: number }

function tokens(line: string): Token[] {
  const out: Token[] = [];
  const re = /[^ \t\n]+/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  return out;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*(\[[0-9]+\]|\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * Check one config line token by token. Errors are what the kernel (or our
 * loader) would refuse; warnings are what the kernel would skip with
 * "unsupported param" — in an editor those are nearly always typos.
 */
export function checkWatchLine(line: string): WatchProblem[] {
  const problems: WatchProblem[] = [];
  const toks = tokens(line);
  if (toks.length === 0) return problems;
  if (line.length >= MAX_CONFIG_LENGTH) {
    problems.push({ severity: 'error', message: `config is ${line.length} characters; the kernel's limit is ${MAX_CONFIG_LENGTH - 1}`, token: '', start: 0, end: line.length });
  }
  const seen = new Map<string, Token>();
  let hasFn = false;
  for (const t of toks) {
    const eq = t.text.indexOf('=');
    if (eq < 0) {
      problems.push({ severity: 'warning', message: `'${t.text}' is not a key=value pair (the kernel ignores it)`, token: t.text, start: t.start, end: t.end });
      continue;
    }
    const key = t.text.slice(0, eq), value = t.text.slice(eq + 1);
    const info = KEY_BY_NAME.get(key);
    if (!info) {
      const hint = suggestKey(key);
      problems.push({ severity: 'warning', message: `unknown key '${key}' in '${t.text}' (the kernel skips it)${hint ? `; did you mean '${hint}'?` : ''}`, token: t.text, start: t.start, end: t.end });
      continue;
    }
    const previous = seen.get(info.long);
    if (previous) problems.push({ severity: 'warning', message: `'${t.text}' overrides '${previous.text}'`, token: t.text, start: t.start, end: t.end });
    seen.set(info.long, t);
    switch (info.kind) {
      case 'name':
        if (!IDENT.test(value)) problems.push({ severity: 'error', message: `'${t.text}': '${value}' is not a function name`, token: t.text, start: t.start, end: t.end });
        else hasFn = true;
        break;
      case 'variable':
        if (!VARIABLE.test(value)) problems.push({ severity: 'error', message: `'${t.text}': expected a local variable such as buf or buf[4]`, token: t.text, start: t.start, end: t.end });
        break;
      case 'number':
      case 'flag': {
        const n = parseU16(value);
        if (n === null) {
          problems.push({ severity: 'error', message: `'${t.text}': '${value}' is not a number from 0 to 65535 (decimal, 0x hex or 0 octal)`, token: t.text, start: t.start, end: t.end });
        } else if (info.long === 'watch_len' && ![0, 1, 2, 4, 8].includes(n)) {
          problems.push({ severity: 'error', message: `'${t.text}': a watch length must be 1, 2, 4 or 8 (0 = the canary)`, token: t.text, start: t.start, end: t.end });
        } else if (info.kind === 'flag' && n > 1) {
          problems.push({ severity: 'warning', message: `'${t.text}': a flag is 0 or 1`, token: t.text, start: t.start, end: t.end });
        }
        break;
      }
    }
  }
  if (!hasFn && !problems.some((p) => p.severity === 'error' && /func_name|fn=/.test(p.token))) {
    problems.push({ severity: 'error', message: "missing required key 'fn' (the function to watch), e.g. fn=test_canary_overflow", token: '', start: 0, end: line.length });
  }
  const so = seen.get('sp_offset'), wl = seen.get('watch_len');
  if (so && wl && !seen.has('var')) {
    const soN = parseU16(so.text.slice(so.text.indexOf('=') + 1)), wlN = parseU16(wl.text.slice(wl.text.indexOf('=') + 1));
    if (soN !== null && wlN !== null && wlN > 0 && [1, 2, 4, 8].includes(wlN) && soN % wlN !== 0) {
      problems.push({ severity: 'error', message: `'${so.text}' is not aligned to '${wl.text}': the watched address would be misaligned`, token: so.text, start: so.start, end: so.end });
    }
  }
  // the kernel's own parser has the last word on what it refuses
  if (!problems.some((p) => p.severity === 'error')) {
    try {
      parseConfig(line);
    } catch (e) {
      if (!(e instanceof KswConfigError)) throw e;
      problems.push({ severity: 'error', message: e.message, token: '', start: 0, end: line.length });
    }
  }
  return problems;
}

/** Closest known key within edit distance 2 (for "did you mean"). */
export function suggestKey(key: string): string | undefined {
  let best: string | undefined, bestDistance = 3;
  for (const k of KEY_BY_NAME.keys()) {
    const d = editDistance(key, k);
    if (d < bestDistance) { best = k; bestDistance = d; }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The parsed config of a line that has no errors (null otherwise). */
export function parseWatch(line: string): KswConfig | null {
  if (checkWatchLine(line).some((p) => p.severity === 'error')) return null;
  return parseConfig(line).config;
}

/** A problem found in a launch configuration's `stackWatch`, located for the user. */
export interface LaunchWatchProblem extends WatchProblem {
  /** Where: `stackWatch` or `stackWatch[2]`. */
  where: string;
  /** The config string (objects are shown as the key=val line they become). */
  config: string;
}

/**
 * Check a launch configuration's `stackWatch` (a string, or an array of
 * strings and objects) and return it as config lines, with every problem.
 */
export function checkLaunchStackWatch(value: unknown): { configs: string[]; problems: LaunchWatchProblem[] } {
  const configs: string[] = [];
  const problems: LaunchWatchProblem[] = [];
  if (value === undefined || value === null) return { configs, problems };
  const items = Array.isArray(value) ? value : [value];
  items.forEach((item, i) => {
    const where = Array.isArray(value) ? `stackWatch[${i}]` : 'stackWatch';
    let line: string;
    if (typeof item === 'string') {
      line = item.trim();
      if (line === '') {
        problems.push({ where, config: '', severity: 'error', message: 'empty config: expected e.g. "fn=test_canary_overflow"', token: '', start: 0, end: 0 });
        return;
      }
    } else if (item && typeof item === 'object' && !Array.isArray(item)) {
      try {
        line = stackWatchFromObject(item as StackWatchObject, where);
      } catch (e) {
        if (!(e instanceof LaunchError)) throw e;
        const message = e.message.startsWith(where) ? e.message.slice(where.length).replace(/^[.:]\s*/, '') : e.message;
        problems.push({ where, config: JSON.stringify(item), severity: 'error', message, token: '', start: 0, end: 0 });
        return;
      }
    } else {
      problems.push({ where, config: JSON.stringify(item), severity: 'error', message: 'must be a config string or an object such as { "fn": "victim" }', token: '', start: 0, end: 0 });
      return;
    }
    configs.push(line);
    for (const p of checkWatchLine(line)) problems.push({ ...p, where, config: line });
  });
  return { configs, problems };
}

/** One line for a message box: where, the config, the offending token and why. */
export function describeProblem(p: LaunchWatchProblem): string {
  const token = p.token ? ` at '${p.token}'` : '';
  const config = p.config ? ` "${p.config}"` : '';
  return `${p.where}${config}${token}: ${p.message}`;
}

/** Strip a `#` comment and surrounding blanks from a .ksw line; null when nothing is left. */
export function kswLineContent(line: string): { text: string; offset: number } | null {
  const hash = line.indexOf('#');
  const body = hash >= 0 ? line.slice(0, hash) : line;
  const offset = body.search(/\S/);
  if (offset < 0) return null;
  return { text: body.trimEnd().slice(offset), offset };
}

/** Every config of a .ksw file with its line number (0-based) and the problems of each. */
export function checkKswDocument(text: string): { line: number; config: string; offset: number; problems: WatchProblem[] }[] {
  const out: { line: number; config: string; offset: number; problems: WatchProblem[] }[] = [];
  text.split(/\r?\n/).forEach((raw, line) => {
    const c = kswLineContent(raw);
    if (!c) return;
    out.push({ line, config: c.text, offset: c.offset, problems: checkWatchLine(c.text) });
  });
  return out;
}

/** The first problem of a config as an input box shows it (undefined = valid): errors first, then warnings. */
export function validateWatchInput(text: string): string | undefined {
  const problems = checkWatchLine(text.trim());
  const first = problems.find((p) => p.severity === 'error') ?? problems[0];
  if (!first) return undefined;
  const message = first.token ? first.message.replace(`'${first.token}': `, '') : first.message;
  return `${first.severity === 'error' ? '' : 'Warning: '}${first.token ? `'${first.token}': ` : ''}${message}`;
}
