// What the debug runtime needs from the thing it debugs: the simulated
// kernel with its module (kernelTarget.ts), or a user-mode process
// (userTarget.ts). The runtime (runtime.ts) holds the debugger's logic —
// breakpoints, stepping, frames, variables — once, over this interface.

import type { Memory, MemoryImage } from '../memory/memory';
import type { StretchSummary } from './stretchSummary';
import type { DebugInfo } from '../dwarf/debugInfo';
import type { DebugGateAnswer } from '../kernel/machine';
import type { Task } from '../kernel/task';
import type { OopsEvent } from '../kernel/events';
import type { CorruptionEvent } from '../kstackwatch/events';
import type { RegisterFile } from './registers';
import type { UnwindSource } from './frames';
import type { CallFrameInfo } from './cfi';
import type { CpuDebugRegisters, ModuleInfo, StackWatchInfo } from './types';
import { UserError } from '../errors/userError';

/** Why Target.run returned. */
export type TargetStop =
  | { kind: 'slice' }
  /** Someone called halt() (a breakpoint, the step gate, an event handler). */
  | { kind: 'halted' }
  /** The program is over; `status` as `ksw run` would exit. */
  | { kind: 'exited'; status: number; reason: string }
  /** `task` panicked (when known); `log` is the kernel's panic text. */
  | { kind: 'panic'; reason: string; task?: Task; log?: string }
  | { kind: 'deadlock'; reason: string }
  | { kind: 'budget' }
  /** Simulated time reached the launch's maxTime. */
  | { kind: 'timeLimit' };

/** A checkpoint of a target's history: what the checkpoint store needs of it (the rest is the target's). */
export interface TargetCheckpoint {
  readonly memory: MemoryImage;
  /** Bytes held besides guest pages (an estimate). */
  readonly objectBytes: number;
  readonly timeNs: number;
}

export interface FunctionSymbol {
  name: string;
  start: bigint;
  size: number;
}

/** Events a target reports while it runs (synchronously, from inside the run). */
export interface TargetEvents {
  log(text: string, category: 'console' | 'stdout' | 'stderr', location?: { file: string; line: number }): void;
  taskCreated(task: Task): void;
  taskExited(task: Task): void;
  oops(task: Task, event: OopsEvent, text: string): void;
  corruption(event: CorruptionEvent, report: string): void;
}

export class ProbeError extends UserError {}

export interface DataWatchAttr {
  address: bigint;
  length: 1 | 2 | 4 | 8;
  kind: 'w' | 'rw';
}

export type WatchState = { slot: number } | { problem: string };

export interface DataWatchHit {
  task: Task;
  /** The store (or load) instruction. */
  insn: bigint;
}

export interface Target {
  readonly kind: 'kernel' | 'user';
  readonly mem: Memory;
  readonly debugInfo: DebugInfo | null;
  /** Every task, the dead ones included, in creation order. */
  tasks(): readonly Task[];
  /** The CPU a task runs on or last ran on (-1: never ran). */
  cpuOf(task: Task): number;
  /** A task's registers: the engine's while it is loaded (inside a handler), else its saved copy. */
  registers(task: Task): RegisterFile;
  /** The task loaded in the engine now (inside probe and event handlers), or null. */
  liveTask(): Task | null;
  unwindSource(task: Task, rip: bigint, rsp: bigint): UnwindSource;
  /** The program's call frame information (.eh_frame), if it has any. */
  callFrameInfo(): CallFrameInfo | null;

  symbolize(addr: bigint): { symbol: string; file?: string; line?: number };
  functionAt(addr: bigint): FunctionSymbol | undefined;
  functionByName(name: string): FunctionSymbol | undefined;
  /** Address of any symbol (function or data) by name. */
  symbolAddress(name: string): bigint | undefined;
  /** Code of the program itself (module or executable), as opposed to kernel stubs and trampolines. */
  isProgramCode(addr: bigint): boolean;
  /** Guest bytes without the debugger's and kprobes' int3s. */
  originalBytes(addr: bigint, length: number): Uint8Array;
  modules(): ModuleInfo[];
  moduleIdAt(addr: bigint): string | undefined;

  /** A probe whose handler runs before the instruction at addr (throws ProbeError with a reason). */
  insertProbe(addr: bigint, pre: (task: Task) => void): void;
  removeProbe(addr: bigint): void;
  /**
   * A hardware data watchpoint (throws ProbeError with a reason). It may be
   * waiting for a debug register (the guest's come first): see watchState;
   * `armed` is called when a waiting one gets a register mid-run.
   */
  insertWatch(attr: DataWatchAttr, hit: (h: DataWatchHit) => void, armed?: () => void): unknown;
  removeWatch(handle: unknown): void;
  /** The debug register a watchpoint is in now, or why it has none at this point of the history. */
  watchState(handle: unknown): WatchState;
  debugRegisters(owner: (cpu: number, slot: number) => string | undefined): CpuDebugRegisters[];

  setGate(gate: ((task: Task) => DebugGateAnswer) | null): void;
  /** Start the program (module_init / the process entry); returns its first task. */
  /** The task that runs first, or null when nothing runs (a module without module_init). */
  start(): Task | null;
  /** Run about `slice` instructions. */
  run(slice: number): TargetStop;
  /** Stop run() at the next instruction boundary. */
  halt(): void;
  /**
   * Instructions retired since the start (all CPUs): a position in the
   * deterministic history. Exact when the machine is stopped and inside the
   * debug gate; only approximate inside probe and event handlers.
   */
  insns(): number;
  /** Simulated time now, in ns. */
  timeNs(): number;
  /** Text a user sees when the program ends (exit code line). */
  dispose(): void;
  /** Why a replay of the history from its start would not be this history (time travel), or undefined. */
  replayProblem(): string | undefined;

  // time travel: checkpoints (checkpoints.ts) and what ran between them (stretchSummary.ts)
  /** A checkpoint of the history now (between runs); throws SnapshotBusy when it cannot be taken yet. */
  checkpoint(previous?: TargetCheckpoint): TargetCheckpoint;
  /** Back to a checkpoint of this machine, in place. */
  restore(cp: TargetCheckpoint): void;
  /** Record from now on what the next stretch of history does. Between runs only. */
  startStretch(): void;
  /** What the history did since startStretch(), with `events` stop events of its own counted by the caller. */
  stretchSummary(events: number): StretchSummary;
  /**
   * Where the live frame at shadow index `index` (0 = outermost) of `task`
   * began, as a position: right after the call that made it; 'thread start'
   * for a thread's own function; undefined when not known (callPositions.ts).
   */
  activationStart(task: Task, index: number): number | 'thread start' | undefined;

  // KStackWatch (kernel targets only)
  readonly stackWatches?: StackWatchControl;
}

export interface StackWatchControl {
  /** Check a config against the loaded module (throws KswError). */
  validate(config: string): void;
  start(config: string): void;
  stop(config: string): void;
  active(): string[];
  list(): StackWatchInfo[];
  /** Slots held by KStackWatch's pool. */
  ownsSlot(slot: number): boolean;
  misses(): number;
}
