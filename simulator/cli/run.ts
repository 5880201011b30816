// `ksw run`: boot the simulated kernel, load a module (compiling a .c
// first), arm stack watches, run module_init and everything it starts, then
// module_exit; print the kernel log and reports (text, or JSON events).
// Exit status: 0 clean, 1 corruption caught, 2 bad input, 3 the guest
// oopsed, panicked, deadlocked or ran out of budget (DESIGN.md §3.1).

import * as path from 'node:path';
import { Kernel, KernelInputError, SystemEvent } from '../system/kernel';
import { ModuleLoadError } from '../elf/moduleLoader';
import { ElfError } from '../elf/elfFile';
import { KswError } from '../kstackwatch/kstackwatch';
import { MachineStop } from '../kernel/machine';
import { timestamp } from '../kernel/events';
import { compileModule } from '../toolchain/compile';
import { CONTROL_PATH, echoToControl } from '../kstackwatch/controlFile';
import { parseRunArgs, RunArgs, RunArgsError, RUN_USAGE } from './runArgs';
import { makeTempDir, removeTempDir } from '../toolchain/tempDir';
import { formatSeconds } from '../text/duration';

export const EXIT_CLEAN = 0;
export const EXIT_CORRUPTION = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_GUEST_FAILURE = 3;

type Out = (line: string) => void;


/** The object to load: `module` itself, or a .c compiled into a scratch directory (in `dir`). */
function compileIfSource(module: string, cflags: string[], err: Out, dir: { path?: string }): string | null {
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
  try {
    return runModule(args, compileIfSource(args.module, args.cflags, err, scratch), scratch, err, out);
  } finally {
    removeTempDir(scratch.path);
  }
}

function runModule(args: RunArgs, object: string | null, scratch: { path?: string }, err: Out, out: Out): number {
  if (!object) return EXIT_BAD_INPUT;

  const kernel = new Kernel({ cpus: args.cpus, seed: args.seed, maxInstructions: args.maxInsns, maxTimeNs: args.maxTimeNs, panicOnOops: args.panicOnOops });
  const m = kernel.machine;
  let oopses = 0;
  kernel.listeners.push((e: SystemEvent) => {
    if (e.type === 'oops') oopses++;
    if (args.json) { out(JSON.stringify(e)); return; }
    if (e.type !== 'log') return;
    if (args.quiet && e.level > 3 && !e.text.startsWith('kstackwatch:')) return;
    out(`${timestamp(e.time_ns)} ${e.text}`);
  });

  try {
    kernel.load(object);
    for (const [name, value] of args.params) kernel.setParam(name, value);
    for (const w of args.watches) kernel.ksw.start(w);
    for (const h of args.hotplug) m.hotplug.schedule(h.atNs, h.cpu, h.online);
    scheduleControls(kernel, args.controls);
  } catch (e) {
    if (e instanceof ModuleLoadError || e instanceof ElfError || e instanceof KswError || e instanceof KernelInputError) {
      err(`ksw: ${args.module}: ${e.message.split('\n')[0]}`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  } finally {
    removeTempDir(scratch.path); // loaded: the object is no longer needed
  }
  kernel.startInit();
  const stop = kernel.run();
  reportStop(kernel, stop, args.json, out);
  const corrupt = kernel.ksw.corruptions.length > 0;
  const failed = stop.kind !== 'idle' || oopses > 0 || (kernel.initResult !== null && kernel.initResult !== 0);
  const status = corrupt ? EXIT_CORRUPTION : failed ? EXIT_GUEST_FAILURE : EXIT_CLEAN;
  if (args.json) out(JSON.stringify({ type: 'exit', status, insns: m.insns, time_ns: m.nowNs() }));
  if (kernel.ksw.misses > 0 && !args.json) {
    out(`${timestamp(m.nowNs())} kstackwatch: ${kernel.ksw.misses} call(s) not watched: no free watchpoint`);
  }
  return status;
}

/**
 * --control: at each time, `echo CONFIG > /sys/kernel/debug/kstackwatch/config`
 * — the series' write semantics (stop, then parse and start; empty clears).
 * A write that fails prints the kernel's lines and the run goes on, as a
 * failed echo would leave the machine running.
 */
function scheduleControls(kernel: Kernel, controls: { atNs: number; text: string }[]): void {
  const file = kernel.machine.debugfs.lookup(CONTROL_PATH)!;
  for (const c of controls) {
    const write = (): void => { echoToControl(file, c.text); };
    if (c.atNs === 0) write();
    else kernel.machine.scheduleAt(c.atNs, write);
  }
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
