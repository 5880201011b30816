// The simulated SMP machine: N CPUs sharing one memory, one CPU engine
// whose registers hold whichever task is being run, simulated time, the task
// lifecycle, kernel symbols and the oops path. The parts with a concern of
// their own live beside it: the scheduler (scheduler.ts), the host-call ABI
// (hostCalls.ts), IPIs (ipi.ts), CPU hotplug (hotplug.ts) and the named
// hooks other layers install (hooks.ts). Kernel APIs (api/*.ts) are host
// functions registered through defineHost().

import { Memory, Perm, splitAddress } from '../memory/memory';
import { Cpu } from '../cpu/cpu';
import { CpuFault } from '../cpu/faults';
import { DebugRegisters } from '../cpu/debugRegisters';
import { Gpr, RegSlot } from '../cpu/registers';
import { HostFunctionTable, HostResult, NO_RETURN } from './hostFunctions';
import { HostCalls } from './hostCalls';
import { Heap } from './heap';
import { Debugfs } from './debugfs';
import { Prng } from './prng';
import type { SchedPolicy } from './schedPolicy';
import { Task, TaskState } from './task';
import { KernelEvent } from './events';
import { SDK_TASK_LAYOUT, TaskLayout } from './abi/taskLayout';
import { MachineHooks } from './hooks';
import { Scheduler } from './scheduler';
import { Hotplug } from './hotplug';
import { Ipis } from './ipi';
import { PerCpu, PerCpuOffset } from './percpu';
import { HZ } from '../sdk/abi';
import {
  FTRACE_TRAMPOLINE, KERNEL_DATA, KERNEL_DATA_SIZE, KERNEL_TEXT, KERNEL_TEXT_SIZE, PERCPU_AREA, PERCPU_STRIDE, STACK_AREA, STACK_GUARD, THREAD_SIZE,
} from './layout';

export type { PerCpu } from './percpu';
export { PerCpuOffset, TaskStructOffset } from './percpu';
export type { DebugGateAnswer } from './hooks';
export { HUNG_TASK_TIMEOUT_NS, NS_PER_INSN } from './scheduler';

export interface MachineOptions {
  cpus: number;
  seed: number;
  /** Stop after this many instructions in total. */
  maxInstructions: number;
  /** Panic (stop everything) on the first oops instead of killing the task. */
  panicOnOops: boolean;
  /**
   * Stop at this simulated time: the instruction budget alone does not bound
   * a guest that mostly sleeps (`for (;;) msleep(1000)` runs a few hundred
   * instructions per simulated second).
   */
  maxTimeNs: number;
  /** The interleaving policy (quantum lengths); DEFAULT_SCHED_POLICY when absent. */
  sched?: SchedPolicy;
  /** Stamp the memory lines guest loads and stores reach (memory.ts recordAccesses): a debugger's time travel only. */
  recordAccesses?: boolean;
}

/** Ten minutes of simulated time: far beyond any test module's run, and a guest that never ends ends. */
export const DEFAULT_MAX_TIME_NS = 600e9;

export const DEFAULT_OPTIONS: MachineOptions = { cpus: 4, seed: 1, maxInstructions: 2_000_000_000, panicOnOops: false, maxTimeNs: DEFAULT_MAX_TIME_NS };

/** Why Machine.run() returned. */
export type MachineStop =
  | { kind: 'idle' }           // every task exited
  | { kind: 'deadlock'; tasks: Task[]; hung?: boolean } // hung: blocked past the hung-task timeout while others run
  | { kind: 'panic'; reason: string }
  | { kind: 'budget' }
  | { kind: 'timeLimit' }       // simulated time reached options.maxTimeNs
  | { kind: 'halted'; reason: string } // a tool (e.g. a debugger) asked to stop
  | { kind: 'slice' };                 // run(slice) used up its slice; call run() again to go on

/** A symbol for an address: what the call traces and the debugger show. */
export interface SymbolInfo { symbol: string; file?: string; line?: number }

const PF_KTHREAD = 0x00200000;

export class Machine {
  readonly mem: Memory;
  readonly cpu: Cpu;
  readonly heap: Heap;
  /** debugfs files of the kernel's tools (KStackWatch's control file). */
  readonly debugfs = new Debugfs();
  readonly prng: Prng;
  readonly percpu: PerCpu[] = [];
  readonly tasks: Task[] = [];
  readonly hooks = new MachineHooks();
  readonly scheduler: Scheduler;
  readonly hostCalls: HostCalls;
  readonly hotplug: Hotplug;
  readonly ipis: Ipis;
  private nextPid = 1;
  private nextStack = STACK_AREA;
  readonly listeners: ((e: KernelEvent) => void)[] = [];
  /**
   * The shared mutable state of the kernel's host-implemented parts
   * (kernel/api): containers their closures share are kept here, by name,
   * and counters live in fields of kept objects rather than in captured
   * `let`s — so that a checkpoint (system/checkpoint.ts), which snapshots and
   * restores everything reachable from the kernel in place, reaches them.
   */
  readonly hostState = new Map<string, object>();
  /** Symbolizers in priority order (modules register theirs). */
  readonly symbolizers: ((addr: bigint) => SymbolInfo | undefined)[] = [];
  /** The address a thread function returns to (ends the task). */
  readonly kthreadExit: bigint;
  /** Where task_struct fields go: the SDK's, or a Kbuild module's kernel version's (abi/taskLayout.ts). */
  taskLayout: TaskLayout = SDK_TASK_LAYOUT;
  /**
   * The jiffies tick rate: the SDK's HZ, or the CONFIG_HZ a Kbuild module
   * was compiled with (its msecs_to_jiffies() and HZ are constants in its
   * code), set when it is loaded, before any simulated time passes.
   */
  hz: number = HZ;

  constructor(readonly options: MachineOptions = DEFAULT_OPTIONS) {
    if (options.cpus < 1 || options.cpus > 64) throw new RangeError('cpus must be between 1 and 64');
    this.mem = new Memory(1 << 30, options.recordAccesses ?? false);
    this.prng = new Prng(options.seed);
    this.cpu = new Cpu(this.mem);
    this.heap = new Heap(this.mem);
    this.scheduler = new Scheduler(this);
    this.hostCalls = new HostCalls(this.cpu, this.mem);
    this.hotplug = new Hotplug(this);
    this.mem.map(KERNEL_TEXT, KERNEL_TEXT_SIZE, Perm.RX);
    this.mem.write(KERNEL_TEXT, new Uint8Array(KERNEL_TEXT_SIZE / 2).fill(0xc3), true);
    this.mem.map(KERNEL_DATA, KERNEL_DATA_SIZE, Perm.RW);
    for (let i = 0; i < options.cpus; i++) {
      const gsBase = PERCPU_AREA + BigInt(i * PERCPU_STRIDE);
      this.mem.map(gsBase, PERCPU_STRIDE, Perm.RW);
      this.mem.writeU64(gsBase + BigInt(PerCpuOffset.CPU_NUMBER), BigInt(i), true);
      this.percpu.push({ index: i, online: true, current: null, debug: new DebugRegisters(), gsBase, sliceUsed: 0, insns: 0 });
    }
    this.ipis = new Ipis(this.percpu, this.scheduler);
    const host = this.host;
    const hooks = this.hooks;
    this.cpu.setCodeHooks({
      hostFunctionAt: (lo, hi) => host.indexAt(lo, hi),
      probeAt: (lo, hi) => { const f = hooks.get('probeLookup'); return f ? f(lo, hi) : null; },
    });
    const R = this.cpu.regs;
    const sched = this.scheduler;
    this.cpu.onCall = (retLo, retHi) => {
      const t = sched.runningTask;
      if (!t) return;
      t.shadow.push(retLo, retHi, R[RegSlot.RIP], R[RegSlot.RIP + 1]);
      this.observeCall(t, retLo, retHi, 0);
    };
    const [trampolineLo, trampolineHi] = splitAddress(FTRACE_TRAMPOLINE);
    this.cpu.onRet = () => {
      const t = sched.runningTask;
      if (!t) return;
      const lo = R[RegSlot.RIP], hi = R[RegSlot.RIP + 1];
      const j = t.shadow.returned(lo, hi);
      if (j >= 0) t.exits.record(j, t.shadow.targetLo(j), t.shadow.targetHi(j), R[2 * Gpr.RSP], R[2 * Gpr.RSP + 1], sched.nowNs());
      if (lo === trampolineLo && hi === trampolineHi) hooks.installed.trampolineReturn?.(t);
    };
    this.cpu.clock = () => this.nowNs();
    this.kthreadExit = this.defineHost('ret_from_fork', () => {
      this.exitCurrent(Number(BigInt.asIntN(32, this.cpu.getReg(Gpr.RAX))));
      return NO_RETURN;
    });
  }

  /** Keep a host part's shared state where a checkpoint reaches it (see hostState); returns it. */
  keep<T extends object>(name: string, state: T): T {
    if (this.hostState.has(name)) throw new Error(`host state ${name} is kept twice`);
    this.hostState.set(name, state);
    return state;
  }

  // ---- host functions (the ABI is in hostCalls.ts) ------------------------------------

  get host(): HostFunctionTable {
    return this.hostCalls.table;
  }

  /**
   * Register a kernel function implemented on the host. `impl` reads its
   * arguments with arg()/argU32()…; its result goes to RAX and the function
   * returns to its caller, unless it returns NO_RETURN (then it has set RIP
   * itself, or the task does not continue).
   */
  defineHost(name: string, impl: () => HostResult): bigint {
    return this.hostCalls.define(name, impl);
  }

  /** Pop the return address (as the host function's `ret`). */
  returnFromHost(): void {
    this.hostCalls.returnToCaller();
  }

  /** Argument n (0-based) of the current host call, SysV ABI: rdi rsi rdx rcx r8 r9, then the stack. */
  arg(n: number): bigint { return this.hostCalls.arg(n); }
  argI32(n: number): number { return Number(BigInt.asIntN(32, this.arg(n))); }
  argU32(n: number): number { return Number(BigInt.asUintN(32, this.arg(n))); }
  argI64(n: number): bigint { return BigInt.asIntN(64, this.arg(n)); }

  // ---- kernel data symbols ------------------------------------------------------------

  /** Kernel data symbols modules may link against (e.g. `jiffies`). */
  private readonly dataSymbols = new Map<string, bigint>();
  private dataUsed = 0;

  /**
   * Define a kernel variable of `size` bytes (zeroed) that modules can link
   * against. It lives in kernel data, within reach of -mcmodel=kernel's
   * 32-bit relocations.
   */
  defineData(name: string, size: number): bigint {
    const addr = KERNEL_DATA + BigInt(this.dataUsed);
    this.dataUsed += Math.ceil(size / 16) * 16;
    if (this.dataUsed > KERNEL_DATA_SIZE) throw new Error('kernel data area full');
    this.dataSymbols.set(name, addr);
    return addr;
  }

  /** Export a kernel variable that lives at an address of the caller's choosing. */
  defineDataAt(name: string, address: bigint): void {
    this.dataSymbols.set(name, address);
  }

  kernelSymbol(name: string): bigint | undefined {
    return this.dataSymbols.get(name);
  }

  /** Names of the kernel variables modules may link against (`ksw exports`). */
  kernelSymbolNames(): string[] {
    return [...this.dataSymbols.keys()];
  }

  // ---- time and the running task (the scheduler keeps them) ---------------------------

  /** Total instructions executed. */
  get insns(): number {
    return this.scheduler.insns;
  }

  /** Simulated time now, as seen by the running CPU. */
  nowNs(): number {
    return this.scheduler.nowNs();
  }

  /** The CPU whose task is loaded in the engine, or null when the machine is stopped. */
  get runningCpu(): PerCpu | null {
    return this.scheduler.runningCpu;
  }

  get currentCpu(): PerCpu {
    const pc = this.scheduler.runningCpu;
    if (!pc) throw new Error('no CPU is running');
    return pc;
  }

  get currentTask(): Task {
    const t = this.scheduler.runningTask;
    if (!t) throw new Error('no task is running');
    return t;
  }

  /**
   * Run until every task has exited, a deadlock, a panic, a halt or the
   * budget — or, with `slice`, until about that many more instructions have
   * run (then { kind: 'slice' }), so a caller can stay responsive.
   */
  run(slice = Infinity): MachineStop {
    return this.scheduler.run(slice);
  }

  /**
   * Run `action` on the host at the first scheduling round at or after
   * `atNs` (simulated), as a user's write to a control file would land
   * between two quanta. Same time, same order: deterministic.
   */
  scheduleAt(atNs: number, action: () => void): void {
    this.scheduler.scheduleAt(atNs, action);
  }

  /** Run `fn` with pc's task loaded in the engine (for tools that inspect or modify a CPU). */
  withCpu<T>(pc: PerCpu, fn: () => T): T {
    return this.scheduler.withCpu(pc, fn);
  }

  // ---- tasks --------------------------------------------------------------------
  /**
   * Create a kernel thread that will run fn(arg); it starts in state NEW
   * until woken. `callerFrames` bytes above its first frame stand for the
   * kernel frames it was called from (kthread(), or the insmod syscall path),
   * so an overflow of its first frame lands in stack, not in the guard page.
   */
  createTask(comm: string, fn: bigint, arg: bigint, callerFrames = 256): Task {
    const stackBase = this.nextStack + BigInt(STACK_GUARD);
    this.nextStack = stackBase + BigInt(THREAD_SIZE);
    this.mem.map(stackBase, THREAD_SIZE, Perm.RW);
    const stackTop = stackBase + BigInt(THREAD_SIZE);
    // canaries have a zero low byte in Linux (stops string overflows reading past them)
    const canary = this.prng.nextU64() & ~0xffn;
    const taskStruct = this.heap.alloc(this.taskLayout.size, true);
    const task = new Task(this.nextPid++, comm.slice(0, 15), stackBase, stackTop, canary, taskStruct);
    this.writeTaskStruct(task);
    // The thread function returns into ret_from_fork (which ends the task), so
    // call traces end there as in Linux.
    const rsp = stackTop - BigInt(callerFrames) - 8n;
    this.mem.writeU64(rsp, this.kthreadExit, true);
    const saved = task.regs;
    [saved[2 * Gpr.RSP], saved[2 * Gpr.RSP + 1]] = splitAddress(rsp);
    [saved[2 * Gpr.RDI], saved[2 * Gpr.RDI + 1]] = splitAddress(arg);
    [saved[RegSlot.RIP], saved[RegSlot.RIP + 1]] = splitAddress(fn);
    task.flags[1] = 1; // PF slot: parity source byte 1 → PF clear
    task.flags[7] = 0x200; // OTHER slot: IF set, as a kthread runs (irqs_disabled() is false)
    const [fnLo, fnHi] = splitAddress(fn);
    const [exLo, exHi] = splitAddress(this.kthreadExit);
    task.shadow.push(exLo, exHi, fnLo, fnHi);
    this.tasks.push(task);
    for (const l of this.hooks.taskListeners) l(task, 'created');
    return task;
  }

  /**
   * `t` entered a function whose frame is now on top of its shadow stack,
   * returning to (retLo, retHi): after a call instruction, or when a host
   * function calls into the guest (a callback) — a debugger's call observer
   * sees both alike (restartFrame's call positions, the frames' entry SPs).
   */
  observeCall(t: Task, retLo: number, retHi: number, unretired: number): void {
    const observer = this.hooks.installed.callObserver;
    if (observer) observer(t, retLo, retHi, unretired);
  }

  private writeTaskStruct(t: Task): void {
    const L = this.taskLayout;
    const w = (off: number, v: bigint, size = 8): void => {
      if (off < 0) return; // a field this kernel version's task_struct has not
      const b = new Uint8Array(size);
      const dv = new DataView(b.buffer);
      if (size === 8) dv.setBigUint64(0, BigInt.asUintN(64, v), true); else dv.setUint32(0, Number(v), true);
      this.mem.write(t.taskStruct + BigInt(off), b, true);
    };
    w(L.flags, BigInt(PF_KTHREAD), 4);
    w(L.stack, t.stackBase);
    w(L.pid, BigInt(t.pid), 4);
    w(L.tgid, BigInt(t.pid), 4);
    if (L.comm >= 0) {
      const comm = new Uint8Array(16);
      comm.set(Buffer.from(t.comm).subarray(0, 15));
      this.mem.write(t.taskStruct + BigInt(L.comm), comm, true);
    }
    w(L.canary, t.canary);
  }

  private setGuestState(t: Task, state: number): void {
    if (this.taskLayout.state < 0) return;
    this.mem.write(t.taskStruct + BigInt(this.taskLayout.state), Uint8Array.of(state & 255, 0, 0, 0), true);
  }

  /** Make a NEW, BLOCKED or SLEEPING task runnable. Returns false if it was not waiting. */
  wake(t: Task): boolean {
    if (t.state !== TaskState.NEW && t.state !== TaskState.BLOCKED && t.state !== TaskState.SLEEPING) return false;
    t.state = TaskState.RUNNABLE;
    t.waitReason = '';
    this.setGuestState(t, 0);
    this.scheduler.enqueue(t);
    return true;
  }

  /** Block the running task (after its host call returns) until wake(). */
  blockCurrent(reason: string): void {
    const t = this.currentTask;
    t.state = TaskState.BLOCKED;
    t.waitReason = reason;
    t.blockedSince = this.nowNs();
    this.setGuestState(t, 2);
    this.cpu.requestStop();
  }

  /** Put the running task to sleep until simulated time `untilNs`. */
  sleepCurrent(untilNs: number, reason: string): void {
    const t = this.currentTask;
    t.state = TaskState.SLEEPING;
    t.wakeAt = untilNs;
    t.waitReason = reason;
    this.setGuestState(t, 2);
    this.cpu.requestStop();
  }

  /** End this CPU's quantum now (e.g. spinning on a contended lock). */
  yieldCpu(): void {
    this.cpu.requestStop();
  }

  exitCurrent(code: number): void {
    const t = this.currentTask;
    t.exitCode = code;
    this.killTask(t);
    this.cpu.requestStop();
  }

  private killTask(t: Task): void {
    t.state = TaskState.DEAD;
    this.setGuestState(t, 0x80);
    for (const l of this.hooks.taskListeners) l(t, 'exited');
    for (const w of t.stopWaiters.splice(0)) {
      w.regs[2 * Gpr.RAX] = t.exitCode; w.regs[2 * Gpr.RAX + 1] = t.exitCode < 0 ? -1 : 0;
      this.wake(w);
    }
  }

  // ---- events --------------------------------------------------------------------

  emit(e: KernelEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** printk: one log line at a level (0–7). */
  log(level: number, text: string): void {
    const cpu = this.scheduler.runningCpu?.index ?? 0;
    this.emit({ type: 'log', time_ns: this.nowNs(), cpu, level, text });
  }

  symbolize(addr: bigint): SymbolInfo {
    for (const s of this.symbolizers) {
      const r = s(addr);
      if (r) return r;
    }
    const h = this.host.containing(addr);
    if (h) return { symbol: `${h.fn.name}+0x${h.offset.toString(16)}/0x10` };
    return { symbol: '0x' + addr.toString(16) };
  }

  /**
   * A return address as Linux's %pB prints it: looked up at ret−1 (the call
   * may be a function's last instruction, e.g. to a noreturn function), with
   * the offset counted at ret. Source file and line are the call's.
   */
  symbolizeReturn(ret: bigint): SymbolInfo {
    if (this.host.containing(ret)?.offset === 0) return this.symbolize(ret); // host stubs: no call site before them
    const call = this.symbolize(ret - 1n);
    const m = /^(.*)\+0x([0-9a-f]+)\/(0x[0-9a-f]+)$/.exec(call.symbol);
    if (!m) return { ...call, symbol: this.symbolize(ret).symbol };
    return { ...call, symbol: `${m[1]}+0x${(parseInt(m[2], 16) + 1).toString(16)}/${m[3]}` };
  }

  /** Stop run() with a panic. */
  panic(reason: string): void {
    this.scheduler.requestStop({ kind: 'panic', reason });
  }

  /** Stop run() at the next boundary for a tool (debugger stop, KStackWatch ph=1…). */
  halt(reason: string): void {
    this.scheduler.requestStop({ kind: 'halted', reason });
  }

  // ---- oops ---------------------------------------------------------------------

  /** Kernel-style oops for a task fault; the task dies (or the machine panics). */
  oops(task: Task, fault: CpuFault, reason = fault.message, headerLogged = false): void {
    const where = this.symbolize(fault.rip);
    const stack = this.callTrace(task, fault.rip);
    const cpu = this.scheduler.runningCpu?.index ?? task.cpu;
    const lines = [
      ...(headerLogged ? [] : [`BUG: ${reason}`]),
      `Oops: ${fault.mnemonic} [#1] SMP`,
      `CPU: ${cpu} PID: ${task.pid} Comm: ${task.comm}`,
      `RIP: 0010:${where.symbol}${where.file ? ` (${where.file}:${where.line})` : ''}`,
      'Call Trace:',
      ' <TASK>',
      ...stack.slice(1).map((f) => ` ${f.symbol}${f.file ? ` (${f.file}:${f.line})` : ''}`),
      ' </TASK>',
    ];
    for (const l of lines) this.log(1, l);
    this.emit({
      type: 'oops', time_ns: this.nowNs(), pid: task.pid, comm: task.comm, cpu, reason,
      ip: '0x' + fault.rip.toString(16), symbol: where.symbol, file: where.file, line: where.line, stack,
    });
    this.killTask(task);
    if (this.options.panicOnOops) this.panic(`Fatal exception: ${reason}`);
  }

  /** The task's call trace, innermost first: its current RIP, then each call site on its shadow stack. */
  callTrace(task: Task, rip: bigint): { symbol: string; file?: string; line?: number; ip: string }[] {
    const out = [{ ...this.symbolize(rip), ip: '0x' + rip.toString(16) }];
    for (const ret of this.returnAddresses(task)) {
      // the call instruction is just before the return address: its line is the caller's line
      out.push({ ...this.symbolizeReturn(ret), ip: '0x' + ret.toString(16) });
    }
    return out;
  }

  /** The return addresses on a task's shadow stack, innermost first, as the functions really return (fprobe's trampoline translated). */
  returnAddresses(task: Task): bigint[] {
    const rets = task.shadow.frames().map((f) => f.ret);
    const fixup = this.hooks.get('unwindFixup');
    return fixup ? fixup(task, rets) : rets;
  }
}
