// Argument parsing for `ksw run` (DESIGN.md §3.1).

import { DEFAULT_MAX_TIME_NS } from '../kernel/machine';
import { MAX_DURATION_NS, parseDurationNs } from '../text/duration';
import { UserError } from '../errors/userError';
import { DEFAULT_SCHED_POLICY, parseSchedPolicy, SchedPolicy, SchedPolicyError } from '../kernel/schedPolicy';

export interface RunArgs {
  module: string;
  watches: string[];
  params: [string, string][];
  cpus: number;
  seed: number;
  maxInsns: number;
  /** --max-time (ours in detail; the contract names it): simulated-time limit, ns. */
  maxTimeNs: number;
  json: boolean;
  quiet: boolean;
  panicOnOops: boolean;
  /** --hotplug CPU@MS:off|on (ours): take a CPU offline/online at a simulated time. */
  hotplug: { cpu: number; atNs: number; online: boolean }[];
  cflags: string[];
  /** --control "at TIME: CONFIG" (ours): write CONFIG to the debugfs config file at a simulated time. */
  controls: { atNs: number; text: string }[];
  /** --sched POLICY (ours): the interleaving policy (simulator/kernel/schedPolicy.ts). */
  sched: SchedPolicy;
}

export const RUN_USAGE =
  'usage: ksw run MODULE(.o|.c) [--watch CONFIG]… [--param NAME=VALUE]… [--cpus N] [--seed S] ' +
  '[--max-insns N] [--max-time T] [--json] [--quiet] [--panic-on-oops] [--hotplug CPU@MS:off|on]… [--control "at TIME: CONFIG"]… [--sched POLICY] [--cflags "FLAGS"]';

export class RunArgsError extends UserError {}

function integer(flag: string, v: string | undefined, min: number, max: number): number {
  if (v === undefined) throw new RunArgsError(`${flag} needs a value`);
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(v)) throw new RunArgsError(`${flag}: '${v}' is not a number`);
  // compared as BigInt and echoed as typed: a double would print 2^64 as 18446744073709552000
  const n = BigInt(v);
  if (n < BigInt(min) || n > BigInt(max)) throw new RunArgsError(`${flag}: ${v} is out of range ${min}..${max}`);
  return Number(n);
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };

/** `at 50ms: fn=victim` → { atNs, text }; the text may be empty (clears the config, as an empty write does). */
export function parseControl(v: string): { atNs: number; text: string } {
  const m = /^\s*at\s+(\d+(?:\.\d+)?)\s*(ns|us|ms|s)\s*:\s?([^]*)$/.exec(v);
  if (!m) throw new RunArgsError(`--control: '${v}' is not "at TIME: CONFIG" (TIME like 50ms, 1.5s, 200us)`);
  return { atNs: Math.round(Number(m[1]) * UNIT_NS[m[2]]), text: m[3] };
}

export function parseRunArgs(argv: string[]): RunArgs {
  const a: RunArgs = {
    module: '', watches: [], params: [], cpus: 4, seed: 1, maxInsns: 2_000_000_000, maxTimeNs: DEFAULT_MAX_TIME_NS, json: false, quiet: false,
    panicOnOops: false, hotplug: [], cflags: [], controls: [], sched: DEFAULT_SCHED_POLICY,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') && !arg.startsWith('--param=') && !arg.startsWith('--watch=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--watch': { const v = value(); if (v === undefined) throw new RunArgsError('--watch needs a config'); a.watches.push(v); break; }
      case '--param': {
        const v = value();
        if (v === undefined || !v.includes('=')) throw new RunArgsError('--param needs NAME=VALUE');
        a.params.push([v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]);
        break;
      }
      case '--cpus': a.cpus = integer('--cpus', value(), 1, 64); break;
      case '--seed': a.seed = integer('--seed', value(), 0, 0xffffffff); break;
      case '--max-insns': a.maxInsns = integer('--max-insns', value(), 1, Number.MAX_SAFE_INTEGER); break;
      case '--max-time': {
        const v = value();
        const ns = v === undefined ? null : parseDurationNs(v);
        if (ns === null) throw new RunArgsError(`--max-time: '${v ?? ''}' is not a simulated time (seconds, or 1.5s, 500ms, 200us; at most ${MAX_DURATION_NS / 1e9} s)`);
        a.maxTimeNs = ns;
        break;
      }
      case '--json': a.json = true; break;
      case '--quiet': a.quiet = true; break;
      case '--panic-on-oops': a.panicOnOops = true; break;
      case '--cflags': { const v = value(); if (v === undefined) throw new RunArgsError('--cflags needs a value'); a.cflags.push(...v.split(/\s+/).filter(Boolean)); break; }
      case '--sched': {
        const v = value();
        if (v === undefined) throw new RunArgsError('--sched needs a policy: fine, coarse, or quantum=MIN-MAX,fine=PERCENT,fine-max=N');
        try { a.sched = parseSchedPolicy(v); } catch (e) { if (e instanceof SchedPolicyError) throw new RunArgsError(e.message.replace(/^sched/, '--sched')); throw e; }
        break;
      }
      case '--control': {
        const v = value();
        if (v === undefined) throw new RunArgsError('--control needs "at TIME: CONFIG", e.g. "at 50ms: fn=test_mthread_victim"');
        a.controls.push(parseControl(v));
        break;
      }
      case '--hotplug': {
        const v = value();
        const m = v ? /^(\d+)@(\d+(?:\.\d+)?)(?:ms)?:(off|on)$/.exec(v) : null;
        if (!m) throw new RunArgsError('--hotplug needs CPU@MS:off|on, e.g. 2@50:off');
        a.hotplug.push({ cpu: Number(m[1]), atNs: Math.round(Number(m[2]) * 1e6), online: m[3] === 'on' });
        break;
      }
      default:
        if (arg.startsWith('-') && arg !== '-') throw new RunArgsError(`unknown option '${arg}'`);
        if (a.module) throw new RunArgsError(`unexpected argument '${arg}' (one module at a time)`);
        a.module = arg;
    }
  }
  if (!a.module) throw new RunArgsError('missing MODULE');
  for (const h of a.hotplug) if (h.cpu >= a.cpus) throw new RunArgsError(`--hotplug: no CPU ${h.cpu} (--cpus ${a.cpus})`);
  return a;
}
