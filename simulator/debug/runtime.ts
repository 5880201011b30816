// The debug runtime: the debugger's engine over a simulated target (the
// kernel with a module, or a user-mode process), in the manner of
// vscode-mock-debug's mockRuntime — an EventEmitter with one method per
// thing a front end asks, and no DAP or vscode import.
//
// This file owns when the machine runs: the run state (one union, below)
// and the run loop. The target runs in slices between which the Node event
// loop turns, so a pause (or any request) is answered within one slice even
// in a hot guest loop. Everything that stops the machine (breakpoint probes,
// the step gate, watchpoints, KStackWatch, oopses) records why in the
// running state's `pending` and halts the target at the next instruction
// boundary; the loop then reports it. What a stopped program looks like
// (frames, variables, memory…) is inspection.ts.
//
// Events: 'stopped' StopInfo, 'output' OutputInfo, 'thread' {reason, threadId},
// 'corruption' CorruptionEvent, 'breakpoint' BreakpointResult, 'exited' number,
// 'terminated'.

import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { Task, TaskState } from '../kernel/task';
import { NS_PER_INSN } from '../kernel/scheduler';
import { MAX_BLOCK_INSNS } from '../cpu/cpu';
import { LOOP_TRACE_INSNS } from '../cpu/compiler';
import type { OopsEvent } from '../kernel/events';
import type { CorruptionEvent } from '../kstackwatch/events';
import { OutOfPhysicalMemory } from '../memory/memory';
import { UserError } from '../errors/userError';
import { KswError } from '../kstackwatch/kstackwatch';
import { compileModule } from '../toolchain/compile';
import { buildKbuild } from '../toolchain/kbuild';
import { removeTempDir } from '../toolchain/tempDir';
import { formatSeconds } from '../text/duration';
import { LaunchError, LaunchOptions, parseLaunchArgs, stackWatchList } from './launchConfig';
import { prepareProgram, PreparedProgram, Toolchain } from './program';
import { KernelTarget } from './kernelTarget';
import { UserTarget } from './userTarget';
import { HostJournal } from '../user/hostJournal';
import { ProbeError, Target, TargetCheckpoint, TargetEvents, TargetStop } from './target';
import { Evaluator } from './expression';
import { RequestError } from './requestError';
import { Handles } from './variables';
import { getRip, writeRegister } from './registers';
import { Edit, EditLog } from './edits';
import { BreakpointHost, BreakpointManager, LINE_SEARCH, ProbeMux } from './breakpoints';
import { DataBreakpointHost, DataBreakpointManager } from './dataBreakpoints';
import { Stepper, StepKind } from './stepper';
import { Disassembler } from './disassembler';
import { CheckpointStore } from './checkpoints';
import { ReplayAction, ReplayOrigin, ReverseSearch, SessionCheckpoint, TimePoint } from './reverseSearch';
import { countsHits, HitCounter, restoreCounts, saveCounts } from './hitCounts';
import { SnapshotBusy } from '../system/checkpoint';
import {
  activationEntry, exactMargin, lastAt, lastExit, previousInstruction, previousLine, ReplayGate, Sample, SampleRequest, TimeTarget,
} from './timeTravel';
import { Inspector, sourceRef, stripSize, threadName } from './inspection';
import type {
  BreakpointResult, CpuDebugRegisters, DataBreakpointInfoResult, DataBreakpointSpec, DisassembledInstruction,
  EvaluateResult, ExceptionDetails, FrameInfo, FunctionBreakpointSpec, InstructionBreakpointSpec, ModuleInfo, OutputInfo,
  ReadMemoryResult, ScopeInfo, SourceBreakpointSpec, SourceRef, StackWatchInfo, StepGranularity, StopInfo, ThreadInfo,
  TimeTravelStats, VariableInfo,
} from './types';

export { LaunchError } from './launchConfig';
export { threadName } from './inspection';
export type { Toolchain } from './program';
export type { TimePoint };

/** Instructions per slice at first; adapted to about SLICE_MS of host time. */
const FIRST_SLICE = 500_000;
const SLICE_MS = 10;
const MIN_SLICE = 20_000;
const MAX_SLICE = 5_000_000;
/** A replay runs synchronously (it answers one request); its slices only bound how long a round runs between checks. */
const REPLAY_SLICE = 50_000_000;

/** The program cannot go on after the current stop: it ends with this. */
interface ProgramEnd { status: number; reason: string }

interface PendingStop { info: StopInfo; exception?: ExceptionDetails }

/**
 * Where the run is; every stop decision is a transition of this one value:
 * configuring → running ⇄ stopped → terminated.
 */
type RunState =
  | { kind: 'configuring' }
  | {
    kind: 'running';
    /** This run's loop; a restart, terminate or later resume makes it stale. */
    token: number;
    /** A pause request, honoured when the current slice ends. */
    pauseRequested: boolean;
    /** The first reason to stop recorded inside the slice (probe, gate, watchpoint, event); the first wins. */
    pending: PendingStop | null;
    /** A halt was asked for and the slice has not returned yet: probes stand aside. */
    halting: boolean;
    /** The halt only moves the stepping task to single steps: run on. */
    toSingleSteps: boolean;
    /** The program cannot go on after the pending stop (panic, deadlock, exit, budget). */
    end: ProgramEnd | null;
  }
  | { kind: 'stopped'; info: StopInfo; exception: ExceptionDetails | null; end: ProgramEnd | null }
  | { kind: 'terminated' };

/**
 * A replay of the history from its start (time travel): the gate that
 * brings it to an exact position, and what to do at each stop met on the
 * way (the arrival at the gate's limit is a stop too).
 */
interface Replay {
  gate: ReplayGate;
  atStop(info: StopInfo, pos: number): ReplayAction;
}

/** What the runtime needs from outside: compiling a launched .c (tests inject a prebuilt object's toolchain). */
export interface RuntimeDeps {
  toolchain?: Toolchain;
}

export class DebugRuntime extends EventEmitter {
  private target!: Target;
  private program!: PreparedProgram;
  private state: RunState = { kind: 'configuring' };
  private runs = 0;
  private readonly pcOverride = new Map<Task, bigint>();
  private readonly handles = new Handles();
  private mux!: ProbeMux;
  private breakpoints?: BreakpointManager;
  private dataBreakpoints!: DataBreakpointManager;
  private stepper!: Stepper;
  private disassembler!: Disassembler;
  private sliceInsns = FIRST_SLICE;
  private readonly announced = new Set<Task>();
  /** Pids the client has seen start: a replay's new Task objects for them are not announced again. */
  private readonly announcedPids = new Set<number>();
  /** The replay in progress (time travel), or null: the live run. */
  private replay: Replay | null = null;
  /** The furthest point of history the session has run to (kstackwatch.gotoTime goes no further). */
  private horizon = { insns: 0, time_ns: 0 };
  /** Log lines of the current machine's history so far, and the most any history has shown. */
  private logLines = 0;
  private logLinesShown = 0;
  /** The user's writes while stopped, made again at their moment by every replay and by a run over it (edits.ts). */
  private readonly edits = new EditLog();
  /** How far from an edit's position tasks run one instruction at a time, so that it is made at its exact moment. */
  private editMargin = 0;
  /** Checkpoints of this machine's history: a replay starts from the latest one before its target. */
  private readonly checkpoints: CheckpointStore<SessionCheckpoint>;
  /** Where reverse requests land, and what earlier replays saw (reverseSearch.ts). */
  private readonly search: ReverseSearch;
  /**
   * The checkpoint the machine has run on from without a restore (taken or
   * restored there; null: none yet on this machine), and the stop events of
   * the history itself since: the next checkpoint's stretch summary.
   */
  private stretchFrom: SessionCheckpoint | null = null;
  private stretchEvents = 0;
  /**
   * When each task first ran (the position before its first instruction):
   * where a kernel thread's own function was entered (restartFrame). The
   * history is deterministic, so what any run of it saw stays true — up to
   * an edit, which changes what follows it.
   */
  private readonly firstRuns = new Map<number, number>();
  /** A user program's host file I/O, recorded going forward and served to replays (hostJournal.ts). */
  private readonly hostJournal = new HostJournal();
  /** Replays run and the instructions they ran (timeTravelStats). */
  private replays = 0;
  private replayedInsns = 0;
  /** The task the debug gate was last asked about: the one whose quantum a stop cut short, usually. */
  private lastGated: Task | null = null;
  /** Lines gotoTargets answered, by id - 1. */
  private readonly gotoLines: { file: string; line: number; addresses: ReadonlySet<bigint> }[] = [];
  /** Rebuilding the machine for a replay: breakpoints re-resolve to what they were, silently. */
  private rebuilding = false;
  private readonly deferredExits = new Set<Task>();
  /** Stack watches set on the live session, re-applied on restart. */
  private liveWatches: string[] | null = null;
  /** Watches the last setStackWatches could not start, with the reason. */
  private failedWatches: StackWatchInfo[] = [];
  /** Corruptions caught: the exit status is 1 whenever there was one (DESIGN.md §3.1). */
  private corruptions = 0;
  private readonly inspect: Inspector;
  private readonly toolchain: Toolchain;
  /** Output produced while nobody listened (during create()), sent once an 'output' listener is added. */
  private readonly unheard: OutputInfo[] = [];

  private constructor(readonly options: LaunchOptions, deps: RuntimeDeps) {
    super();
    this.toolchain = deps.toolchain ?? { compileModule, buildKbuild };
    this.checkpoints = new CheckpointStore(options.checkpointInterval, options.checkpointMemoryBytes);
    this.search = new ReverseSearch({
      insns: () => this.target.insns(),
      time: () => this.time(),
      runReplay: (...args) => this.runReplay(...args),
      goToStart: () => this.goToStart(),
      recordingSummary: (c) => (this.stretchFrom === c ? this.target.stretchSummary(this.stretchEvents) : undefined),
      stoppingAddresses: () => this.breakpoints!.stoppingAddresses(),
      armedWatches: () => this.dataBreakpoints.armed(),
    }, this.checkpoints);
    // at once, to the first listener (before the adapter's 'initialized'), so the order of a transcript never varies
    this.on('newListener', (event: string, listener: (o: OutputInfo) => void) => {
      if (event === 'output') for (const o of this.unheard.splice(0)) listener(o);
    });
    const rt = this;
    this.inspect = new Inspector({
      get target() { return rt.target; },
      get isStopped() { return rt.state.kind === 'stopped'; },
      get stopInfo() { return rt.state.kind === 'stopped' ? rt.state.info : null; },
      handles: this.handles,
      pcOverride: this.pcOverride,
      get mux() { return rt.mux; },
      get disassembler() { return rt.disassembler; },
      get dataBreakpoints() { return rt.dataBreakpoints; },
      debugRegisters: () => this.debugRegisters(),
      requireStopped: () => this.requireStopped(),
      recordEdit: (e) => this.recordEdit(e),
    });
  }

  /**
   * Check the launch arguments, build (compile) the program and load it.
   * Throws LaunchError with a message for the user; never runs guest code.
   */
  static create(args: Record<string, unknown>, deps: RuntimeDeps = {}): DebugRuntime {
    const rt = new DebugRuntime(parseLaunchArgs(args), deps);
    rt.load();
    return rt;
  }

  /** Build the program (or, for a replay, reuse the one built) and load it into a new machine. */
  private load(reuseProgram = false): void {
    const opts = this.options;
    if (!reuseProgram) {
      this.program = prepareProgram(opts, this.toolchain);
      if (this.program.buildLog) this.output(this.program.buildLog, 'console');
      if (this.program.diagnostics.trim()) this.output(this.program.diagnostics.replace(/\n?$/, '\n'), 'stderr');
    }
    const events = this.targetEvents();
    this.stretchFrom = null; // a new machine: nothing recorded on it yet
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
        this.target = new UserTarget(opts, this.program.path, events, this.hostJournal);
      }
    } catch (e) {
      this.dropProgram(); // refused: the object is not needed any more
      // the runtime's one classification: a user's problem becomes a LaunchError naming the program
      if (e instanceof LaunchError || !(e instanceof UserError)) throw e;
      if (e instanceof OutOfPhysicalMemory) throw new LaunchError(`${path.basename(this.program.path)}: does not fit in simulated memory (${e.message})`);
      throw new LaunchError(`${path.basename(this.program.source ?? this.program.path)}: ${e.message}`);
    }
    const t = this.target;
    this.mux = new ProbeMux((a, fn) => t.insertProbe(a, fn), (a) => t.removeProbe(a), () => this.state.kind === 'running' && this.state.halting);
    const breakpointHost: BreakpointHost = {
      debugInfo: t.debugInfo, mux: this.mux,
      functionByName: (n) => t.functionByName(n),
      test: (task, cond) => new Evaluator(this.inspect.liveContext(task)).test(cond),
      interpolate: (task, msg) => this.inspect.interpolate(task, msg),
      // a replay is the debugger's own machinery: the history it goes over has printed its logpoints already
      logpoint: (text, source, line) => { if (!this.replay) this.output(text + '\n', 'console', source, line); },
      position: () => t.insns(),
      hit: (task, reason, ids, note) => {
        if (note) this.output(note + '\n', 'console');
        this.requestStop({ reason, threadId: task.pid, hitBreakpointIds: ids });
      },
    };
    const dataHost: DataBreakpointHost = {
      insertWatch: (attr, hit, armed) => t.insertWatch(attr, hit, armed) as { slot: number },
      removeWatch: (h) => t.removeWatch(h),
      watchState: (h) => t.watchState(h),
      read: (a, n) => this.inspect.readScalar(a, n),
      test: (task, cond) => new Evaluator(this.inspect.liveContext(task)).test(cond),
      hit: (task, id, insn, description) => {
        this.pcOverride.set(task, insn);
        this.requestStop({ reason: 'data breakpoint', threadId: task.pid, hitBreakpointIds: [id], description: `Data breakpoint: ${description}` });
      },
      position: () => t.insns(),
    };
    if (this.breakpoints) {
      // a restart: the same breakpoints and ids, resolved in the rebuilt program
      const rebound = [...this.breakpoints.rebind(breakpointHost, this.rebuilding), ...this.dataBreakpoints.rebind(dataHost, this.rebuilding)];
      if (!this.rebuilding) rebound.forEach((b) => this.emit('breakpoint', b));
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
      switchToStepping: () => this.switchToSingleSteps(),
    });
    this.editMargin = exactMargin(Math.max(opts.sched.quantumMax, opts.sched.fineMax));
    t.setGate((task) => {
      this.lastGated = task;
      // an edit due now is made before anything else sees this moment (a replay's arrival shows it)
      const pos = t.insns();
      if (task.insns === 0) this.firstRuns.set(task.pid, pos); // the latest ask before its first instruction
      if (pos >= this.edits.nextPosition()) this.edits.makeDue(this.time(), (e) => this.makeEdit(e));
      const answer = this.replay ? this.replay.gate.gate(task) : this.stepper.gate(task);
      return answer === 'run' && pos + this.editMargin >= this.edits.nextPosition() ? 'step' : answer;
    });
    this.disassembler = new Disassembler({
      readBytes: (a, n) => t.originalBytes(a, n),
      symbolize: (a) => { const s = t.symbolize(a).symbol; return s.startsWith('0x') ? undefined : stripSize(s); },
      functionStart: (a) => { const f = t.functionAt(a); return f ? { name: f.name, start: f.start } : undefined; },
      lineFor: (a) => { const l = t.debugInfo?.lineFor(a); return l ? { source: sourceRef(l.file), line: l.line } : undefined; },
    });
  }

  /** The compiled object is kept for replays until the session ends or restarts. */
  private dropProgram(): void {
    removeTempDir(this.program?.tempDir);
    if (this.program) this.program.tempDir = undefined;
  }

  private targetEvents(): TargetEvents {
    return {
      log: (text, category, loc) => {
        // the log is the same sequence in every replay of the history (from the load on: a .ko logs its
        // modinfo while it loads): a line already shown is not shown again
        if (this.logLines++ < this.logLinesShown) return;
        this.logLinesShown = this.logLines;
        this.output(text, category, loc ? sourceRef(loc.file) : undefined, loc?.line);
      },
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
    return this.state.kind === 'stopped';
  }

  // ---- life cycle -----------------------------------------------------------------------

  /** Start the program (after configurationDone): stop on entry, or run. */
  start(): void {
    const first = this.target.start();
    for (const t of this.target.tasks()) this.announce(t);
    this.takeCheckpoint();
    if (this.options.stopOnEntry && first) {
      this.report({ reason: 'entry', threadId: first.pid, description: `Stopped at the entry of ${stripSize(this.target.symbolize(getRip(this.target.registers(first))).symbol)}` });
    } else {
      this.resume();
    }
  }

  /** Restart: rebuild and reload the program, re-apply breakpoints, start again. */
  restart(): void {
    this.stepper.cancel();
    for (const t of this.announced) if (t.alive || this.deferredExits.has(t)) this.emit('thread', { reason: 'exited', threadId: t.pid });
    this.announced.clear();
    this.deferredExits.clear();
    this.announcedPids.clear();
    this.horizon = { insns: 0, time_ns: 0 };
    this.logLines = this.logLinesShown = 0;
    this.search.forget('all');
    this.firstRuns.clear();
    this.edits.clear();
    this.checkpoints.clear();
    this.hostJournal.reset(); // a new run meets the host's files afresh
    this.target.dispose();
    this.disassembler.dispose();
    this.dropProgram();
    this.state = { kind: 'configuring' };
    this.corruptions = 0;
    this.pcOverride.clear();
    this.handles.reset();
    this.load();
    if (this.liveWatches) this.setStackWatches(this.liveWatches);
    this.start();
  }

  terminate(): void {
    if (this.state.kind === 'terminated') return;
    this.state = { kind: 'terminated' };
    this.stepper.cancel();
    this.target.dispose();
    this.hostJournal.reset();
    this.disassembler.dispose();
    this.dropProgram();
    this.emit('terminated');
  }

  // ---- execution control ------------------------------------------------------------------------

  continue(): void {
    this.requireStopped();
    this.resume();
  }

  step(threadId: number, kind: StepKind, granularity: StepGranularity = 'line'): void {
    this.requireStopped();
    const task = this.inspect.task(threadId);
    if (!task.alive) throw new RequestError(`${task.comm} (pid ${task.pid}) has exited; it cannot be stepped`);
    if (this.state.kind === 'stopped' && this.state.end) { this.resume(); return; }
    this.stepper.begin(task, kind, granularity);
    this.resume();
  }

  /** Stop as soon as the current slice ends. */
  pause(): void {
    if (this.state.kind === 'running') this.state.pauseRequested = true;
  }

  /** Leave a stop (or the configuring state): run, or end if the program cannot go on. */
  private resume(): void {
    const end = this.state.kind === 'stopped' ? this.state.end : null;
    this.handles.reset();
    this.pcOverride.clear();
    for (const t of this.deferredExits) this.emit('thread', { reason: 'exited', threadId: t.pid });
    this.deferredExits.clear();
    if (end) { this.finish(end.status, end.reason); return; }
    const token = ++this.runs;
    this.state = { kind: 'running', token, pauseRequested: false, pending: null, halting: false, toSingleSteps: false, end: null };
    void this.loop(token);
  }

  private async loop(token: number): Promise<void> {
    // the request that resumed us is answered before the machine runs
    await new Promise((r) => setImmediate(r));
    for (;;) {
      const next = this.advance(token, this.sliceInsns);
      if (next === 'done') return;
      if (next === 'yield') await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * One slice of the run: 'again' goes on at once, 'yield' after the event
   * loop has turned, 'done' when the run is over (stopped, ended, or a
   * newer run took over).
   */
  private advance(token: number, slice: number): 'again' | 'yield' | 'done' {
    const s = this.state;
    if (s.kind !== 'running' || s.token !== token) return 'done';
    if (s.pauseRequested) {
      this.stepper.cancel();
      this.report({ reason: 'pause', threadId: this.defaultThread()?.pid ?? 0, description: 'Paused' }, undefined, false);
      return 'done';
    }
    const started = performance.now();
    let stop: TargetStop;
    try {
      stop = this.target.run(Math.min(slice, this.checkpoints.untilMark(this.target.insns())));
    } catch (e) {
      this.output(`internal error in the simulator: ${(e as Error).stack ?? e}\n`, 'stderr');
      this.finish(3, 'internal error');
      return 'done';
    }
    if (!this.replay) this.adaptSlice(performance.now() - started);
    s.halting = false;
    if (stop.kind === 'slice') {
      if (this.checkpoints.due(this.target.insns())) this.takeCheckpoint();
      return 'yield';
    }
    // a replay that skipped a stop runs on in a new running state of the same run
    const after = (): 'again' | 'done' => (this.state.kind === 'running' && this.state.token === token ? 'again' : 'done');
    if (stop.kind === 'halted' && !s.pending) {
      if (s.toSingleSteps) { s.toSingleSteps = false; return 'again'; }
      // a halt nobody claimed: show where everything is
      this.report({ reason: 'pause', threadId: this.defaultThread()?.pid ?? 0 }, undefined, false);
      return after();
    }
    s.toSingleSteps = false;
    switch (stop.kind) {
      case 'exited':
        if (s.pending) { s.end = { status: stop.status, reason: stop.reason }; break; }
        this.finish(stop.status, stop.reason);
        return 'done';
      case 'panic':
        s.end = { status: 3, reason: `Kernel panic - not syncing: ${stop.reason}` };
        s.pending ??= exceptionStop('panic', `Kernel panic - not syncing: ${stop.reason}`, stop.task ?? this.defaultThread(), stop.log);
        break;
      case 'deadlock':
        s.end = { status: 3, reason: stop.reason };
        s.pending ??= exceptionStop('deadlock', stop.reason, this.blockedThread());
        break;
      case 'budget':
        this.output(`instruction budget exhausted (maxInstructions ${this.options.maxInstructions})\n`, 'important');
        if (s.pending) { s.end = { status: 3, reason: 'instruction budget exhausted' }; break; }
        this.finish(3, 'instruction budget exhausted');
        return 'done';
      case 'timeLimit': {
        const reason = `simulated time limit reached (maxTime ${formatSeconds(this.options.maxTimeNs)}): the guest was still running`;
        this.output(reason + '\n', 'important');
        if (s.pending) { s.end = { status: 3, reason }; break; }
        this.finish(3, reason);
        return 'done';
      }
      default:
        break;
    }
    const p = s.pending!;
    this.report(p.info, p.exception, true, s.end);
    return after();
  }

  private adaptSlice(ms: number): void {
    if (ms <= 0.5) { this.sliceInsns = Math.min(MAX_SLICE, this.sliceInsns * 2); return; }
    const next = Math.round(this.sliceInsns * (SLICE_MS / ms));
    this.sliceInsns = Math.max(MIN_SLICE, Math.min(MAX_SLICE, next, this.sliceInsns * 2));
  }

  /** From inside the run (probe, gate, event handler): stop with this, at the next boundary. */
  private requestStop(info: StopInfo, exception?: ExceptionDetails): void {
    const s = this.state;
    if (s.kind !== 'running' || s.pending) return; // nothing runs outside a run; the first reason wins
    s.pending = { info, exception };
    s.halting = true;
    this.stepper.cancel();
    this.target.halt();
  }

  /** The stepper is back in the stepped line: halt so that its task runs one instruction at a time. */
  private switchToSingleSteps(): void {
    const s = this.state;
    if (s.kind !== 'running') return;
    s.toSingleSteps = true;
    s.halting = true;
    this.target.halt();
  }

  private report(info: StopInfo, exception?: ExceptionDetails, skipHere = true, end: ProgramEnd | null = null): void {
    // a stop at (or past) an edit's moment shows the edit, as the user who made it there saw it
    this.edits.makeDue(this.time(), (e) => this.makeEdit(e));
    const action = this.replay && !end ? this.replay.atStop(info, this.target.insns()) : 'report';
    const token = this.state.kind === 'running' ? this.state.token : ++this.runs;
    this.state = { kind: 'stopped', info, exception: exception ?? null, end };
    this.stepper.cancel();
    const task = this.target.tasks().find((t) => t.pid === info.threadId);
    this.mux.clearSkip();
    if (task && skipHere) this.mux.skipOnce(task, getRip(this.target.registers(task)));
    if (action === 'skip') {
      // a replay passes this stop by, as a user continuing at once would
      this.pcOverride.clear();
      this.deferredExits.clear();
      this.state = { kind: 'running', token, pauseRequested: false, pending: null, halting: false, toSingleSteps: false, end: null };
      return;
    }
    if (action === 'quiet') return;
    const pos = this.target.insns();
    if (pos >= this.horizon.insns) this.horizon = { insns: pos, time_ns: this.target.timeNs() };
    this.announceWatchChanges();
    this.emit('stopped', info);
  }

  /**
   * Data breakpoints armed or left without a debug register since the
   * client last heard (the guest's hw_breakpoints come first; after going
   * back, the slots are as they were then): a 'breakpoint' change each, and
   * one line saying so.
   */
  private announceWatchChanges(): void {
    for (const b of this.dataBreakpoints.changes()) {
      const what = b.verified ? 'is armed again' : 'is not armed at this point';
      this.output(`data breakpoint ${b.id} ${what}: ${b.message}\n`, 'console');
      this.emit('breakpoint', b);
    }
  }

  private finish(status: number, reason: string): void {
    if (this.state.kind === 'terminated') return;
    if (this.corruptions > 0 && status === 3) status = 1;
    this.output(`${reason}; exit status ${status}\n`, 'console');
    this.state = { kind: 'terminated' };
    this.emit('exited', status);
    this.target.dispose();
    this.dropProgram();
    this.emit('terminated');
  }

  private requireStopped(): void {
    const k = this.state.kind;
    if (k !== 'stopped') throw new RequestError(k === 'running' ? 'the program is running' : 'the program is not stopped');
  }

  // ---- time travel (timeTravel.ts): replays of the deterministic history -------------------------

  /** What time travel has cost this session so far. */
  timeTravelStats(): TimeTravelStats {
    return { replays: this.replays, replayed_insns: this.replayedInsns, checkpoints: this.checkpoints.size, checkpoint_bytes: this.checkpoints.bytes };
  }

  /** Where the machine is in its history. */
  time(): TimePoint {
    return { time_ns: this.target.timeNs(), insns: this.target.insns() };
  }

  /** Step `threadId` back by one source line or instruction (DAP stepBack); its 'stopped' follows. */
  stepBack(threadId: number, granularity: StepGranularity = 'line'): void {
    this.requireReversible();
    const task = this.inspect.task(threadId);
    this.travel(() => this.stepBackNow(task, granularity));
  }

  private stepBackNow(task: Task, granularity: StepGranularity): void {
    const rip = getRip(this.target.registers(task));
    // after a data breakpoint the thread is shown at its store (already run): a line step goes back from that line
    const here = { rip: granularity === 'line' ? this.pcOverride.get(task) ?? rip : rip, depth: task.shadow.depth };
    const step = (): StopInfo => ({ reason: 'step', threadId: task.pid });
    this.search.searchBack(task, (samples) => (granularity === 'instruction' ? previousInstruction(samples, here.rip) : previousLine(samples, here, this.lineOf)),
      (pick) => this.goTo(pick.pos, step), () => this.goToStart(), () => {
        // Usually the stepped thread ran the last instruction (it stopped on its own store or breakpoint):
        // then one replay to the instruction before is the whole step.
        const before = this.target.insns() - 1;
        if (granularity !== 'instruction' || before < 0 || this.lastGated !== task) return false;
        let ranIt = false;
        this.runReplay(before, null, (_i, at) => (at < before ? 'skip' : ranIt ? 'report' : 'quiet'), undefined, (t) => {
          ranIt = t.pid === task.pid;
          return step();
        });
        return ranIt;
      });
  }

  /** The source line of an address in the program, if it has one. */
  private readonly lineOf = (a: bigint): { file: string; line: number } | undefined => {
    const l = this.target.debugInfo?.lineFor(a);
    return l && l.line > 0 ? l : undefined;
  };

  /**
   * Back to the entry of a live frame's activation — the first instruction
   * of its function, right after the call that made it (DAP restartFrame;
   * stop reason `restart`). Its arguments are as the caller passed them.
   */
  restartFrame(frameId: number): void {
    this.requireReversible();
    const { task, index } = this.inspect.frameById(frameId);
    const depth = task.shadow.depth - index;
    if (depth < 0) throw new RequestError(`frame ${index} of ${task.comm} (pid ${task.pid}) has no call that entered it (it cannot be restarted)`);
    const fn = this.inspect.stackTrace(task.pid, index, 1).frames[0]?.name.replace(/\+0x[0-9a-f]+$/, '') ?? 'the frame';
    const stop = (): StopInfo => ({ reason: 'restart', threadId: task.pid, description: `Back at the entry of ${fn}` });
    const now = this.target.insns();
    // Usually known at once: the position of the call that made the activation (or the thread's first run)
    const start = depth > 0 ? this.target.activationStart(task, depth - 1) : undefined;
    const at = start === 'thread start' ? this.firstRuns.get(task.pid) : start;
    if (at !== undefined && at <= now) { this.travel(() => this.goTo(at, stop)); return; }
    this.travel(() => this.search.searchBack(task, (samples, fromStart) => {
      const entry = activationEntry(samples, depth, fromStart);
      return entry === 'now' ? { pos: now, rip: 0n, depth } : entry;
    }, (entry) => this.goTo(entry.pos, stop), () => this.goTo(now, stop)));
  }

  /** DAP gotoTargets: the line (or, as a source breakpoint, the first line with code after it) as one target, or none. */
  gotoTargets(file: string, line: number): { id: number; label: string; line: number }[] {
    const dbg = this.target.debugInfo;
    for (let l = line; dbg && l < line + LINE_SEARCH; l++) {
      const addrs = dbg.addressesFor(file, l);
      const at = addrs.length > 0 ? this.lineOf(addrs[0]) : undefined;
      if (!at) continue;
      const id = this.gotoLines.push({ ...at, addresses: new Set(addrs) });
      return [{ id, label: `Back to ${path.basename(at.file)}:${at.line} (the thread's last time there)`, line: at.line }];
    }
    return [];
  }

  /**
   * DAP goto: back to the latest moment before now where a breakpoint on
   * the target's line would have stopped this thread (stop reason `goto`);
   * when there is none, back here with a description saying so.
   */
  goto(threadId: number, targetId: number): void {
    this.requireReversible();
    const target = this.gotoLines[targetId - 1];
    if (!target) throw new RequestError(`no goto target ${targetId} (ask gotoTargets first)`);
    const task = this.inspect.task(threadId);
    const where = `${path.basename(target.file)}:${target.line}`;
    const now = this.target.insns();
    const rip = getRip(this.target.registers(task));
    // not after the last stretch in which the line's code may have run (unless the thread is on it now:
    // the search then skips its last instruction starts at its current one, which must be the real ones)
    const notAfter = target.addresses.has(rip) ? now : this.search.lastMayHaveRun([...target.addresses], now);
    this.travel(() => this.search.searchBack(task, (samples) => lastAt(samples, rip, target.addresses),
      (pick) => this.goTo(pick.pos, () => ({ reason: 'goto', threadId: task.pid, description: `Back at ${where}` })),
      () => {
        this.output(`${task.comm} (pid ${task.pid}) did not run ${where} before now: it stays where it was\n`, 'console');
        this.goTo(now, () => ({ reason: 'goto', threadId: task.pid, description: `${task.comm} never ran ${where} before now` }));
      }, undefined, notAfter));
  }

  /**
   * Back to the latest point before now where going forward stopped (or
   * would have, with today's breakpoints, data breakpoints and stack
   * watches), else to the start of the run (DAP reverseContinue).
   */
  reverseContinue(): void {
    this.requireReversible();
    this.travel(() => this.search.reverseContinue());
  }

  /** Back (or forward, within the history already run) to the first instruction boundary at or after this simulated time (`kstackwatch.gotoTime`). */
  gotoTime(timeNs: number): void {
    this.requireReversible();
    if (!Number.isFinite(timeNs) || timeNs < 0) throw new RequestError(`time_ns must be a number of nanoseconds ≥ 0, not ${timeNs}`);
    const horizon = Math.max(this.horizon.insns, this.target.insns());
    const latest = Math.max(this.horizon.time_ns, this.target.timeNs());
    if (timeNs > latest) throw new RequestError(`${timeNs} ns has not been reached yet (the run has got to ${latest} ns); continue to go further`);
    this.travel(() => this.runReplay(horizon, null, (info, pos) => (pos >= horizon || info.reason === 'goto' ? 'report' : 'skip'), { ns: timeNs },
      (t) => ({ reason: 'goto', threadId: t.pid, description: `At ${timeNs} ns` })));
  }

  /**
   * Back to a frame's last moment — where a report's origin says the
   * written address came from: the last instruction `pid` ran in `fnName`
   * before its return at `returnedNs` (its `ret`), with the frame still live
   * and its locals visible (`kstackwatch.gotoOrigin`; stop reason `goto`).
   */
  gotoOrigin(pid: number, fnName: string, returnedNs: number): void {
    this.requireReversible();
    if (!Number.isFinite(returnedNs) || returnedNs < 0) throw new RequestError(`returned_ns must be a number of nanoseconds ≥ 0, not ${returnedNs}`);
    const fn = this.target.functionByName(fnName);
    if (!fn) throw new RequestError(`no function '${fnName}' in the program`);
    const horizon = Math.max(this.horizon.insns, this.target.insns());
    const latest = Math.max(this.horizon.time_ns, this.target.timeNs());
    if (returnedNs > latest) throw new RequestError(`${returnedNs} ns has not been reached yet (the run has got to ${latest} ns); continue to go further`);
    const inFn = (rip: bigint): boolean => rip >= fn.start && rip < fn.start + BigInt(Math.max(1, fn.size));
    // The recorded time is the clock at the start of the block that ran the ret (the CPU counts retired
    // instructions per block): the ret is at most a block later (a trace that closes a loop may be longer
    // than MAX_BLOCK_INSNS, up to LOOP_TRACE_INSNS).
    const past = returnedNs + Math.max(MAX_BLOCK_INSNS, LOOP_TRACE_INSNS) * NS_PER_INSN + 1;
    // When the return is well before now (beyond the clocks' skew between CPUs, editMargin) and the task has
    // run nothing since some checkpoint, that checkpoint is past the return too: a task asleep since would
    // otherwise reach `past` in its own time only when it wakes, maybe at the end of the history.
    const live = this.target.tasks().find((t) => t.pid === pid);
    const limit = live && past + this.editMargin * NS_PER_INSN < this.target.timeNs() ? Math.min(horizon, this.search.quietSince(live, this.target.insns())) : horizon;
    this.travel(() => {
      // Past the return in the task's own time first (every instruction of the frame is before that point).
      this.runReplay(limit, null, (info, pos) => (pos >= limit || info.reason === 'goto' ? 'quiet' : 'skip'), { ns: past, pid },
        (t) => ({ reason: 'goto', threadId: t.pid }));
      const after = this.target.insns();
      const task = this.target.tasks().find((t) => t.pid === pid);
      const stay = (why: string): void => {
        this.output(`${why}: at the time it returned instead\n`, 'console');
        this.goTo(after, (t) => ({ reason: 'goto', threadId: task ? pid : t.pid, description: why }));
      };
      if (!task) { stay(`no task ${pid} at ${returnedNs} ns`); return; }
      const who = `${fnName} of ${task.comm} (pid ${pid})`;
      this.search.searchBack(task, (samples) => lastExit(samples, inFn, task.shadow.depth),
        (s) => this.goTo(s.pos, () => ({ reason: 'goto', threadId: pid, description: `In ${who}: its last instruction before it returned at ${returnedNs} ns` })),
        () => stay(`${who} did not return before ${returnedNs} ns`));
    });
  }

  /**
   * Run a replay once the request that asked for it has been answered (a
   * client takes a step's response for "running", then waits for
   * 'stopped'); meanwhile the machine counts as running.
   */
  private travel(work: () => void): void {
    const token = ++this.runs;
    this.state = { kind: 'running', token, pauseRequested: false, pending: null, halting: false, toSingleSteps: false, end: null };
    setImmediate(() => {
      const s = this.state;
      if (s.kind !== 'running' || s.token !== token) return; // terminated or restarted meanwhile
      try {
        work();
      } catch (e) {
        this.output(`internal error while going back in time: ${(e as Error).stack ?? e}\n`, 'stderr');
        this.finish(3, 'internal error');
      }
    });
  }

  private requireReversible(): void {
    this.requireStopped();
    // A user program's time and getrandom are simulated and seeded, its stdin is empty and its output a sequence a
    // replay does not print again; its host file I/O is recorded and a replay is served from the record
    // (hostJournal.ts): a replay from the start is its history exactly, unless the record had to stop.
    const problem = this.target.replayProblem();
    if (problem) throw new RequestError(`this program cannot go back: ${problem}`);
  }

  /**
   * The user wrote memory or a register while stopped: from now on the
   * history is the edited one. Replays make the write again at this moment;
   * what the session had seen beyond now (stops, samples, log lines, the
   * horizon gotoTime may go to, edits made further on) was the old future.
   */
  private recordEdit(edit: Edit): void {
    const now = this.time();
    const dropped = this.edits.record(now, edit);
    if (dropped > 0) this.output(`note: this edit changes the history from here on: ${dropped} edit(s) made later in the old history are dropped\n`, 'console');
    this.search.forget('all');
    this.checkpoints.dropFrom(now.insns);
    const hostOps = this.hostJournal.forgetFuture();
    if (hostOps > 0) this.output(`note: the old history went on to make ${hostOps} host file operation(s) after this point; the host's files keep their effects\n`, 'console');
    for (const [pid, pos] of this.firstRuns) if (pos > now.insns) this.firstRuns.delete(pid);
    this.horizon = { insns: now.insns, time_ns: now.time_ns };
    this.logLinesShown = this.logLines;
  }

  /** Make a recorded edit again (a replay, or a run over its moment after going back). */
  private makeEdit(e: Edit): void {
    if (e.kind === 'memory') { this.target.mem.write(e.address, e.bytes, true); return; }
    const task = this.target.tasks().find((t) => t.pid === e.pid);
    if (!task) return;
    writeRegister(this.target.registers(task), e.ref, e.value);
    if (e.ref.kind === 'rip') this.mux.clearSkip(task);
  }

  /** Replay to `pos` exactly and stop there with `info`. */
  private goTo(pos: number, info: (arrivedWith: Task) => StopInfo): void {
    this.runReplay(pos, null, (i, at) => (at >= pos || i.reason === 'goto' ? 'report' : 'skip'), undefined, info);
  }

  private goToStart(): void {
    this.goTo(0, (t) => ({ reason: 'entry', threadId: t.pid, description: 'At the start of the run' }));
  }

  /**
   * Replay the history synchronously from the latest checkpoint before
   * what it must see (`origin` when given; with no checkpoint, a machine
   * rebuilt with the same program, breakpoints and stack watches), deciding
   * at each stop; the gate stops it at `limit` (or at the first instruction
   * boundary at or after `until`) with `arrival`'s stop. Returns the sampled
   * thread's instruction starts.
   */
  private runReplay(limit: number, sample: SampleRequest | null, atStop: (info: StopInfo, pos: number) => ReplayAction,
    until?: TimeTarget, arrival: (t: Task) => StopInfo = (t) => ({ reason: 'step', threadId: t.pid }), origin?: ReplayOrigin): Sample[] {
    const reached = this.target.insns();
    if (reached >= this.horizon.insns) this.horizon = { insns: reached, time_ns: this.target.timeNs() };
    // Simulated time is not monotonic in position (each CPU's quantum counts from its round's start): a checkpoint
    // before a time target is one whose time is more than a quantum before it (editMargin bounds the longest).
    // (A checkpoint at time 0 is the start of the run, before any time target.)
    const notAfter = until ? Math.max(0, until.ns - this.editMargin - 1) : Infinity;
    const from = origin ?? this.checkpoints.latest(Math.min(limit, sample?.from ?? limit), notAfter) ?? 'boot';
    if (from === 'boot') this.rebuild(); else this.restoreCheckpoint(from);
    const gate = new ReplayGate({ position: () => this.target.insns(), time: () => this.target.timeNs(), rip: (t) => getRip(this.target.registers(t)), depth: (t) => t.shadow.depth },
      limit, exactMargin(Math.max(this.options.sched.quantumMax, this.options.sched.fineMax)), sample, until, (t) => this.requestStop(arrival(t)));
    this.replay = { gate, atStop };
    this.replays++;
    const started = from === 'boot' ? 0 : from.insns;
    try {
      if (from === 'boot') {
        this.target.start();
        this.takeCheckpoint();
      }
      for (const t of this.target.tasks()) this.announce(t);
      const token = ++this.runs;
      this.state = { kind: 'running', token, pauseRequested: false, pending: null, halting: false, toSingleSteps: false, end: null };
      // slices no longer than the checkpoint interval: a replay through a stretch without checkpoints leaves some
      const slice = Math.min(REPLAY_SLICE, this.checkpoints.interval);
      while (this.advance(token, slice) !== 'done') { /* the replay runs to its stop */ }
    } finally {
      this.replay = null;
      if (this.state.kind !== 'terminated') this.replayedInsns += this.target.insns() - started;
    }
    return gate.samples;
  }

  /** A new machine at the start of the same history: the same program, breakpoints and stack watches. */
  private rebuild(): void {
    this.checkpoints.clear(); // they restore into the old machine
    this.stepper.cancel();
    this.edits.rewind();
    this.target.dispose();
    this.disassembler.dispose();
    this.state = { kind: 'configuring' };
    this.corruptions = 0;
    this.pcOverride.clear();
    this.deferredExits.clear();
    this.handles.reset();
    this.announced.clear();
    this.logLines = 0;
    this.hostJournal.rewind(); // the new machine's host file I/O is served from the record
    this.rebuilding = true;
    try {
      this.load(true);
      if (this.liveWatches) this.setStackWatches(this.liveWatches);
    } finally {
      this.rebuilding = false;
    }
  }

  /** Back to a checkpoint, in place: the same machine, breakpoints and stack watches. */
  private restoreCheckpoint(cp: SessionCheckpoint): void {
    this.stepper.cancel();
    this.state = { kind: 'configuring' };
    this.pcOverride.clear();
    this.deferredExits.clear();
    this.handles.reset();
    this.announced.clear();
    this.mux.clearSkip();
    this.target.restore(cp.system);
    this.corruptions = cp.corruptions;
    this.logLines = cp.logLines;
    this.edits.rewindTo(cp.editsMade);
    restoreCounts(this.hitCounters(), cp.insns, cp.hits);
    this.dataBreakpoints.refreshValues();
    this.startStretch(cp);
  }

  /** A checkpoint of the history now (between slices), unless one cannot be taken yet. */
  private takeCheckpoint(): void {
    if (!this.checkpoints.enabled) return;
    const insns = this.target.insns();
    let system: TargetCheckpoint;
    try {
      system = this.target.checkpoint(this.checkpoints.latest(insns)?.system);
    } catch (e) {
      if (e instanceof SnapshotBusy) return; // a host function is mid-call into the module: at the next slice
      throw e;
    }
    const target = this.target;
    const cp: SessionCheckpoint = {
      insns, timeNs: system.timeNs, memory: system.memory, objectBytes: system.objectBytes, system,
      corruptions: this.corruptions, logLines: this.logLines, editsMade: this.edits.made, hits: saveCounts(this.hitCounters()),
      taskInsns: new Map(this.target.tasks().map((t) => [t.pid, t.insns])),
      stretch: this.stretchFrom ? { from: this.stretchFrom, summary: target.stretchSummary(this.stretchEvents) } : undefined,
    };
    this.checkpoints.add(cp);
    this.startStretch(cp);
  }

  /** The machine runs on from checkpoint `cp`: record what it does until the next one (stretchSummary.ts). */
  private startStretch(cp: SessionCheckpoint): void {
    this.target.startStretch();
    this.stretchFrom = cp;
    this.stretchEvents = 0;
  }

  // ---- events from the target -------------------------------------------------------------------

  private output(text: string, category: 'console' | 'stdout' | 'stderr' | 'important', source?: SourceRef, line?: number): void {
    const o: OutputInfo = { category, text, source, line };
    // create() loads (compiler warnings, a Kbuild build's log) before anyone can listen: keep it for the first listener
    if (this.listenerCount('output') === 0) this.unheard.push(o);
    else this.emit('output', o);
  }

  private announce(task: Task): void {
    if (this.announced.has(task)) return;
    this.announced.add(task);
    if (this.announcedPids.has(task.pid)) return; // the same thread in a replayed history
    this.announcedPids.add(task.pid);
    this.emit('thread', { reason: 'started', threadId: task.pid });
  }

  private taskExited(task: Task): void {
    if (this.stepper.taskExited(task)) this.output(`${task.comm} (pid ${task.pid}) exited before the step completed\n`, 'console');
    if (this.deferredExits.has(task)) return;
    this.announced.add(task);
    if (this.replay) return;
    this.emit('thread', { reason: 'exited', threadId: task.pid });
  }

  private onOops(task: Task, e: OopsEvent, text: string): void {
    this.stretchEvents++;
    if (!this.options.stopOnOops) return;
    const where = `${stripSize(e.symbol)}${e.file ? ` (${path.basename(e.file)}:${e.line})` : ''}`;
    const description = `Oops in ${task.comm} (pid ${task.pid}) at ${where}: ${e.reason}`;
    this.deferredExits.add(task);
    this.requestStop({ reason: 'exception', threadId: task.pid, description, text },
      { exceptionId: 'oops', description, breakMode: 'always', details: text || description, stackTrace: e.stack.map((s) => `${s.symbol}${s.file ? ` (${s.file}:${s.line})` : ''}`).join('\n') });
  }

  private onCorruption(e: CorruptionEvent, report: string): void {
    this.stretchEvents++;
    this.corruptions++;
    if (!this.replay) this.emit('corruption', e);
    if (!this.options.stopOnCorruption) return;
    const writer = this.target.tasks().find((t) => t.pid === e.writer.pid);
    if (!writer) return;
    this.pcOverride.set(writer, BigInt(e.writer.ip));
    const where = e.writer.file ? ` at ${path.basename(e.writer.file)}:${e.writer.line}` : '';
    const description = `Stack corruption: ${e.writer.comm} (pid ${e.writer.pid}) wrote into the frame of ${e.watch.function} ` +
      `(depth ${e.watch.depth}) of ${e.watch.comm} (pid ${e.watch.pid})${where}`;
    this.requestStop({ reason: 'data breakpoint', threadId: writer.pid, description, text: report });
  }

  // ---- threads --------------------------------------------------------------------------------

  threads(): ThreadInfo[] {
    const subject = this.state.kind === 'stopped' ? this.state.info.threadId : undefined;
    return this.target.tasks()
      .filter((t) => t.alive || this.deferredExits.has(t) || t.pid === subject)
      .map((t) => ({ id: t.pid, name: threadName(t, this.target.cpuOf(t)) }));
  }

  private defaultThread(): Task | undefined {
    const tasks = this.target.tasks();
    const running = tasks.filter((t) => t.alive && t.state === TaskState.RUNNING).sort((a, b) => a.cpu - b.cpu);
    return running[0] ?? tasks.find((t) => t.alive) ?? tasks[tasks.length - 1];
  }

  private blockedThread(): Task | undefined {
    return this.target.tasks().find((t) => t.state === TaskState.BLOCKED) ?? this.defaultThread();
  }

  // ---- inspection (inspection.ts) ------------------------------------------------------------------

  stackTrace(threadId: number, startFrame = 0, levels = 0): { frames: FrameInfo[]; total: number } {
    return this.inspect.stackTrace(threadId, startFrame, levels);
  }

  scopes(frameId: number): ScopeInfo[] {
    return this.inspect.scopes(frameId);
  }

  variables(ref: number, start = 0, count = 0, opts: { hex?: boolean } = {}): VariableInfo[] {
    return this.inspect.variables(ref, start, count, opts);
  }

  setVariable(ref: number, name: string, valueText: string): VariableInfo {
    return this.inspect.setVariable(ref, name, valueText);
  }

  setExpression(expression: string, valueText: string, frameId?: number, opts: { hex?: boolean } = {}): EvaluateResult {
    return this.inspect.setExpression(expression, valueText, frameId, opts);
  }

  evaluate(expression: string, frameId?: number, opts: { hex?: boolean } = {}): EvaluateResult {
    return this.inspect.evaluate(expression, frameId, opts);
  }

  dataBreakpointInfo(args: { variablesReference?: number; name: string; frameId?: number; asAddress?: boolean; bytes?: number }): DataBreakpointInfoResult {
    return this.inspect.dataBreakpointInfo(args);
  }

  readMemory(reference: string, offset: number, count: number): ReadMemoryResult {
    return this.inspect.readMemory(reference, offset, count);
  }

  writeMemory(reference: string, offset: number, data: Uint8Array): number {
    return this.inspect.writeMemory(reference, offset, data);
  }

  disassemble(reference: string, offset: number, instructionOffset: number, count: number): DisassembledInstruction[] {
    return this.inspect.disassemble(reference, offset, instructionOffset, count);
  }

  loadedSources(): SourceRef[] {
    return this.inspect.loadedSources();
  }

  modules(): ModuleInfo[] {
    return this.inspect.modules();
  }

  exceptionInfo(): ExceptionDetails {
    const exception = this.state.kind === 'stopped' ? this.state.exception : null;
    if (!exception) throw new RequestError('the program is not stopped on an exception');
    return exception;
  }

  // ---- breakpoints ---------------------------------------------------------------------------------

  setSourceBreakpoints(file: string, specs: SourceBreakpointSpec[]): BreakpointResult[] {
    this.breakpointsChange(specs);
    return this.breakpoints!.setSourceBreakpoints(file, specs);
  }

  setFunctionBreakpoints(specs: FunctionBreakpointSpec[]): BreakpointResult[] {
    this.breakpointsChange(specs);
    return this.breakpoints!.setFunctionBreakpoints(specs);
  }

  setInstructionBreakpoints(specs: InstructionBreakpointSpec[]): BreakpointResult[] {
    this.breakpointsChange(specs);
    return this.breakpoints!.setInstructionBreakpoints(specs);
  }

  setDataBreakpoints(specs: DataBreakpointSpec[]): BreakpointResult[] {
    this.breakpointsChange(specs);
    return this.dataBreakpoints.set(specs);
  }

  /**
   * Breakpoints are being replaced: what replays saw stop is stale, and a
   * checkpoint further on in history (the user went back) has no count for
   * a new breakpoint with a hit condition, which counts from here.
   */
  private breakpointsChange(specs: readonly { hitCondition?: string }[]): void {
    this.search.forget('stops');
    if (countsHits(specs)) this.checkpoints.dropFrom(this.target.insns() + 1);
  }

  /** Every breakpoint's hit count. */
  private hitCounters(): HitCounter[] {
    return [...this.breakpoints!.counters(), ...this.dataBreakpoints.counters()];
  }

  // ---- KStackWatch (custom requests) ----------------------------------------------------------------

  /** Replace the stack watches; a new one arms at the next entry of its function. */
  setStackWatches(items: unknown): StackWatchInfo[] {
    const ctl = this.target.stackWatches;
    if (!ctl) throw new RequestError('stack watches need a kernel module');
    let configs: string[];
    try {
      configs = stackWatchList(items);
    } catch (e) {
      if (e instanceof LaunchError) throw new RequestError(e.message);
      throw e;
    }
    this.liveWatches = configs;
    if (!this.rebuilding) {
      this.search.forget('stops');
      this.checkpoints.clear(); // replays start from a machine with these watches from the start
    }
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
}

function exceptionStop(id: string, text: string, task: Task | undefined, log?: string): PendingStop {
  return {
    info: { reason: 'exception', threadId: task?.pid ?? 0, description: text, text: log ?? text },
    exception: { exceptionId: id, description: text, breakMode: 'always', details: log ?? text },
  };
}

export { EvalError } from './expression';
export { RequestError } from './requestError';
