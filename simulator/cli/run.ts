// `ksw run`: boot the simulated kernel, load a module (compiling a .c
// first), arm stack watches, run module_init and everything it starts, then
// module_exit; print the kernel log and reports (text, or JSON events).
// Exit status: 0 clean, 1 corruption caught, 2 bad input, 3 the guest
// oopsed, panicked, deadlocked or ran out of budget (DESIGN.md §3.1).

import * as path from 'node:path';
import type { Kernel, SystemEvent } from '../system/kernel';
import type { MachineStop } from '../kernel/machine';
import { timestamp } from '../kernel/events';
import { compileModule } from '../toolchain/compile';
import { parseRunArgs, RunArgs, RunArgsError, RUN_USAGE } from './runArgs';
import { makeTempDir, removeTempDir } from '../toolchain/tempDir';
import { formatSeconds } from '../text/duration';
import { EXIT_BAD_INPUT, ModuleRun, RunInputError } from './moduleRun';
import { useBlockCache } from './blockCache';

export { EXIT_CLEAN, EXIT_CORRUPTION, EXIT_BAD_INPUT, EXIT_GUEST_FAILURE } from './moduleRun';

type Out = (line: string) => void;


/** The object to load: `module` itself, or a .c compiled into a scratch directory (in `dir`). */
export function compileIfSource(module: string, cflags: string[], err: Out, dir: { path?: string }): string | null {
  if (!module.endsWith('.c')) return module;
  dir.path = makeTempDir('run');
  const r = compileModule(module, { output: path.join(dir.path, path.basename(module, '.c') + '.o'), cflags });
  if ('error' in r && r.error) {
    if (r.diagnostics) process.stderr.write(r.diagnostics);
    err(r.error);
    return null;
  }
  if (r.diagnostics && /error/.test(r.diagnostics)) process.stderr.write(r.diagnostics);
  return (r as { objectPath: string }).objectPath;
}

export function runCommand(argv: string[], err: Out, out: Out): number {
  let args;
  try {
    args = parseRunArgs(argv);
  } catch (e) {
    if (e instanceof RunArgsError) { err(`ksw run: ${e.message}`); err(RUN_USAGE); return EXIT_BAD_INPUT; }
    throw e;
  }
  const scratch: { path?: string } = {};
  useBlockCache('run', args.module);
  try {
    return runModule(args, compileIfSource(args.module, args.cflags, err, scratch), scratch, err, out);
  } finally {
    removeTempDir(scratch.path);
  }
}

function runModule(args: RunArgs, object: string | null, scratch: { path?: string }, err: Out, out: Out): number {
  if (!object) return EXIT_BAD_INPUT;

  let run: ModuleRun;
  try {
    run = new ModuleRun(args, object, (e: SystemEvent) => {
      if (args.json) { out(JSON.stringify(e)); return; }
      if (e.type !== 'log') return;
      if (args.quiet && e.level > 3 && !e.text.startsWith('kstackwatch:')) return;
      out(`${timestamp(e.time_ns)} ${e.text}`);
    });
  } catch (e) {
    if (e instanceof RunInputError) { err(`ksw: ${e.message}`); return EXIT_BAD_INPUT; }
    throw e;
  } finally {
    removeTempDir(scratch.path); // loaded: the object is no longer needed
  }
  const { kernel } = run;
  const m = kernel.machine;
  const { stop, status } = run.run();
  reportStop(kernel, stop, args.json, out);
  if (args.json) out(JSON.stringify({ type: 'exit', status, insns: m.insns, time_ns: m.nowNs() }));
  if (kernel.ksw.misses > 0 && !args.json) {
    out(`${timestamp(m.nowNs())} kstackwatch: ${kernel.ksw.misses} call(s) not watched: no free watchpoint`);
  }
  return status;
}

/** Say why the run ended when it is not a clean finish (deadlock, panic, budget). */
function reportStop(kernel: Kernel, stop: MachineStop, json: boolean, out: Out): void {
  const m = kernel.machine;
  const say = (level: number, text: string): void => {
    if (json) out(JSON.stringify({ type: 'log', time_ns: m.nowNs(), cpu: 0, level, text }));
    else out(`${timestamp(m.nowNs())} ${text}`);
  };
  switch (stop.kind) {
    case 'deadlock':
      if (stop.hung) say(0, `INFO: hung tasks: blocked for more than 120 seconds (${stop.tasks.length})`);
      else say(0, `INFO: deadlock: every live task is blocked (${stop.tasks.length})`);
      for (const t of stop.tasks) {
        say(3, `INFO: task ${t.comm}:${t.pid} blocked on ${t.waitReason || 'an event'}`);
        for (const f of m.callTrace(t, BigInt.asUintN(64, (BigInt(t.regs[33] >>> 0) << 32n) | BigInt(t.regs[32] >>> 0)))) {
          say(3, `  ${f.symbol}${f.file ? ` (${path.basename(f.file)}:${f.line})` : ''}`);
        }
      }
      break;
    case 'budget':
      say(3, `ksw: instruction budget exhausted after ${m.insns} instructions`);
      break;
    case 'timeLimit':
      say(3, `ksw: simulated time limit reached (--max-time ${formatSeconds(m.options.maxTimeNs)}) after ${m.insns} instructions: the guest was still running`);
      break;
    case 'panic':
      say(0, `---[ end Kernel panic - not syncing: ${stop.reason} ]---`);
      break;
    default:
      break;
  }
}
