// The launch configuration of DESIGN.md §3.4, checked and normalised.
// Everything a user can get wrong is a LaunchError with one line that names
// the attribute and says what was expected; nothing here touches the
// machine, so the adapter can answer a bad launch at once.

import * as path from 'node:path';
import { MAX_DURATION_NS, parseDurationNs } from '../text/duration';
import { DEFAULT_MAX_TIME_NS } from '../kernel/machine';
import { UserError } from '../errors/userError';
import { DEFAULT_SCHED_POLICY, parseSchedPolicy, SchedPolicy, SchedPolicyError } from '../kernel/schedPolicy';
import { DEFAULT_CHECKPOINT_INTERVAL, DEFAULT_CHECKPOINT_MEMORY_MIB } from './checkpoints';

/** A structured stack watch (launch.json), the same keys as the kernel config, long or short. */
export interface StackWatchObject {
  function?: string; fn?: string; func_name?: string;
  offset?: number | string; fo?: number | string; func_offset?: number | string;
  depth?: number | string; dp?: number | string;
  maxWatch?: number | string; mw?: number | string; max_watch?: number | string;
  spOffset?: number | string; so?: number | string; sp_offset?: number | string;
  watchLen?: number | string; wl?: number | string; watch_len?: number | string;
  autoCanary?: boolean | number; ac?: boolean | number; auto_canary?: boolean | number;
  panicHit?: boolean | number; ph?: boolean | number; panic_hit?: boolean | number;
  variable?: string; var?: string;
}

export interface LaunchOptions {
  /** A module (.o, .c, .ko), a Kbuild module folder (built first), or a static executable. */
  program: string;
  /** Config strings, one per watch, as the kernel control file takes them. */
  stackWatch: string[];
  params: [string, string][];
  args: string[];
  cpus: number;
  seed: number;
  stopOnEntry: boolean;
  stopOnCorruption: boolean;
  maxInstructions: number;
  /** Simulated-time limit of the run (a module or a user program), ns (launch attribute `maxTime`, seconds or "500ms"). */
  maxTimeNs: number;
  compiler?: string;
  cflags: string[];
  /** Kernel build directory a Kbuild folder is built against (launch attribute `kernelHeaders`; default as `ksw build`). */
  kernelHeaders?: string;
  /** Extra `make` arguments of a Kbuild build (`makeArgs`, e.g. ["V=1"]). */
  makeArgs: string[];
  /** Directory relative paths are resolved against. */
  cwd: string;
  /** Stop (rather than only log) when a task oopses. */
  stopOnOops: boolean;
  /** The interleaving policy (`sched`: "fine", "coarse" or "quantum=MIN-MAX,fine=PERCENT,fine-max=N", as `ksw run --sched`). */
  sched: SchedPolicy;
  /**
   * A user-mode program's CPUs and policy: `cpus` and `sched` when given,
   * else 1 CPU and the user-mode default (as `ksw exec`; a module's default is 4).
   */
  userCpus: number;
  userSched?: SchedPolicy;
  /** Time travel: a checkpoint every this many retired instructions (`checkpointInterval`). */
  checkpointInterval: number;
  /** Time travel: host memory the checkpoints may hold, bytes (`checkpointMemory`, MiB; 0: none, every reverse step replays from the start). */
  checkpointMemoryBytes: number;
}

/** A launch that cannot start; shown to the user in the editor. */
export class LaunchError extends UserError {
  constructor(message: string) { super(message, { showUser: true }); }
}

const DEFAULT_MAX_INSTRUCTIONS = 2_000_000_000;

type Raw = Record<string, unknown>;

function integer(raw: Raw, key: string, min: number, max: number, fallback: number): number {
  const v = raw[key];
  if (v === undefined || v === null) return fallback;
  const n = typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v.trim()) ? Number(v.trim()) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new LaunchError(`'${key}' must be an integer (got ${JSON.stringify(v)})`);
  if (n < min || n > max) throw new LaunchError(`'${key}' must be between ${min} and ${max} (got ${n})`);
  return n;
}

/** A number of seconds or a string with a unit ("1.5s", "500ms"). */
function duration(raw: Raw, key: string, fallback: number): number {
  const v = raw[key];
  if (v === undefined || v === null) return fallback;
  const ns = typeof v === 'number' ? (v > 0 && v * 1e9 <= MAX_DURATION_NS ? Math.round(v * 1e9) : null) : typeof v === 'string' ? parseDurationNs(v) : null;
  if (ns === null) throw new LaunchError(`'${key}' must be a simulated time in seconds, e.g. 600 or "1.5s" or "500ms", at most ${MAX_DURATION_NS / 1e9} (got ${JSON.stringify(v)})`);
  return ns;
}

function boolean(raw: Raw, key: string, fallback: boolean): boolean {
  const v = raw[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw new LaunchError(`'${key}' must be true or false (got ${JSON.stringify(v)})`);
  return v;
}

function stringList(raw: Raw, key: string): string[] {
  const v = raw[key];
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return v.split(/\s+/).filter(Boolean);
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new LaunchError(`'${key}' must be an array of strings`);
  return v as string[];
}

/** Check and normalise launch arguments (unknown attributes, such as VS Code's own, are ignored). */
export function parseLaunchArgs(raw: Raw): LaunchOptions {
  const cwd = typeof raw.cwd === 'string' && raw.cwd ? path.resolve(raw.cwd) : process.cwd();
  const program = raw.program;
  if (typeof program !== 'string' || program.trim() === '') {
    throw new LaunchError("'program' is required: the test module (.c, .o or .ko), a Kbuild module folder, or a static executable to run");
  }
  const compiler = raw.compiler;
  if (compiler !== undefined && (typeof compiler !== 'string' || compiler.trim() === '')) throw new LaunchError("'compiler' must be a command name");
  const kernelHeaders = raw.kernelHeaders;
  if (kernelHeaders !== undefined && kernelHeaders !== null && (typeof kernelHeaders !== 'string' || kernelHeaders.trim() === '')) {
    throw new LaunchError("'kernelHeaders' must be a kernel build directory, e.g. \"/usr/src/linux-headers-6.1.0-57-amd64\"");
  }
  return {
    program: path.resolve(cwd, program),
    stackWatch: stackWatchList(raw.stackWatch),
    params: paramList(raw.params),
    args: stringList(raw, 'args'),
    cpus: integer(raw, 'cpus', 1, 64, 4),
    seed: integer(raw, 'seed', 0, 0xffffffff, 1),
    stopOnEntry: boolean(raw, 'stopOnEntry', false),
    stopOnCorruption: boolean(raw, 'stopOnCorruption', true),
    maxInstructions: integer(raw, 'maxInstructions', 1, Number.MAX_SAFE_INTEGER, DEFAULT_MAX_INSTRUCTIONS),
    maxTimeNs: duration(raw, 'maxTime', DEFAULT_MAX_TIME_NS),
    compiler: typeof compiler === 'string' ? compiler : undefined,
    cflags: stringList(raw, 'cflags'),
    kernelHeaders: typeof kernelHeaders === 'string' ? path.resolve(cwd, kernelHeaders) : undefined,
    makeArgs: stringList(raw, 'makeArgs'),
    cwd,
    stopOnOops: boolean(raw, 'stopOnOops', true),
    sched: schedPolicy(raw.sched),
    userCpus: integer(raw, 'cpus', 1, 64, 1),
    ...(raw.sched !== undefined && raw.sched !== null ? { userSched: schedPolicy(raw.sched) } : {}),
    checkpointInterval: integer(raw, 'checkpointInterval', 10_000, Number.MAX_SAFE_INTEGER, DEFAULT_CHECKPOINT_INTERVAL),
    checkpointMemoryBytes: integer(raw, 'checkpointMemory', 0, 1 << 20, DEFAULT_CHECKPOINT_MEMORY_MIB) * 1024 * 1024,
  };
}

function schedPolicy(v: unknown): SchedPolicy {
  if (v === undefined || v === null) return DEFAULT_SCHED_POLICY;
  if (typeof v !== 'string') throw new LaunchError(`'sched' must be a string such as "fine", "coarse" or "quantum=20-200" (got ${JSON.stringify(v)})`);
  try {
    return parseSchedPolicy(v);
  } catch (e) {
    if (e instanceof SchedPolicyError) throw new LaunchError(`'sched': ${e.message.replace(/^sched:? ?/, '')}`);
    throw e;
  }
}

function paramList(v: unknown): [string, string][] {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'object' || Array.isArray(v)) throw new LaunchError("'params' must be an object of module parameters, e.g. { \"test\": 3 }");
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(v as Raw)) {
    if (typeof value === 'number' || typeof value === 'string') out.push([name, String(value)]);
    else if (typeof value === 'boolean') out.push([name, value ? 'Y' : 'N']);
    else throw new LaunchError(`params.${name} must be a number, string or boolean (got ${JSON.stringify(value)})`);
  }
  return out;
}

/** `stackWatch`: one config string, or an array of strings and objects. */
export function stackWatchList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const items = Array.isArray(v) ? v : [v];
  return items.map((item, i) => {
    const where = Array.isArray(v) ? `stackWatch[${i}]` : 'stackWatch';
    if (typeof item === 'string') {
      if (item.trim() === '') throw new LaunchError(`${where} is empty: expected a config such as "fn=victim"`);
      return item.trim();
    }
    if (item && typeof item === 'object' && !Array.isArray(item)) return stackWatchFromObject(item as StackWatchObject, where);
    throw new LaunchError(`${where} must be a config string or an object (got ${JSON.stringify(item)})`);
  });
}

const OBJECT_KEYS: [string, string[]][] = [
  ['fn', ['function', 'fn', 'func_name']],
  ['fo', ['offset', 'fo', 'func_offset']],
  ['dp', ['depth', 'dp']],
  ['mw', ['maxWatch', 'mw', 'max_watch']],
  ['so', ['spOffset', 'so', 'sp_offset']],
  ['wl', ['watchLen', 'wl', 'watch_len']],
  ['ac', ['autoCanary', 'ac', 'auto_canary']],
  ['ph', ['panicHit', 'ph', 'panic_hit']],
  ['var', ['variable', 'var']],
];

/** A structured watch as the kernel's key=val line. */
export function stackWatchFromObject(o: StackWatchObject, where = 'stackWatch'): string {
  const known = new Set(OBJECT_KEYS.flatMap(([, names]) => names));
  for (const k of Object.keys(o)) {
    if (!known.has(k)) throw new LaunchError(`${where}: unknown key '${k}' (use function, offset, depth, maxWatch, spOffset, watchLen, autoCanary, panicHit, variable)`);
  }
  const tokens: string[] = [];
  for (const [short, names] of OBJECT_KEYS) {
    const key = names.find((n) => (o as Raw)[n] !== undefined);
    if (key === undefined) continue;
    const value = (o as Raw)[key];
    if (typeof value === 'boolean') tokens.push(`${short}=${value ? 1 : 0}`);
    else if (typeof value === 'number' && Number.isInteger(value) && value >= 0) tokens.push(`${short}=${short === 'fo' ? '0x' + value.toString(16) : value}`);
    else if (typeof value === 'string' && value.trim() !== '' && !/\s/.test(value.trim())) tokens.push(`${short}=${value.trim()}`);
    else throw new LaunchError(`${where}.${key}: bad value ${JSON.stringify(value)}`);
  }
  if (!tokens.some((t) => t.startsWith('fn='))) throw new LaunchError(`${where}: 'function' is required`);
  return tokens.join(' ');
}
