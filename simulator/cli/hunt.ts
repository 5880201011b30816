// `ksw hunt MODULE [run options] --seeds A-B|N [--jobs N] [--shard K/N]
// [--json] [--stop-after K]`: run a module under many seeds on worker
// threads (all cores by default) and list the seeds whose schedule corrupts
// a watched stack or oopses, each with the `ksw run` command replaying it.
// `ksw hunt merge FILE…` combines the --json outputs of shards.
// Exit status: 1 any seed corrupted, 3 any oopsed (or otherwise failed)
// without corruption, 0 all clean, 2 bad input (DESIGN.md §3.1).

import { EXIT_INTERNAL } from './exec';
import { compileIfSource } from './run';
import { removeTempDir } from '../toolchain/tempDir';
import { RunArgsError } from './runArgs';
import { HuntArgs, HUNT_USAGE, parseHuntArgs, replayCommand, shardSeeds } from './huntArgs';
import { EXIT_BAD_INPUT, ModuleRun, RunInputError } from './moduleRun';
import { HuntSeedError, runHuntPool } from './huntPool';
import { HuntReporter, huntStatus, summarize } from './huntReport';
import { mergeCommand } from './huntMerge';
import type { SeedResult } from './huntSeed';

type Out = (line: string) => void;

export interface HuntIo {
  out: Out;
  err: Out;
  /** Raw text for the progress bar or progress lines (stderr), and whether it is a terminal. */
  progress: ((text: string) => void) | null;
  tty: boolean;
}

export async function huntCommand(argv: string[], io: HuntIo): Promise<number> {
  if (argv[0] === 'merge') return mergeCommand(argv.slice(1), io.err, io.out);
  let args;
  try {
    args = parseHuntArgs(argv);
  } catch (e) {
    if (e instanceof RunArgsError) { io.err(`ksw hunt: ${e.message}`); io.err(HUNT_USAGE); return EXIT_BAD_INPUT; }
    throw e;
  }
  const scratch: { path?: string } = {};
  try {
    return await huntModule(args, compileIfSource(args.run.module, args.run.cflags, io.err, scratch), io);
  } finally {
    removeTempDir(scratch.path); // the compiled .c, needed until the last worker loaded it
  }
}

async function huntModule(args: HuntArgs, object: string | null, io: HuntIo): Promise<number> {
  if (!object) return EXIT_BAD_INPUT;
  // Load once here so bad input (a broken module, an unknown parameter, an
  // invalid watch) is one line and status 2, before any worker starts.
  try {
    new ModuleRun(args.run, object);
  } catch (e) {
    if (e instanceof RunInputError) { io.err(`ksw: ${e.message}`); return EXIT_BAD_INPUT; }
    throw e;
  }

  const seeds = shardSeeds(args.seeds, args.shard);
  const started = Date.now();
  const reporter = new HuntReporter(args.json, io.out, io.progress, io.tty);
  const pool = runHuntPool({
    data: { args: args.run, object },
    jobs: args.jobs,
    seeds,
    stopAfter: args.stopAfter,
    onResult: (r: SeedResult) => {
      if (r.status !== 0) r.replay = replayCommand(args.runArgv, r.seed);
      reporter.seed(r);
    },
    onProgress: (done, found) => reporter.progress(done, found, seeds.length),
  });
  let outcome;
  try {
    outcome = await pool.done;
  } catch (e) {
    if (!(e instanceof HuntSeedError)) throw e;
    io.err(`ksw hunt: internal error on seed ${e.seed}: ${e.message}`);
    io.err(`  to reproduce: ${replayCommand(args.runArgv, e.seed)}`);
    return EXIT_INTERNAL;
  }
  const summary = summarize(outcome.results, {
    wall_ms: Date.now() - started, spec: args.seedSpec,
    ...(args.shard ? { shard: `${args.shard.index}/${args.shard.count}` } : {}),
    jobs: Math.max(1, Math.min(args.jobs, seeds.length)),
    ...(outcome.stopped ? { stopped: true } : {}),
  });
  reporter.finish(summary);
  return huntStatus(summary);
}
