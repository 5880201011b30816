// One run of a test module as `ksw run` does it — boot, load, parameters,
// watches, hotplug and control writes, module_init to module_exit — shared
// by `ksw run` (which prints everything) and `ksw hunt`'s workers (which keep
// only the status and the first report). Bad input is a RunInputError with
// the one-line reason `ksw` prints before exiting with status 2.

import { Kernel, SystemEvent } from '../system/kernel';
import { CONTROL_PATH, echoToControl } from '../kstackwatch/controlFile';
import type { OopsEvent } from '../kernel/events';
import type { CorruptionEvent } from '../kstackwatch/events';
import type { MachineStop } from '../kernel/machine';
import type { RunArgs } from './runArgs';
import { EXIT_GUEST_FAILURE, firstLine, UserError } from '../errors/userError';

export { EXIT_BAD_INPUT, EXIT_GUEST_FAILURE } from '../errors/userError';
export const EXIT_CLEAN = 0;
export const EXIT_CORRUPTION = 1;

/** The module, its parameters or a watch are unusable: exit 2 with this one-line reason. */
export class RunInputError extends UserError {}

export class ModuleRun {
  readonly kernel: Kernel;
  /** The first corruption or oops report, whichever came first. */
  first: CorruptionEvent | OopsEvent | null = null;
  private oopses = 0;

  /** Boot and prepare the run of `object` (a compiled .o/.ko) under `args`; `listen` sees every event. */
  constructor(readonly args: RunArgs, object: string, listen?: (e: SystemEvent) => void) {
    this.kernel = new Kernel({ cpus: args.cpus, seed: args.seed, maxInstructions: args.maxInsns, maxTimeNs: args.maxTimeNs, panicOnOops: args.panicOnOops, sched: args.sched });
    const m = this.kernel.machine;
    this.kernel.listeners.push((e: SystemEvent) => {
      if (e.type === 'oops') this.oopses++;
      if (e.type !== 'log' && !this.first) this.first = e;
      listen?.(e);
    });
    try {
      this.kernel.load(object);
      for (const [name, value] of args.params) this.kernel.setParam(name, value);
      for (const w of args.watches) this.kernel.ksw.start(w);
      for (const h of args.hotplug) m.hotplug.schedule(h.atNs, h.cpu, h.online);
      this.scheduleControls();
    } catch (e) {
      // anything the user can act on (a bad module, config, parameter…) is bad input here
      if (e instanceof UserError) throw new RunInputError(`${args.module}: ${firstLine(e.message)}`);
      throw e;
    }
  }

  /** Run module_init and everything it starts to the end; the exit status of DESIGN.md §3.1. */
  run(): { stop: MachineStop; status: number } {
    this.kernel.startInit();
    const stop = this.kernel.run();
    const corrupt = this.kernel.ksw.corruptions.length > 0;
    const failed = stop.kind !== 'idle' || this.oopses > 0 || (this.kernel.initResult !== null && this.kernel.initResult !== 0);
    const status = corrupt ? EXIT_CORRUPTION : failed ? EXIT_GUEST_FAILURE : EXIT_CLEAN;
    return { stop, status };
  }

  /**
   * --control: at each time, `echo CONFIG > /sys/kernel/debug/kstackwatch/config`
   * — the series' write semantics (stop, then parse and start; empty clears).
   * A write that fails prints the kernel's lines and the run goes on, as a
   * failed echo would leave the machine running.
   */
  private scheduleControls(): void {
    const file = this.kernel.machine.debugfs.lookup(CONTROL_PATH)!;
    for (const c of this.args.controls) {
      const write = (): void => { echoToControl(file, c.text); };
      if (c.atNs === 0) write();
      else this.kernel.machine.scheduleAt(c.atNs, write);
    }
  }
}
