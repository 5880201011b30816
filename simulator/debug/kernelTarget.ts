// The simulated kernel with the user's module, as a debug target: boots the
// machine, loads the module (insmod), sets parameters and stack watches,
// and exposes tasks, registers, probes and debug registers to the runtime.
// Kernel events (printk, oops, KStackWatch reports, task life cycle) are
// forwarded as they happen.

import * as path from 'node:path';
import { Kernel } from '../system/kernel';
import type { DebugGateAnswer } from '../kernel/machine';
import type { Kprobe } from '../kernel/kprobes';
import { KprobeError } from '../kernel/kprobes';
import { HwBreakpoint, HwBreakpointAttr, HwBreakpointError, HwBreakpointHit } from '../kernel/hwBreakpoint';
import { SystemCheckpoint } from '../system/checkpoint';
import { StretchSummary, summarize } from './stretchSummary';
import type { Task } from '../kernel/task';
import type { SystemEvent } from '../system/kernel';
import { flushPrintk } from '../kernel/api/index';
import { BreakType } from '../cpu/debugRegisters';
import { timestamp } from '../kernel/events';
import type { WatchOwner } from '../kstackwatch/stack';
import type { DebugInfo } from '../dwarf/debugInfo';
import type { Memory } from '../memory/memory';
import { EntrySpTracker, UnwindSource } from './frames';
import { CallPositions } from './callPositions';
import { CallFrameInfo } from './cfi';
import { RegisterFile } from './registers';
import type { LaunchOptions } from './launchConfig';
import {
  DataWatchAttr, DataWatchHit, FunctionSymbol, ProbeError, StackWatchControl, Target, TargetEvents, TargetStop, WatchState,
} from './target';
import type { CpuDebugRegisters, ModuleInfo, StackWatchInfo, WatchpointInfo } from './types';
import { hex } from './ctypes';

/** The target's own fields a checkpoint leaves alone: its wiring to the session and the debugger's instrumentation. */
const SESSION_FIELDS = new Set<string | symbol>(['kernel', 'mem', 'probes', 'watches', 'events', 'stackWatches', 'cfi', 'displayPath']);

/** A debugger data watchpoint: its hw_breakpoint is re-registered around checkpoints, so the slot (-1: waiting for one) is read through it. */
class WatchHandle {
  constructor(public bp: HwBreakpoint, readonly attr: HwBreakpointAttr, readonly handler: (hit: HwBreakpointHit) => void,
    readonly armed?: () => void) {}
  get slot(): number { return this.bp.slot; }
}

const REPORT_START = 'kstackwatch: ========== KStackWatch: Caught stack corruption';
const REPORT_END = 'KStackWatch End';

export class KernelTarget implements Target {
  readonly kind = 'kernel';
  readonly kernel: Kernel;
  readonly mem: Memory;
  private readonly tracker = new EntrySpTracker();
  private readonly calls = new CallPositions();
  private readonly probes = new Map<bigint, Kprobe>();
  private readonly watches = new Set<WatchHandle>();
  private report: string[] | null = null;
  private oopsLines: string[] = [];
  /** The panic's log lines and the task that panicked. */
  private panicLines: string[] | null = null;
  private panicTask: Task | null = null;
  private oopses = 0;
  readonly stackWatches: StackWatchControl;

  /** Boot and load. Throws ModuleLoadError, ElfError, KernelInputError, KswError for bad input. */
  constructor(opts: LaunchOptions, objectPath: string, private readonly events: TargetEvents,
    private readonly displayPath: string) {
    this.kernel = new Kernel({ cpus: opts.cpus, seed: opts.seed, maxInstructions: opts.maxInstructions, maxTimeNs: opts.maxTimeNs, panicOnOops: false, sched: opts.sched, recordAccesses: true });
    const m = this.kernel.machine;
    this.mem = m.mem;
    const cpu = m.cpu;
    const tracker = this.tracker, calls = this.calls;
    m.hooks.set('callObserver', (t, _retLo, _retHi, unretired) => {
      tracker.record(t, t.shadow.depth, cpu.regs[8], cpu.regs[9]);
      const d = t.shadow.depth;
      calls.record(t, d, cpu.insnCount + unretired, t.shadow.targetLo(d - 1), t.shadow.targetHi(d - 1));
    });
    this.kernel.listeners.push((e) => this.onKernelEvent(e));
    m.hooks.taskListeners.push((t, what) => (what === 'created' ? events.taskCreated(t) : events.taskExited(t)));
    this.kernel.load(objectPath);
    for (const [name, value] of opts.params) this.kernel.setParam(name, value);
    this.stackWatches = this.makeStackWatchControl();
    for (const w of opts.stackWatch) this.kernel.ksw.start(w);
  }

  get debugInfo(): DebugInfo | null {
    return this.kernel.debugInfo;
  }

  private get machine() {
    return this.kernel.machine;
  }

  // ---- events ------------------------------------------------------------------------

  private onKernelEvent(e: SystemEvent): void {
    switch (e.type) {
      case 'log': {
        if (e.text.startsWith(REPORT_START)) this.report = [];
        if (this.report) this.report.push(e.text);
        if (/^BUG: /.test(e.text)) this.oopsLines = [];
        if (e.text.startsWith('Kernel panic - not syncing:')) { this.panicLines = []; this.panicTask = this.liveTask(); }
        if (this.panicLines) this.panicLines.push(e.text);
        if (e.level <= 1) this.oopsLines.push(e.text);
        this.events.log(`${timestamp(e.time_ns)} ${e.text}\n`, 'console', this.printkCaller());
        break;
      }
      case 'corruption': {
        const text = (this.report ?? []).join('\n');
        if (this.report && this.report.some((l) => l.includes(REPORT_END))) this.report = null;
        this.events.corruption(e, text);
        break;
      }
      case 'oops': {
        this.oopses++;
        const task = this.machine.tasks.find((t) => t.pid === e.pid);
        if (task) this.events.oops(task, e, this.oopsLines.join('\n'));
        this.oopsLines = [];
        break;
      }
    }
  }

  /** Source line of the module's call into printk, when a log line comes from one. */
  private printkCaller(): { file: string; line: number } | undefined {
    const t = this.liveTask();
    if (!t) return undefined;
    const m = this.machine;
    if (!m.host.containing(m.cpu.rip)) return undefined;
    const mod = this.kernel.module;
    for (const f of t.shadow.frames()) {
      if (!mod?.contains(f.ret)) continue;
      const loc = this.kernel.debugInfo?.lineFor(f.ret - 1n);
      return loc ? { file: loc.file, line: loc.line } : undefined;
    }
    return undefined;
  }

  // ---- tasks and registers ---------------------------------------------------------------

  tasks(): readonly Task[] {
    return this.machine.tasks;
  }

  cpuOf(task: Task): number {
    return task.cpu;
  }

  liveTask(): Task | null {
    return this.machine.scheduler.runningTask;
  }

  registers(task: Task): RegisterFile {
    const cpu = this.machine.cpu;
    return this.liveTask() === task ? { regs: cpu.regs, flags: cpu.flags } : { regs: task.regs, flags: task.flags };
  }

  unwindSource(task: Task, rip: bigint, rsp: bigint): UnwindSource {
    const rets = this.machine.returnAddresses(task);
    return {
      shadow: task.shadow, returnAddresses: rets, rip, rsp,
      // the thread function was entered by createTask with RSP at stackTop - 8
      entrySp: (i) => this.tracker.entrySp(task, i) ?? (i === 0 ? task.stackTop - 8n : undefined),
    };
  }

  private cfi: CallFrameInfo | null | undefined;

  callFrameInfo(): CallFrameInfo | null {
    if (this.cfi !== undefined) return this.cfi;
    const sec = this.kernel.module?.sectionByName('.eh_frame');
    this.cfi = null;
    if (sec && sec.size > 0) {
      try { this.cfi = new CallFrameInfo(this.mem.read(sec.address, sec.size, true), sec.address); } catch { this.cfi = null; }
    }
    return this.cfi;
  }

  // ---- symbols ---------------------------------------------------------------------------------

  symbolize(addr: bigint): { symbol: string; file?: string; line?: number } {
    return this.machine.symbolize(addr);
  }

  functionAt(addr: bigint): FunctionSymbol | undefined {
    const mod = this.kernel.module;
    const hit = mod?.contains(addr) ? mod.lookup(addr) : undefined;
    if (hit && hit.symbol.type === 'func') return { name: hit.symbol.name, start: hit.symbol.address, size: Number(hit.size) };
    const host = this.machine.host.containing(addr);
    if (host) return { name: host.fn.name, start: host.fn.address, size: 16 };
    return undefined;
  }

  functionByName(name: string): FunctionSymbol | undefined {
    const s = this.kernel.module?.symbol(name);
    if (!s || s.type !== 'func') return undefined;
    return { name: s.name, start: s.address, size: s.size };
  }

  symbolAddress(name: string): bigint | undefined {
    return this.kernel.module?.symbol(name)?.address ?? this.machine.host.resolve(name) ?? this.machine.kernelSymbol(name);
  }

  isProgramCode(addr: bigint): boolean {
    return this.kernel.module?.contains(addr) ?? false;
  }

  originalBytes(addr: bigint, length: number): Uint8Array {
    return this.kernel.kprobes.originalBytes(addr, length);
  }

  /** The module's name (.modinfo), or its file's name when the object has none. */
  get moduleName(): string {
    const mod = this.kernel.module;
    if (mod && mod.name !== 'module') return mod.name;
    return path.basename(this.displayPath).replace(/\.[^.]*$/, '');
  }

  modules(): ModuleInfo[] {
    const mod = this.kernel.module;
    if (!mod) return [];
    const hasLines = (this.kernel.debugInfo?.lines.length ?? 0) > 0;
    return [{
      id: this.moduleName, name: this.moduleName, path: this.displayPath,
      addressRange: `${hex(mod.base)}-${hex(mod.base + BigInt(mod.size))}`,
      symbolStatus: hasLines ? 'Symbols loaded (DWARF)' : 'No debug info (compile with -g)',
    }];
  }

  moduleIdAt(addr: bigint): string | undefined {
    return this.kernel.module?.contains(addr) ? this.moduleName : undefined;
  }

  // ---- probes and watchpoints ---------------------------------------------------------------------

  insertProbe(addr: bigint, pre: (task: Task) => void): void {
    if (this.probes.has(addr)) throw new ProbeError(`a debugger probe is already at ${hex(addr)}`);
    const fn = this.functionAt(addr);
    if (!fn || !this.isProgramCode(addr)) {
      const host = this.machine.host.containing(addr);
      throw new ProbeError(host
        ? `${host.fn.name} is a kernel function implemented by the simulator; set the breakpoint at its call site instead`
        : `${hex(addr)} is not in the code of module ${this.kernel.module?.name ?? ''}`);
    }
    const probe: Kprobe = { address: addr, pre: (_m, task) => pre(task) };
    try {
      this.kernel.kprobes.register(probe, fn.start, fn.size, { first: true });
    } catch (e) {
      if (e instanceof KprobeError) throw new ProbeError(`${fn.name}+0x${(addr - fn.start).toString(16)}: ${e.message}`);
      throw e;
    }
    this.probes.set(addr, probe);
  }

  removeProbe(addr: bigint): void {
    const p = this.probes.get(addr);
    if (!p) return;
    this.kernel.kprobes.unregister(p);
    this.probes.delete(addr);
  }

  /** A watchpoint that yields to the guest's hw_breakpoints (hwBreakpoint.ts): without a free slot it waits for one. */
  insertWatch(attr: DataWatchAttr, hit: (h: DataWatchHit) => void, armed?: () => void): unknown {
    try {
      const hwAttr: HwBreakpointAttr = { address: attr.address, length: attr.length, kind: attr.kind };
      const handler = (h: HwBreakpointHit): void => hit({ task: h.task, insn: this.machine.cpu.trapInsn });
      const w = new WatchHandle(this.kernel.hw.registerYielding(hwAttr, handler, armed), hwAttr, handler, armed);
      this.watches.add(w);
      return w;
    } catch (e) {
      if (e instanceof HwBreakpointError) throw new ProbeError(e.message);
      throw e;
    }
  }

  removeWatch(handle: unknown): void {
    const w = handle as WatchHandle;
    this.kernel.hw.unregister(w.bp);
    this.watches.delete(w);
  }

  watchState(handle: unknown): WatchState {
    const slot = (handle as WatchHandle).slot;
    if (slot >= 0) return { slot };
    const held = this.kernel.ksw.watchpoints.length;
    return { problem: `no free debug register: DR0–DR3 are all in use${held ? ` (KStackWatch's watch pool holds ${held}; limit it with mw=N)` : ''}` };
  }

  // ---- checkpoints (time travel) -------------------------------------------------------------------

  /**
   * A checkpoint of the kernel and of this target's view of its history
   * (the entry SPs, the report being collected, oops counts). The
   * debugger's probes and watchpoints are the session's, not the history's:
   * they are taken out while it is taken and while one is restored, then
   * put back as they are now. Throws SnapshotBusy when it cannot be taken yet.
   */
  checkpoint(previous?: SystemCheckpoint): SystemCheckpoint {
    return this.withoutInstrumentation(() => SystemCheckpoint.take(this.kernel, {
      roots: [this], previous, skipField: (o, key) => o === this && SESSION_FIELDS.has(key),
    }));
  }

  replayProblem(): string | undefined {
    return undefined; // the whole machine is simulated
  }

  restore(cp: SystemCheckpoint): void {
    this.withoutInstrumentation(() => cp.restore());
  }

  /**
   * Where the live frame at shadow index `index` (0 = outermost) of `task`
   * began, as a position: right after the call that made it; 'thread start'
   * for a kernel thread's own function (entered when the thread first ran);
   * undefined when not known.
   */
  activationStart(task: Task, index: number): number | 'thread start' | undefined {
    const frame = task.shadow.frames()[task.shadow.depth - 1 - index];
    if (!frame) return undefined;
    if (index === 0 && frame.ret === this.machine.kthreadExit) return 'thread start';
    return this.calls.at(task, index, frame.target);
  }

  /** Record from now on what the next stretch of history does (stretchSummary.ts). Between runs only. */
  startStretch(): void {
    this.machine.cpu.startCoverage();
    this.machine.mem.startAccessLog();
  }

  /** What the history did since startStretch(), with `events` stop events of its own counted by the caller. */
  stretchSummary(events: number): StretchSummary {
    return summarize(this.machine.cpu.coverage(), this.machine.mem.storedLines(), this.machine.mem.loadedLines(), events);
  }

  private withoutInstrumentation<T>(fn: () => T): T {
    const k = this.kernel;
    for (const p of this.probes.values()) k.kprobes.unregister(p);
    for (const w of this.watches) k.hw.unregister(w.bp);
    try {
      return fn();
    } finally {
      for (const p of this.probes.values()) {
        const f = this.functionAt(p.address)!;
        k.kprobes.register(p, f.start, f.size, { first: true });
      }
      for (const w of this.watches) w.bp = k.hw.registerYielding(w.attr, w.handler, w.armed);
    }
  }

  debugRegisters(owner: (cpu: number, slot: number) => string | undefined): CpuDebugRegisters[] {
    const kswSlots = new Set(this.kernel.ksw.watchpoints.map((w) => w.bp.slot));
    const TYPES = ['execute', 'write', 'io', 'readWrite'] as const;
    this.machine.ipis.deliverIdle(); // idle CPUs take KStackWatch's re-pointing lazily: show what they will watch
    return this.machine.percpu.map((pc) => ({
      cpu: pc.index, online: pc.online, dr6: '0x' + (pc.debug.dr6 >>> 0).toString(16), dr7: '0x' + (pc.debug.dr7 >>> 0).toString(16),
      slots: pc.debug.slots().map((s, i) => ({
        slot: i, enabled: s.enabled, address: hex(pc.debug.dr[i]), length: s.length,
        type: TYPES[s.type as BreakType], owner: kswSlots.has(i) ? 'kstackwatch' : owner(pc.index, i) ?? (s.enabled ? 'in use' : 'free'),
      })),
    }));
  }

  // ---- running -----------------------------------------------------------------------------------

  setGate(gate: ((task: Task) => DebugGateAnswer) | null): void {
    this.machine.hooks.clear('debugGate');
    if (gate) this.machine.hooks.set('debugGate', gate);
  }

  start(): Task | null {
    this.kernel.startInit();
    return this.kernel.initTask ?? this.machine.tasks[0] ?? null;
  }

  run(slice: number): TargetStop {
    const stop = this.kernel.run(slice);
    switch (stop.kind) {
      case 'slice': return { kind: 'slice' };
      case 'halted': return { kind: 'halted' };
      case 'budget': return { kind: 'budget' };
      case 'timeLimit': return { kind: 'timeLimit' };
      case 'panic':
        return { kind: 'panic', reason: stop.reason, task: this.panicTask ?? undefined, log: this.panicLines?.join('\n') };
      case 'deadlock':
        return { kind: 'deadlock', reason: `deadlock: every live task is blocked (${stop.tasks.map((t) => `${t.comm}:${t.pid} on ${t.waitReason || 'an event'}`).join(', ')})` };
      case 'idle': {
        flushPrintk(this.machine);
        const k = this.kernel;
        const corrupt = k.ksw.corruptions.length > 0;
        const failed = this.oopses > 0 || (k.initResult !== null && k.initResult !== 0);
        const status = corrupt ? 1 : failed ? 3 : 0;
        const name = this.moduleName;
        const reason = k.initResult !== null && k.initResult !== 0 ? `${name}: module_init returned ${k.initResult}` : `${name}: every task finished and module_exit ran`;
        return { kind: 'exited', status, reason };
      }
    }
  }

  halt(): void {
    this.machine.halt('debugger');
  }

  insns(): number {
    return this.machine.cpu.insnCount;
  }

  timeNs(): number {
    return this.machine.nowNs();
  }

  dispose(): void {
    this.machine.hooks.clear('debugGate');
  }

  // ---- KStackWatch ---------------------------------------------------------------------------------

  /**
   * Disarming a watch re-points the local CPU's debug register first (as
   * the kernel does from the control-file writer's CPU), so run it with a
   * CPU's task loaded when the machine is stopped.
   */
  private onSomeCpu(fn: () => void): void {
    const m = this.machine;
    if (this.liveTask()) { fn(); return; }
    const pc = m.percpu.find((p) => p.online && p.current);
    if (pc) m.withCpu(pc, fn); else fn();
  }

  private makeStackWatchControl(): StackWatchControl {
    const ksw = this.kernel.ksw;
    return {
      validate: (config) => { ksw.validate(config); },
      start: (config) => { ksw.start(config); },
      stop: (config) => {
        const w = ksw.active.find((a) => a.config.input === config.trim());
        if (w) this.onSomeCpu(() => ksw.stop(w));
      },
      active: () => ksw.active.map((a) => a.config.input),
      ownsSlot: (slot) => ksw.watchpoints.some((w) => w.bp.slot === slot),
      misses: () => ksw.misses,
      list: (): StackWatchInfo[] => ksw.active.map((a, i) => {
        const armed: WatchpointInfo[] = ksw.watchpoints.filter((wp) => wp.armed && (wp.owner as WatchOwner | null)?.config === a.config).map((wp) => {
          const o = wp.owner as WatchOwner;
          let value = '?';
          try { value = hex(readLe(this.mem.read(wp.address, wp.length, true))); } catch { /* unmapped */ }
          return {
            slot: wp.bp.slot, address: hex(wp.address), length: wp.length, value, function: o.functionName, depth: o.depth,
            pid: o.task.pid, comm: o.task.comm, cpu: o.cpu, canary: o.canary,
          };
        });
        return {
          id: i, config: a.config.input, verified: true, function: a.fn.name, offset: '0x' + a.offset.toString(16),
          depth: a.config.depth, hits: a.hits, armed,
        };
      }),
    };
  }
}

function readLe(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}
