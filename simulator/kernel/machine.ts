// The simulated SMP machine: N CPUs sharing one memory, one CPU engine
// whose registers hold whichever task is being run, a seeded scheduler that
// interleaves the CPUs in quanta, simulated time, and the task lifecycle.
// Kernel APIs (api/*.ts) are host functions registered on `host`.

import { Memory, Perm, splitAddress } from '../memory/memory';
import { Cpu, RunResult } from '../cpu/cpu';
import { CpuFault } from '../cpu/faults';
import { DebugRegisters } from '../cpu/debugRegisters';
import { Gpr, RegSlot } from '../cpu/registers';
import { HostFunctionTable, HostResult, NO_RETURN } from './hostFunctions';
import { Heap } from './heap';
import { Debugfs } from './debugfs';
import { Prng } from './prng';
import { Task, TaskState } from './task';
import { KernelEvent } from './events';
import {
  KERNEL_DATA, KERNEL_DATA_SIZE, KERNEL_TEXT, KERNEL_TEXT_SIZE, PERCPU_AREA, PERCPU_STRIDE, STACK_AREA, STACK_GUARD, THREAD_SIZE,
} from './layout';

export interface MachineOptions {
  cpus: number;
  seed: number;
  /** Stop after this many instructions in total. */
  maxInstructions: number;
  /** Panic (stop everything) on the first oops instead of killing the task. */
  panicOnOops: boolean;
}

export const DEFAULT_OPTIONS: MachineOptions = { cpus: 4, seed: 1, maxInstructions: 2_000_000_000, panicOnOops: false };

/** Why Machine.run() returned. */
export type MachineStop =
  | { kind: 'idle' }           // every task exited
  | { kind: 'deadlock'; tasks: Task[]; hung?: boolean } // hung: blocked past the hung-task timeout while others run
  | { kind: 'panic'; reason: string }
  | { kind: 'budget' }
  | { kind: 'halted'; reason: string } // a tool (e.g. a debugger) asked to stop
  | { kind: 'slice' };                 // run(slice) used up its slice; call run() again to go on

/** See Machine.debugGate. */
export type DebugGateAnswer = 'run' | 'step' | 'stop';

export interface PerCpu {
  readonly index: number;
  online: boolean;
  current: Task | null;
  readonly debug: DebugRegisters;
  readonly gsBase: bigint;
  /** Instructions run by the current task since it was scheduled here. */
  sliceUsed: number;
  insns: number;
}

/** Offsets in the per-CPU area (see sdk/include/asm/percpu.h). */
export const enum PerCpuOffset { CURRENT_TASK = 0x00, CPU_NUMBER = 0x08, STACK_CANARY = 0x28 }

/** Task struct field offsets (see sdk/include/linux/sched.h). */
export const enum TaskStructOffset { STATE = 0x00, FLAGS = 0x04, STACK = 0x08, PID = 0x10, TGID = 0x14, COMM = 0x18, CANARY = 0x28, CPU = 0x34, SIZE = 0x78 }

const PF_KTHREAD = 0x00200000;
/** Instructions a task may run before it can be preempted by a waiting one. */
const TIME_SLICE = 40_000;
/** Like Linux's hung_task_timeout_secs (120 s). */
export const HUNG_TASK_TIMEOUT_NS = 120e9;
/** Simulated nanoseconds per instruction (a 1 GHz, 1 IPC machine). */
export const NS_PER_INSN = 1;

export class Machine {
  readonly mem = new Memory(1 << 30);
  readonly cpu: Cpu;
  readonly host = new HostFunctionTable();
  readonly heap: Heap;
  /** debugfs files of the kernel's tools (KStackWatch's control file). */
  readonly debugfs = new Debugfs();
  readonly prng: Prng;
  readonly percpu: PerCpu[] = [];
  readonly tasks: Task[] = [];
  private readonly runQueue: Task[] = [];
  /**
   * Tasks that became runnable during the current round (woken by a task
   * running at some point of the round's time, or preempted): they join the
   * run queue when the next round starts. In a round the CPUs run one after
   * the other over the same stretch of simulated time, so a task picked up
   * later in the same round would run at times before it was woken (or
   * before where it left off): a woken task would read a ktime earlier than
   * its waker's, and a task's own clock could go backwards.
   */
  private readonly woken: Task[] = [];
  /** The CPU whose task is loaded in the engine, and that task. */
  private loaded: PerCpu | null = null;
  private loadedTask: Task | null = null;
  /** Simulated time at the start of the current round. */
  private roundStartNs = 0;
  private quantumStartInsns = 0;
  private nextPid = 1;
  private nextHungCheckNs = 0;
  private nextStack = STACK_AREA;
  private stop: MachineStop | null = null;
  /** Total instructions executed. */
  insns = 0;
  readonly listeners: ((e: KernelEvent) => void)[] = [];
  /** Symbolizers in priority order (modules register theirs). */
  readonly symbolizers: ((addr: bigint) => { symbol: string; file?: string; line?: number } | undefined)[] = [];
  /**
   * Translates return addresses on a task's shadow stack (innermost first)
   * that are not where the function really returns to — fprobe's
   * return_to_handler — like the kernel's ftrace_graph_ret_addr.
   */
  unwindFixup: ((task: Task, rets: bigint[]) => bigint[]) | null = null;
  /** Called before / after every quantum a task runs on a CPU (timer tick, printk housekeeping). */
  readonly beforeQuantum: (() => void)[] = [];
  readonly afterQuantum: (() => void)[] = [];
  /** Handler for #DB (hardware breakpoints). */
  debugHandler: ((pc: PerCpu, dr6: number) => void) | null = null;
  /**
   * Trap handlers asked, in order, before a task's fault becomes an oops
   * (like the kernel's die notifiers and fixups: BUG()/WARN() through the
   * bug table). The faulting task is loaded in the engine. A handler returns
   * 'handled' when the task goes on (it has moved RIP past the fault), or
   * `{ reason }` to oops with that reason (`logged`: it has already printed
   * the report's first lines), or undefined to pass the fault on.
   */
  readonly faultHandlers: ((task: Task, fault: CpuFault) => 'handled' | { reason: string; logged?: boolean } | undefined)[] = [];
  /**
   * Debugger hook, asked before a task runs a quantum and, while it answers
   * 'step', after each of its instructions: 'run' runs the quantum at full
   * speed, 'step' runs the next instruction alone, 'stop' halts the machine
   * with the task before its next instruction. null costs one compare.
   */
  debugGate: ((task: Task) => DebugGateAnswer) | null = null;
  /** Called when a task is created and when it exits (a debugger's thread list). */
  readonly taskListeners: ((task: Task, event: 'created' | 'exited') => void)[] = [];
  /** Functions queued for a CPU by sendIpi, run at its next instruction boundary. */
  private readonly ipis = new Map<number, Map<string, () => void>>();
  private ipiSeq = 0;
  /** CPU hotplug callbacks (like cpuhp_setup_state): called with the CPU going online/offline. */
  readonly hotplugCallbacks: { online?: (pc: PerCpu) => void; offline?: (pc: PerCpu) => void }[] = [];
  private readonly hotplugSchedule: { atNs: number; cpu: number; online: boolean }[] = [];
  /** Host actions due at a simulated time (run-time control writes, `ksw run --control`). */
  private readonly timedActions: { atNs: number; run: () => void }[] = [];
  /** The address a thread function returns to (ends the task). */
  readonly kthreadExit: bigint;

  constructor(readonly options: MachineOptions = DEFAULT_OPTIONS) {
    if (options.cpus < 1 || options.cpus > 64) throw new RangeError('cpus must be between 1 and 64');
    this.prng = new Prng(options.seed);
    this.cpu = new Cpu(this.mem);
    this.heap = new Heap(this.mem);
    this.mem.map(KERNEL_TEXT, KERNEL_TEXT_SIZE, Perm.RX);
    this.mem.write(KERNEL_TEXT, new Uint8Array(KERNEL_TEXT_SIZE / 2).fill(0xc3), true);
    this.mem.map(KERNEL_DATA, KERNEL_DATA_SIZE, Perm.RW);
    for (let i = 0; i < options.cpus; i++) {
      const gsBase = PERCPU_AREA + BigInt(i * PERCPU_STRIDE);
      this.mem.map(gsBase, PERCPU_STRIDE, Perm.RW);
      this.mem.writeU64(gsBase + BigInt(PerCpuOffset.CPU_NUMBER), BigInt(i), true);
      this.percpu.push({ index: i, online: true, current: null, debug: new DebugRegisters(), gsBase, sliceUsed: 0, insns: 0 });
    }
    const host = this.host;
    this.cpu.setCodeHooks({
      hostFunctionAt: (lo, hi) => host.indexAt(lo, hi),
      probeAt: (lo, hi) => this.probeAt(lo, hi),
    });
    this.cpu.hostFunctions = [];
    this.cpu.onCall = (retLo, retHi) => {
      const t = this.loadedTask;
      if (t) t.shadow.push(retLo, retHi, this.cpu.regs[RegSlot.RIP], this.cpu.regs[RegSlot.RIP + 1]);
    };
    this.cpu.onRet = () => {
      const t = this.loadedTask;
      if (t) t.shadow.returned(this.cpu.regs[RegSlot.RIP], this.cpu.regs[RegSlot.RIP + 1]);
    };
    this.cpu.clock = () => this.nowNs();
    this.kthreadExit = this.defineHost('ret_from_fork', () => {
      this.exitCurrent(Number(BigInt.asIntN(32, this.cpu.getReg(Gpr.RAX))));
      return NO_RETURN;
    });
  }

  /** Hook for kprobes (set by the kprobes layer). */
  probeAt: (lo: number, hi: number) => { id: number; original: Uint8Array } | null = () => null;

  // ---- host functions -------------------------------------------------------

  /**
   * Register a kernel function implemented on the host. `impl` reads its
   * arguments with arg()/argU32()…; its result goes to RAX and the function
   * returns to its caller, unless it returns NO_RETURN (then it has set RIP
   * itself, or the task does not continue).
   */
  defineHost(name: string, impl: () => HostResult): bigint {
    const address = this.host.add(name, impl);
    const index = this.host.get(name)!.index;
    this.cpu.hostFunctions[index] = () => this.callHost(impl);
    return address;
  }

  private callHost(impl: () => HostResult): void {
    const result = impl();
    if (result === NO_RETURN) return;
    const R = this.cpu.regs;
    if (typeof result === 'number' && Number.isSafeInteger(result)) {
      // a JS number result: 64-bit two's complement without BigInt
      R[2 * Gpr.RAX] = result | 0;
      R[2 * Gpr.RAX + 1] = Math.floor(result / 4294967296) | 0;
    } else if (result !== undefined) {
      const v = typeof result === 'bigint' ? result : typeof result === 'boolean' ? (result ? 1n : 0n) : BigInt(Math.trunc(result));
      this.cpu.setReg(Gpr.RAX, v);
    }
    this.returnFromHost();
  }

  /** Pop the return address (as the host function's `ret`). */
  returnFromHost(): void {
    const R = this.cpu.regs;
    const spLo = R[2 * Gpr.RSP], spHi = R[2 * Gpr.RSP + 1];
    R[RegSlot.RIP] = this.mem.ld64(spLo, spHi);
    R[RegSlot.RIP + 1] = this.mem.scratch[0];
    const t = (spLo >>> 0) + 8;
    R[2 * Gpr.RSP] = t | 0;
    R[2 * Gpr.RSP + 1] = (spHi + (t > 0xffffffff ? 1 : 0)) | 0;
    this.cpu.onRet?.();
  }

  /** Argument n (0-based) of the current host call, SysV ABI: rdi rsi rdx rcx r8 r9, then the stack. */
  arg(n: number): bigint {
    const regs = [Gpr.RDI, Gpr.RSI, Gpr.RDX, Gpr.RCX, Gpr.R8, Gpr.R9];
    if (n < 6) return this.cpu.getReg(regs[n]);
    return this.mem.readU64(this.cpu.getReg(Gpr.RSP) + BigInt(8 * (n - 5)));
  }

  argI32(n: number): number { return Number(BigInt.asIntN(32, this.arg(n))); }
  argU32(n: number): number { return Number(BigInt.asUintN(32, this.arg(n))); }
  argI64(n: number): bigint { return BigInt.asIntN(64, this.arg(n)); }

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

  kernelSymbol(name: string): bigint | undefined {
    return this.dataSymbols.get(name);
  }

  // ---- time -------------------------------------------------------------------

  /** Simulated time now, as seen by the running CPU. */
  nowNs(): number {
    return this.roundStartNs + (this.cpu.insnCount - this.quantumStartInsns) * NS_PER_INSN;
  }

  // ---- tasks --------------------------------------------------------------------

  /** The CPU whose task is loaded in the engine, or null when the machine is stopped. */
  get runningCpu(): PerCpu | null {
    return this.loaded;
  }

  get currentCpu(): PerCpu {
    if (!this.loaded) throw new Error('no CPU is running');
    return this.loaded;
  }

  get currentTask(): Task {
    const t = this.loadedTask;
    if (!t) throw new Error('no task is running');
    return t;
  }

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
    const taskStruct = this.heap.alloc(TaskStructOffset.SIZE, true);
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
    const [fnLo, fnHi] = splitAddress(fn);
    const [exLo, exHi] = splitAddress(this.kthreadExit);
    task.shadow.push(exLo, exHi, fnLo, fnHi);
    this.tasks.push(task);
    for (const l of this.taskListeners) l(task, 'created');
    return task;
  }

  private writeTaskStruct(t: Task): void {
    const w = (off: number, v: bigint, size = 8): void => {
      const b = new Uint8Array(size);
      const dv = new DataView(b.buffer);
      if (size === 8) dv.setBigUint64(0, BigInt.asUintN(64, v), true); else dv.setUint32(0, Number(v), true);
      this.mem.write(t.taskStruct + BigInt(off), b, true);
    };
    w(TaskStructOffset.FLAGS, BigInt(PF_KTHREAD), 4);
    w(TaskStructOffset.STACK, t.stackBase);
    w(TaskStructOffset.PID, BigInt(t.pid), 4);
    w(TaskStructOffset.TGID, BigInt(t.pid), 4);
    const comm = new Uint8Array(16);
    comm.set(Buffer.from(t.comm).subarray(0, 15));
    this.mem.write(t.taskStruct + BigInt(TaskStructOffset.COMM), comm, true);
    w(TaskStructOffset.CANARY, t.canary);
  }

  private setGuestState(t: Task, state: number): void {
    this.mem.write(t.taskStruct + BigInt(TaskStructOffset.STATE), Uint8Array.of(state & 255, 0, 0, 0), true);
  }

  /** Make a NEW, BLOCKED or SLEEPING task runnable. Returns false if it was not waiting. */
  wake(t: Task): boolean {
    if (t.state !== TaskState.NEW && t.state !== TaskState.BLOCKED && t.state !== TaskState.SLEEPING) return false;
    t.state = TaskState.RUNNABLE;
    t.waitReason = '';
    this.setGuestState(t, 0);
    this.woken.push(t);
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
    for (const l of this.taskListeners) l(t, 'exited');
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
    const cpu = this.loaded?.index ?? 0;
    this.emit({ type: 'log', time_ns: this.nowNs(), cpu, level, text });
  }

  symbolize(addr: bigint): { symbol: string; file?: string; line?: number } {
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
  symbolizeReturn(ret: bigint): { symbol: string; file?: string; line?: number } {
    if (this.host.containing(ret)?.offset === 0) return this.symbolize(ret); // host stubs: no call site before them
    const call = this.symbolize(ret - 1n);
    const m = /^(.*)\+0x([0-9a-f]+)\/(0x[0-9a-f]+)$/.exec(call.symbol);
    if (!m) return { ...call, symbol: this.symbolize(ret).symbol };
    return { ...call, symbol: `${m[1]}+0x${(parseInt(m[2], 16) + 1).toString(16)}/${m[3]}` };
  }

  /** Stop run() with a panic. */
  panic(reason: string): void {
    this.stop = { kind: 'panic', reason };
    this.cpu.requestStop();
  }

  /** Stop run() at the next boundary for a tool (debugger stop, KStackWatch ph=1…). */
  halt(reason: string): void {
    this.stop = { kind: 'halted', reason };
    this.cpu.requestStop();
  }

  // ---- IPIs and hotplug -------------------------------------------------------------

  /**
   * Run `fn` on CPU `index` at its next instruction boundary, with that CPU's
   * task loaded (smp_call_function_single, asynchronous). On the running CPU
   * it runs at once.
   */
  sendIpi(index: number, fn: () => void, key?: string, deferIfIdle = false): void {
    const pc = this.percpu[index];
    // The running CPU takes the interrupt at once; an idle one too, unless the
    // sender is happy for it to wait until the CPU runs a task again.
    if (this.loaded === pc || (!pc.current && !deferIfIdle)) { fn(); return; }
    let q = this.ipis.get(index);
    if (!q) this.ipis.set(index, q = new Map());
    // A newer request with the same key supersedes a pending one (re-arming the same slot).
    if (key !== undefined) q.delete(key); // re-insert at the end: keeps delivery in sending order
    q.set(key ?? `#${this.ipiSeq++}`, fn);
  }

  private deliverIpis(pc: PerCpu): void {
    const q = this.ipis.get(pc.index);
    if (!q || q.size === 0) return;
    this.ipis.delete(pc.index);
    for (const fn of q.values()) fn();
  }

  /** Take a CPU offline or online at a simulated time (ksw run --hotplug). */
  scheduleHotplug(atNs: number, cpu: number, online: boolean): void {
    if (cpu < 0 || cpu >= this.percpu.length) throw new RangeError(`no CPU ${cpu}`);
    this.hotplugSchedule.push({ atNs, cpu, online });
    this.hotplugSchedule.sort((a, b) => a.atNs - b.atNs);
  }

  /**
   * Run `action` on the host at the first scheduling round at or after
   * `atNs` (simulated), as a user's write to a control file would land
   * between two quanta. Same time, same order: deterministic.
   */
  scheduleAt(atNs: number, action: () => void): void {
    this.timedActions.push({ atNs, run: action });
    this.timedActions.sort((a, b) => a.atNs - b.atNs);
  }

  setCpuOnline(index: number, online: boolean): void {
    const pc = this.percpu[index];
    if (pc.online === online) return;
    if (!online) {
      if (this.percpu.filter((p) => p.online).length === 1) return; // the last CPU stays
      for (const cb of this.hotplugCallbacks) cb.offline?.(pc);
      if (this.loaded === pc) this.unload();
      const t = pc.current;
      if (t) { t.state = TaskState.RUNNABLE; this.runQueue.push(t); pc.current = null; }
      pc.online = false;
      this.log(6, `smpboot: CPU ${index} is now offline`);
    } else {
      pc.online = true;
      this.log(6, `smpboot: Booting Node 0 Processor ${index}`);
      for (const cb of this.hotplugCallbacks) cb.online?.(pc);
    }
  }

  private applyHotplug(): void {
    while (this.hotplugSchedule.length > 0 && this.hotplugSchedule[0].atNs <= this.roundStartNs) {
      const h = this.hotplugSchedule.shift()!;
      this.setCpuOnline(h.cpu, h.online);
    }
    while (this.timedActions.length > 0 && this.timedActions[0].atNs <= this.roundStartNs) this.timedActions.shift()!.run();
  }

  // ---- the run loop --------------------------------------------------------------

  /**
   * Run until every task has exited, a deadlock, a panic, a halt or the
   * budget — or, with `slice`, until about that many more instructions have
   * run (then { kind: 'slice' }), so a caller can stay responsive.
   */
  run(slice = Infinity): MachineStop {
    this.stop = null;
    const sliceEnd = this.insns + slice;
    while (!this.stop) {
      if (this.insns >= this.options.maxInstructions) return { kind: 'budget' };
      if (this.insns >= sliceEnd) { this.unload(); return { kind: 'slice' }; }
      for (const t of this.woken.splice(0)) this.runQueue.push(t);
      let ranAny = false;
      let roundInsns = 0;
      const n = this.percpu.length;
      const first = this.prng.below(n);
      for (let j = 0; j < n && !this.stop; j++) {
        const pc = this.percpu[(first + j) % n];
        if (!pc.online) continue;
        if (!pc.current) pc.current = this.pickNext(pc);
        if (!pc.current) continue;
        ranAny = true;
        const quantum = 500 + this.prng.below(1500);
        roundInsns = Math.max(roundInsns, this.runOn(pc, quantum));
      }
      if (this.stop) break;
      this.roundStartNs += Math.max(roundInsns, 1) * NS_PER_INSN;
      this.wakeSleepers();
      this.applyHotplug();
      if (!ranAny && this.runQueue.length === 0 && this.woken.length === 0) {
        const sleepers = this.tasks.filter((t) => t.state === TaskState.SLEEPING);
        if (sleepers.length > 0) {
          // Idle until the first wake-up, or until a CPU hotplug event due before it.
          const next = Math.min(...sleepers.map((t) => t.wakeAt), this.hotplugSchedule[0]?.atNs ?? Infinity, this.timedActions[0]?.atNs ?? Infinity);
          this.roundStartNs = Math.max(this.roundStartNs, next);
          this.wakeSleepers();
          this.applyHotplug();
          continue;
        }
        const blocked = this.tasks.filter((t) => t.state === TaskState.BLOCKED);
        return blocked.length > 0 ? { kind: 'deadlock', tasks: blocked } : { kind: 'idle' };
      }
      const hung = this.hungTasks();
      if (hung.length > 0) return { kind: 'deadlock', tasks: hung, hung: true };
    }
    this.unload();
    return this.stop;
  }

  /**
   * The hung-task detector (khungtaskd): tasks blocked (not sleeping) for
   * longer than HUNG_TASK_TIMEOUT_NS while the rest of the machine goes on.
   */
  private hungTasks(): Task[] {
    const now = this.roundStartNs;
    if (now < this.nextHungCheckNs) return [];
    this.nextHungCheckNs = now + 1e9;
    return this.tasks.filter((t) => t.state === TaskState.BLOCKED && now - t.blockedSince >= HUNG_TASK_TIMEOUT_NS);
  }

  private wakeSleepers(): void {
    for (const t of this.tasks) {
      if (t.state === TaskState.SLEEPING && t.wakeAt <= this.roundStartNs) this.wake(t);
    }
  }

  private pickNext(pc: PerCpu): Task | null {
    const t = this.runQueue.shift();
    if (!t) return null;
    t.state = TaskState.RUNNING;
    t.cpu = pc.index;
    pc.sliceUsed = 0;
    return t;
  }

  /** Run pc's current task for about `quantum` instructions; returns how many ran. */
  private runOn(pc: PerCpu, quantum: number): number {
    this.load(pc);
    const task = pc.current!;
    const before = this.cpu.insnCount;
    this.quantumStartInsns = before;
    const budgetLeft = this.options.maxInstructions - this.insns;
    const budget = Math.max(1, Math.min(quantum, budgetLeft));
    const gate = this.debugGate ? this.debugGate(task) : 'run';
    for (const f of this.beforeQuantum) f();
    let result = gate === 'run' ? this.cpu.run(budget) : this.stepQuantum(task, budget, gate);
    // A #DB that its handler dealt with does not end the quantum (a watch
    // hit, or the exit trampoline's filtered false positive on every return).
    while (result.kind === 'debug' && gate === 'run' && !this.stop && this.cpu.insnCount - before < budget) {
      this.handleResult(pc, task, result);
      if (this.stop || task.state !== TaskState.RUNNING || pc.current !== task || this.cpu.trap[0] !== 0) {
        result = { kind: 'stop' };
        break;
      }
      result = this.cpu.run(budget - (this.cpu.insnCount - before));
    }
    for (const f of this.afterQuantum) f();
    const ran = this.cpu.insnCount - before;
    this.insns += ran;
    pc.insns += ran;
    pc.sliceUsed += ran;
    task.insns += ran;
    this.handleResult(pc, task, result);
    if (pc.current === task && task.state !== TaskState.RUNNING) pc.current = null;
    if (pc.current === task && pc.sliceUsed >= TIME_SLICE && task.preemptCount === 0 && this.runQueue.length > 0) {
      task.state = TaskState.RUNNABLE; // preempted
      this.woken.push(task);
      pc.current = null;
    }
    if (pc.current !== task) this.unload();
    return ran;
  }

  /** A quantum run one instruction at a time, for as long as the debugger's gate asks for it. */
  private stepQuantum(task: Task, budget: number, gate: DebugGateAnswer): RunResult {
    for (let i = 0; i < budget; i++) {
      if (gate === 'stop') { this.halt('debugger'); return { kind: 'stop' }; }
      if (gate === 'run') return { kind: 'budget' };
      const r = this.cpu.step();
      if (r) return r;
      gate = this.debugGate ? this.debugGate(task) : 'run';
    }
    return { kind: 'budget' };
  }

  private handleResult(pc: PerCpu, task: Task, r: RunResult): void {
    switch (r.kind) {
      case 'fault': {
        for (const h of this.faultHandlers) {
          const a = h(task, r.fault);
          if (a === 'handled') return;
          if (a) { this.oops(task, r.fault, a.reason, a.logged); return; }
        }
        this.oops(task, r.fault);
        break;
      }
      case 'debug':
        if (this.debugHandler) this.debugHandler(pc, r.dr6);
        break;
      default: break; // budget, stop, halt: the quantum is over
    }
  }

  /** Kernel-style oops for a task fault; the task dies (or the machine panics). */
  oops(task: Task, fault: CpuFault, reason = fault.message, headerLogged = false): void {
    const where = this.symbolize(fault.rip);
    const stack = this.callTrace(task, fault.rip);
    const cpu = this.loaded?.index ?? task.cpu;
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
    let rets = task.shadow.frames().map((f) => f.ret);
    if (this.unwindFixup) rets = this.unwindFixup(task, rets);
    for (const ret of rets) {
      // the call instruction is just before the return address: its line is the caller's line
      out.push({ ...this.symbolizeReturn(ret), ip: '0x' + ret.toString(16) });
    }
    return out;
  }

  // ---- engine switching ------------------------------------------------------------

  private load(pc: PerCpu): void {
    if (this.loaded === pc && this.loadedTask === pc.current) return;
    this.unload();
    const t = pc.current!;
    const cpu = this.cpu;
    cpu.regs.set(t.regs);
    cpu.flags.set(t.flags);
    cpu.xmm.set(t.xmm);
    cpu.gsBase = pc.gsBase;
    cpu.cpuNumber = pc.index;
    if (cpu.debug !== pc.debug) {
      cpu.debug = pc.debug;
      cpu.applyDebugRegisters();
    }
    this.mem.writeU64(pc.gsBase + BigInt(PerCpuOffset.CURRENT_TASK), t.taskStruct, true);
    this.mem.writeU64(pc.gsBase + BigInt(PerCpuOffset.STACK_CANARY), t.canary, true);
    this.mem.write(t.taskStruct + BigInt(TaskStructOffset.CPU), Uint8Array.of(pc.index, 0, 0, 0), true);
    this.loaded = pc;
    this.loadedTask = t;
    this.deliverIpis(pc);
  }

  private unload(): void {
    if (!this.loaded) return;
    const t = this.loadedTask;
    if (t) {
      t.regs.set(this.cpu.regs);
      t.flags.set(this.cpu.flags);
      t.xmm.set(this.cpu.xmm);
    }
    this.loaded = null;
    this.loadedTask = null;
  }

  /** Run `fn` with pc's task loaded in the engine (for tools that inspect or modify a CPU). */
  withCpu<T>(pc: PerCpu, fn: () => T): T {
    const was = this.loaded;
    if (pc.current) this.load(pc);
    try { return fn(); } finally { if (was && was.current) this.load(was); }
  }
}
