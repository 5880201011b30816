// Interleaving and hunt benchmark (npm run bench runs it bundled, as
// dist/bench-sched.js):
//  1. the run-time cost of each interleaving policy on a module keeping all
//     4 CPUs busy (bench/sched/busy.c), best of 3, against `coarse` (the
//     500–1999-instruction quanta the machine used before) — in wall time
//     and in this process's CPU time (which other jobs on the machine
//     disturb far less);
//  2. how many seeds of the narrow-window race (test/hunt/narrow_race.c,
//     4 windows of a few dozen instructions) each policy catches;
//  3. `ksw hunt` throughput, seeds per second, with --jobs 1 and --jobs 2,
//     and the hunt's user+system CPU seconds (/usr/bin/time, when present):
//     CPU / wall is how many cores it really got.
//
//   node dist/bench-sched.js [SEEDS]     (default 40)

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileModule } from '../simulator/toolchain/compile';
import { ModuleRun } from '../simulator/cli/moduleRun';
import { parseRunArgs } from '../simulator/cli/runArgs';
import { countArg } from './countArg';
import { tuneV8 } from '../simulator/cli/v8Tuning';

tuneV8(); // measured as `ksw run` runs (simulator/cli/v8Tuning.ts)

const SEEDS = countArg(process.argv.slice(2), 'bench-sched', 'SEEDS', 40);
// __dirname is dist/ (bundled) or out/bench/ (transpiled)
const ROOT = [resolve(__dirname, '..'), resolve(__dirname, '../..')].find((p) => existsSync(join(p, 'bench/sched/busy.c')))!;
const POLICIES = (process.env.KSW_BENCH_POLICIES ?? 'coarse;fine;quantum=1-200,fine=0').split(';');
const RACE_WATCH = 'fn=publish_window var=buf[2]';
/** About 70 M instructions per run: long enough that a run's CPU time is not noise. */
const BUSY_ITERS = 100_000;

function compile(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ksw-bench-sched-'));
  const r = compileModule(join(ROOT, source), { output: join(dir, source.replace(/^.*\//, '').replace(/\.c$/, '.o')) });
  if (!('objectPath' in r) || !r.objectPath) throw new Error(`compile failed: ${r.diagnostics}`);
  return r.objectPath;
}

function runOnce(object: string, argv: string[]): { ms: number; cpuMs: number; insns: number; status: number } {
  const run = new ModuleRun(parseRunArgs([object, ...argv]), object);
  const t = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const { status } = run.run();
  const used = process.cpuUsage(cpu);
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, cpuMs: (used.user + used.system) / 1000, insns: run.kernel.machine.insns, status };
}

const busy = compile('bench/sched/busy.c');
const race = compile('test/hunt/narrow_race.c');

console.log('Interleaving cost: bench/sched/busy.c (4 kthreads, 4 CPUs), best of 3');
console.log('| --sched | instructions | wall ms | cost vs coarse (wall) | CPU ms | MIPS (CPU) | cost vs coarse (CPU) |');
console.log('|:--|--:|--:|--:|--:|--:|--:|');
let coarseMs = 0, coarseCpu = 0;
for (const policy of POLICIES) {
  let best = Infinity, bestCpu = Infinity, insns = 0;
  for (let i = 0; i < 3; i++) {
    const r = runOnce(busy, ['--param', `iters=${BUSY_ITERS}`, '--sched', policy]);
    best = Math.min(best, r.ms);
    bestCpu = Math.min(bestCpu, r.cpuMs);
    insns = r.insns;
  }
  if (policy === 'coarse') { coarseMs = best; coarseCpu = bestCpu; }
  console.log(`| ${policy} | ${insns} | ${best.toFixed(0)} | ${(best / coarseMs).toFixed(2)}× | ${bestCpu.toFixed(0)} | ` +
    `${(insns / bestCpu / 1000).toFixed(1)} | ${(bestCpu / coarseCpu).toFixed(2)}× |`);
}

console.log(`\nNarrow race caught (test/hunt/narrow_race.c rounds=4, seeds 1-${SEEDS})`);
console.log('| --sched | seeds corrupted |');
console.log('|:--|--:|');
for (const policy of POLICIES) {
  let found = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    if (runOnce(race, ['--watch', RACE_WATCH, '--param', 'rounds=4', '--sched', policy, '--seed', String(seed)]).status === 1) found++;
  }
  console.log(`| ${policy} | ${found}/${SEEDS} (${((100 * found) / SEEDS).toFixed(0)}%) |`);
}

console.log(`\nksw hunt throughput (narrow_race.o, --seeds 1-${SEEDS}, default --sched)`);
console.log('| --jobs | seeds/s | wall ms | CPU s | cores used (CPU / wall) |');
console.log('|--:|--:|--:|--:|--:|');
const TIME = '/usr/bin/time';
const timeFile = join(mkdtempSync(join(tmpdir(), 'ksw-bench-sched-')), 'cpu');
for (const jobs of ['1', '2']) {
  const hunt = [process.execPath, join(ROOT, 'dist/ksw.js'), 'hunt', race, '--watch', RACE_WATCH, '--seeds', `1-${SEEDS}`, '--jobs', jobs, '--json'];
  const timed = existsSync(TIME);
  const [cmd, ...args] = timed ? [TIME, '-f', '%U %S', '-o', timeFile, ...hunt] : hunt;
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { seeds: number; wall_ms: number };
  // the last line: /usr/bin/time writes "Command exited with non-zero status 1" first when the hunt found something
  const cpuS = timed ? readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(/\s+/).map(Number).reduce((a, b) => a + b, 0) : NaN;
  console.log(`| ${jobs} | ${((last.seeds * 1000) / last.wall_ms).toFixed(1)} | ${last.wall_ms} | ${timed ? cpuS.toFixed(1) : 'n/a'} | ` +
    `${timed ? ((cpuS * 1000) / last.wall_ms).toFixed(2) : 'n/a'} |`);
}
