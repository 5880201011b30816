// One seed of a hunt: the run `ksw run … --seed S` would do, kept down to
// its exit status and a summary of its first report — the `{"type":"seed"}`
// line of `ksw hunt --json` (DESIGN.md §3.2) without the replay command,
// which the hunt adds. Runs inside a hunt worker.

import type { MachineStop } from '../kernel/machine';
import { ModuleRun } from './moduleRun';
import type { RunArgs } from './runArgs';
import type { SeedReport } from './seedReport';

export { describeReport, type SeedReport } from './seedReport';

export interface SeedResult {
  type: 'seed';
  seed: number;
  status: number;
  insns: number;
  time_ns: number;
  report?: SeedReport;
  /** The `ksw run` command line replaying this seed (added by the hunt for non-clean seeds). */
  replay?: string;
}

function stopReport(stop: MachineStop, initResult: number | null, timeNs: number): SeedReport | undefined {
  switch (stop.kind) {
    case 'deadlock':
      return { type: 'deadlock', time_ns: timeNs, reason: stop.hung ? `hung tasks (${stop.tasks.length})` : `every live task is blocked (${stop.tasks.length})` };
    case 'panic': return { type: 'panic', time_ns: timeNs, reason: stop.reason };
    case 'budget': return { type: 'budget', time_ns: timeNs, reason: 'instruction budget exhausted' };
    default:
      if (initResult !== null && initResult !== 0) return { type: 'init', time_ns: timeNs, reason: `module_init returned ${initResult}` };
      return undefined;
  }
}

export function runSeed(args: RunArgs, object: string, seed: number): SeedResult {
  const run = new ModuleRun({ ...args, seed, json: false }, object);
  const { stop, status } = run.run();
  const m = run.kernel.machine;
  const result: SeedResult = { type: 'seed', seed, status, insns: m.insns, time_ns: m.nowNs() };
  const first = run.first;
  if (first?.type === 'corruption') {
    const w = first.writer;
    result.report = {
      type: 'corruption', time_ns: first.time_ns, config: first.config, function: first.watch.function,
      comm: first.watch.comm, pid: first.watch.pid, writer: w.symbol, writer_comm: w.comm, writer_pid: w.pid, cpu: w.cpu,
      ...(w.file ? { file: w.file, line: w.line } : {}),
    };
  } else if (first?.type === 'oops') {
    result.report = {
      type: 'oops', time_ns: first.time_ns, reason: first.reason, symbol: first.symbol, comm: first.comm, pid: first.pid, cpu: first.cpu,
      ...(first.file ? { file: first.file, line: first.line } : {}),
    };
  } else if (status !== 0) {
    result.report = stopReport(stop, run.kernel.initResult, m.nowNs());
  }
  return result;
}
