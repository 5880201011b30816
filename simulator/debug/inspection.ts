// What the debugger shows of a stopped (or running) target: threads'
// frames, scopes, variables, expressions, memory, disassembly, loaded
// sources. Everything here reads (or, for setVariable/writeMemory, edits)
// the target; nothing here decides when the machine runs — that is the run
// loop's business (runtime.ts), which it sees through InspectionHost.

import * as path from 'node:path';
import type { Task } from '../kernel/task';
import type { Target } from './target';
import { RawFrame, recoverSavedRegisters, unwind } from './frames';
import { FrameContext, frameVariables, lookupVariable, Place } from './frameContext';
import { Evaluator, Value } from './expression';
import { RequestError } from './requestError';
import { UserError } from '../errors/userError';
import { childValues, describeValue, Handles } from './variables';
import {
  describeRflags, getGpr, getRflags, getRip, readRegister, registerByName, writeRegister,
} from './registers';
import { GPR_NAMES } from '../cpu/registers';
import type { ProbeMux } from './breakpoints';
import { DataBreakpointManager, makeDataId, watchableProblem } from './dataBreakpoints';
import type { Disassembler } from './disassembler';
import type { Edit } from './edits';
import { formatScalar, hex, isScalar } from './ctypes';
import type {
  CpuDebugRegisters, DataBreakpointInfoResult, DisassembledInstruction, EvaluateResult, FrameInfo, ModuleInfo,
  ReadMemoryResult, ScopeInfo, SourceRef, StopInfo, VariableInfo,
} from './types';

/** Frames per thread that get an id (deeper ones are cut). */
const MAX_FRAMES = 1024;

/** What inspection needs from the runtime that owns the run. */
export interface InspectionHost {
  /** The loaded program (a restart replaces it). */
  readonly target: Target;
  /** The machine is stopped (frames are writable, the stop's thread is the default). */
  readonly isStopped: boolean;
  /** Why it stopped, while it is stopped. */
  readonly stopInfo: StopInfo | null;
  /** Variable references; reset whenever the machine resumes. */
  readonly handles: Handles;
  /** The PC to show for a task's innermost frame (a data breakpoint's store, not the instruction after it). */
  readonly pcOverride: Map<Task, bigint>;
  readonly mux: ProbeMux;
  readonly disassembler: Disassembler;
  readonly dataBreakpoints: DataBreakpointManager;
  debugRegisters(): CpuDebugRegisters[];
  /** Throws RequestError unless stopped. */
  requireStopped(): void;
  /** A write the user made while stopped (edits.ts): part of the history from now on. */
  recordEdit(edit: Edit): void;
}

export class Inspector {
  constructor(private readonly host: InspectionHost) {}

  task(threadId: number): Task {
    const t = this.host.target.tasks().find((x) => x.pid === threadId);
    if (!t) throw new RequestError(`no thread ${threadId}`);
    return t;
  }

  private rawFrames(task: Task): RawFrame[] {
    const rf = this.host.target.registers(task);
    const frames = unwind(this.host.target.unwindSource(task, getRip(rf), getGpr(rf, 4))).slice(0, MAX_FRAMES);
    const over = this.host.pcOverride.get(task);
    if (over !== undefined) frames[0] = { ...frames[0], pc: over, lookupPc: over };
    recoverSavedRegisters(frames, rf, this.host.target.callFrameInfo(), (a) => this.readScalar(a, 8));
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
    const t = this.host.target;
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

  /** The thread and index of a frame id. */
  frameById(frameIdValue: number): { task: Task; index: number } {
    const pid = Math.floor(frameIdValue / MAX_FRAMES), index = frameIdValue % MAX_FRAMES;
    return { task: this.task(pid), index };
  }

  /** A frame for expressions, stopped. */
  private stoppedContext(task: Task, index: number): FrameContext {
    const frames = this.rawFrames(task);
    const frame = frames[index];
    if (!frame) throw new RequestError(`no frame ${index} in ${task.comm}`);
    const t = this.host.target;
    return {
      mem: t.mem, debugInfo: t.debugInfo, frame, regs: index === 0 ? t.registers(task) : null,
      symbolAddress: (n) => t.symbolAddress(n), writable: index === 0 && this.host.isStopped,
    };
  }

  /** The innermost frame of a task loaded in the engine (inside a probe or watchpoint handler). */
  liveContext(task: Task): FrameContext {
    const t = this.host.target;
    const rf = t.registers(task);
    const frames = unwind(t.unwindSource(task, getRip(rf), getGpr(rf, 4)));
    return { mem: t.mem, debugInfo: t.debugInfo, frame: frames[0], regs: rf, symbolAddress: (n) => t.symbolAddress(n), writable: false };
  }

  /** Expressions without a frame: symbols and globals only. */
  private globalContext(): FrameContext {
    const t = this.host.target;
    return {
      mem: t.mem, debugInfo: t.debugInfo, frame: { index: 0, pc: 0n, lookupPc: 0n }, regs: null,
      symbolAddress: (n) => t.symbolAddress(n), writable: false,
    };
  }

  interpolate(task: Task, message: string): string {
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

  scopes(frameIdValue: number): ScopeInfo[] {
    const { task, index } = this.frameById(frameIdValue);
    const where = { threadId: task.pid, frame: index };
    const scopes: ScopeInfo[] = [];
    const ctx = this.stoppedContext(task, index);
    if (this.host.target.debugInfo?.functionAt(ctx.frame.lookupPc)) {
      scopes.push({ name: 'Locals', presentationHint: 'locals', variablesReference: this.host.handles.create({ kind: 'locals', ...where }), expensive: false });
    }
    scopes.push({ name: 'Registers', presentationHint: 'registers', variablesReference: this.host.handles.create({ kind: 'registers', ...where }), expensive: false });
    if (this.host.target.stackWatches) {
      scopes.push({ name: 'KStackWatch', variablesReference: this.host.handles.create({ kind: 'kstackwatch' }), expensive: false });
    }
    return scopes;
  }

  variables(ref: number, start = 0, count = 0, opts: { hex?: boolean } = {}): VariableInfo[] {
    const c = this.host.handles.get(ref);
    if (!c) return [];
    switch (c.kind) {
      case 'locals': return this.locals(c.threadId, c.frame, opts);
      case 'registers': return this.registerVariables(c.threadId, c.frame);
      case 'debugRegisters': return this.debugRegisterVariables(c.threadId);
      case 'kstackwatch': return this.stackWatchVariables();
      case 'children': {
        const ev = new Evaluator(this.stoppedContext(this.task(c.threadId), c.frame));
        return childValues(c, ev, this.host.handles, start, count || undefined, opts);
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
        : describeValue(v.name, v.name, value, ev, this.host.handles, where, opts));
    }
    return out;
  }

  private registerVariables(threadId: number, frame: number): VariableInfo[] {
    const task = this.task(threadId);
    const ctx = this.stoppedContext(task, frame);
    const sym = (a: bigint) => { const s = this.host.target.symbolize(a).symbol; return s.startsWith('0x') ? '' : ` <${stripSize(s)}>`; };
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
    out.push({ name: 'debug registers', value: `DR0–DR7 of CPU ${this.host.target.cpuOf(task) < 0 ? '-' : this.host.target.cpuOf(task)}`, variablesReference: this.host.handles.create({ kind: 'debugRegisters', threadId }), readOnly: true });
    return out;
  }

  private debugRegisterVariables(threadId: number): VariableInfo[] {
    const task = this.task(threadId);
    const cpus = this.host.debugRegisters();
    const c = cpus.find((x) => x.cpu === this.host.target.cpuOf(task)) ?? cpus[0];
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
    const ctl = this.host.target.stackWatches;
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
    this.host.requireStopped();
    const c = this.host.handles.get(ref);
    if (!c) throw new RequestError('that variable is no longer available');
    if (c.kind === 'registers') {
      const task = this.task(c.threadId);
      if (c.frame !== 0) throw new RequestError('registers can only be changed in the innermost frame');
      const reg = registerByName(name);
      if (!reg) throw new RequestError(`${name} cannot be changed`);
      const ctx = this.stoppedContext(task, 0);
      const ev = new Evaluator(ctx);
      const v = ev.scalar(ev.evaluate(valueText));
      writeRegister(ctx.regs!, reg, v);
      this.host.recordEdit({ kind: 'register', pid: task.pid, ref: reg, value: v });
      if (reg.kind === 'rip') { this.host.mux.clearSkip(task); this.host.pcOverride.delete(task); }
      const shown = reg.kind === 'rflags' ? describeRflags(getRflags(ctx.regs!)) : hex(readRegister(ctx.regs!, reg));
      return { name, value: shown, variablesReference: 0 };
    }
    if (c.kind === 'locals' || c.kind === 'children') {
      const ctx = this.stoppedContext(this.task(c.threadId), c.frame);
      const ev = new Evaluator(ctx);
      let target: Value;
      if (c.kind === 'locals') {
        const v = lookupVariable(ctx, name);
        if (!v) throw new RequestError(`no variable ${name}`);
        const value = placeToValue(v.type, v.place);
        if (typeof value === 'string') throw new RequestError(`${name} is ${value}`);
        target = value;
      } else {
        const m = /^\[(\d+)\]$/.exec(name);
        target = m ? ev.evaluate(`(${c.evaluateName})[${m[1]}]`) : ev.evaluate(`*(${c.evaluateName})`);
      }
      this.store(ev, target, valueText, c.threadId);
      return describeValue(name, name, target, ev, this.host.handles, { threadId: c.threadId, frame: c.frame });
    }
    throw new RequestError(`${name} cannot be changed`);
  }

  /** Assign `valueText` to the lvalue `expression` in a frame (DAP setExpression: the Watch view's Set Value). */
  setExpression(expression: string, valueText: string, frameIdValue?: number, opts: { hex?: boolean } = {}): EvaluateResult {
    this.host.requireStopped();
    const stop = this.host.stopInfo;
    const { task, index } = frameIdValue !== undefined ? this.frameById(frameIdValue)
      : { task: this.task(stop?.threadId ?? -1), index: 0 };
    const ev = new Evaluator(this.stoppedContext(task, index));
    const target = ev.evaluate(expression);
    if (!target.lvalue) throw new RequestError(`${expression} cannot be assigned (not a variable, element, member or register)`);
    this.store(ev, target, valueText, task.pid);
    const info = describeValue(expression, expression, target, ev, this.host.handles, { threadId: task.pid, frame: index }, opts);
    return { result: info.value, type: info.type, variablesReference: info.variablesReference, memoryReference: info.memoryReference };
  }

  /** Store a value into an lvalue and record the write as an edit of the history. */
  private store(ev: Evaluator, target: Value, valueText: string, pid: number): void {
    const raw = ev.scalar(ev.evaluate(valueText));
    ev.store(target, raw);
    const lv = target.lvalue!;
    if (lv.kind === 'register') this.host.recordEdit({ kind: 'register', pid, ref: lv.ref, value: raw });
    else this.host.recordEdit({ kind: 'memory', address: lv.address, bytes: ev.readMemory(lv.address, target.type.size) });
  }

  evaluate(expression: string, frameIdValue?: number, opts: { hex?: boolean } = {}): EvaluateResult {
    let ctx: FrameContext, where = { threadId: 0, frame: 0 };
    if (frameIdValue !== undefined && this.host.isStopped) {
      const { task, index } = this.frameById(frameIdValue);
      ctx = this.stoppedContext(task, index);
      where = { threadId: task.pid, frame: index };
    } else if (this.host.stopInfo && this.host.isStopped && this.host.target.tasks().some((t) => t.pid === this.host.stopInfo!.threadId)) {
      ctx = this.stoppedContext(this.task(this.host.stopInfo.threadId), 0);
      where = { threadId: this.host.stopInfo.threadId, frame: 0 };
    } else {
      ctx = this.globalContext();
    }
    const ev = new Evaluator(ctx);
    const v = ev.evaluate(expression);
    if (isScalar(v.type)) ev.scalar(v); // a value that cannot be read fails the request
    const info = describeValue(expression, expression, v, ev, this.host.handles, where, opts);
    return { result: info.value, type: info.type, variablesReference: info.variablesReference, memoryReference: info.memoryReference };
  }

  dataBreakpointInfo(args: { variablesReference?: number; name: string; frameId?: number; asAddress?: boolean; bytes?: number }): DataBreakpointInfoResult {
    const none = (why: string): DataBreakpointInfoResult => ({ dataId: null, description: why });
    try {
      let address: bigint, length: number, label: string;
      if (args.asAddress) {
        const ev = new Evaluator(this.host.isStopped && args.frameId !== undefined ? this.frameContextById(args.frameId) : this.globalContext());
        address = ev.scalar(ev.evaluate(args.name));
        length = args.bytes ?? 8;
        label = `${length} bytes at ${hex(address)}`;
      } else {
        const c = args.variablesReference ? this.host.handles.get(args.variablesReference) : undefined;
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
          const ctx = this.host.isStopped && args.frameId !== undefined ? this.frameContextById(args.frameId) : this.globalContext();
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
      this.host.dataBreakpoints.labels.set(dataId, label);
      return { dataId, description: label, accessTypes: ['write', 'readWrite'] };
    } catch (e) {
      if (e instanceof UserError) return none(e.message); // a bad expression, frame or thread: not watchable, and why
      throw e;
    }
  }

  private frameContextById(frameIdValue: number): FrameContext {
    const { task, index } = this.frameById(frameIdValue);
    return this.stoppedContext(task, index);
  }

  readMemory(reference: string, offset: number, count: number): ReadMemoryResult {
    if (!Number.isSafeInteger(count) || count < 0) throw new RequestError(`cannot read ${count} bytes`);
    const start = BigInt.asUintN(64, parseAddress(reference) + BigInt(offset));
    const chunks: Uint8Array[] = [];
    let done = 0;
    while (done < count) {
      const addr = start + BigInt(done);
      const n = Math.min(count - done, Number(0x1000n - (addr & 0xfffn)));
      try {
        chunks.push(this.host.target.mem.read(addr, n, true));
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
      this.host.target.mem.read(start, data.length, true);
      this.host.target.mem.write(start, data, true);
    } catch (e) {
      throw new RequestError(`cannot write ${data.length} bytes at ${hex(start)}: ${(e as Error).message}`);
    }
    if (data.length > 0) this.host.recordEdit({ kind: 'memory', address: start, bytes: Uint8Array.from(data) });
    return data.length;
  }

  readScalar(address: bigint, length: number): bigint | undefined {
    try {
      const b = this.host.target.mem.read(address, length, true);
      let v = 0n;
      for (let i = length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
      return v;
    } catch {
      return undefined;
    }
  }

  disassemble(reference: string, offset: number, instructionOffset: number, count: number): DisassembledInstruction[] {
    const start = BigInt.asUintN(64, parseAddress(reference) + BigInt(offset));
    return this.host.disassembler.disassemble(start, instructionOffset, count);
  }

  loadedSources(): SourceRef[] {
    const files = new Set<string>();
    for (const r of this.host.target.debugInfo?.lines ?? []) files.add(r.file);
    return [...files].sort().map(sourceRef);
  }

  modules(): ModuleInfo[] {
    return this.host.target.modules();
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

export function stripSize(symbol: string): string {
  return symbol.replace(/\/0x[0-9a-f]+$/, '');
}

export function sourceRef(file: string): SourceRef {
  return { path: file, name: path.basename(file) };
}

function parseAddress(reference: string): bigint {
  try {
    return BigInt(reference.trim());
  } catch {
    throw new RequestError(`'${reference}' is not a memory reference`);
  }
}
