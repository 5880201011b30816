// KStackWatch overhead benchmark: the cost of the entry and exit probes with
// and without arming a watch, in host time and simulated cycles, next to the
// kernel series' published figures; and the whole-run ratio of an armed run
// to an unarmed one for 100 000 calls of the watched function, in CPU time of
// this process's main thread where Linux tells it (/proc/thread-self/schedstat),
// with the whole process's CPU time and wall time next to it: on a loaded
// machine only CPU time compares runs fairly, and V8's helper threads (its
// optimizing compiler, GC) add to the process's time by when they happen
// to run — as much noise as the armed calls' cost. The three kinds of run take turns, five rounds, so
// a change in the machine's load hits them alike; besides the best of each,
// the median of the rounds' armed/unarmed ratios, and what an armed call
// costs on top of an unarmed one (the runs' fixed costs — start-up,
// compiling the guest's blocks — cancel out).
//
//   node dist/bench-kstackwatch.js [CALLS]   (npm run bench runs it)

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileModule } from '../simulator/toolchain/compile';
import { Kernel } from '../simulator/system/kernel';
import { StackProbe } from '../simulator/kstackwatch/stack';
import { countArg } from './countArg';
import { tuneV8 } from '../simulator/cli/v8Tuning';

const CALLS = countArg(process.argv.slice(2), 'bench-kstackwatch', 'CALLS', 100_000);
// __dirname is dist/ (bundled) or out/bench/ (transpiled)
const SOURCE = [resolve(__dirname, '../bench/kstackwatch/overhead.c'), resolve(__dirname, '../../bench/kstackwatch/overhead.c')]
  .find((p) => existsSync(p))!;

/** The series' figures (v8 cover letter, Intel Core Ultra 5 125H @ 3 GHz, test4). */
const KERNEL = { entryNoWatch: 159, entryWatch: 10_892, exitNoWatch: 124, exitWatch: 12_541 };

interface Timing { total: number; count: number }

interface RunResult { wallMs: number; cpuMs: number; processMs: number; insns: number; entry: Timing; exit: Timing; armed: number }

/** The main thread's CPU time so far in ms (Linux), or null where the system does not say. */
function threadCpuMs(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return null;
  }
}

/** What the comparisons use: the main thread's CPU time where known, else the process's. */
const CPU_BASIS = threadCpuMs() !== null ? 'main-thread CPU time' : 'CPU time';

function compile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ksw-bench-'));
  const r = compileModule(SOURCE, { output: join(dir, 'overhead.o') });
  if (!('objectPath' in r) || !r.objectPath) throw new Error(`compile failed: ${r.diagnostics}`);
  return r.objectPath;
}

/** Time the probe handlers by wrapping StackProbe's methods (bench only). */
function instrument(): { entry: Timing; exit: Timing; restore: () => void } {
  const entry: Timing = { total: 0, count: 0 }, exit: Timing = { total: 0, count: 0 };
  const proto = StackProbe.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const origProbe = proto.onProbe, origExit = proto.onFunctionExit;
  proto.onProbe = function (this: unknown, ...a: unknown[]) {
    const t = process.hrtime.bigint();
    const r = origProbe.apply(this, a);
    entry.total += Number(process.hrtime.bigint() - t); entry.count++;
    return r;
  };
  proto.onFunctionExit = function (this: unknown, ...a: unknown[]) {
    const t = process.hrtime.bigint();
    const r = origExit.apply(this, a);
    exit.total += Number(process.hrtime.bigint() - t); exit.count++;
    return r;
  };
  return { entry, exit, restore: () => { proto.onProbe = origProbe; proto.onFunctionExit = origExit; } };
}

/**
 * One run of the module. `timed`: the probe handlers are timed (per probe
 * ns), which costs each call two clock reads per probe: those runs are
 * not the ones whose whole-run times are compared (they would add the
 * same ~100 ns to every unarmed and armed call, and make the ratio look
 * smaller than it is).
 */
function runOnce(object: string, watch: string | null, timed = false): RunResult {
  const k = new Kernel({ cpus: 4, seed: 1, maxInstructions: 4e9 });
  k.load(object);
  k.setParam('calls', String(CALLS));
  const timing = timed ? instrument() : null;
  let armed = 0;
  if (watch) {
    const w = k.ksw.start(watch);
    void w;
  }
  k.hw; // hardware breakpoint layer in use by the pool
  const t0 = process.hrtime.bigint(), c0 = process.cpuUsage(), m0 = threadCpuMs();
  k.startInit();
  const stop = k.run();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0), processMs = (c.user + c.system) / 1000, m1 = threadCpuMs();
  const cpuMs = m0 !== null && m1 !== null ? m1 - m0 : processMs;
  timing?.restore();
  if (stop.kind !== 'idle') throw new Error(`run ended with ${stop.kind}`);
  armed = k.ksw.corruptions.length;
  const none: Timing = { total: 0, count: 0 };
  return { wallMs, cpuMs, processMs, insns: k.machine.insns, entry: timing?.entry ?? none, exit: timing?.exit ?? none, armed };
}

const ROUNDS = 5;

/** Each config's runs (`timed`: with the probe handlers timed, runOnce), the configs taking turns round by round. */
function rounds(object: string, configs: { watch: string | null; timed: boolean }[]): RunResult[][] {
  const runs: RunResult[][] = configs.map(() => []);
  for (let i = 0; i < ROUNDS; i++) configs.forEach((c, j) => runs[j].push(runOnce(object, c.watch, c.timed)));
  return runs;
}

const best = (runs: RunResult[]): RunResult => runs.reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const ns = (t: Timing): string => (t.count ? (t.total / t.count).toFixed(0) : '-');

function main(): void {
  const object = compile();
  runOnce(object, null); // warm up V8
  // dp=1: the probes fire on every call but the (non-recursive) function never reaches depth 1: nothing is armed;
  // fn=watched: the canary watch armed and disarmed on every call
  // (the per-probe figures come from runs of their own, the handlers timed: runOnce)
  const UNARMED = 'fn=watched dp=1 so=8 wl=8', ARMED = 'fn=watched';
  const [noneRuns, probesRuns, armedRuns, timedProbesRuns, timedArmedRuns] = rounds(object, [
    { watch: null, timed: false }, { watch: UNARMED, timed: false }, { watch: ARMED, timed: false },
    { watch: UNARMED, timed: true }, { watch: ARMED, timed: true },
  ]);
  const none = best(noneRuns), probesOnly = best(probesRuns), armed = best(armedRuns);
  const timedProbes = best(timedProbesRuns), timedArmed = best(timedArmedRuns);
  console.log(`KStackWatch overhead: ${CALLS} calls of the watched function (best ${CPU_BASIS} of ${ROUNDS} runs each, taking turns)`);
  console.log('');
  console.log('per probe            ksw host ns   kernel series ns (v8)');
  console.log(`entry, no watch      ${ns(timedProbes.entry).padStart(11)}   ${String(KERNEL.entryNoWatch).padStart(8)}`);
  console.log(`entry, arming        ${ns(timedArmed.entry).padStart(11)}   ${String(KERNEL.entryWatch).padStart(8)}`);
  console.log(`exit,  no watch      ${ns(timedProbes.exit).padStart(11)}   ${String(KERNEL.exitNoWatch).padStart(8)}`);
  console.log(`exit,  disarming     ${ns(timedArmed.exit).padStart(11)}   ${String(KERNEL.exitWatch).padStart(8)}`);
  const extraInsns = (armed.insns - none.insns) / CALLS;
  console.log('');
  console.log(`simulated cycles per call added by the probes: ${extraInsns.toFixed(1)} ` +
    '(the exit trampoline runs in the guest; probe handlers run on the host and cost 0 simulated cycles)');
  console.log('');
  console.log(`whole run             CPU ms   process CPU ms   wall ms   guest insns   (CPU: ${CPU_BASIS})`);
  const row = (label: string, r: RunResult) =>
    console.log(`${label.padEnd(20)} ${r.cpuMs.toFixed(0).padStart(7)}   ${r.processMs.toFixed(0).padStart(14)}   ${r.wallMs.toFixed(0).padStart(7)}   ${r.insns}`);
  row('no KStackWatch', none);
  row('probes, not armed', probesOnly);
  row('armed every call', armed);
  const ratio = armed.cpuMs / probesOnly.cpuMs;
  console.log('');
  console.log(`armed / unarmed (probes in place, nothing armed): ${ratio.toFixed(2)}x   (${CPU_BASIS}; target <= 1.2x)`);
  console.log(`armed / no KStackWatch at all:                    ${(armed.cpuMs / none.cpuMs).toFixed(2)}x   (${CPU_BASIS})`);
  const ratios = armedRuns.map((a, i) => a.cpuMs / probesRuns[i].cpuMs);
  console.log(`armed / unarmed, median of the ${ROUNDS} rounds:         ${median(ratios).toFixed(2)}x   ` +
    `(${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`);
  const perCall = (armed.cpuMs - probesOnly.cpuMs) * 1e6 / CALLS;
  console.log(`an armed call costs ${perCall.toFixed(0)} host ns more than an unarmed one (${CPU_BASIS}, best runs; fixed costs cancel)`);
}

tuneV8(); // measured as `ksw run` runs (simulator/cli/v8Tuning.ts)
main();
