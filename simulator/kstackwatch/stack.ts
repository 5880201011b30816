// Probes, per-task context and watch-address resolution (the kernel's
// stack.c). The entry kprobe's post-handler at fn+fo arms a watchpoint for
// the call at depth `dp`; the fprobe exit handler disarms it on return.

import { Gpr } from '../cpu/registers';
import { joinAddress } from '../memory/memory';
import type { Machine } from '../kernel/machine';
import type { Task } from '../kernel/task';
import type { KswConfig } from './config';
import { watchesCanary } from './config';
import { Errno } from '../user/errno';
import type { WatchPool, Watchpoint } from './watch';
import { UserError } from '../errors/userError';

/** The kernel keeps this in task_struct (≈ 20 bytes). */
interface TaskContext {
  wp: Watchpoint | null;
  /** SP at the probe when the watch was armed (32-bit halves). */
  spLo: number;
  spHi: number;
  depth: number;
  generation: number;
  /** RSP at function entry (for DWARF frame bases: CFA = entry RSP + 8). */
  entrySpLo: number;
  entrySpHi: number;
  /**
   * The owner this task's watches carry, reused from arm to arm (arming runs
   * on every watched call): only its CPU changes, and a context holds one
   * armed watch at a time.
   */
  owner: WatchOwner | null;
  /** The watchpoint the last return disarmed (its disarm may still wait: resumeCanary). */
  lastWp: Watchpoint | null;
}

/** What a live watch describes (reports, the UI). */
export interface WatchOwner {
  config: KswConfig;
  functionName: string;
  offset: number;
  depth: number;
  task: Task;
  cpu: number;
  canary: boolean;
}

/** fastCanary's answer: the slot (its address, as a BigInt and as halves) and the canary it holds. */
interface CanaryTarget { address: bigint; length: 8; lo: number; hi: number; valueLo: number; valueHi: number; made: boolean }

/**
 * The carry into the high half of a low half plus a displacement: t is
 * (lo >>> 0) + disp, disp a 32-bit displacement, so -2^31 <= t < 2^32 + 2^31.
 * Math.floor(t / 2^32) would do, as a float division and rounding on every
 * watched call.
 */
function carryOf(t: number): number {
  return t >= 4294967296 ? 1 : t < 0 ? -1 : 0;
}

/** Canary search limit, in words (the kernel's). */
const CANARY_SEARCH_WORDS = 128;

export class ResolveError extends UserError {}

/** Where the prologue stored the canary: base register (RSP or RBP) + displacement. */
export interface CanarySlot { base: number; disp: number }

/** Where a config's variable lives, as far as DWARF tells. */
export type VariableLocator = (m: Machine, task: Task, entrySp: bigint) => { address: bigint; length: number };

export class StackProbe {
  /** Bumped on every start and stop; stale per-task contexts reset lazily. */
  static generation = 0;
  private readonly key: string;

  constructor(
    private readonly m: Machine,
    readonly config: KswConfig,
    readonly functionName: string,
    readonly offset: number,
    private readonly pool: WatchPool,
    private readonly variable: VariableLocator | null,
    id: number,
    private readonly canarySlot: CanarySlot | null = null,
  ) {
    this.key = `kstackwatch:${id}`;
    this.fastSlot = variable || config.funcOffset !== null || !watchesCanary(config) ? null : canarySlot;
  }

  /** The canary slot fastCanary reads: canary mode at the prologue's default offset with the slot known, else null. */
  private readonly fastSlot: CanarySlot | null;

  /** The context found last: the three probes of a call ask for the same task's. */
  private lastTask: Task | null = null;
  private lastContext: TaskContext | null = null;

  private context(task: Task): TaskContext {
    const ctx = task === this.lastTask ? this.lastContext! : this.contextOf(task);
    this.lastTask = task; this.lastContext = ctx;
    if (ctx.generation !== StackProbe.generation) {
      ctx.wp = null; ctx.spLo = 0; ctx.spHi = 0; ctx.depth = 0; ctx.generation = StackProbe.generation; ctx.lastWp = null;
    }
    return ctx;
  }

  /** The task's context, made on its first probe hit (apart: context() stays small enough to inline, v8Tuning.ts). */
  private contextOf(task: Task): TaskContext {
    let ctx = task.toolData.get(this.key) as TaskContext | undefined;
    if (!ctx) task.toolData.set(this.key, ctx = {
      wp: null, spLo: 0, spHi: 0, depth: 0, generation: StackProbe.generation, entrySpLo: 0, entrySpHi: 0, owner: null, lastWp: null,
    });
    return ctx;
  }

  /** fprobe entry: remember the entry stack pointer (for variable locations). */
  onFunctionEntry(task: Task): void {
    const ctx = this.context(task);
    ctx.entrySpLo = this.m.cpu.regs[2 * Gpr.RSP];
    ctx.entrySpHi = this.m.cpu.regs[2 * Gpr.RSP + 1];
  }

  /** kprobe post-handler at fn+fo. */
  onProbe(task: Task): void {
    const ctx = this.context(task);
    const R = this.m.cpu.regs;
    const spLo = R[2 * Gpr.RSP], spHi = R[2 * Gpr.RSP + 1];
    if (ctx.wp && ctx.spLo === spLo && ctx.spHi === spHi) return; // probe inside a loop: already watching this frame
    const cur = ctx.depth++;
    if (cur !== this.config.depth) return;
    if (ctx.lastWp !== null && ctx.wp === null && this.resumeCanary(task, ctx, ctx.lastWp, spLo, spHi)) return;
    const wp = this.pool.get();
    if (!wp) return; // no free watchpoint: this call is not watched (counted in pool.misses)
    let target: { address: bigint; length: number; lo?: number; hi?: number; valueLo?: number; valueHi?: number };
    try {
      target = this.fastCanary(task) ?? this.resolve(task, joinAddress(spLo, spHi), joinAddress(ctx.entrySpLo, ctx.entrySpHi));
    } catch (e) {
      this.pool.put(wp);
      // The kernel's two lines: the resolver's reason, then the caller's errno.
      this.m.log(3, `kstackwatch: ${(e as Error).message}`);
      this.m.log(3, `kstackwatch: failed to prepare watch target: ${-Errno.EINVAL}`);
      return;
    }
    const cpu = this.m.currentCpu.index;
    let owner = ctx.owner;
    // a watch still armed for this context (its exit never came) keeps its owner as it was
    if (owner === null || ctx.wp !== null) {
      owner = { config: this.config, functionName: this.functionName, offset: this.offset, depth: cur, task, cpu, canary: watchesCanary(this.config) };
      ctx.owner = owner;
    } else {
      owner.cpu = cpu; // depth is always config.depth here, and the task the context's
    }
    wp.owner = owner;
    this.pool.arm(wp, target.address, target.length as 1 | 2 | 4 | 8, target.lo, target.hi, target.valueLo, target.valueHi);
    ctx.wp = wp;
    ctx.spLo = spLo;
    ctx.spHi = spHi;
  }

  /** fprobe exit handler. */
  onFunctionExit(task: Task): void {
    const ctx = this.context(task);
    if (ctx.depth === 0) { ctx.wp = null; ctx.spLo = 0; ctx.spHi = 0; return; }
    const cur = --ctx.depth;
    if (cur === this.config.depth && ctx.wp) {
      this.pool.disarm(ctx.wp);
      this.pool.put(ctx.wp);
      ctx.lastWp = ctx.wp;
      ctx.wp = null;
      ctx.spLo = 0;
      ctx.spHi = 0;
    }
  }

  /**
   * A loop calling the watched function, the common case: the watchpoint
   * the last return disarmed still waits for that disarm (WatchPool.resume)
   * and this call's canary sits where it watched (fastCanary's slot, the
   * same as then). Arms it again with only the bookkeeping flipped
   * back; false (nothing done) otherwise.
   */
  private resumeCanary(task: Task, ctx: TaskContext, wp: Watchpoint, spLo: number, spHi: number): boolean {
    const owner = ctx.owner;
    if (owner === null) return false;
    const c = this.fastCanary(task);
    if (c === null) return false;
    wp.owner = owner; // before resume: put() cleared it
    if (!this.pool.resume(wp, c.lo, c.hi, 8, c.valueLo, c.valueHi)) { wp.owner = null; return false; }
    owner.cpu = this.m.currentCpu.index;
    ctx.wp = wp;
    ctx.spLo = spLo;
    ctx.spHi = spHi;
    return true;
  }

  /** The watched range for this call: the canary, SP+so, or a DWARF variable. */
  resolve(task: Task, sp: bigint, entrySp: bigint): { address: bigint; length: number } {
    if (!task.stackContains(sp, 1)) throw new ResolveError(`Stack pointer 0x${sp.toString(16)} out of bounds`);
    let address: bigint, length: number;
    if (this.variable) {
      ({ address, length } = this.variable(this.m, task, entrySp));
    } else if (watchesCanary(this.config)) {
      address = this.exactCanary(task) ?? this.findCanary(task, sp);
      length = 8;
    } else {
      address = sp + BigInt(this.config.spOffset);
      length = this.config.watchLen;
    }
    if (!task.stackContains(address, length)) {
      throw new ResolveError(`invalid stack addr:0x${address.toString(16)} len :${length}`);
    }
    return { address, length };
  }

  /**
   * The common case without BigInt: canary mode with the prologue's canary
   * slot known, SP inside the stack, the slot holding the canary.
   */
  private fastCanary(task: Task): CanaryTarget | null {
    const slot = this.fastSlot;
    if (slot === null) return null;
    const R = this.m.cpu.regs;
    if (!task.stackContainsAt(R[2 * Gpr.RSP], R[2 * Gpr.RSP + 1], 1)) return null;
    const t = (R[2 * slot.base] >>> 0) + slot.disp;
    return this.canaryAt(task, t | 0, (R[2 * slot.base + 1] + carryOf(t)) | 0);
  }

  /** fastCanary's second half (apart: each stays small enough to inline into onProbe, v8Tuning.ts). */
  private canaryAt(task: Task, lo: number, hi: number): CanaryTarget | null {
    if (!task.stackContainsAt(lo, hi, 8)) return null;
    const mem = this.m.mem;
    const vlo = mem.peek64(lo, hi), vhi = mem.scratch[0];
    if (vlo !== task.canaryLo || vhi !== task.canaryHi) return null;
    return this.targetAt(lo, hi, vlo, vhi);
  }

  /** canaryAt's answer: the slot [lo, hi] holds the canary vlo, vhi. */
  private targetAt(lo: number, hi: number, vlo: number, vhi: number): CanaryTarget {
    const c = this.canaryTarget;
    // (made, not address === 0n: a BigInt compare is a call into the runtime, on every watched call)
    if (c.lo !== lo || c.hi !== hi || !c.made) { c.lo = lo; c.hi = hi; c.address = joinAddress(lo, hi); c.made = true; }
    c.valueLo = vlo; c.valueHi = vhi;
    return c;
  }

  /**
   * fastCanary's answer, reused: calls at the same depth find the canary in
   * the same slot call after call, so its BigInt address is made once, not
   * on every arm.
   */
  private readonly canaryTarget: CanaryTarget = { address: 0n, length: 8, lo: 0, hi: 0, valueLo: 0, valueHi: 0, made: false };

  /** The canary's slot as the prologue stored it, when known and it holds the canary. */
  private exactCanary(task: Task): bigint | null {
    if (!this.canarySlot || this.config.funcOffset !== null) return null;
    const R = this.m.cpu.regs;
    const t = (R[2 * this.canarySlot.base] >>> 0) + this.canarySlot.disp;
    const lo = t | 0, hi = (R[2 * this.canarySlot.base + 1] + carryOf(t)) | 0;
    const mem = this.m.mem;
    const vlo = mem.peek64(lo, hi), vhi = mem.scratch[0];
    if (vlo !== task.canaryLo || vhi !== task.canaryHi) return null;
    const addr = joinAddress(lo, hi);
    return task.stackContains(addr, 8) ? addr : null;
  }

  private findCanary(task: Task, sp: bigint): bigint {
    for (let i = 0; i < CANARY_SEARCH_WORDS; i++) {
      const addr = sp + BigInt(8 * i);
      if (!task.stackContains(addr, 8)) break;
      if (this.m.mem.readU64(addr, true) === task.canary) return addr;
    }
    throw new ResolveError(`canary not found within ${CANARY_SEARCH_WORDS} words above sp 0x${sp.toString(16)}`);
  }
}
