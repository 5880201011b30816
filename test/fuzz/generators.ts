// Seeded input generators for the fuzz suite: a xorshift PRNG (the same seed
// gives the same inputs on every machine), byte mutators for binaries, and
// token-level generators for watch configs, C expressions and DAP traffic.
// Hostile on purpose: boundary numbers, control characters, deep nesting.

export class Rng {
  private s: number;
  constructor(seed: number) { this.s = (seed >>> 0) || 0x9e3779b9; }
  next(): number {
    let x = this.s;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.s = x;
    return x;
  }
  below(n: number): number { return this.next() % n; }
  chance(p: number): boolean { return this.next() / 0x100000000 < p; }
  pick<T>(items: readonly T[]): T { return items[this.below(items.length)]; }
}

const BOUNDARY_U64 = [0n, 1n, 0x7fn, 0x80n, 0xffn, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n,
  0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0xffffffffa0000000n, 0x1000n];

/** A mutant of `input`: bit flips, byte stores, boundary u64s, truncation, duplication. */
export function mutateBytes(rng: Rng, input: Uint8Array): Uint8Array {
  let b = Buffer.from(input);
  const edits = 1 + rng.below(8);
  for (let i = 0; i < edits; i++) {
    const at = rng.below(Math.max(1, b.length));
    switch (rng.below(6)) {
      case 0: b[at] ^= 1 << rng.below(8); break;
      case 1: b[at] = rng.below(256); break;
      case 2: if (at + 8 <= b.length) b.writeBigUInt64LE(rng.pick(BOUNDARY_U64), at); break;
      case 3: if (at + 4 <= b.length) b.writeUInt32LE(rng.pick([0, 1, 0x7fffffff, 0x80000000, 0xffffffff, rng.next()]), at); break;
      case 4: if (rng.chance(0.2)) b = b.subarray(0, at); break;
      case 5: if (rng.chance(0.2)) b = Buffer.concat([b, b.subarray(at, at + rng.below(256))]); break;
    }
  }
  return new Uint8Array(b);
}

/** Mutate only the header/table areas of an ELF (where loaders make decisions) more often than the bulk. */
export function mutateElf(rng: Rng, input: Uint8Array): Uint8Array {
  if (rng.chance(0.5)) return mutateBytes(rng, input);
  const b = Buffer.from(input);
  const shoff = b.length >= 64 ? Number(b.readBigUInt64LE(0x28)) : 0;
  const areas = [[0, 64], [shoff, b.length]].filter(([s, e]) => s < e && e <= b.length);
  const [s, e] = rng.pick(areas);
  const at = s + rng.below(Math.max(1, e - s));
  if (at + 8 <= b.length && rng.chance(0.5)) b.writeBigUInt64LE(rng.pick(BOUNDARY_U64), at);
  else if (at < b.length) b[at] = rng.below(256);
  return new Uint8Array(b);
}

const KEYS = ['fn', 'func_name', 'fo', 'func_offset', 'dp', 'depth', 'mw', 'max_watch', 'so', 'sp_offset', 'wl', 'watch_len',
  'ac', 'auto_canary', 'ph', 'panic_hit', 'var', 'foo', '', 'FN', 'fn\u0000'];
const VALUES = ['0', '1', '8', '64', '0x4c', '0x10000', '-8', '65535', '65536', '0777', '08', '', '=', 'zz', '1e3', '+4',
  'buffer', 'buffer[4]', 'buffer[32]', 'buffer[-1]', 'test_watch_fire', 'test_mthread_victim', 'test_recursive_depth',
  'no_such_fn', '\x1b[2J', '\r', 'a'.repeat(120), '18446744073709551616'];
const SEPARATORS = [' ', '  ', '\t', '\n', '\r\n', '\r', '\x0b'];

/** A watch config line: mostly key=value tokens, sometimes junk. */
export function watchConfig(rng: Rng): string {
  const tokens: string[] = [];
  const n = rng.below(7);
  if (rng.chance(0.8)) tokens.push(`fn=${rng.pick(['test_watch_fire', 'test_mthread_victim', 'test_recursive_depth', 'no_such_fn', ''])}`);
  for (let i = 0; i < n; i++) {
    if (rng.chance(0.1)) { tokens.push(rng.pick(['BOGUS', '=', '==', '\u0007', 'fn', '\x00'])); continue; }
    tokens.push(`${rng.pick(KEYS)}=${rng.pick(VALUES)}`);
  }
  let s = '';
  for (const t of tokens) s += t + rng.pick(SEPARATORS);
  return rng.chance(0.1) ? s.slice(0, rng.below(s.length + 1)) : s;
}

const EXPR_ATOMS = ['0', '1', '0x10', '4294967296', '18446744073709551615', '18446744073709551616', 'x', '$rip', '$rsp', 'rax',
  'sink', 'mode', 'no_such', "'a'", '"str"', '1.5', 'sizeof(int)', '(u64 *)0', '(char)65', '__func__', '$'];
const EXPR_OPS = ['+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^', '&&', '||', '==', '!=', '<', '>', '<=', '>=', ',', '=', '.', '->'];
const EXPR_PREFIX = ['-', '!', '~', '*', '&', '(int)', '(u64 *)', '(void *)', 'sizeof ', '(struct x *)'];

/** A C-like expression: nested, sometimes broken, sometimes deep. */
export function expression(rng: Rng, depth = 0): string {
  if (depth === 0 && rng.chance(0.05)) {
    const n = rng.pick([300, 3000, 100_000]);
    return rng.pick(['(', '-', '*', '!']).repeat(n) + '1' + (rng.chance(0.5) ? ')'.repeat(n) : '');
  }
  if (depth > 6 || rng.chance(0.3)) return rng.pick(EXPR_ATOMS);
  switch (rng.below(6)) {
    case 0: return `${expression(rng, depth + 1)} ${rng.pick(EXPR_OPS)} ${expression(rng, depth + 1)}`;
    case 1: return `${rng.pick(EXPR_PREFIX)}${expression(rng, depth + 1)}`;
    case 2: return `(${expression(rng, depth + 1)})`;
    case 3: return `${expression(rng, depth + 1)}[${expression(rng, depth + 1)}]`;
    case 4: return `${expression(rng, depth + 1)} ? ${expression(rng, depth + 1)} : ${expression(rng, depth + 1)}`;
    default: {
      const s = expression(rng, depth + 1);
      const at = rng.below(s.length + 1);
      return s.slice(0, at) + rng.pick(['(', ')', '[', ']', '?', ':', '\x00', '\u00e9', '{_stack}', '`']) + s.slice(at);
    }
  }
}

const COMMANDS = ['initialize', 'launch', 'threads', 'stackTrace', 'scopes', 'variables', 'evaluate', 'readMemory', 'writeMemory',
  'disassemble', 'setBreakpoints', 'setFunctionBreakpoints', 'setDataBreakpoints', 'dataBreakpointInfo', 'continue', 'next',
  'pause', 'source', 'modules', 'kstackwatch.setStackWatches', 'noSuchCommand', '__proto__', 'constructor'];
const ARG_NAMES = ['threadId', 'frameId', 'expression', 'memoryReference', 'count', 'offset', 'instructionOffset', 'instructionCount',
  'data', 'source', 'breakpoints', 'variablesReference', 'name', 'value', 'start', 'levels', 'watches', 'program', '__proto__'];

/** A JSON value of bounded size, with hostile leaves. */
export function jsonValue(rng: Rng, depth = 0): unknown {
  if (depth > 4 || rng.chance(0.35)) {
    return rng.pick<unknown>([null, true, false, 0, -1, 1.5, 2 ** 64, -1e9, 1e9, 3e6, Number.MAX_SAFE_INTEGER, '', '0x0',
      '0xffffffffa0000000', 'ten', 'AAAA', '!!', '\x1b', '{_stack}', 'x'.repeat(rng.below(64))]);
  }
  if (rng.chance(0.4)) return Array.from({ length: rng.below(4) }, () => jsonValue(rng, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = rng.below(5); i > 0; i--) o[rng.pick(ARG_NAMES)] = jsonValue(rng, depth + 1);
  return o;
}

/** One DAP message body (as text): a request with hostile arguments, or something that is not one. */
export function dapBody(rng: Rng, seq: number): string {
  switch (rng.below(10)) {
    case 0: return JSON.stringify(jsonValue(rng));
    case 1: {
      const n = 60 + rng.below(5000);
      return `{"seq":${seq},"type":"request","command":"launch","arguments":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`;
    }
    case 2: return '['.repeat(rng.below(100_000));
    default: {
      const args = rng.chance(0.9) ? jsonValue(rng) : undefined;
      return JSON.stringify({ seq, type: rng.chance(0.95) ? 'request' : rng.pick(['event', 'response', 'x']), command: rng.pick(COMMANDS), arguments: args });
    }
  }
}

/** A stretch of DAP input: well-framed messages, lying Content-Lengths and garbage. */
export function dapStream(rng: Rng, seq: number): Buffer {
  const body = Buffer.from(dapBody(rng, seq));
  switch (rng.below(8)) {
    case 0: return Buffer.from(`Content-Length: ${Math.max(0, body.length - 1 - rng.below(body.length + 1))}\r\n\r\n${body}`);
    case 1: return Buffer.from(`Content-Length: ${rng.pick(['-1', 'abc', '1e9', '99999999999', '', ' 5'])}\r\n\r\n${body}`);
    case 2: return Buffer.from(Array.from({ length: rng.below(300) }, () => rng.below(256)));
    case 3: return Buffer.from(`Content-Length: ${body.length}\n\n${body}`);
    default: return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]);
  }
}
