// The scheduler: which task runs on which CPU, in what order, and for how
// long. All of its state is in this one object — the run queue, the tasks
// woken during the current round, the task loaded in the CPU engine, the
// round's simulated time and why the run stopped. The CPUs are interleaved
// in rounds: each online CPU runs its task for a seeded quantum, one CPU
// after the other over the same stretch of simulated time.

import { DebugTrapOutcome } from '../cpu/cpu';
import type { RunResult } from '../cpu/cpu';
import type { Machine, MachineStop } from './machine';
import type { DebugGateAnswer } from './hooks';
import { PerCpu, PerCpuOffset } from './percpu';
import { Task, TaskState } from './task';
import { DEFAULT_SCHED_POLICY, QuantumDraw } from './schedPolicy';

/** Instructions a task may run before it can be preempted by a waiting one. */
const TIME_SLICE = 40_000;
/** Like Linux's hung_task_timeout_secs (120 s). */
export const HUNG_TASK_TIMEOUT_NS = 120e9;
/** Simulated nanoseconds per instruction (a 1 GHz, 1 IPC machine). */
export const NS_PER_INSN = 1;

export class Scheduler {
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
  private nextHungCheckNs = 0;
  private stop: MachineStop | null = null;
  /** Host actions due at a simulated time (run-time control writes, `ksw run --control`). */
  private readonly timedActions: { atNs: number; run: () => void }[] = [];
  /** Total instructions executed. */
  insns = 0;
  /**
   * The round in progress. A debugger's stop may end run() in the middle of
   * a round, even of a quantum; the next run() goes on from exactly there,
   * so the guest's history does not depend on where anyone stopped it.
   */
  private readonly round = {
    active: false,
    /** The first CPU of the round (seeded) and how many of the CPUs after it have run. */
    first: 0,
    next: 0,
    ranAny: false,
    /** The longest quantum run so far this round (the round's length in instructions). */
    insns: 0,
    /** The current CPU's quantum (0: none started) and how much of it has run. */
    quantum: 0,
    ran: 0,
    /** Whether this round's quanta are short ones (schedPolicy.ts: a whole round is short or not). */
    fine: false,
  };

  /** The task whose current-task pointer and canary each CPU's per-CPU area holds (see load()). */
  private readonly lastOnCpu: (Task | null)[] = [];
  /** The CPU number each task's task_struct holds. */
  private readonly cpuFieldOf = new Map<Task, number>();
  /** Quantum lengths under the machine's interleaving policy (schedPolicy.ts). */
  private readonly quanta: QuantumDraw;

  constructor(private readonly m: Machine) {
    this.quanta = new QuantumDraw(m.options.sched ?? DEFAULT_SCHED_POLICY, m.options.seed);
    m.cpu.onDebugTrap = (dr6) => this.debugTrapInRun(dr6);
  }

  // ---- time and the running task ------------------------------------------------------

  /** Simulated time now, as seen by the running CPU. */
  nowNs(): number {
    return this.roundStartNs + (this.m.cpu.insnCount - this.quantumStartInsns) * NS_PER_INSN;
  }

  /** Simulated time at the start of the current round (hotplug events are due against it). */
  get roundStart(): number {
    return this.roundStartNs;
  }

  get runningCpu(): PerCpu | null {
    return this.loaded;
  }

  get runningTask(): Task | null {
    return this.loadedTask;
  }

  // ---- state changes ------------------------------------------------------------------

  /** A task becomes runnable; it joins the run queue at the next round. */
  enqueue(t: Task): void {
    this.woken.push(t);
  }

  /** Stop run() at the next boundary with this result (panic, halt). */
  requestStop(stop: MachineStop): void {
    this.stop = stop;
    this.m.cpu.requestStop();
  }

  /** Run `action` on the host at the first round at or after `atNs`. */
  scheduleAt(atNs: number, action: () => void): void {
    this.timedActions.push({ atNs, run: action });
    this.timedActions.sort((a, b) => a.atNs - b.atNs);
  }

  /** Hotplug events and timed actions due by the round's start. */
  private applyDue(): void {
    this.m.hotplug.applyDue(this.roundStartNs);
    while (this.timedActions.length > 0 && this.timedActions[0].atNs <= this.roundStartNs) this.timedActions.shift()!.run();
  }

  /** A CPU goes offline: its task, if any, goes back to the run queue. */
  evict(pc: PerCpu): void {
    if (this.loaded === pc) this.unload();
    const t = pc.current;
    if (t) { t.state = TaskState.RUNNABLE; this.runQueue.push(t); pc.current = null; }
  }

  // ---- the run loop ---------------------------------------------------------------------

  /**
   * Run until every task has exited, a deadlock, a panic, a halt or the
   * budget — or, with `slice`, until about that many more instructions have
   * run (then { kind: 'slice' }), so a caller can stay responsive.
   */
  run(slice = Infinity): MachineStop {
    const m = this.m;
    this.stop = null;
    const sliceEnd = this.insns + slice;
    const round = this.round;
    const n = m.percpu.length;
    while (!this.stop) {
      if (!round.active) {
        if (this.insns >= m.options.maxInstructions) return { kind: 'budget' };
        if (this.roundStartNs >= m.options.maxTimeNs) return { kind: 'timeLimit' };
        if (this.insns >= sliceEnd) { this.unload(); return { kind: 'slice' }; }
        for (const t of this.woken.splice(0)) this.runQueue.push(t);
        round.active = true;
        round.first = m.prng.below(n);
        round.next = 0;
        round.ranAny = false;
        round.insns = 0;
        round.quantum = 0;
        round.fine = this.quanta.fineRound();
      }
      for (; round.next < n && !this.stop; round.next++) {
        const pc = m.percpu[(round.first + round.next) % n];
        if (round.quantum === 0) { // not resuming a quantum a stop cut short
          if (!pc.online) continue;
          if (!pc.current) pc.current = this.pickNext(pc);
          if (!pc.current) continue;
          round.quantum = this.quanta.next(m.prng, round.fine);
          round.ran = 0;
        }
        round.ranAny = true;
        if (!this.runOn(pc)) break; // stopped mid-quantum: the next run() goes on from here
        round.insns = Math.max(round.insns, round.ran);
        round.quantum = 0;
      }
      if (this.stop) break;
      round.active = false;
      this.roundStartNs += Math.max(round.insns, 1) * NS_PER_INSN;
      this.wakeSleepers();
      this.applyDue();
      if (!round.ranAny && this.runQueue.length === 0 && this.woken.length === 0) {
        const sleepers = m.tasks.filter((t) => t.state === TaskState.SLEEPING);
        if (sleepers.length > 0) {
          // Idle until the first wake-up, or until a CPU hotplug event or timed action due before it.
          const next = Math.min(...sleepers.map((t) => t.wakeAt), m.hotplug.nextDueNs, this.timedActions[0]?.atNs ?? Infinity);
          // no host time for idle: straight to the next timer, or to the time limit if that comes first
          this.roundStartNs = Math.max(this.roundStartNs, Math.min(next, m.options.maxTimeNs));
          if (this.roundStartNs >= m.options.maxTimeNs) return { kind: 'timeLimit' };
          this.wakeSleepers();
          this.applyDue();
          continue;
        }
        const blocked = m.tasks.filter((t) => t.state === TaskState.BLOCKED);
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
    return this.m.tasks.filter((t) => t.state === TaskState.BLOCKED && now - t.blockedSince >= HUNG_TASK_TIMEOUT_NS);
  }

  private wakeSleepers(): void {
    for (const t of this.m.tasks) {
      if (t.state === TaskState.SLEEPING && t.wakeAt <= this.roundStartNs) this.m.wake(t);
    }
  }

  /** Whether `t` may run on `pc` (its CPU affinity; Task.boundCpu). */
  private mayRunOn(t: Task, pc: PerCpu): boolean {
    return t.boundCpu < 0 || t.boundCpu === pc.index || !this.m.percpu[t.boundCpu]?.online;
  }

  /** The first task of the run queue that may run on `pc` (one bound to another CPU waits for it). */
  private pickNext(pc: PerCpu): Task | null {
    const q = this.runQueue;
    let i = 0;
    while (i < q.length && !this.mayRunOn(q[i], pc)) i++;
    if (i === q.length) return null;
    const t = q[i];
    q.splice(i, 1);
    t.state = TaskState.RUNNING;
    t.cpu = pc.index;
    pc.sliceUsed = 0;
    return t;
  }

  /**
   * Run pc's current task for the rest of the round's quantum (round.ran
   * counts what ran). False when a stop (a debugger's halt) cut the quantum
   * short with the task still on the CPU: nothing of the quantum's end has
   * happened then (no preemption, no after-quantum hooks), so resuming runs
   * the rest exactly as an uninterrupted run would have.
   */
  private runOn(pc: PerCpu): boolean {
    const m = this.m, cpu = m.cpu, hooks = m.hooks, round = this.round;
    this.load(pc);
    const task = pc.current!;
    const before = cpu.insnCount;
    const resuming = round.ran > 0;
    this.quantumStartInsns = before - round.ran; // simulated time counts from the quantum's real start
    const budgetLeft = m.options.maxInstructions - this.insns;
    const budget = Math.max(1, Math.min(round.quantum - round.ran, budgetLeft));
    if (!resuming) for (const f of hooks.beforeQuantum) f();
    let result = this.runSome(task, budget);
    // A #DB that its handler dealt with does not end the quantum (a watch
    // hit, or the exit trampoline's filtered false positive on every return).
    while (result.kind === 'debug' && !this.stop && cpu.insnCount - before < budget) {
      this.handleResult(pc, task, result);
      if (this.stop || task.state !== TaskState.RUNNING || pc.current !== task || cpu.trap[0] !== 0) {
        result = { kind: 'stop' };
        break;
      }
      result = this.runSome(task, budget - (cpu.insnCount - before));
    }
    const ran = cpu.insnCount - before;
    this.insns += ran;
    pc.insns += ran;
    pc.sliceUsed += ran;
    task.insns += ran;
    round.ran += ran;
    if (result.kind === 'stop' && this.stop?.kind === 'halted' && ran < budget && task.state === TaskState.RUNNING && pc.current === task) {
      return false;
    }
    for (const f of hooks.afterQuantum) f();
    this.handleResult(pc, task, result);
    if (pc.current === task && task.state !== TaskState.RUNNING) pc.current = null;
    if (pc.current === task && pc.sliceUsed >= TIME_SLICE && task.preemptCount === 0 && this.runQueue.some((t) => this.mayRunOn(t, pc))) {
      task.state = TaskState.RUNNABLE; // preempted
      this.woken.push(task);
      pc.current = null;
    }
    if (pc.current !== task) this.unload();
    return true;
  }

  /**
   * A #DB inside cpu.run() with quantum left: handled there exactly as
   * runOn's loop would handle the 'debug' result, without leaving the run
   * (most hits are filtered, one per watched return). Left to runOn while a
   * debugger's gate is installed (it asks before each stretch of running).
   */
  private debugTrapInRun(dr6: number): DebugTrapOutcome {
    const pc = this.loaded, task = this.loadedTask, m = this.m;
    if (this.stop || pc === null || task === null || m.hooks.installed.debugGate !== null) return DebugTrapOutcome.UNHANDLED;
    const handler = m.hooks.installed.debugTrap;
    if (handler) handler(pc, dr6);
    const goOn = !this.stop && task.state === TaskState.RUNNING && pc.current === task && m.cpu.trap[0] === 0;
    return goOn ? DebugTrapOutcome.CONTINUE : DebugTrapOutcome.STOP;
  }

  /** Up to `budget` instructions of the loaded task: at full speed, or one at a time while the debugger's gate asks for it. */
  private runSome(task: Task, budget: number): RunResult {
    const debugGate = this.m.hooks.installed.debugGate;
    const gate = debugGate ? debugGate(task) : 'run';
    return gate === 'run' ? this.m.cpu.run(budget) : this.stepQuantum(task, budget, gate);
  }

  /** Instructions run one at a time, for as long as the debugger's gate asks for it; then the rest at full speed. */
  private stepQuantum(task: Task, budget: number, gate: DebugGateAnswer): RunResult {
    const cpu = this.m.cpu;
    const start = cpu.insnCount;
    for (;;) {
      const left = budget - (cpu.insnCount - start);
      if (left <= 0) return { kind: 'budget' };
      if (gate === 'stop') { this.requestStop({ kind: 'halted', reason: 'debugger' }); return { kind: 'stop' }; }
      if (gate === 'run') return cpu.run(left);
      const r = cpu.step();
      if (r) return r;
      const debugGate = this.m.hooks.get('debugGate');
      gate = debugGate ? debugGate(task) : 'run';
    }
  }

  private handleResult(pc: PerCpu, task: Task, r: RunResult): void {
    switch (r.kind) {
      case 'fault': {
        for (const h of this.m.hooks.faultHandlers) {
          const a = h(task, r.fault);
          if (a === 'handled') return;
          if (a) { this.m.oops(task, r.fault, a.reason, a.logged); return; }
        }
        this.m.oops(task, r.fault);
        break;
      }
      case 'debug': {
        const handler = this.m.hooks.get('debugTrap');
        if (handler) handler(pc, r.dr6);
        break;
      }
      default: break; // budget, stop, halt: the quantum is over
    }
  }

  // ---- engine switching ------------------------------------------------------------

  private load(pc: PerCpu): void {
    if (this.loaded === pc && this.loadedTask === pc.current) return;
    this.unload();
    const m = this.m;
    const t = pc.current!;
    const cpu = m.cpu;
    t.loadInto(cpu);
    cpu.gsBase = pc.gsBase;
    cpu.cpuNumber = pc.index;
    if (cpu.debug !== pc.debug) {
      cpu.debug = pc.debug;
      cpu.applyDebugRegisters();
    }
    // The per-CPU current task and canary, and the task's CPU number, are
    // written only when the task on this CPU (or the task's CPU) changes, as
    // Linux's context switch does: with fine-grained quanta the same task is
    // loaded again and again, and these BigInt writes were most of a switch's cost.
    if (this.lastOnCpu[pc.index] !== t) {
      m.mem.writeU64(pc.gsBase + BigInt(PerCpuOffset.CURRENT_TASK), t.taskStruct, true);
      m.mem.writeU64(pc.gsBase + BigInt(PerCpuOffset.STACK_CANARY), t.canary, true);
      this.lastOnCpu[pc.index] = t;
    }
    const cpuField = m.taskLayout.cpu;
    if (cpuField >= 0 && this.cpuFieldOf.get(t) !== pc.index) {
      m.mem.write(t.taskStruct + BigInt(cpuField), Uint8Array.of(pc.index, 0, 0, 0), true);
      this.cpuFieldOf.set(t, pc.index);
    }
    this.loaded = pc;
    this.loadedTask = t;
    m.ipis.deliver(pc);
  }

  private unload(): void {
    if (this.loaded) for (const f of this.m.hooks.beforeUnload) f();
    // what the CPU drops quietly belongs to the task that was running (fprobe.ts, kstackwatch/watch.ts)
    this.m.cpu.quietWrites = 0;
    this.m.cpu.disarmedWrites = 0;
    if (!this.loaded) return;
    const t = this.loadedTask;
    if (t) {
      const cpu = this.m.cpu;
      t.saveFrom(cpu);
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
