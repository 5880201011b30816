// The machine's extension points, each with one name and one type. A layer
// that needs to see into the run (kprobes, hw_breakpoint, fprobe, a
// debugger) installs its hook here once, instead of reassigning or wrapping
// a machine or CPU field; installing a hook that is already taken is a bug
// and throws.

import type { CpuFault } from '../cpu/faults';
import type { Task } from './task';
import type { PerCpu } from './percpu';

/** See MachineHooks.debugGate. */
export type DebugGateAnswer = 'run' | 'step' | 'stop';

/** What a fault handler decides (see MachineHooks' faultHandlers). */
export type FaultDecision = 'handled' | { reason: string; logged?: boolean } | undefined;

export interface SingleHooks {
  /** kprobes: the probe armed at (lo, hi), if any, and the instruction bytes it replaced. */
  probeLookup: (lo: number, hi: number) => { id: number; original: Uint8Array } | null;
  /** hw_breakpoint: the #DB handler. */
  debugTrap: (pc: PerCpu, dr6: number) => void;
  /**
   * fprobe: translates return addresses on a task's shadow stack (innermost
   * first) that are not where the function really returns to — the exit
   * trampoline — like the kernel's ftrace_graph_ret_addr.
   */
  unwindFixup: (task: Task, rets: bigint[]) => bigint[];
  /**
   * fprobe: a return landed at the exit trampoline (FTRACE_TRAMPOLINE); the
   * task is the one running. Asked on every return, after an address compare.
   */
  trampolineReturn: (task: Task) => void;
  /**
   * A debugger: called after every call instruction of a kernel task, and
   * when a host function calls into the guest (the shadow stack already has
   * the frame). `unretired`: instructions the CPU's count is still short of
   * the moment the function is entered (a host function's block counts its
   * one instruction once it returns).
   */
  callObserver: (task: Task, retLo: number, retHi: number, unretired: number) => void;
  /**
   * A debugger, asked before a task runs a quantum and, while it answers
   * 'step', after each of its instructions: 'run' runs the quantum at full
   * speed, 'step' runs the next instruction alone, 'stop' halts the machine
   * with the task before its next instruction. Unset costs one compare.
   */
  debugGate: (task: Task) => DebugGateAnswer;
}

export class MachineHooks {
  /**
   * The single hooks by name, for paths that run per call or per #DB: a
   * named field read is one monomorphic load, where get(name)'s keyed read
   * (one site for every name) is a megamorphic lookup. Install and remove
   * through set() and clear().
   */
  readonly installed: { readonly [K in keyof SingleHooks]: SingleHooks[K] | null };
  private readonly single: { [K in keyof SingleHooks]: SingleHooks[K] | null } = {
    probeLookup: null, debugTrap: null, unwindFixup: null, trampolineReturn: null, callObserver: null, debugGate: null,
  };
  /** Called before / after every quantum a task runs on a CPU (timer tick, printk housekeeping). */
  readonly beforeQuantum: (() => void)[] = [];
  readonly afterQuantum: (() => void)[] = [];
  /**
   * Called before the engine lets go of the task it runs (another CPU's or
   * task's is loaded, or the run stops), while it is still loaded: what a
   * host part left pending on that CPU is carried out (KStackWatch's
   * deferred disarms).
   */
  readonly beforeUnload: (() => void)[] = [];
  /**
   * Trap handlers asked, in order, before a task's fault becomes an oops
   * (like the kernel's die notifiers and fixups: BUG()/WARN() through the
   * bug table). The faulting task is loaded in the engine. A handler returns
   * 'handled' when the task goes on (it has moved RIP past the fault), or
   * `{ reason }` to oops with that reason (`logged`: it has already printed
   * the report's first lines), or undefined to pass the fault on.
   */
  readonly faultHandlers: ((task: Task, fault: CpuFault) => FaultDecision)[] = [];
  /** Called when a task is created and when it exits (a debugger's thread list). */
  readonly taskListeners: ((task: Task, event: 'created' | 'exited') => void)[] = [];

  constructor() {
    this.installed = this.single;
  }

  /** Install a hook; each has one owner. */
  set<K extends keyof SingleHooks>(name: K, fn: SingleHooks[K]): void {
    if (this.single[name]) throw new Error(`machine hook ${name} is already installed`);
    this.single[name] = fn;
  }

  /** Remove a hook (a debugger detaching its gate). */
  clear(name: keyof SingleHooks): void {
    this.single[name] = null;
  }

  get<K extends keyof SingleHooks>(name: K): SingleHooks[K] | null {
    return this.single[name];
  }
}
