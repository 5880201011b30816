// Argument parsing for `ksw hunt` (DESIGN.md §3.1): its own options
// (--seeds, --jobs, --shard, --json, --stop-after) are taken out and every
// other argument is a `ksw run` option, parsed by parseRunArgs and kept as
// typed so each finding prints the exact `ksw run … --seed S` replaying it.

import * as os from 'node:os';
import { parseRunArgs, RunArgs, RunArgsError } from './runArgs';

export const HUNT_USAGE =
  'usage: ksw hunt MODULE(.o|.c) [ksw run options] --seeds A-B|N [--jobs N] [--shard K/N] [--json] [--stop-after K]\n' +
  '       ksw hunt merge FILE... [--json]';

/** Most seeds one hunt takes (a typo like 1-1e12 should be an error, not a week of work). */
export const MAX_SEEDS = 10_000_000;

export interface SeedRange { first: number; last: number }
export interface Shard { index: number; count: number } // index 1..count

export interface HuntArgs {
  run: RunArgs;
  /** The `ksw run` arguments as typed (no --seed): the replay command is `ksw run ${runArgv} --seed S`. */
  runArgv: string[];
  seeds: SeedRange;
  /** The --seeds text as typed, recorded in the JSON so merge can check shards belong together. */
  seedSpec: string;
  jobs: number;
  shard: Shard | null;
  json: boolean;
  stopAfter: number | null;
}

function count(flag: string, v: string | undefined, max: number): number {
  if (v === undefined) throw new RunArgsError(`${flag} needs a value`);
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new RunArgsError(`${flag}: '${v}' is not a number in 1..${max}`);
  return Number(v);
}

/** `A-B` (inclusive) or `N` (seeds 1..N). */
export function parseSeeds(v: string | undefined): SeedRange {
  if (v === undefined) throw new RunArgsError('--seeds needs A-B or N');
  const range = /^(\d+)-(\d+)$/.exec(v);
  if (range) {
    const [first, last] = [Number(range[1]), Number(range[2])];
    if (last > 0xffffffff) throw new RunArgsError(`--seeds: ${last} is above the largest seed 4294967295`);
    if (first > last) throw new RunArgsError(`--seeds: '${v}' is empty (A must not be above B)`);
    if (last - first + 1 > MAX_SEEDS) throw new RunArgsError(`--seeds: '${v}' is more than ${MAX_SEEDS} seeds; split it with --shard`);
    return { first, last };
  }
  if (/^\d+$/.test(v)) return { first: 1, last: count('--seeds', v, MAX_SEEDS) };
  throw new RunArgsError(`--seeds: '${v}' is not A-B (e.g. 1-100) or a count N (seeds 1..N)`);
}

/** `K/N`, 1 ≤ K ≤ N. */
export function parseShard(v: string | undefined): Shard {
  const m = v ? /^(\d+)\/(\d+)$/.exec(v) : null;
  if (!m) throw new RunArgsError(`--shard needs K/N (e.g. 2/3, the second of three shards)${v === undefined ? '' : `, not '${v}'`}`);
  const [index, total] = [Number(m[1]), Number(m[2])];
  if (total < 1 || index < 1 || index > total) throw new RunArgsError(`--shard: '${v}' needs 1 <= K <= N`);
  return { index, count: total };
}

/**
 * The seeds a shard runs, in increasing order: every N-th seed of the range,
 * starting at the K-th. Round-robin rather than blocks, so shards get equal
 * shares of any slow stretch of seeds; the shards of 1/N..N/N partition the range.
 */
export function shardSeeds(seeds: SeedRange, shard: Shard | null): number[] {
  const step = shard ? shard.count : 1;
  const out: number[] = [];
  for (let s = seeds.first + (shard ? shard.index - 1 : 0); s <= seeds.last; s += step) out.push(s);
  return out;
}

/** POSIX shell quoting: safe words stay bare, anything else goes in single quotes. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_\-+=.,/:@%^]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The exact command that replays one seed of a hunt. */
export function replayCommand(runArgv: string[], seed: number): string {
  return ['ksw', 'run', ...runArgv, '--seed', String(seed)].map(shellQuote).join(' ');
}

export function defaultJobs(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

export function parseHuntArgs(argv: string[]): HuntArgs {
  const runArgv: string[] = [];
  let seedSpec: string | undefined;
  let jobs = defaultJobs();
  let shard: Shard | null = null;
  let json = false;
  let stopAfter: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const [flag, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--seeds': seedSpec = value(); if (seedSpec === undefined) throw new RunArgsError('--seeds needs A-B or N'); break;
      case '--jobs': jobs = count('--jobs', value(), 256); break;
      case '--shard': shard = parseShard(value()); break;
      case '--json': json = true; break;
      case '--stop-after': stopAfter = count('--stop-after', value(), MAX_SEEDS); break;
      case '--seed': throw new RunArgsError('--seed: a hunt runs many seeds; give them with --seeds A-B or --seeds N');
      case '--quiet': break; // a hunt prints no kernel log anyway
      default: runArgv.push(arg);
    }
  }
  if (seedSpec === undefined) throw new RunArgsError('missing --seeds A-B or --seeds N');
  const seeds = parseSeeds(seedSpec);
  const run = parseRunArgs(runArgv);
  return { run, runArgv, seeds, seedSpec, jobs, shard, json, stopAfter };
}
