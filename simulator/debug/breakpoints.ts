// Source-line, function and instruction breakpoints: resolved to addresses
// through DWARF and the symbol table, each address carrying one debugger
// probe (shared by every breakpoint there and by the stepper), with
// conditions, hit counts and logpoints evaluated in the hitting task's
// frame before deciding to stop.

import type { Task } from '../kernel/task';
import type { DebugInfo } from '../dwarf/debugInfo';
import { ProbeError } from './target';
import type {
  BreakpointResult, FunctionBreakpointSpec, InstructionBreakpointSpec, SourceBreakpointSpec, SourceRef, StopReason,
} from './types';
import { hex } from './ctypes';
import { countHit, HitCounter } from './hitCounts';
import * as path from 'node:path';

/** One probe per address, shared by breakpoints and the stepper; resuming over a hit skips it once. */
export class ProbeMux {
  private readonly handlers = new Map<bigint, Map<string, (task: Task) => void>>();
  private readonly skip = new Map<Task, bigint>();

  constructor(
    private readonly insert: (addr: bigint, pre: (task: Task) => void) => void,
    private readonly remove: (addr: bigint) => void,
    /** True when a handler stopped the machine (the rest wait for the re-execution). */
    private readonly stopping: () => boolean,
  ) {}

  /** Throws ProbeError when the address cannot take a probe. */
  add(addr: bigint, key: string, fn: (task: Task) => void): void {
    let h = this.handlers.get(addr);
    if (!h) {
      this.insert(addr, (task) => this.fire(addr, task));
      this.handlers.set(addr, h = new Map());
    }
    h.set(key, fn);
  }

  delete(addr: bigint, key: string): void {
    const h = this.handlers.get(addr);
    if (!h || !h.delete(key)) return;
    if (h.size === 0) {
      this.handlers.delete(addr);
      this.remove(addr);
    }
  }

  has(addr: bigint): boolean {
    return this.handlers.has(addr);
  }

  /** `task` resumes at `addr`, where it stopped: its next pass there is not a new hit (x86's RF). */
  skipOnce(task: Task, addr: bigint): void {
    this.skip.set(task, addr);
  }

  clearSkip(task?: Task): void {
    if (task) this.skip.delete(task); else this.skip.clear();
  }

  private fire(addr: bigint, task: Task): void {
    if (this.skip.get(task) === addr) { this.skip.delete(task); return; }
    this.skip.delete(task);
    const h = this.handlers.get(addr);
    if (!h) return;
    for (const fn of [...h.values()]) {
      fn(task);
      if (this.stopping()) return;
    }
  }
}

/** What breakpoints need from the runtime. */
export interface BreakpointHost {
  readonly debugInfo: DebugInfo | null;
  readonly mux: ProbeMux;
  functionByName(name: string): { name: string; start: bigint; size: number } | undefined;
  /** Condition truth in the task's innermost frame (throws EvalError). */
  test(task: Task, condition: string): boolean;
  /** A logpoint's message with {expressions} replaced. */
  interpolate(task: Task, message: string): string;
  logpoint(text: string, source: SourceRef | undefined, line: number | undefined): void;
  /** Stop the machine: these breakpoints were hit by `task`. */
  hit(task: Task, reason: StopReason, ids: number[], note?: string): void;
  /** The position in history now (retired instructions): where a new breakpoint starts counting its hits. */
  position(): number;
}

type Kind = 'source' | 'function' | 'instruction';

type Spec = SourceBreakpointSpec | FunctionBreakpointSpec | InstructionBreakpointSpec;

interface Breakpoint {
  id: number;
  kind: Kind;
  /** What the user asked for (re-resolved on restart), and for a source breakpoint its file. */
  spec: Spec;
  file?: string;
  addresses: bigint[];
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
  /** Hits counted from where it was set (hitCounts.ts). */
  count: HitCounter;
  result: BreakpointResult;
}

const REASON: Record<Kind, StopReason> = { source: 'breakpoint', function: 'function breakpoint', instruction: 'instruction breakpoint' };
/** How far a source breakpoint on a line without code moves down to the next line with code. */
export const LINE_SEARCH = 20;

export class BreakpointManager {
  private nextId = 1;
  private readonly groups = new Map<string, Breakpoint[]>();
  private readonly byAddress = new Map<bigint, Breakpoint[]>();

  /** Id the next resolve gives its breakpoint (restart reuses the old ids), and where it was set in history. */
  private reuseId: number | null = null;
  private reuseSince: number | null = null;

  constructor(private host: BreakpointHost) {}

  /** Addresses where a breakpoint may stop the machine (logpoints never do). */
  stoppingAddresses(): bigint[] {
    return [...this.byAddress].filter(([, list]) => list.some((b) => b.logMessage === undefined)).map(([a]) => a);
  }

  setSourceBreakpoints(file: string, specs: SourceBreakpointSpec[]): BreakpointResult[] {
    return this.replace(`source:${file}`, specs.map((s) => this.resolveSource(file, s)));
  }

  setFunctionBreakpoints(specs: FunctionBreakpointSpec[]): BreakpointResult[] {
    return this.replace('function', specs.map((s) => this.resolveFunction(s)));
  }

  setInstructionBreakpoints(specs: InstructionBreakpointSpec[]): BreakpointResult[] {
    return this.replace('instruction', specs.map((s) => this.resolveInstruction(s)));
  }

  /**
   * After a restart: the same breakpoints, with the same ids, resolved in
   * the new program; counting their hits from its start, or (`sameHistory`:
   * a machine rebuilt to replay this history) from where they were set.
   */
  rebind(host: BreakpointHost, sameHistory = false): BreakpointResult[] {
    this.host = host;
    this.byAddress.clear();
    for (const [group, bps] of this.groups) {
      const again = bps.map((b) => {
        this.reuseId = b.id;
        this.reuseSince = sameHistory ? b.count.since : 0;
        if (b.kind === 'source') return this.resolveSource(b.file!, b.spec as SourceBreakpointSpec);
        if (b.kind === 'function') return this.resolveFunction(b.spec as FunctionBreakpointSpec);
        return this.resolveInstruction(b.spec as InstructionBreakpointSpec);
      });
      this.groups.set(group, again);
      for (const bp of again) this.attach(bp);
    }
    return this.all();
  }

  /** Every breakpoint's hit count (a checkpoint keeps them). */
  counters(): HitCounter[] {
    return [...this.groups.values()].flat().map((b) => b.count);
  }

  /** Every breakpoint's current result (for breakpoint events). */
  all(): BreakpointResult[] {
    return [...this.groups.values()].flat().map((b) => b.result);
  }

  private replace(group: string, bps: Breakpoint[]): BreakpointResult[] {
    for (const old of this.groups.get(group) ?? []) this.detach(old);
    this.groups.set(group, bps);
    for (const bp of bps) this.attach(bp);
    return bps.map((b) => b.result);
  }

  private attach(bp: Breakpoint): void {
    if (!bp.result.verified) return;
    const placed: bigint[] = [];
    let problem: string | undefined;
    for (const addr of bp.addresses) {
      try {
        let list = this.byAddress.get(addr);
        if (!list) {
          this.host.mux.add(addr, 'bp', (task) => this.onHit(addr, task));
          this.byAddress.set(addr, list = []);
        }
        list.push(bp);
        placed.push(addr);
      } catch (e) {
        if (!(e instanceof ProbeError)) throw e;
        problem ??= e.message;
      }
    }
    bp.addresses = placed;
    if (placed.length === 0) bp.result = { ...bp.result, verified: false, message: problem ?? 'no address could take a breakpoint' };
  }

  private detach(bp: Breakpoint): void {
    for (const addr of bp.addresses) {
      const list = this.byAddress.get(addr);
      if (!list) continue;
      const rest = list.filter((b) => b !== bp);
      if (rest.length === 0) {
        this.byAddress.delete(addr);
        this.host.mux.delete(addr, 'bp');
      } else {
        this.byAddress.set(addr, rest);
      }
    }
  }

  private make(kind: Kind, addresses: bigint[], spec: Spec & { logMessage?: string }, result: Omit<BreakpointResult, 'id'>, file?: string): Breakpoint {
    const id = this.reuseId ?? this.nextId++;
    const since = this.reuseSince ?? this.host.position();
    this.reuseId = this.reuseSince = null;
    const hitProblem = spec.hitCondition ? hitConditionError(spec.hitCondition) : undefined;
    const r = hitProblem ? { ...result, verified: false, message: hitProblem } : result;
    return {
      id, kind, spec, file, addresses, condition: spec.condition?.trim() || undefined, hitCondition: spec.hitCondition?.trim() || undefined,
      logMessage: spec.logMessage, count: { since, hits: 0 }, result: { id, ...r },
    };
  }

  private resolveSource(file: string, s: SourceBreakpointSpec): Breakpoint {
    const source = { path: file, name: path.basename(file) };
    const dbg = this.host.debugInfo;
    if (!dbg || dbg.lines.length === 0) {
      return this.make('source', [], s, { verified: false, line: s.line, source, message: 'the program has no line information (compile with -g)' }, file);
    }
    for (let line = s.line; line < s.line + LINE_SEARCH; line++) {
      const addrs = dbg.addressesFor(file, line);
      if (addrs.length > 0) return this.make('source', addrs, s, { verified: true, line, source, instructionReference: hex(addrs[0]) }, file);
    }
    const known = dbg.lines.some((r) => sameFile(r.file, file));
    return this.make('source', [], s, {
      verified: false, line: s.line, source,
      message: known ? `no code at line ${s.line} (or the ${LINE_SEARCH - 1} lines after it)` : `${path.basename(file)} is not part of the program's debug info`,
    }, file);
  }

  private resolveFunction(s: FunctionBreakpointSpec): Breakpoint {
    const m = /^\s*([A-Za-z_.$][\w.$]*)\s*(?:\+\s*(0x[0-9a-fA-F]+|\d+))?\s*$/.exec(s.name);
    if (!m) return this.make('function', [], s, { verified: false, message: `'${s.name}' is not a function name or name+offset` });
    const fn = this.host.functionByName(m[1]);
    if (!fn) return this.make('function', [], s, { verified: false, message: `no function '${m[1]}' in the program` });
    const off = m[2] ? Number(m[2]) : 0;
    if (off >= Math.max(fn.size, 1)) return this.make('function', [], s, { verified: false, message: `${m[1]}+0x${off.toString(16)} is past the end of ${m[1]} (size 0x${fn.size.toString(16)})` });
    const addr = fn.start + BigInt(off);
    const loc = this.host.debugInfo?.lineFor(addr);
    return this.make('function', [addr], s, {
      verified: true, instructionReference: hex(addr),
      ...(loc ? { source: { path: loc.file, name: path.basename(loc.file) }, line: loc.line } : {}),
    });
  }

  private resolveInstruction(s: InstructionBreakpointSpec): Breakpoint {
    let addr: bigint;
    try {
      addr = BigInt.asUintN(64, BigInt(s.instructionReference.trim()) + BigInt(s.offset ?? 0));
    } catch {
      return this.make('instruction', [], s, { verified: false, message: `'${s.instructionReference}' is not an address` });
    }
    const loc = this.host.debugInfo?.lineFor(addr);
    return this.make('instruction', [addr], s, {
      verified: true, instructionReference: hex(addr),
      ...(loc ? { source: { path: loc.file, name: path.basename(loc.file) }, line: loc.line } : {}),
    });
  }

  private onHit(addr: bigint, task: Task): void {
    const ids: number[] = [];
    const position = this.host.position();
    let reason: StopReason | undefined;
    let note: string | undefined;
    for (const bp of this.byAddress.get(addr) ?? []) {
      if (bp.condition) {
        let ok: boolean;
        try {
          ok = this.host.test(task, bp.condition);
        } catch (e) {
          // a condition that cannot be evaluated stops, so the user sees why
          note = `breakpoint ${bp.id}: condition '${bp.condition}' failed: ${(e as Error).message}`;
          ok = true;
        }
        if (!ok) continue;
      }
      const counted = countHit(bp.count, position);
      if (bp.hitCondition && !(counted && hitConditionMet(bp.hitCondition, bp.count.hits))) continue;
      if (bp.logMessage !== undefined) {
        this.host.logpoint(this.host.interpolate(task, bp.logMessage), bp.result.source, bp.result.line);
        continue;
      }
      ids.push(bp.id);
      reason ??= REASON[bp.kind];
    }
    if (ids.length > 0 && reason) this.host.hit(task, reason, ids, note);
  }
}

function sameFile(a: string, b: string): boolean {
  return a === b || path.basename(a) === path.basename(b);
}

/** Hit conditions: `N` or `==N` (the Nth hit), `>N`, `>=N`, `<N`, `<=N`, `%N` (every Nth). */
const HIT_CONDITION = /^\s*(==|>=|<=|>|<|%)?\s*(\d+)\s*$/;

function hitConditionError(text: string): string | undefined {
  return HIT_CONDITION.test(text) ? undefined : `hit count '${text}' is not understood: use N, ==N, >N, >=N, <N, <=N or %N`;
}

export function hitConditionMet(text: string, hits: number): boolean {
  const m = HIT_CONDITION.exec(text);
  if (!m) return true;
  const n = Number(m[2]);
  switch (m[1]) {
    case '>': return hits > n;
    case '>=': return hits >= n;
    case '<': return hits < n;
    case '<=': return hits <= n;
    case '%': return n > 0 && hits % n === 0;
    default: return hits === n;
  }
}
