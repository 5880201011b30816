// The KStackWatch debug session: Debug Adapter Protocol ↔ the simulator's
// debug runtime (simulator/debug/runtime.ts). This file only translates —
// one method per DAP request, runtime events to DAP events; the debugger's
// logic lives in the runtime. Runs over stdio (debugAdapter.ts) or inline
// in the extension host (`new KswDebugSession()`).

import { PassThrough } from 'node:stream';
import { KERNEL_SOURCE, KERNEL_SOURCE_REFERENCE, KERNEL_SOURCE_TEXT } from './kernelSource';
import {
  BreakpointEvent, Event, ExitedEvent, InitializedEvent, LoggingDebugSession, OutputEvent, Response, StoppedEvent,
  TerminatedEvent, ThreadEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DebugRuntime } from '../simulator/debug/runtime';
import { RequestError } from '../simulator/debug/requestError';
import { firstLine, internalErrorDetail, internalErrorLine, UserError } from '../simulator/errors/userError';
import type {
  BreakpointResult, DataBreakpointSpec, FrameInfo, OutputInfo, SourceRef, StopInfo, VariableInfo,
} from '../simulator/debug/types';
import { clampDisassembly } from '../simulator/debug/disassembler';
import { FrameReader, RequestRef } from './framing';
import { argumentsProblem, messageShape } from './requestCheck';
import {
  CORRUPTION_EVENT, CUSTOM_REQUESTS, CorruptionEvent, DebugRegistersBody, GotoOriginArguments, GotoTimeArguments, SetStackWatchesArguments, StackWatchList,
  TIME_EVENT, TimeEventBody, TimeTravelStats,
} from './protocol';

export { CORRUPTION_EVENT, CUSTOM_REQUESTS } from './protocol';

/** How long launch waits for configurationDone before starting anyway. */
const CONFIGURATION_TIMEOUT_MS = 5000;

const ERROR_LAUNCH = 1001, ERROR_REQUEST = 1002, ERROR_PROTOCOL = 1003;

export class KswDebugSession extends LoggingDebugSession {
  private runtime: DebugRuntime | null = null;
  private configured = false;
  private readonly configuredWaiters: (() => void)[] = [];
  /** Breakpoints set before launch created the runtime. */
  private readonly early: ((rt: DebugRuntime) => void)[] = [];

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  // ---- the wire: framing, message checks, error texts ----------------------------------------

  /**
   * Read DAP frames with our own reader (framing.ts); the library's only
   * writes. Every malformed input is answered or logged, never a silent exit.
   */
  override start(inStream: NodeJS.ReadableStream, outStream: NodeJS.WritableStream): void {
    super.start(new PassThrough(), outStream);
    const reader = new FrameReader({
      message: (m) => this.handleMessage(m as DebugProtocol.ProtocolMessage),
      problem: (reason, request) => this.malformed(reason, request),
    });
    inStream.on('data', (chunk: Buffer) => reader.push(chunk));
    inStream.on('end', () => reader.end());
    inStream.on('error', (e: Error) => this.log(`input error: ${e.message}`));
    inStream.on('close', () => this.shutdown());
  }

  /** Every message, framed here or handed over by an inline host, is checked first. */
  override handleMessage(msg: DebugProtocol.ProtocolMessage): void {
    const shape = messageShape(msg);
    if (shape.kind === 'invalid') { this.malformed(shape.reason, shape.request); return; }
    super.handleMessage(msg);
  }

  /** A request whose arguments are unusable is answered with the reason, before any handler. */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const problem = argumentsProblem(request);
    if (problem) {
      this.sendErrorResponse(new Response(request), { id: ERROR_REQUEST, format: problem, showUser: false });
      return;
    }
    if (request.command === 'modules') {
      const response: DebugProtocol.ModulesResponse = { seq: 0, type: 'response', request_seq: request.seq, command: 'modules', success: true, body: { modules: [] } };
      this.modulesRequest(response);
      return;
    }
    super.dispatchRequest(request);
  }

  private malformed(reason: string, request?: RequestRef): void {
    this.log(reason);
    if (request) {
      this.sendErrorResponse(new Response({ seq: request.seq, command: request.command, type: 'request' }), { id: ERROR_PROTOCOL, format: reason, showUser: false });
    } else {
      this.sendEvent(new OutputEvent(`kstackwatch adapter: ignored input: ${reason}\n`, 'console'));
    }
  }

  /** A line on the adapter's stderr (the client's log; stdout is the protocol). */
  private log(line: string): void {
    process.stderr.write(`kstackwatch adapter: ${line}\n`);
  }

  /**
   * All error responses pass here. Every handler runs inside guard(), so an
   * exception the library caught itself (its '{_stack}' answer) is the
   * library's own failure, an internal error: a one-line message, its stack
   * to stderr. A message is never run through the library's {name}
   * substitution without variables (a '{' in a user's text made it throw).
   */
  protected override sendErrorResponse(response: DebugProtocol.Response, codeOrMessage: number | DebugProtocol.Message, format?: string, variables?: Record<string, string>): void {
    let msg: DebugProtocol.Message = typeof codeOrMessage === 'number' ? { id: codeOrMessage, format: format ?? 'error', variables } : codeOrMessage;
    if (msg.variables?._stack !== undefined) {
      this.log(`internal error in '${response.command}': ${msg.variables._stack}`);
      msg = { id: msg.id, format: `internal error in '${response.command}': ${firstLine(msg.variables._exception ?? 'unknown')}`, showUser: false };
    }
    // the library substitutes '{_name}' from the variables, and throws when there are none
    super.sendErrorResponse(response, !msg.variables && msg.format.includes('{_') ? { ...msg, variables: {} } : msg);
  }

  // ---- runtime events → DAP events ---------------------------------------------------------

  private attach(rt: DebugRuntime): void {
    rt.on('stopped', (s: StopInfo) => {
      const time: TimeEventBody = rt.time();
      this.sendEvent(new Event(TIME_EVENT, time));
      const e = new StoppedEvent(s.reason, s.threadId) as DebugProtocol.StoppedEvent;
      e.body.allThreadsStopped = true;
      if (s.description) e.body.description = s.description;
      if (s.text) e.body.text = s.text;
      if (s.hitBreakpointIds) e.body.hitBreakpointIds = s.hitBreakpointIds;
      this.sendEvent(e);
    });
    rt.on('output', (o: OutputInfo) => {
      const e = new OutputEvent(o.text, o.category) as DebugProtocol.OutputEvent;
      if (o.source) { e.body.source = this.source(o.source); e.body.line = this.convertDebuggerLineToClient(o.line ?? 1); }
      this.sendEvent(e);
    });
    rt.on('thread', (t: { reason: string; threadId: number }) => this.sendEvent(new ThreadEvent(t.reason, t.threadId)));
    rt.on('corruption', (c: CorruptionEvent) => this.sendEvent(new Event(CORRUPTION_EVENT, c)));
    rt.on('breakpoint', (b: BreakpointResult) => this.sendEvent(new BreakpointEvent('changed', this.breakpoint(b))));
    rt.on('exited', (code: number) => this.sendEvent(new ExitedEvent(code)));
    rt.on('terminated', () => this.sendEvent(new TerminatedEvent()));
  }

  // ---- session set-up ------------------------------------------------------------------------

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsEvaluateForHovers: true,
      supportsSetVariable: true,
      supportsSetExpression: true,
      supportsRestartRequest: true,
      supportsTerminateRequest: true,
      supportsExceptionInfoRequest: true,
      supportsLoadedSourcesRequest: true,
      supportsModulesRequest: true,
      supportsDataBreakpoints: true,
      supportsDataBreakpointBytes: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsDisassembleRequest: true,
      supportsInstructionBreakpoints: true,
      supportsSteppingGranularity: true,
      supportsValueFormattingOptions: true,
      supportsDelayedStackTraceLoading: true,
      supportsStepBack: true,
      supportsRestartFrame: true,
      supportsGotoTargetsRequest: true,
    };
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configured = true;
    for (const w of this.configuredWaiters.splice(0)) w();
    this.sendResponse(response);
  }

  private waitConfigured(): Promise<void> {
    if (this.configured) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, CONFIGURATION_TIMEOUT_MS);
      this.configuredWaiters.push(() => { clearTimeout(timer); resolve(); });
    });
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments): Promise<void> {
    let rt: DebugRuntime;
    try {
      rt = DebugRuntime.create((args ?? {}) as Record<string, unknown>);
    } catch (e) {
      // a launch that fails is shown in the editor, whatever the reason
      this.sendErrorResponse(response, { ...this.errorMessage(e, ERROR_LAUNCH), showUser: true });
      return;
    }
    this.runtime = rt;
    this.attach(rt);
    for (const f of this.early.splice(0)) f(rt);
    // breakpoints can be resolved now that the program's debug info is loaded
    this.sendEvent(new InitializedEvent());
    await this.waitConfigured();
    this.sendResponse(response);
    this.guard(null, () => rt.start());
  }

  protected override restartRequest(response: DebugProtocol.RestartResponse): void {
    this.guard(response, () => {
      this.rt().restart();
      this.sendResponse(response);
    });
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.guard(response, () => {
      this.runtime?.terminate();
      this.sendResponse(response);
    });
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.guard(response, () => {
      this.runtime?.terminate();
      this.sendResponse(response);
    });
  }

  // ---- breakpoints ----------------------------------------------------------------------------

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const file = args.source.path;  // requestCheck.ts made sure 'source' is an object
    const given: DebugProtocol.SourceBreakpoint[] = args.breakpoints ?? args.lines?.map((line) => ({ line })) ?? [];
    const specs = given.map((b) => ({
      line: this.convertClientLineToDebugger(b.line), condition: b.condition, hitCondition: b.hitCondition, logMessage: b.logMessage,
    }));
    if (!file) { response.body = { breakpoints: specs.map(() => ({ verified: false, message: 'no source path' })) }; this.sendResponse(response); return; }
    this.withRuntime(response, (rt) => ({ breakpoints: rt.setSourceBreakpoints(file, specs).map((b) => this.breakpoint(b)) }),
      () => ({ breakpoints: specs.map(() => ({ verified: false, message: 'the program is not loaded yet' })) }),
      (rt) => { rt.setSourceBreakpoints(file, specs).forEach((b) => this.sendEvent(new BreakpointEvent('changed', this.breakpoint(b)))); });
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.withRuntime(response, (rt) => ({ breakpoints: rt.setFunctionBreakpoints(args.breakpoints).map((b) => this.breakpoint(b)) }),
      () => ({ breakpoints: args.breakpoints.map(() => ({ verified: false, message: 'the program is not loaded yet' })) }),
      (rt) => { rt.setFunctionBreakpoints(args.breakpoints); });
  }

  protected override setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): void {
    this.withRuntime(response, (rt) => ({ breakpoints: rt.setInstructionBreakpoints(args.breakpoints).map((b) => this.breakpoint(b)) }),
      () => ({ breakpoints: args.breakpoints.map(() => ({ verified: false, message: 'the program is not loaded yet' })) }),
      (rt) => { rt.setInstructionBreakpoints(args.breakpoints); });
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse): void {
    this.sendResponse(response);
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    this.guard(response, () => {
      const r = this.rt().dataBreakpointInfo(args);
      response.body = { dataId: r.dataId, description: r.description, accessTypes: r.accessTypes, canPersist: false };
      this.sendResponse(response);
    });
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    this.guard(response, () => {
      const specs: DataBreakpointSpec[] = args.breakpoints.map((b) => ({ dataId: b.dataId, accessType: b.accessType, condition: b.condition, hitCondition: b.hitCondition }));
      response.body = { breakpoints: this.rt().setDataBreakpoints(specs).map((b) => this.breakpoint(b)) };
      this.sendResponse(response);
    });
  }

  // ---- execution --------------------------------------------------------------------------------

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.guard(response, () => {
      response.body = { allThreadsContinued: true };
      this.sendResponse(response);
      this.rt().continue();
    });
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.step(response, args.threadId, 'over', args.granularity);
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.step(response, args.threadId, 'in', args.granularity);
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.step(response, args.threadId, 'out', args.granularity);
  }

  private step(response: DebugProtocol.Response, threadId: number, kind: 'in' | 'over' | 'out', granularity?: DebugProtocol.SteppingGranularity): void {
    this.guard(response, () => {
      const rt = this.rt();
      rt.step(threadId, kind, granularity === 'instruction' ? 'instruction' : 'line');
      this.sendResponse(response);
    });
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    this.guard(response, () => {
      this.rt().stepBack(args.threadId, args.granularity === 'instruction' ? 'instruction' : 'line');
      this.sendResponse(response);
    });
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.guard(response, () => {
      this.rt().reverseContinue();
      this.sendResponse(response);
    });
  }

  protected override restartFrameRequest(response: DebugProtocol.RestartFrameResponse, args: DebugProtocol.RestartFrameArguments): void {
    this.guard(response, () => {
      this.rt().restartFrame(args.frameId);
      this.sendResponse(response);
    });
  }

  protected override gotoTargetsRequest(response: DebugProtocol.GotoTargetsResponse, args: DebugProtocol.GotoTargetsArguments): void {
    this.guard(response, () => {
      const file = args.source.path;
      const targets = file ? this.rt().gotoTargets(file, this.convertClientLineToDebugger(args.line)) : [];
      response.body = { targets: targets.map((t) => ({ id: t.id, label: t.label, line: this.convertDebuggerLineToClient(t.line) })) };
      this.sendResponse(response);
    });
  }

  protected override gotoRequest(response: DebugProtocol.GotoResponse, args: DebugProtocol.GotoArguments): void {
    this.guard(response, () => {
      this.rt().goto(args.threadId, args.targetId);
      this.sendResponse(response);
    });
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.guard(response, () => {
      this.runtime?.pause();
      this.sendResponse(response);
    });
  }

  // ---- state --------------------------------------------------------------------------------------

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    this.guard(response, () => {
      response.body = { threads: this.runtime ? this.runtime.threads() : [] };
      this.sendResponse(response);
    });
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.guard(response, () => {
      const { frames, total } = this.rt().stackTrace(args.threadId, args.startFrame ?? 0, args.levels ?? 0);
      response.body = { stackFrames: frames.map((f) => this.frame(f)), totalFrames: total };
      this.sendResponse(response);
    });
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    this.guard(response, () => {
      response.body = { scopes: this.rt().scopes(args.frameId) };
      this.sendResponse(response);
    });
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.guard(response, () => {
      const vars = this.rt().variables(args.variablesReference, args.start ?? 0, args.count ?? 0, { hex: args.format?.hex });
      response.body = { variables: vars.map((v) => this.variable(v)) };
      this.sendResponse(response);
    });
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    this.guard(response, () => {
      const v = this.rt().setVariable(args.variablesReference, args.name, args.value);
      response.body = { value: v.value, type: v.type, variablesReference: v.variablesReference, memoryReference: v.memoryReference };
      this.sendResponse(response);
    });
  }

  protected override setExpressionRequest(response: DebugProtocol.SetExpressionResponse, args: DebugProtocol.SetExpressionArguments): void {
    this.guard(response, () => {
      const r = this.rt().setExpression(args.expression, args.value, args.frameId, { hex: args.format?.hex });
      response.body = { value: r.result, type: r.type, variablesReference: r.variablesReference, memoryReference: r.memoryReference };
      this.sendResponse(response);
    });
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.guard(response, () => {
      const r = this.rt().evaluate(args.expression, args.frameId, { hex: args.format?.hex });
      response.body = { result: r.result, type: r.type, variablesReference: r.variablesReference, memoryReference: r.memoryReference };
      this.sendResponse(response);
    });
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    this.guard(response, () => {
      const x = this.rt().exceptionInfo();
      response.body = {
        exceptionId: x.exceptionId, description: x.description, breakMode: x.breakMode,
        details: { message: x.details, stackTrace: x.stackTrace },
      };
      this.sendResponse(response);
    });
  }

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    this.guard(response, () => {
      const r = this.rt().readMemory(args.memoryReference, args.offset ?? 0, args.count);
      response.body = { address: r.address, data: Buffer.from(r.data).toString('base64'), unreadableBytes: r.unreadableBytes };
      this.sendResponse(response);
    });
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    this.guard(response, () => {
      const n = this.rt().writeMemory(args.memoryReference, args.offset ?? 0, Buffer.from(args.data, 'base64'));
      response.body = { bytesWritten: n };
      this.sendResponse(response);
    });
  }

  protected override disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    this.guard(response, () => {
      const window = clampDisassembly(args.instructionOffset ?? 0, args.instructionCount);
      const list = window.count > 0 ? this.rt().disassemble(args.memoryReference, args.offset ?? 0, window.offset, window.count) : [];
      if (window.note) this.sendEvent(new OutputEvent(`disassemble: ${window.note}\n`, 'console'));
      response.body = {
        instructions: list.map((i) => ({
          address: i.address, instructionBytes: i.instructionBytes, instruction: i.instruction, symbol: i.symbol,
          presentationHint: i.presentationHint,
          ...(i.location ? { location: this.source(i.location), line: this.convertDebuggerLineToClient(i.line!) } : {}),
        })),
      };
      this.sendResponse(response);
    });
  }

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    const ref = args.source?.sourceReference ?? args.sourceReference;
    if (ref !== KERNEL_SOURCE_REFERENCE) {
      this.sendErrorResponse(response, { id: ERROR_REQUEST, format: 'no such source', showUser: false });
      return;
    }
    response.body = { content: KERNEL_SOURCE_TEXT, mimeType: 'text/plain' };
    this.sendResponse(response);
  }

  protected override loadedSourcesRequest(response: DebugProtocol.LoadedSourcesResponse): void {
    this.guard(response, () => {
      response.body = { sources: (this.runtime?.loadedSources() ?? []).map((s) => this.source(s)) };
      this.sendResponse(response);
    });
  }

  protected modulesRequest(response: DebugProtocol.ModulesResponse): void {
    this.guard(response, () => {
      const modules = this.runtime?.modules() ?? [];
      response.body = { modules, totalModules: modules.length };
      this.sendResponse(response);
    });
  }

  protected override customRequest(command: string, response: DebugProtocol.Response, args: Partial<SetStackWatchesArguments & GotoTimeArguments & GotoOriginArguments> | undefined): void {
    this.guard(response, () => {
      const rt = this.rt();
      switch (command) {
        case CUSTOM_REQUESTS.setStackWatches: {
          const body: StackWatchList = { watches: rt.setStackWatches(args?.watches ?? []), misses: rt.stackWatches().misses };
          response.body = body;
          break;
        }
        case CUSTOM_REQUESTS.listStackWatches: {
          const body: StackWatchList = rt.stackWatches();
          response.body = body;
          break;
        }
        case CUSTOM_REQUESTS.debugRegisters: {
          const body: DebugRegistersBody = { cpus: rt.debugRegisters() };
          response.body = body;
          break;
        }
        case CUSTOM_REQUESTS.gotoTime:
          rt.gotoTime(Number(args?.time_ns));
          break;
        case CUSTOM_REQUESTS.gotoOrigin:
          rt.gotoOrigin(Number(args?.pid), String(args?.function), Number(args?.returned_ns));
          break;
        case CUSTOM_REQUESTS.timeTravelStats: {
          const body: TimeTravelStats = rt.timeTravelStats();
          response.body = body;
          break;
        }
        default:
          throw new RequestError(`unknown request '${command}'`);
      }
      this.sendResponse(response);
    });
  }

  // ---- helpers -------------------------------------------------------------------------------------

  private rt(): DebugRuntime {
    if (!this.runtime) throw new RequestError('no program is running (launch first)');
    return this.runtime;
  }

  /** Answer now with the runtime, or remember the request for when launch creates it. */
  private withRuntime(response: DebugProtocol.Response, now: (rt: DebugRuntime) => { breakpoints: DebugProtocol.Breakpoint[] },
    before: () => { breakpoints: DebugProtocol.Breakpoint[] }, later: (rt: DebugRuntime) => void): void {
    this.guard(response, () => {
      if (this.runtime) {
        response.body = now(this.runtime);
      } else {
        response.body = before();
        this.early.push(later);
      }
      this.sendResponse(response);
    });
  }

  /** Run a request (or, with no response, work after one); an exception becomes an error answer. */
  private guard(response: DebugProtocol.Response | null, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      const message = this.errorMessage(e, ERROR_REQUEST);
      if (response) this.sendErrorResponse(response, message);
      else this.sendEvent(new OutputEvent(message.format + '\n', 'stderr'));
    }
  }

  /**
   * The adapter's one classification (simulator/errors): a UserError is
   * answered with its message; anything else is an internal error — its
   * stack goes to stderr, the answer is one line without it.
   */
  private errorMessage(e: unknown, id: number): DebugProtocol.Message {
    if (e instanceof UserError) return { id, format: e.message, showUser: e.showUser };
    this.log(`internal error: ${internalErrorDetail(e)}`);
    return { id, format: internalErrorLine(e), showUser: false };
  }

  private source(s: SourceRef): DebugProtocol.Source {
    return { name: s.name, path: this.convertDebuggerPathToClient(s.path) };
  }

  private frame(f: FrameInfo): DebugProtocol.StackFrame {
    return {
      id: f.id, name: f.name,
      ...(f.source ? { source: this.source(f.source) } : f.subtle ? { source: KERNEL_SOURCE } : {}),
      line: f.line ? this.convertDebuggerLineToClient(f.line) : 0,
      column: f.line ? this.convertDebuggerColumnToClient(f.column) : 0,
      instructionPointerReference: f.instructionPointerReference,
      ...(f.moduleId ? { moduleId: f.moduleId } : {}),
      ...(f.subtle ? { presentationHint: 'subtle' as const } : {}),
    };
  }

  private breakpoint(b: BreakpointResult): DebugProtocol.Breakpoint {
    return {
      id: b.id, verified: b.verified,
      ...(b.message ? { message: b.message } : {}),
      ...(b.source ? { source: this.source(b.source) } : {}),
      ...(b.line ? { line: this.convertDebuggerLineToClient(b.line) } : {}),
      ...(b.instructionReference ? { instructionReference: b.instructionReference } : {}),
    };
  }

  private variable(v: VariableInfo): DebugProtocol.Variable {
    return {
      name: v.name, value: v.value, variablesReference: v.variablesReference,
      ...(v.type ? { type: v.type } : {}),
      ...(v.indexedVariables !== undefined ? { indexedVariables: v.indexedVariables } : {}),
      ...(v.memoryReference ? { memoryReference: v.memoryReference } : {}),
      ...(v.evaluateName ? { evaluateName: v.evaluateName } : {}),
      ...(v.readOnly ? { presentationHint: { attributes: ['readOnly'] } } : {}),
    };
  }
}

