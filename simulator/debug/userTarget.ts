// A static user-mode executable as a debug target: one process on one
// simulated CPU, each of its threads a debugger thread (a Task named for
// the program and its tid). The debugger keeps a shadow call stack per
// thread (the kernel's machine does that for kernel tasks), puts its probes
// in through the CPU's code hooks, and owns DR0–DR3 for data breakpoints.

import * as path from 'node:path';
import type { DebugGateAnswer } from '../kernel/machine';
import { Task, TaskState } from '../kernel/task';
import type { OopsEvent } from '../kernel/events';
import { ElfFile, ET_EXEC, SHF_EXECINSTR, STT_FUNC, STT_NOTYPE, STT_OBJECT } from '../elf/elfFile';
import { readInputFile } from '../elf/inputFile';
import { DebugInfo } from '../dwarf/debugInfo';
import { UserProcess } from '../user/process';
import type { HostJournal } from '../user/hostJournal';
import { GuestThread, ThreadState } from '../user/threads';
import { STACK_LOW, STACK_TOP } from '../user/loader';
import { RegSlot } from '../cpu/registers';
import { BreakType, DebugRegisters } from '../cpu/debugRegisters';
import { InsnDecoder, isInvalid } from '../cpu/decode';
import type { RunResult } from '../cpu/cpu';
import { joinAddress, splitAddress } from '../memory/memory';
import type { Memory } from '../memory/memory';
import { EntrySpTracker, UnwindSource } from './frames';
import { CallFrameInfo } from './cfi';
import type { RegisterFile } from './registers';
import type { LaunchOptions } from './launchConfig';
import {
  DataWatchAttr, DataWatchHit, FunctionSymbol, ProbeError, Target, TargetEvents, TargetStop, WatchState,
} from './target';
import type { CpuDebugRegisters, ModuleInfo } from './types';
import { hex } from './ctypes';
import { CallPositions } from './callPositions';
import { UserCheckpoint } from './userCheckpoint';
import { StretchSummary, summarize } from './stretchSummary';

interface Probe { id: number; address: bigint; original: Uint8Array; pre: (task: Task) => void }
interface Watch { slot: number; hit: (h: DataWatchHit) => void }

const SIGNALS: Record<number, string> = { 4: 'SIGILL', 5: 'SIGTRAP', 8: 'SIGFPE', 11: 'SIGSEGV' };

/**
 * The target's own fields a checkpoint leaves alone: its wiring to the
 * session, the debugger's instrumentation and what never changes (the
 * rest — tasks, shadow stacks, entry SPs, call positions, an end met — is
 * the history's).
 */
const SESSION_FIELDS = new Set<string | symbol>([
  'opts', 'programPath', 'events', 'journal', 'elf', 'mem', 'debugInfo', 'proc', 'functions', 'dataSymbols', 'probes', 'probesById',
  'watches', 'decoder', 'gate', 'name', 'cfi',
]);

export class UserTarget implements Target {
  readonly kind = 'user';
  readonly mem: Memory;
  readonly debugInfo: DebugInfo | null;
  private readonly proc: UserProcess;
  /** The main thread's task, the one loaded in the CPU now, and every thread's task by tid (creation order). */
  private readonly task: Task;
  private current: Task;
  private readonly taskByTid = new Map<number, Task>();
  private readonly taskList: Task[] = [];
  private readonly tracker = new EntrySpTracker();
  private readonly calls = new CallPositions();
  private readonly functions: FunctionSymbol[];
  private readonly dataSymbols = new Map<string, bigint>();
  private readonly probes = new Map<bigint, Probe>();
  private readonly probesById: (Probe | undefined)[] = [];
  private readonly watches: (Watch | null)[] = [null, null, null, null];
  private readonly decoder = new InsnDecoder();
  private gate: ((task: Task) => DebugGateAnswer) | null = null;
  private halted = false;
  private dead: { status: number; reason: string } | null = null;
  private readonly name: string;
  /**
   * The most instructions the CPU runs between two asks of the debug gate:
   * a replay runs at full speed until it is within the kernel policy's
   * longest quantum of its target (timeTravel.ts exactMargin), which a lone
   * thread's endless time slice would overrun.
   */
  private readonly gateEvery: number;

  private readonly elf: ElfFile;

  /** @param journal records the program's host file I/O so replays are served from it (time travel); none: replays stop at the first host path */
  constructor(private readonly opts: LaunchOptions, private readonly programPath: string, private readonly events: TargetEvents,
    private readonly journal?: HostJournal) {
    const elf = ElfFile.parse(readInputFile(programPath));
    this.elf = elf;
    this.name = path.basename(programPath);
    this.gateEvery = Math.max(opts.sched.quantumMax, opts.sched.fineMax);
    const decode = (b: Uint8Array) => Buffer.from(b).toString('utf8');
    this.proc = new UserProcess(elf, [programPath, ...opts.args], programPath, {
      stdout: (b) => events.log(decode(b), 'stdout'),
      stderr: (b) => events.log(decode(b), 'stderr'),
      stdin: () => 0,
      seed: opts.seed,
      cpus: opts.userCpus,
      quanta: opts.userSched,
      hostIo: journal,
      recordAccesses: true,
    });
    this.mem = this.proc.mem;
    const bias = this.proc.image.bias;
    this.debugInfo = elf.header.type === ET_EXEC || bias === 0n ? DebugInfo.fromElf(elf) : null;
    const syms = (() => { try { return elf.symbols(); } catch { return []; } })();
    const code = (shndx: number) => (elf.sections[shndx]?.flags ?? 0) & SHF_EXECINSTR;
    // functions, and the assembly entry points (_start) that are NOTYPE labels in code
    const fns = syms.filter((s) => s.name && s.value !== 0n && (s.type === STT_FUNC || (s.type === STT_NOTYPE && code(s.shndx))))
      .map((s) => ({ name: s.name, start: s.value + bias, size: s.size }))
      .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    // a label without a size reaches the next symbol
    fns.forEach((f, i) => { if (f.size === 0 && fns[i + 1]) f.size = Number(fns[i + 1].start - f.start); });
    this.functions = fns;
    for (const s of syms) if (s.type === STT_OBJECT && s.name) this.dataSymbols.set(s.name, s.value + bias);

    const comm = this.name.slice(0, 15);
    this.task = new Task(this.proc.threads.current.tid, comm, STACK_LOW, STACK_TOP, 0n, 0n);
    this.task.state = TaskState.RUNNING;
    this.task.cpu = 0;
    this.current = this.task;
    this.taskByTid.set(this.task.pid, this.task);
    this.taskList.push(this.task);
    const cpu = this.proc.cpu;
    const R = cpu.regs, tracker = this.tracker, calls = this.calls;
    cpu.onCall = (retLo, retHi) => {
      const task = this.current;
      task.shadow.push(retLo, retHi, R[RegSlot.RIP], R[RegSlot.RIP + 1]);
      tracker.record(task, task.shadow.depth, R[8], R[9]);
      calls.record(task, task.shadow.depth, cpu.insnCount, R[RegSlot.RIP], R[RegSlot.RIP + 1]);
    };
    cpu.onRet = () => this.current.shadow.returned(R[RegSlot.RIP], R[RegSlot.RIP + 1]);
    cpu.setCodeHooks({
      hostFunctionAt: () => -1,
      probeAt: (lo, hi) => {
        const p = this.probes.get(joinAddress(lo, hi));
        return p ? { id: p.id, original: p.original } : null;
      },
    });
    cpu.onProbe = (id, post) => {
      const p = this.probesById[id];
      if (!post && p && this.probes.get(p.address) === p) p.pre(this.current);
    };
  }

  tasks(): readonly Task[] { return this.taskList; }
  /** The CPU the thread runs on, or ran on last. */
  cpuOf(task: Task): number {
    return this.proc.threads.all.find((t) => t.tid === task.pid)?.lastCpu ?? 0;
  }
  liveTask(): Task | null { return this.current; }

  /** The CPU's registers for the thread loaded in it; a switched-out thread's saved copy. */
  registers(task: Task): RegisterFile {
    const g = task === this.current ? undefined : this.proc.threads.all.find((t) => t.tid === task.pid);
    return g ? { regs: g.regs, flags: g.flags } : { regs: this.proc.cpu.regs, flags: this.proc.cpu.flags };
  }

  /**
   * Mirror the process's threads as tasks: new ones announced, dead ones
   * reported, states for the threads view, and the task whose shadow stack
   * the CPU's calls and returns now feed.
   */
  private syncThreads(): void {
    const threads = this.proc.threads;
    for (const g of threads.all) {
      let task = this.taskByTid.get(g.tid);
      if (!task) {
        task = new Task(g.tid, this.task.comm, 0n, 0n, 0n, 0n);
        task.cpu = 0;
        this.taskByTid.set(g.tid, task);
        this.taskList.push(task);
        this.events.taskCreated(task);
      }
      if (task.state === TaskState.DEAD) continue;
      task.cpu = g.lastCpu;
      task.insns = threads.cpuTimeOf(g); // whether it ran between two checkpoints (the runtime's quietSince)
      task.state = taskState(g, g === threads.current);
      task.waitReason = task.state === TaskState.BLOCKED ? g.describe() : '';
      if (task.state === TaskState.DEAD) this.events.taskExited(task);
    }
    this.current = this.taskByTid.get(threads.current.tid) ?? this.task;
  }

  unwindSource(task: Task, rip: bigint, rsp: bigint): UnwindSource {
    return {
      shadow: task.shadow, returnAddresses: task.shadow.frames().map((f) => f.ret), rip, rsp,
      entrySp: (i) => this.tracker.entrySp(task, i),
    };
  }

  private cfi: CallFrameInfo | null | undefined;

  callFrameInfo(): CallFrameInfo | null {
    if (this.cfi !== undefined) return this.cfi;
    this.cfi = null;
    const sec = this.elf.sectionByName('.eh_frame');
    if (sec && sec.size > 0 && sec.addr !== 0n) {
      const addr = sec.addr + this.proc.image.bias;
      try { this.cfi = new CallFrameInfo(this.mem.read(addr, sec.size, true), addr); } catch { this.cfi = null; }
    }
    return this.cfi;
  }

  // ---- symbols -------------------------------------------------------------------------------

  functionAt(addr: bigint): FunctionSymbol | undefined {
    const f = this.functions;
    let lo = 0, hi = f.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (f[mid].start <= addr) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    for (let i = found; i >= 0 && i > found - 4; i--) {
      const s = f[i];
      if (addr < s.start + BigInt(Math.max(s.size, 1))) return s;
    }
    return undefined;
  }

  functionByName(name: string): FunctionSymbol | undefined {
    return this.functions.find((f) => f.name === name);
  }

  symbolAddress(name: string): bigint | undefined {
    return this.functionByName(name)?.start ?? this.dataSymbols.get(name);
  }

  symbolize(addr: bigint): { symbol: string; file?: string; line?: number } {
    const f = this.functionAt(addr);
    const loc = this.debugInfo?.lineFor(addr);
    const symbol = f ? `${f.name}+0x${(addr - f.start).toString(16)}/0x${f.size.toString(16)}` : hex(addr);
    return loc ? { symbol, file: loc.file, line: loc.line } : { symbol };
  }

  isProgramCode(addr: bigint): boolean {
    return this.functionAt(addr) !== undefined;
  }

  originalBytes(addr: bigint, length: number): Uint8Array {
    const bytes = this.mem.read(addr, length, true);
    for (const [a, p] of this.probes) {
      const off = Number(a - addr);
      if (off >= 0 && off < length) bytes[off] = p.original[0];
    }
    return bytes;
  }

  modules(): ModuleInfo[] {
    return [{ id: this.name, name: this.name, path: path.resolve(this.programPath), symbolStatus: this.debugInfo?.lines.length ? 'Symbols loaded (DWARF)' : 'No debug info' }];
  }

  moduleIdAt(addr: bigint): string | undefined {
    return this.isProgramCode(addr) ? this.name : undefined;
  }

  // ---- probes and watchpoints -----------------------------------------------------------------------

  insertProbe(addr: bigint, pre: (task: Task) => void): void {
    if (this.probes.has(addr)) throw new ProbeError(`a probe is already at ${hex(addr)}`);
    const fn = this.functionAt(addr);
    if (!fn) throw new ProbeError(`${hex(addr)} is not in the program's code`);
    let pc = fn.start, length = 0;
    while (pc <= addr && pc < fn.start + BigInt(Math.max(fn.size, 1))) {
      const [lo, hi] = splitAddress(pc);
      const d = this.decoder.decode(this.originalBytes(pc, 15), lo, hi);
      if (isInvalid(d)) break;
      if (pc === addr) { length = d.length; break; }
      pc += BigInt(d.length);
    }
    if (length === 0) throw new ProbeError(`${fn.name}+0x${(addr - fn.start).toString(16)} is not an instruction boundary`);
    const p: Probe = { id: this.probesById.length, address: addr, original: this.mem.read(addr, length, true), pre };
    this.probesById.push(p);
    this.probes.set(addr, p);
    this.mem.write(addr, Uint8Array.of(0xcc), true);
  }

  removeProbe(addr: bigint): void {
    const p = this.probes.get(addr);
    if (!p) return;
    this.probes.delete(addr);
    this.mem.write(addr, p.original.subarray(0, 1), true);
  }

  insertWatch(attr: DataWatchAttr, hit: (h: DataWatchHit) => void): unknown {
    const slot = this.watches.indexOf(null);
    if (slot < 0) throw new ProbeError('no free debug register: DR0–DR3 are all in use');
    const d = this.proc.cpu.debug;
    d.dr[slot] = attr.address;
    d.dr7 &= ~DebugRegisters.controlMask(slot);
    d.dr7 |= DebugRegisters.control(slot, attr.kind === 'rw' ? BreakType.READ_WRITE : BreakType.WRITE, attr.length);
    this.proc.cpu.applyDebugRegisters();
    this.watches[slot] = { slot, hit };
    return { slot };
  }

  replayProblem(): string | undefined {
    if (this.journal) return this.journal.problem;
    const used = this.proc.hostPathUsed;
    return used === null ? undefined
      : `it has used the host's file system (${used}), which a replay from the start would read and change again`;
  }

  // ---- checkpoints (time travel) -------------------------------------------------------------------

  /**
   * A checkpoint of the process and of this target's view of its history.
   * The debugger's probes and watchpoints are the session's, not the
   * history's: they are taken out while it is taken and while one is
   * restored, then put back as they are now.
   */
  checkpoint(previous?: UserCheckpoint): UserCheckpoint {
    return this.withoutInstrumentation(() => UserCheckpoint.take(this.proc.cpu, this.mem, [this.proc, this], this.proc.simulatedNs(),
      this.journal, (o, key) => o === this && SESSION_FIELDS.has(key), previous));
  }

  restore(cp: UserCheckpoint): void {
    this.withoutInstrumentation(() => cp.restore(this.proc.cpu, this.mem, this.journal));
  }

  activationStart(task: Task, index: number): number | 'thread start' | undefined {
    const frame = task.shadow.frames()[task.shadow.depth - 1 - index];
    return frame ? this.calls.at(task, index, frame.target) : undefined;
  }

  startStretch(): void {
    this.proc.cpu.startCoverage();
    this.mem.startAccessLog();
  }

  stretchSummary(events: number): StretchSummary {
    return summarize(this.proc.cpu.coverage(), this.mem.storedLines(), this.mem.loadedLines(), events);
  }

  /** Run `fn` with the guest's bytes and debug registers as the program has them (no int3 of ours, no DR of ours). */
  private withoutInstrumentation<T>(fn: () => T): T {
    const cpu = this.proc.cpu, d = cpu.debug;
    const dr = d.dr.slice(), dr7 = d.dr7;
    for (const p of this.probes.values()) this.mem.write(p.address, p.original.subarray(0, 1), true);
    try {
      return fn();
    } finally {
      for (const p of this.probes.values()) this.mem.write(p.address, Uint8Array.of(0xcc), true);
      for (let i = 0; i < 4; i++) d.dr[i] = dr[i];
      d.dr7 = dr7;
      cpu.applyDebugRegisters();
    }
  }

  watchState(handle: unknown): WatchState {
    return { slot: (handle as { slot: number }).slot };
  }

  removeWatch(handle: unknown): void {
    const slot = (handle as { slot: number }).slot;
    if (!this.watches[slot]) return;
    this.watches[slot] = null;
    const d = this.proc.cpu.debug;
    d.dr7 &= ~DebugRegisters.controlMask(slot);
    this.proc.cpu.applyDebugRegisters();
  }

  debugRegisters(owner: (cpu: number, slot: number) => string | undefined): CpuDebugRegisters[] {
    const d = this.proc.cpu.debug;
    const TYPES = ['execute', 'write', 'io', 'readWrite'] as const;
    return [{
      cpu: 0, online: true, dr6: '0x' + (d.dr6 >>> 0).toString(16), dr7: '0x' + (d.dr7 >>> 0).toString(16),
      slots: d.slots().map((s, i) => ({
        slot: i, enabled: s.enabled, address: hex(d.dr[i]), length: s.length, type: TYPES[s.type as BreakType],
        owner: owner(0, i) ?? (s.enabled ? 'in use' : 'free'),
      })),
    }];
  }

  // ---- running ------------------------------------------------------------------------------------

  setGate(gate: ((task: Task) => DebugGateAnswer) | null): void {
    this.gate = gate;
  }

  start(): Task {
    this.events.taskCreated(this.task);
    return this.task;
  }

  halt(): void {
    this.halted = true;
    this.proc.cpu.requestStop();
  }

  insns(): number {
    return this.proc.cpu.insnCount;
  }

  timeNs(): number {
    return this.proc.cpu.clock(); // the process clock: simulated ns
  }

  run(slice: number): TargetStop {
    if (this.dead) return this.exit(this.dead.status, this.dead.reason);
    const cpu = this.proc.cpu;
    const end = cpu.insnCount + slice;
    this.halted = false;
    while (cpu.insnCount < end) {
      const budgetLeft = this.opts.maxInstructions - cpu.insnCount;
      if (budgetLeft <= 0) return { kind: 'budget' };
      if (this.proc.simulatedNs() >= this.opts.maxTimeNs) return { kind: 'timeLimit' };
      const g = this.gate ? this.gate(this.current) : 'run';
      if (g === 'stop') return { kind: 'halted' };
      // the process's schedule point: threads switch, timers fire, signals are delivered
      const slice = this.proc.schedule();
      this.syncThreads();
      const r: RunResult | null = this.proc.ending ? null
        : g === 'step' ? cpu.step() : cpu.run(Math.min(end - cpu.insnCount, budgetLeft, slice, this.gateEvery));
      this.syncThreads();
      const ending = this.proc.ending;
      if (ending) {
        const status = 'code' in ending ? ending.code : 128 + ending.signal;
        return this.exit(status, 'code' in ending ? `${this.name} exited` : `${this.name} killed by signal ${ending.signal} (${SIGNALS[ending.signal] ?? ''})`);
      }
      if (r?.kind === 'fault' || r?.kind === 'halt') {
        const rip = r.kind === 'halt' ? cpu.rip - 1n : r.fault.rip;
        const reason = r.kind === 'halt' ? 'general protection fault: hlt in user mode' : r.fault.message;
        const signal = r.kind === 'halt' ? 11 : ({ 6: 4, 0: 8, 3: 5, 1: 5 } as Record<number, number>)[r.fault.vector] ?? 11;
        this.fault(rip, reason, signal);
        if (this.halted) return { kind: 'halted' };
        return this.exit(this.dead!.status, this.dead!.reason);
      }
      if (r?.kind === 'debug') {
        const dr6 = r.dr6;
        cpu.debug.dr6 &= ~0xf;
        for (let i = 0; i < 4; i++) if (dr6 & (1 << i)) this.watches[i]?.hit({ task: this.current, insn: cpu.trapInsn });
      }
      if (this.halted) return { kind: 'halted' };
    }
    return { kind: 'slice' };
  }

  private fault(rip: bigint, reason: string, signal: number): void {
    const where = this.symbolize(rip);
    const task = this.current;
    const frames = task.shadow.frames();
    const stack = [{ ...where, ip: hex(rip) }, ...frames.map((f) => ({ ...this.symbolize(f.ret), ip: hex(f.ret) }))];
    const e: OopsEvent = {
      type: 'oops', time_ns: this.proc.cpu.insnCount, pid: task.pid, comm: task.comm, cpu: 0, reason, ip: hex(rip),
      symbol: where.symbol, file: where.file, line: where.line, stack,
    };
    this.proc.cpu.rip = rip;
    this.dead = { status: 128 + signal, reason: `${this.name} killed by signal ${signal} (${SIGNALS[signal] ?? ''}): ${reason}` };
    const text = [`${this.name}: ${reason}`, `  at ${where.symbol}${where.file ? ` (${where.file}:${where.line})` : ''}`,
      ...stack.slice(1).map((s) => `  from ${s.symbol}${s.file ? ` (${s.file}:${s.line})` : ''}`)].join('\n');
    this.events.oops(task, e, text);
  }

  private exit(status: number, reason: string): TargetStop {
    for (const task of this.taskList) {
      if (task.state === TaskState.DEAD) continue;
      task.state = TaskState.DEAD;
      this.events.taskExited(task);
    }
    return { kind: 'exited', status, reason };
  }

  dispose(): void {
    this.gate = null;
  }
}

/** A guest thread's state as the debugger's task state. */
function taskState(g: GuestThread, loaded: boolean): TaskState {
  if (g.state === ThreadState.DEAD) return TaskState.DEAD;
  if (loaded) return TaskState.RUNNING;
  return g.state === ThreadState.RUNNABLE ? TaskState.RUNNABLE : g.state === ThreadState.SLEEP ? TaskState.SLEEPING : TaskState.BLOCKED;
}
