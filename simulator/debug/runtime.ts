// The debug runtime: the debugger's engine over a simulated target (the
// kernel with a module, or a user-mode process), in the manner of
// vscode-mock-debug's mockRuntime — an EventEmitter with one method per
// thing a front end asks, and no DAP or vscode import.
//
// The target runs in slices between which the Node event loop turns, so a
// pause (or any request) is answered within one slice even in a hot guest
// loop. Everything that stops the machine (breakpoint probes, the step gate,
// watchpoints, KStackWatch, oopses) records why in `pendingStop` and halts
// the target at the next instruction boundary; the run loop then reports it.
//
// Events: 'stopped' StopInfo, 'output' OutputInfo, 'thread' {reason, threadId},
// 'corruption' CorruptionEvent, 'breakpoint' BreakpointResult, 'exited' number,
// 'terminated'.

import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { Task, TaskState } from '../kernel/task';
import type { OopsEvent } from '../kernel/events';
import type { CorruptionEvent } from '../kstackwatch/events';
import { ModuleLoadError } from '../elf/moduleLoader';
import { ElfError } from '../elf/elfFile';
import { InputFileError } from '../elf/inputFile';
import { LoadError } from '../user/loader';
import { OutOfPhysicalMemory } from '../memory/memory';
import { KernelInputError } from '../system/kernel';
import { KswError } from '../kstackwatch/kstackwatch';
import { LaunchError, LaunchOptions, parseLaunchArgs, stackWatchList } from './launchConfig';
import { compileModule } from '../toolchain/compile';
import { prepareProgram, PreparedProgram } from './program';
import { removeTempDir } from '../toolchain/tempDir';
import { formatSeconds } from '../text/duration';
import { KernelTarget } from './kernelTarget';
import { UserTarget } from './userTarget';
import { ProbeError, Target, TargetEvents, TargetStop } from './target';
import { RawFrame, recoverSavedRegisters, unwind } from './frames';
import { FrameContext, frameVariables, lookupVariable, Place } from './frameContext';
import { EvalError, Evaluator, Value } from './expression';
import { childValues, Container, describeValue, Handles } from './variables';
import {
  describeRflags, getGpr, getRflags, getRip, readRegister, registerByName, writeRegister,
} from './registers';
import { GPR_NAMES } from '../cpu/registers';
import { BreakpointHost, BreakpointManager, ProbeMux } from './breakpoints';
import { DataBreakpointHost, DataBreakpointManager, makeDataId, watchableProblem } from './dataBreakpoints';
import { Stepper, StepKind } from './stepper';
import { Disassembler } from './disassembler';
import { formatScalar, hex, isScalar } from './ctypes';
import type {
  BreakpointResult, CpuDebugRegisters, DataBreakpointInfoResult, DataBreakpointSpec, DisassembledInstruction,
  EvaluateResult, ExceptionDetails, FrameInfo, FunctionBreakpointSpec, InstructionBreakpointSpec, ModuleInfo,
  ReadMemoryResult, ScopeInfo, SourceBreakpointSpec, SourceRef, StackWatchInfo, StepGranularity, StopInfo, ThreadInfo,
  VariableInfo,
} from './types';

export { LaunchError } from './launchConfig';

/** Frames per thread that get an id (deeper ones are cut). */
const MAX_FRAMES = 1024;
/** Instructions per slice at first; adapted to about SLICE_MS of host time. */
const FIRST_SLICE = 500_000;
const SLICE_MS = 10;
const MIN_SLICE = 20_000;
const MAX_SLICE = 5_000_000;

type State = 'configuring' | 'running' | 'stopped' | 'terminated';

export class DebugRuntime extends EventEmitter {
  private target!: Target;
  private program!: PreparedProgram;
  private state: State = 'configuring';
  private stopInfo: StopInfo | null = null;
  private exception: ExceptionDetails | null = null;
  private pendingStop: { info: StopInfo; exception?: ExceptionDetails } | null = null;
  /** The machine halted so that the stepping task runs one instruction at a time from now on. */
  private internalResume = false;
  /** The program cannot go on after this stop (panic, deadlock, end). */
  private endAfterStop: { status: number; reason: string } | null = null;
  private readonly pcOverride = new Map<Task, bigint>();
  private readonly handles = new Handles();
  private mux!: ProbeMux;
  private breakpoints?: BreakpointManager;
  private dataBreakpoints!: DataBreakpointManager;
  private stepper!: Stepper;
  private disassembler!: Disassembler;
  private pauseRequested = false;
  private runToken = 0;
  private sliceInsns = FIRST_SLICE;
  private readonly announced = new Set<Task>();
  private readonly deferredExits = new Set<Task>();
  private stopping = false;
  /** Stack watches set on the live session, re-applied on restart. */
  private liveWatches: string[] | null = null;
  /** Watches the last setStackWatches could not start, with the reason. */
  private failedWatches: StackWatchInfo[] = [];
  /** Corruptions caught: the exit status is 1 whenever there was one (DESIGN.md §3.1). */
  private corruptions = 0;

  private constructor(readonly options: LaunchOptions) {
    super();
  }

  /**
   * Check the launch arguments, build (compile) the program and load it.
   * Throws LaunchError with a message for the user; never runs guest code.
   */
  static create(args: Record<string, unknown>): DebugRuntime {
    const rt = new DebugRuntime(parseLaunchArgs(args));
    rt.load();
    return rt;
  }

  private load(): void {
    const opts = this.options;
    this.program = prepareProgram(opts, { compileModule });
    if (this.program.diagnostics.trim()) this.output(this.program.diagnostics.replace(/\n?$/, '\n'), 'stderr');
    const events = this.targetEvents();
    try {
      if (this.program.kind === 'module') {
        if (opts.args.length > 0) this.output("note: 'args' is for user-mode programs; a module takes 'params'\n", 'console');
        this.target = new KernelTarget({ ...opts, stackWatch: [] }, this.program.path, events, this.program.source ?? this.program.path);
        const ctl = this.target.stackWatches!;
        (opts.stackWatch).forEach((w, i) => {
          try {
            ctl.start(w);
          } catch (e) {
            if (e instanceof KswError) throw new LaunchError(`stackWatch${opts.stackWatch.length > 1 ? `[${i}]` : ''} '${w}': ${e.message}`);
            throw e;
          }
        });
      } else {
        if (opts.stackWatch.length > 0) throw new LaunchError("'stackWatch' needs a kernel module; the program is a user-mode executable");
        if (opts.params.length > 0) throw new LaunchError("'params' are module parameters; the program is a user-mode executable (use 'args')");
        this.target = new UserTarget(opts, this.program.path, events);
      }
    } catch (e) {
      if (e instanceof LaunchError) throw e;
      if (e instanceof ModuleLoadError || e instanceof ElfError || e instanceof KernelInputError || e instanceof KswError || e instanceof ProbeError
        || e instanceof LoadError || e instanceof InputFileError) {
        throw new LaunchError(`${path.basename(this.program.source ?? this.program.path)}: ${e.message}`);
      }
      if (e instanceof OutOfPhysicalMemory) throw new LaunchError(`${path.basename(this.program.path)}: does not fit in simulated memory (${e.message})`);
      throw e;
    } finally {
      removeTempDir(this.program.tempDir); // loaded (or refused): the object is no longer needed
    }
    const t = this.target;
    this.mux = new ProbeMux((a, fn) => t.insertProbe(a, fn), (a) => t.removeProbe(a), () => this.stopping);
    const breakpointHost: BreakpointHost = {
      debugInfo: t.debugInfo, mux: this.mux,
      functionByName: (n) => t.functionByName(n),
      test: (task, cond) => new Evaluator(this.liveContext(task)).test(cond),
      interpolate: (task, msg) => this.interpolate(task, msg),
      logpoint: (text, source, line) => this.output(text + '\n', 'console', source, line),
      hit: (task, reason, ids, note) => {
        if (note) this.output(note + '\n', 'console');
        this.requestStop({ reason, threadId: task.pid, hitBreakpointIds: ids });
      },
    };
    const dataHost: DataBreakpointHost = {
      insertWatch: (attr, hit) => t.insertWatch(attr, hit) as { slot: number },
      removeWatch: (h) => t.removeWatch(h),
      read: (a, n) => this.readScalar(a, n),
      test: (task, cond) => new Evaluator(this.liveContext(task)).test(cond),
      hit: (task, id, insn, description) => {
        this.pcOverride.set(task, insn);
        this.requestStop({ reason: 'data breakpoint', threadId: task.pid, hitBreakpointIds: [id], description: `Data breakpoint: ${description}` });
      },
    };
    if (this.breakpoints) {
      // a restart: the same breakpoints and ids, resolved in the rebuilt program
      this.breakpoints.rebind(breakpointHost).forEach((b) => this.emit('breakpoint', b));
      this.dataBreakpoints.rebind(dataHost).forEach((b) => this.emit('breakpoint', b));
    } else {
      this.breakpoints = new BreakpointManager(breakpointHost);
      this.dataBreakpoints = new DataBreakpointManager(dataHost);
    }
    this.stepper = new Stepper({
      rip: (task) => getRip(t.registers(task)),
      depth: (task) => task.shadow.depth,
      returnAddress: (task) => t.unwindSource(task, 0n, 0n).returnAddresses[0],
      line: (a) => t.debugInfo?.lineFor(a),
      addReturnProbe: (a, fn) => {
        try { this.mux.add(a, 'step', fn); return true; } catch (e) { if (e instanceof ProbeError) return false; throw e; }
      },
      removeReturnProbe: (a) => this.mux.delete(a, 'step'),
      complete: (task) => this.requestStop({ reason: 'step', threadId: task.pid }),
      switchToStepping: () => { this.internalResume = true; this.stopping = true; t.halt(); },
    });
    t.setGate((task) => this.stepper.gate(task));
    this.disassembler = new Disassembler({
      readBytes: (a, n) => t.originalBytes(a, n),
      symbolize: (a) => { const s = t.symbolize(a).symbol; return s.startsWith('0x') ? undefined : stripSize(s); },
      functionStart: (a) => { const f = t.functionAt(a); return f ? { name: f.name, start: f.start } : undefined; },
      lineFor: (a) => { const l = t.debugInfo?.lineFor(a); return l ? { source: sourceRef(l.file), line: l.line } : undefined; },
    });
  }

  private targetEvents(): TargetEvents {
    return {
      log: (text, category, loc) => this.output(text, category, loc ? sourceRef(loc.file) : undefined, loc?.line),
      taskCreated: (task) => this.announce(task),
      taskExited: (task) => this.taskExited(task),
      oops: (task, e, text) => this.onOops(task, e, text),
      corruption: (e, report) => this.onCorruption(e, report),
    };
  }

  get kind(): 'kernel' | 'user' {
    return this.target.kind;
  }

  get isStopped(): boolean {
    return this.state === 'stopped';
  }

  // ---- life cycle -----------------------------------------------------------------------

  /** Start the program (after configurationDone): stop on entry, or run. */
  start(): void {
    const first = this.target.start();
    for (const t of this.target.tasks()) this.announce(t);
    if (this.options.stopOnEntry && first) {
      this.report({ reason: 'entry', threadId: first.pid, description: `Stopped at the entry of ${stripSize(this.target.symbolize(getRip(this.target.registers(first))).symbol)}` });
    } else {
      this.resume();
    }
  }

  /** Restart: rebuild and reload the program, re-apply breakpoints, start again. */
  restart(): void {
    this.runToken++;
    this.stepper.cancel();
    for (const t of this.announced) if (t.alive || this.deferredExits.has(t)) this.emit('thread', { reason: 'exited', threadId: t.pid });
    this.announced.clear();
    this.deferredExits.clear();
    this.target.dispose();
    this.disassembler.dispose();
    this.state = 'configuring';
    this.stopInfo = null;
    this.exception = null;
    this.pendingStop = null;
    this.endAfterStop = null;
    this.corruptions = 0;
    this.pcOverride.clear();
    this.handles.reset();
    this.load();
    if (this.liveWatches) this.setStackWatches(this.liveWatches);
    this.start();
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.runToken++;
    this.state = 'terminated';
    this.stepper.cancel();
    this.target.dispose();
    this.disassembler.dispose();
    this.emit('terminated');
  }

  // ---- execution control ------------------------------------------------------------------------

  continue(): void {
    this.requireStopped();
    this.resume();
  }

  step(threadId: number, kind: StepKind, granularity: StepGranularity = 'line'): void {
    this.requireStopped();
    const task = this.task(threadId);
    if (!task.alive) throw new EvalError(`${task.comm} (pid ${task.pid}) has exited; it cannot be stepped`);
    if (this.endAfterStop) { this.resume(); return; }
    this.stepper.begin(task, kind, granularity);
    this.resume();
  }

  /** Stop as soon as the current slice ends. */
  pause(): void {
    if (this.state !== 'running') return;
    this.pauseRequested = true;
  }

  private resume(): void {
    this.handles.reset();
    this.pcOverride.clear();
    this.stopInfo = null;
    this.exception = null;
    for (const t of this.deferredExits) this.emit('thread', { reason: 'exited', threadId: t.pid });
    this.deferredExits.clear();
    if (this.endAfterStop) { this.finish(this.endAfterStop.status, this.endAfterStop.reason); return; }
    this.state = 'running';
    this.pauseRequested = false;
    void this.loop(++this.runToken);
  }

  private async loop(token: number): Promise<void> {
    // the request that resumed us is answered before the machine runs
    await new Promise((r) => setImmediate(r));
    for (;;) {
      if (token !== this.runToken) return;
      if (this.pauseRequested) {
        this.pauseRequested = false;
        this.stepper.cancel();
        const t = this.defaultThread();
        this.report({ reason: 'pause', threadId: t?.pid ?? 0, description: 'Paused' }, undefined, false);
        return;
      }
      const started = performance.now();
      let stop: TargetStop;
      try {
        stop = this.target.run(this.sliceInsns);
      } catch (e) {
        this.output(`internal error in the simulator: ${(e as Error).stack ?? e}\n`, 'stderr');
        this.finish(3, 'internal error');
        return;
      }
      this.adaptSlice(performance.now() - started);
      this.stopping = false;
      if (stop.kind === 'slice') {
        await new Promise((r) => setImmediate(r));
        continue;
      }
      if (stop.kind === 'halted' && !this.pendingStop) {
        if (this.internalResume) { this.internalResume = false; continue; }
        // a halt nobody claimed: show where everything is
        this.report({ reason: 'pause', threadId: this.defaultThread()?.pid ?? 0 }, undefined, false);
        return;
      }
      this.internalResume = false;
      switch (stop.kind) {
        case 'exited':
          if (this.pendingStop) { this.endAfterStop = { status: stop.status, reason: stop.reason }; break; }
          this.finish(stop.status, stop.reason);
          return;
        case 'panic':
          this.endAfterStop = { status: 3, reason: `Kernel panic - not syncing: ${stop.reason}` };
          if (!this.pendingStop) this.pendingStop = this.exceptionStop('panic', `Kernel panic - not syncing: ${stop.reason}`, stop.task ?? this.defaultThread(), stop.log);
          break;
        case 'deadlock':
          this.endAfterStop = { status: 3, reason: stop.reason };
          if (!this.pendingStop) this.pendingStop = this.exceptionStop('deadlock', stop.reason, this.blockedThread());
          break;
        case 'budget':
          this.output(`instruction budget exhausted (maxInstructions ${this.options.maxInstructions})\n`, 'important');
          if (this.pendingStop) { this.endAfterStop = { status: 3, reason: 'instruction budget exhausted' }; break; }
          this.finish(3, 'instruction budget exhausted');
          return;
        case 'timeLimit': {
          const reason = `simulated time limit reached (maxTime ${formatSeconds(this.options.maxTimeNs)}): the guest was still running`;
          this.output(reason + '\n', 'important');
          if (this.pendingStop) { this.endAfterStop = { status: 3, reason }; break; }
          this.finish(3, reason);
          return;
        }
        default:
          break;
      }
      const p = this.pendingStop!;
      this.pendingStop = null;
      this.report(p.info, p.exception);
      return;
    }
  }

  private adaptSlice(ms: number): void {
    if (ms <= 0.5) { this.sliceInsns = Math.min(MAX_SLICE, this.sliceInsns * 2); return; }
    const next = Math.round(this.sliceInsns * (SLICE_MS / ms));
    this.sliceInsns = Math.max(MIN_SLICE, Math.min(MAX_SLICE, next, this.sliceInsns * 2));
  }

  /** From inside the run (probe, gate, event handler): stop with this, at the next boundary. */
  private requestStop(info: StopInfo, exception?: ExceptionDetails): void {
    if (this.pendingStop) return; // the first reason wins
    this.pendingStop = { info, exception };
    this.stopping = true;
    this.stepper.cancel();
    this.target.halt();
  }

  private report(info: StopInfo, exception?: ExceptionDetails, skipHere = true): void {
    this.state = 'stopped';
    this.stopInfo = info;
    this.exception = exception ?? null;
    this.stepper.cancel();
    const task = this.target.tasks().find((t) => t.pid === info.threadId);
    this.mux.clearSkip();
    if (task && skipHere) this.mux.skipOnce(task, getRip(this.target.registers(task)));
    this.emit('stopped', info);
  }

  private finish(status: number, reason: string): void {
    if (this.state === 'terminated') return;
    if (this.corruptions > 0 && status === 3) status = 1;
    this.output(`${reason}; exit status ${status}\n`, 'console');
    this.state = 'terminated';
    this.runToken++;
    this.emit('exited', status);
    this.target.dispose();
    this.emit('terminated');
  }

  private exceptionStop(id: string, text: string, task: Task | undefined, log?: string): { info: StopInfo; exception: ExceptionDetails } {
    return {
      info: { reason: 'exception', threadId: task?.pid ?? 0, description: text, text: log ?? text },
      exception: { exceptionId: id, description: text, breakMode: 'always', details: log ?? text },
    };
  }

  // ---- events from the target -------------------------------------------------------------------

  private output(text: string, category: 'console' | 'stdout' | 'stderr' | 'important', source?: SourceRef, line?: number): void {
    this.emit('output', { category, text, source, line });
  }

  private announce(task: Task): void {
    if (this.announced.has(task)) return;
    this.announced.add(task);
    this.emit('thread', { reason: 'started', threadId: task.pid });
  }

  private taskExited(task: Task): void {
    if (this.stepper.taskExited(task)) this.output(`${task.comm} (pid ${task.pid}) exited before the step completed\n`, 'console');
    if (this.deferredExits.has(task)) return;
    this.announced.add(task);
    this.emit('thread', { reason: 'exited', threadId: task.pid });
  }

  private onOops(task: Task, e: OopsEvent, text: string): void {
    if (!this.options.stopOnOops) return;
    const where = `${stripSize(e.symbol)}${e.file ? ` (${path.basename(e.file)}:${e.line})` : ''}`;
    const description = `Oops in ${task.comm} (pid ${task.pid}) at ${where}: ${e.reason}`;
    this.deferredExits.add(task);
    this.requestStop({ reason: 'exception', threadId: task.pid, description, text },
      { exceptionId: 'oops', description, breakMode: 'always', details: text || description, stackTrace: e.stack.map((s) => `${s.symbol}${s.file ? ` (${s.file}:${s.line})` : ''}`).join('\n') });
  }

  private onCorruption(e: CorruptionEvent, report: string): void {
    this.corruptions++;
    this.emit('corruption', e);
    if (!this.options.stopOnCorruption) return;
    const writer = this.target.tasks().find((t) => t.pid === e.writer.pid);
    if (!writer) return;
    this.pcOverride.set(writer, BigInt(e.writer.ip));
    const where = e.writer.file ? ` at ${path.basename(e.writer.file)}:${e.writer.line}` : '';
    const description = `Stack corruption: ${e.writer.comm} (pid ${e.writer.pid}) wrote into the frame of ${e.watch.function} ` +
      `(depth ${e.watch.depth}) of ${e.watch.comm} (pid ${e.watch.pid})${where}`;
    this.requestStop({ reason: 'data breakpoint', threadId: writer.pid, description, text: report });
  }

  // ---- threads and frames ----------------------------------------------------------------------

  threads(): ThreadInfo[] {
    const subject = this.stopInfo?.threadId;
    return this.target.tasks()
      .filter((t) => t.alive || this.deferredExits.has(t) || t.pid === subject)
      .map((t) => ({ id: t.pid, name: threadName(t, this.target.cpuOf(t)) }));
  }

  private task(threadId: number): Task {
    const t = this.target.tasks().find((x) => x.pid === threadId);
    if (!t) throw new EvalError(`no thread ${threadId}`);
    return t;
  }

  private defaultThread(): Task | undefined {
    const tasks = this.target.tasks();
    const running = tasks.filter((t) => t.alive && t.state === TaskState.RUNNING).sort((a, b) => a.cpu - b.cpu);
    return running[0] ?? tasks.find((t) => t.alive) ?? tasks[tasks.length - 1];
  }

  private blockedThread(): Task | undefined {
    return this.target.tasks().find((t) => t.state === TaskState.BLOCKED) ?? this.defaultThread();
  }

  private rawFrames(task: Task): RawFrame[] {
    const rf = this.target.registers(task);
    const frames = unwind(this.target.unwindSource(task, getRip(rf), getGpr(rf, 4))).slice(0, MAX_FRAMES);
    const over = this.pcOverride.get(task);
    if (over !== undefined) frames[0] = { ...frames[0], pc: over, lookupPc: over };
    recoverSavedRegisters(frames, rf, this.target.callFrameInfo(), (a) => this.readScalar(a, 8));
    return frames;
  }

  stackTrace(threadId: number, startFrame = 0, levels = 0): { frames: FrameInfo[]; total: number } {
    const task = this.task(threadId);
    const raw = this.rawFrames(task);
    const end = levels > 0 ? Math.min(raw.length, startFrame + levels) : raw.length;
    const frames = raw.slice(startFrame, end).map((f) => this.frameInfo(task, f));
    return { frames, total: raw.length };
  }

  private frameInfo(task: Task, f: RawFrame): FrameInfo {
    const t = this.target;
    // a caller's function is the one holding the call (a noreturn call may end it), its offset the return address's
    const fn = t.functionAt(f.lookupPc);
    const name = fn ? `${fn.name}+0x${(f.pc - fn.start).toString(16)}` : stripSize(t.symbolize(f.pc).symbol);
    const own = t.isProgramCode(f.lookupPc);
    const loc = own ? t.debugInfo?.lineFor(f.lookupPc) : undefined;
    return {
      id: frameId(task.pid, f.index),
      name,
      source: loc ? sourceRef(loc.file) : undefined,
      line: loc?.line ?? 0,
      column: loc ? Math.max(1, loc.column) : 0,
      instructionPointerReference: hex(f.pc),
      moduleId: t.moduleIdAt(f.lookupPc),
      subtle: !own,
    };
  }

  private frameById(frameIdValue: number): { task: Task; index: number } {
    const pid = Math.floor(frameIdValue / MAX_FRAMES), index = frameIdValue % MAX_FRAMES;
    return { task: this.task(pid), index };
  }

  /** A frame for expressions, stopped. */
  private stoppedContext(task: Task, index: number): FrameContext {
    const frames = this.rawFrames(task);
    const frame = frames[index];
    if (!frame) throw new EvalError(`no frame ${index} in ${task.comm}`);
    const t = this.target;
    return {
      mem: t.mem, debugInfo: t.debugInfo, frame, regs: index === 0 ? t.registers(task) : null,
      symbolAddress: (n) => t.symbolAddress(n), writable: index === 0 && this.state === 'stopped',
    };
  }

  /** The innermost frame of a task loaded in the engine (inside a probe or watchpoint handler). */
  private liveContext(task: Task): FrameContext {
    const t = this.target;
    const rf = t.registers(task);
    const frames = unwind(t.unwindSource(task, getRip(rf), getGpr(rf, 4)));
    return { mem: t.mem, debugInfo: t.debugInfo, frame: frames[0], regs: rf, symbolAddress: (n) => t.symbolAddress(n), writable: false };
  }

  /** Expressions without a frame: symbols and globals only. */
  private globalContext(): FrameContext {
    const t = this.target;
    return {
      mem: t.mem, debugInfo: t.debugInfo, frame: { index: 0, pc: 0n, lookupPc: 0n }, regs: null,
      symbolAddress: (n) => t.symbolAddress(n), writable: false,
    };
  }

  private interpolate(task: Task, message: string): string {
    const ev = new Evaluator(this.liveContext(task));
    return message.replace(/\{([^{}]+)\}/g, (_m, expr: string) => {
      try {
        const v = ev.evaluate(expr);
        return isScalar(v.type) ? formatScalar(ev.scalar(v), v.type) : describeValue(expr, expr, v, ev, new Handles(), { threadId: task.pid, frame: 0 }).value;
      } catch (e) {
        return `<${(e as Error).message}>`;
      }
    });
  }

  // ---- scopes and variables --------------------------------------------------------------------

  scopes(frameIdValue: number): ScopeInfo[] {
    const { task, index } = this.frameById(frameIdValue);
    const where = { threadId: task.pid, frame: index };
    const scopes: ScopeInfo[] = [];
    const ctx = this.stoppedContext(task, index);
    if (this.target.debugInfo?.functionAt(ctx.frame.lookupPc)) {
      scopes.push({ name: 'Locals', presentationHint: 'locals', variablesReference: this.handles.create({ kind: 'locals', ...where }), expensive: false });
    }
    scopes.push({ name: 'Registers', presentationHint: 'registers', variablesReference: this.handles.create({ kind: 'registers', ...where }), expensive: false });
    if (this.target.stackWatches) {
      scopes.push({ name: 'KStackWatch', variablesReference: this.handles.create({ kind: 'kstackwatch' }), expensive: false });
    }
    return scopes;
  }

  variables(ref: number, start = 0, count = 0, opts: { hex?: boolean } = {}): VariableInfo[] {
    const c = this.handles.get(ref);
    if (!c) return [];
    switch (c.kind) {
      case 'locals': return this.locals(c.threadId, c.frame, opts);
      case 'registers': return this.registerVariables(c.threadId, c.frame);
      case 'debugRegisters': return this.debugRegisterVariables(c.threadId);
      case 'kstackwatch': return this.stackWatchVariables();
      case 'children': {
        const ev = new Evaluator(this.stoppedContext(this.task(c.threadId), c.frame));
        return childValues(c, ev, this.handles, start, count || undefined, opts);
      }
    }
  }

  private locals(threadId: number, frame: number, opts: { hex?: boolean }): VariableInfo[] {
    const ctx = this.stoppedContext(this.task(threadId), frame);
    const ev = new Evaluator(ctx);
    const where = { threadId, frame };
    const { vars } = frameVariables(ctx);
    // shadowed outer-block variables are hidden, as a C scope hides them
    const seen = new Set<string>();
    const out: VariableInfo[] = [];
    for (let i = vars.length - 1; i >= 0; i--) {
      const v = vars[i];
      if (seen.has(v.name)) continue;
      seen.add(v.name);
      const value = placeToValue(v.type, v.place);
      out.unshift(typeof value === 'string'
        ? { name: v.name, value: `<${value}>`, type: v.type.name, variablesReference: 0, readOnly: true, evaluateName: v.name }
        : describeValue(v.name, v.name, value, ev, this.handles, where, opts));
    }
    return out;
  }

  private registerVariables(threadId: number, frame: number): VariableInfo[] {
    const task = this.task(threadId);
    const ctx = this.stoppedContext(task, frame);
    const sym = (a: bigint) => { const s = this.target.symbolize(a).symbol; return s.startsWith('0x') ? '' : ` <${stripSize(s)}>`; };
    if (frame > 0 || !ctx.regs) {
      const saved = [...(ctx.frame.saved ?? new Map())].sort(([a], [b]) => a - b).map(([g, v]) => ({
        name: GPR_NAMES[g], value: hex(v.value), type: 'u64', variablesReference: 0, readOnly: true,
        ...(v.address !== undefined ? { memoryReference: hex(v.address) } : {}),
      }));
      return [
        ...saved,
        { name: 'rsp', value: ctx.frame.sp !== undefined ? hex(ctx.frame.sp) : '<unavailable>', variablesReference: 0, readOnly: true, memoryReference: ctx.frame.sp !== undefined ? hex(ctx.frame.sp) : undefined },
        { name: 'rip', value: hex(ctx.frame.pc) + sym(ctx.frame.pc), variablesReference: 0, readOnly: true, memoryReference: hex(ctx.frame.pc) },
        { name: 'cfa', value: ctx.frame.cfa !== undefined ? hex(ctx.frame.cfa) : '<unavailable>', variablesReference: 0, readOnly: true },
        { name: '(other registers)', value: 'caller-saved: not known in a caller frame', variablesReference: 0, readOnly: true },
      ];
    }
    const rf = ctx.regs;
    const out: VariableInfo[] = GPR_NAMES.map((n, i) => ({ name: n, value: hex(getGpr(rf, i)), type: 'u64', variablesReference: 0, evaluateName: `$${n}` }));
    const rip = getRip(rf);
    out.push({ name: 'rip', value: hex(rip) + sym(rip), type: 'u64', variablesReference: 0, memoryReference: hex(rip), evaluateName: '$rip' });
    out.push({ name: 'rflags', value: describeRflags(getRflags(rf)), type: 'u64', variablesReference: 0, evaluateName: '$rflags' });
    out.push({ name: 'fs_base', value: hex(readRegister(rf, registerByName('fs_base')!)), type: 'u64', variablesReference: 0, evaluateName: '$fs_base' });
    out.push({ name: 'gs_base', value: hex(readRegister(rf, registerByName('gs_base')!)), type: 'u64', variablesReference: 0, evaluateName: '$gs_base' });
    if (ctx.frame.cfa !== undefined) out.push({ name: 'cfa', value: hex(ctx.frame.cfa), variablesReference: 0, readOnly: true });
    out.push({ name: 'debug registers', value: `DR0–DR7 of CPU ${this.target.cpuOf(task) < 0 ? '-' : this.target.cpuOf(task)}`, variablesReference: this.handles.create({ kind: 'debugRegisters', threadId }), readOnly: true });
    return out;
  }

  private debugRegisterVariables(threadId: number): VariableInfo[] {
    const task = this.task(threadId);
    const cpus = this.debugRegisters();
    const c = cpus.find((x) => x.cpu === this.target.cpuOf(task)) ?? cpus[0];
    if (!c) return [];
    const out: VariableInfo[] = c.slots.map((s) => ({
      name: `dr${s.slot}`,
      value: s.enabled ? `${s.address} len ${s.length} ${s.type} (${s.owner})` : `${s.address} (disabled${s.owner !== 'free' ? `, ${s.owner}` : ''})`,
      variablesReference: 0, readOnly: true, memoryReference: s.address,
    }));
    out.push({ name: 'dr6', value: c.dr6, variablesReference: 0, readOnly: true });
    out.push({ name: 'dr7', value: c.dr7, variablesReference: 0, readOnly: true });
    return out;
  }

  private stackWatchVariables(): VariableInfo[] {
    const ctl = this.target.stackWatches;
    if (!ctl) return [];
    const out: VariableInfo[] = [];
    for (const w of ctl.list()) {
      out.push({ name: `watch ${w.id}`, value: `${w.config} — ${w.function}+${w.offset}, depth ${w.depth}, hits ${w.hits}`, variablesReference: 0, readOnly: true });
      for (const a of w.armed) {
        out.push({
          name: `  ${a.function} (depth ${a.depth})`,
          value: `${a.canary ? 'canary' : 'slot'} ${a.address} len ${a.length} = ${a.value}; ${a.comm} (pid ${a.pid}) on CPU ${a.cpu}; DR${a.slot}`,
          variablesReference: 0, readOnly: true, memoryReference: a.address,
        });
      }
    }
    if (out.length === 0) out.push({ name: 'watches', value: 'none (add one with stackWatch in launch.json)', variablesReference: 0, readOnly: true });
    out.push({ name: 'misses', value: `${ctl.misses()} call(s) not watched: no free watchpoint`, variablesReference: 0, readOnly: true });
    return out;
  }

  setVariable(ref: number, name: string, valueText: string): VariableInfo {
    this.requireStopped();
    const c = this.handles.get(ref);
    if (!c) throw new EvalError('that variable is no longer available');
    if (c.kind === 'registers') {
      const task = this.task(c.threadId);
      if (c.frame !== 0) throw new EvalError('registers can only be changed in the innermost frame');
      const reg = registerByName(name);
      if (!reg) throw new EvalError(`${name} cannot be changed`);
      const ctx = this.stoppedContext(task, 0);
      const ev = new Evaluator(ctx);
      const v = ev.scalar(ev.evaluate(valueText));
      writeRegister(ctx.regs!, reg, v);
      if (reg.kind === 'rip') { this.mux.clearSkip(task); this.pcOverride.delete(task); }
      const shown = reg.kind === 'rflags' ? describeRflags(getRflags(ctx.regs!)) : hex(readRegister(ctx.regs!, reg));
      return { name, value: shown, variablesReference: 0 };
    }
    if (c.kind === 'locals' || c.kind === 'children') {
      const ctx = this.stoppedContext(this.task(c.threadId), c.frame);
      const ev = new Evaluator(ctx);
      let target: Value;
      if (c.kind === 'locals') {
        const v = lookupVariable(ctx, name);
        if (!v) throw new EvalError(`no variable ${name}`);
        const value = placeToValue(v.type, v.place);
        if (typeof value === 'string') throw new EvalError(`${name} is ${value}`);
        target = value;
      } else {
        const m = /^\[(\d+)\]$/.exec(name);
        target = m ? ev.evaluate(`(${c.evaluateName})[${m[1]}]`) : ev.evaluate(`*(${c.evaluateName})`);
      }
      ev.store(target, ev.scalar(ev.evaluate(valueText)));
      return describeValue(name, name, target, ev, this.handles, { threadId: c.threadId, frame: c.frame });
    }
    throw new EvalError(`${name} cannot be changed`);
  }

  evaluate(expression: string, frameIdValue?: number, opts: { hex?: boolean } = {}): EvaluateResult {
    let ctx: FrameContext, where = { threadId: 0, frame: 0 };
    if (frameIdValue !== undefined && this.state === 'stopped') {
      const { task, index } = this.frameById(frameIdValue);
      ctx = this.stoppedContext(task, index);
      where = { threadId: task.pid, frame: index };
    } else if (this.stopInfo && this.state === 'stopped' && this.target.tasks().some((t) => t.pid === this.stopInfo!.threadId)) {
      ctx = this.stoppedContext(this.task(this.stopInfo.threadId), 0);
      where = { threadId: this.stopInfo.threadId, frame: 0 };
    } else {
      ctx = this.globalContext();
    }
    const ev = new Evaluator(ctx);
    const v = ev.evaluate(expression);
    if (isScalar(v.type)) ev.scalar(v); // a value that cannot be read fails the request
    const info = describeValue(expression, expression, v, ev, this.handles, where, opts);
    return { result: info.value, type: info.type, variablesReference: info.variablesReference, memoryReference: info.memoryReference };
  }

  // ---- breakpoints ---------------------------------------------------------------------------------

  setSourceBreakpoints(file: string, specs: SourceBreakpointSpec[]): BreakpointResult[] {
    return this.breakpoints!.setSourceBreakpoints(file, specs);
  }

  setFunctionBreakpoints(specs: FunctionBreakpointSpec[]): BreakpointResult[] {
    return this.breakpoints!.setFunctionBreakpoints(specs);
  }

  setInstructionBreakpoints(specs: InstructionBreakpointSpec[]): BreakpointResult[] {
    return this.breakpoints!.setInstructionBreakpoints(specs);
  }

  dataBreakpointInfo(args: { variablesReference?: number; name: string; frameId?: number; asAddress?: boolean; bytes?: number }): DataBreakpointInfoResult {
    const none = (why: string): DataBreakpointInfoResult => ({ dataId: null, description: why });
    try {
      let address: bigint, length: number, label: string;
      if (args.asAddress) {
        const ev = new Evaluator(this.state === 'stopped' && args.frameId !== undefined ? this.frameContextById(args.frameId) : this.globalContext());
        address = ev.scalar(ev.evaluate(args.name));
        length = args.bytes ?? 8;
        label = `${length} bytes at ${hex(address)}`;
      } else {
        const c = args.variablesReference ? this.handles.get(args.variablesReference) : undefined;
        let v: Value;
        if (c && (c.kind === 'locals' || c.kind === 'children')) {
          const ev = new Evaluator(this.stoppedContext(this.task(c.threadId), c.frame));
          if (c.kind === 'locals') {
            const found = lookupVariable(this.stoppedContext(this.task(c.threadId), c.frame), args.name);
            const value = found ? placeToValue(found.type, found.place) : 'not found';
            if (typeof value === 'string') return none(`${args.name} is ${value}`);
            v = value;
          } else {
            const m = /^\[(\d+)\]$/.exec(args.name);
            v = m ? ev.evaluate(`(${c.evaluateName})[${m[1]}]`) : ev.evaluate(`*(${c.evaluateName})`);
          }
        } else if (c && (c.kind === 'registers' || c.kind === 'debugRegisters')) {
          return none('registers cannot be watched with a debug register');
        } else if (c) {
          return none(`${args.name} cannot be watched`);
        } else {
          const ctx = this.state === 'stopped' && args.frameId !== undefined ? this.frameContextById(args.frameId) : this.globalContext();
          v = new Evaluator(ctx).evaluate(args.name);
        }
        if (v.lvalue?.kind !== 'memory') return none(`${args.name} is not in memory (a register or a constant)`);
        address = v.lvalue.address;
        length = v.type.size;
        label = `${args.name} (${v.type.name} at ${hex(address)})`;
      }
      const problem = watchableProblem(address, length);
      if (problem) return none(problem);
      const dataId = makeDataId(address, length);
      this.dataBreakpoints.labels.set(dataId, label);
      return { dataId, description: label, accessTypes: ['write', 'readWrite'] };
    } catch (e) {
      if (e instanceof EvalError) return none(e.message);
      throw e;
    }
  }

  private frameContextById(frameIdValue: number): FrameContext {
    const { task, index } = this.frameById(frameIdValue);
    return this.stoppedContext(task, index);
  }

  setDataBreakpoints(specs: DataBreakpointSpec[]): BreakpointResult[] {
    return this.dataBreakpoints.set(specs);
  }

  // ---- exceptions, memory, code ------------------------------------------------------------------

  exceptionInfo(): ExceptionDetails {
    if (!this.exception) throw new EvalError('the program is not stopped on an exception');
    return this.exception;
  }

  readMemory(reference: string, offset: number, count: number): ReadMemoryResult {
    if (!Number.isSafeInteger(count) || count < 0) throw new EvalError(`cannot read ${count} bytes`);
    const start = BigInt.asUintN(64, parseAddress(reference) + BigInt(offset));
    const chunks: Uint8Array[] = [];
    let done = 0;
    while (done < count) {
      const addr = start + BigInt(done);
      const n = Math.min(count - done, Number(0x1000n - (addr & 0xfffn)));
      try {
        chunks.push(this.target.mem.read(addr, n, true));
      } catch {
        break;
      }
      done += n;
    }
    return { address: hex(start), data: Buffer.concat(chunks), unreadableBytes: count - done };
  }

  writeMemory(reference: string, offset: number, data: Uint8Array): number {
    const start = BigInt.asUintN(64, parseAddress(reference) + BigInt(offset));
    try {
      // all or nothing: every byte must be mapped before the first is written
      this.target.mem.read(start, data.length, true);
      this.target.mem.write(start, data, true);
    } catch (e) {
      throw new EvalError(`cannot write ${data.length} bytes at ${hex(start)}: ${(e as Error).message}`);
    }
    return data.length;
  }

  private readScalar(address: bigint, length: number): bigint | undefined {
    try {
      const b = this.target.mem.read(address, length, true);
      let v = 0n;
      for (let i = length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
      return v;
    } catch {
      return undefined;
    }
  }

  disassemble(reference: string, offset: number, instructionOffset: number, count: number): DisassembledInstruction[] {
    const start = BigInt.asUintN(64, parseAddress(reference) + BigInt(offset));
    return this.disassembler.disassemble(start, instructionOffset, count);
  }

  loadedSources(): SourceRef[] {
    const files = new Set<string>();
    for (const r of this.target.debugInfo?.lines ?? []) files.add(r.file);
    return [...files].sort().map(sourceRef);
  }

  modules(): ModuleInfo[] {
    return this.target.modules();
  }

  // ---- KStackWatch (custom requests) ----------------------------------------------------------------

  /** Replace the stack watches; a new one arms at the next entry of its function. */
  setStackWatches(items: unknown): StackWatchInfo[] {
    const ctl = this.target.stackWatches;
    if (!ctl) throw new EvalError('stack watches need a kernel module');
    let configs: string[];
    try {
      configs = stackWatchList(items);
    } catch (e) {
      if (e instanceof LaunchError) throw new EvalError(e.message);
      throw e;
    }
    this.liveWatches = configs;
    const active = ctl.active();
    for (const a of active) if (!configs.includes(a)) ctl.stop(a);
    const failed: StackWatchInfo[] = [];
    configs.forEach((c, i) => {
      if (ctl.active().includes(c)) return;
      try {
        ctl.start(c);
      } catch (e) {
        if (!(e instanceof KswError)) throw e;
        failed.push({ id: -1 - i, config: c, verified: false, message: e.message, hits: 0, armed: [] });
      }
    });
    // kept with their reasons: a later listStackWatches must still say why (not just "unverified")
    this.failedWatches = failed;
    return [...ctl.list(), ...failed];
  }

  stackWatches(): { watches: StackWatchInfo[]; misses: number } {
    const ctl = this.target.stackWatches;
    const failed = this.failedWatches.filter((f) => this.liveWatches?.includes(f.config));
    return { watches: ctl ? [...ctl.list(), ...failed] : [], misses: ctl ? ctl.misses() : 0 };
  }

  debugRegisters(): CpuDebugRegisters[] {
    return this.target.debugRegisters((_cpu, slot) => this.dataBreakpoints.slotOwner(slot));
  }

  private requireStopped(): void {
    if (this.state !== 'stopped') throw new EvalError(this.state === 'running' ? 'the program is running' : 'the program is not stopped');
  }
}

/** A located variable as a Value, or why it has none. */
function placeToValue(type: Value['type'], place: Place): Value | string {
  switch (place.kind) {
    case 'memory': return { type, lvalue: { kind: 'memory', address: place.address } };
    case 'register': return { type, lvalue: { kind: 'register', ref: { kind: 'gpr', gpr: place.gpr, size: Math.min(8, Math.max(1, type.size)) as 1 | 2 | 4 | 8, high8: false } } };
    case 'value': return { type, raw: place.value };
    default: return place.reason;
  }
}

export function threadName(t: Task, cpu: number): string {
  return `${t.comm} (pid ${t.pid}) [CPU ${cpu < 0 ? '-' : cpu}]`;
}

function frameId(pid: number, index: number): number {
  return pid * MAX_FRAMES + index;
}

function stripSize(symbol: string): string {
  return symbol.replace(/\/0x[0-9a-f]+$/, '');
}

function sourceRef(file: string): SourceRef {
  return { path: file, name: path.basename(file) };
}

function parseAddress(reference: string): bigint {
  try {
    return BigInt(reference.trim());
  } catch {
    throw new EvalError(`'${reference}' is not a memory reference`);
  }
}

export { EvalError } from './expression';
