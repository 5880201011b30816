// KStackWatch (the kernel's kernel.c): the control file and the lifecycle
// of watches — parse, validate up front, allocate the watch pool, register
// the entry kprobe and the exit fprobe; report hits.

import { Mnemonic } from 'iced-x86';
import type { Machine } from '../kernel/machine';
import type { Kprobes, Kprobe } from '../kernel/kprobes';
import { KprobeError } from '../kernel/kprobes';
import type { Fprobes, Fprobe } from '../kernel/fprobe';
import type { HwBreakpoints, HwBreakpointHit } from '../kernel/hwBreakpoint';
import type { StackEntry } from '../kernel/events';
import type { CorruptionEvent } from './events';
import { InsnDecoder, isInvalid, OpKind } from '../cpu/decode';
import { splitAddress } from '../memory/memory';
import { KswConfig, KswConfigError, parseConfig, ParseOptions, watchesCanary } from './config';
import { CanarySlot, StackProbe, VariableLocator, WatchOwner } from './stack';
import { Gpr } from '../cpu/registers';
import { WatchPool, Watchpoint } from './watch';
import { buildCorruption, reportLines } from './report';
import { FrameSlot, OriginFinder } from './origin';
import { Errno } from '../user/errno';
import { UserError } from '../errors/userError';

export interface FunctionInfo { name: string; address: bigint; size: number }

/** What KStackWatch needs to know about the loaded code. */
export interface KswSymbols {
  functions(): FunctionInfo[];
  /** Locate a local variable of `fn` (DWARF); an error message when it cannot. */
  variable(fn: FunctionInfo, name: string): VariableLocator | string;
  /** `fn`'s locals and parameters with fixed frame locations (DWARF), for origin lines. */
  frameSlots(fn: FunctionInfo): FrameSlot[];
}

export interface ActiveWatch {
  readonly config: KswConfig;
  readonly fn: FunctionInfo;
  readonly offset: number;
  readonly probe: StackProbe;
  readonly kprobe: Kprobe;
  readonly fprobe: Fprobe;
  /** Hits reported for this config. */
  hits: number;
}

/**
 * A config that cannot be started: a one-line reason (exit 2 on the command
 * line), the errno the kernel's write() would return, and at which step —
 * `parse` (the kernel prints `Failed to parse config <errno>`) or `start`
 * (`Failed to start watching with <errno>`).
 */
export class KswError extends UserError {
  constructor(message: string, readonly errno = -Errno.EINVAL, readonly step: 'parse' | 'start' = 'start') {
    super(message);
  }
}

/** The module parameters of kstackwatch.ko (v7), as `kstackwatch.NAME` on the kernel command line. */
export interface KswModuleParams {
  /** v7: panic immediately on corruption catch (v8 moved this into the config as panic_hit). */
  panic_on_catch: boolean;
}

export class KStackWatch {
  readonly active: ActiveWatch[] = [];
  readonly corruptions: CorruptionEvent[] = [];
  readonly listeners: ((e: CorruptionEvent) => void)[] = [];
  private pool: WatchPool | null = null;
  private readonly dummy: bigint;
  private nextId = 0;
  private readonly decoder = new InsnDecoder();
  /** Where a corrupted address came from (the report's origin line; tests). */
  readonly origins: OriginFinder;
  readonly params: KswModuleParams = { panic_on_catch: false };

  constructor(
    private readonly m: Machine,
    private readonly kprobes: Kprobes,
    private readonly fprobes: Fprobes,
    private readonly hw: HwBreakpoints,
    private readonly symbols: KswSymbols,
  ) {
    this.dummy = m.heap.alloc(8, true);
    // the pool's deferred disarms are carried out where anyone can look (watch.ts)
    m.hooks.afterQuantum.push(() => this.pool?.afterQuantum());
    m.hooks.beforeUnload.push(() => this.pool?.settle());
    this.origins = new OriginFinder(m, {
      functions: () => symbols.functions(),
      frameSlots: (fn) => symbols.frameSlots(fn),
      originalBytes: (addr, length) => kprobes.originalBytes(addr, length),
    });
  }

  // ---- the control file ------------------------------------------------------

  /** Reading the control file: the active config (as written), or "not watching\n". */
  readControl(): string {
    return this.active.length > 0 ? this.active.map((w) => w.config.input).join('\n') : 'not watching\n';
  }

  /** Writing the control file: stop what runs, then start the new config (empty: just stop). */
  writeControl(text: string): void {
    this.stopAll();
    if (text.trim() === '') { this.m.log(6, 'kstackwatch: config cleared'); return; }
    this.start(text, { strict: false }); // a guest's write: the kernel's parser, lenient as it is
  }

  // ---- starting and stopping -------------------------------------------------------

  /** Validate a config against the loaded code without starting it (CLI, editor). */
  validate(text: string, opts: ParseOptions = {}): {
    config: KswConfig; fn: FunctionInfo; offset: number; warnings: string[]; notes: string[]; canarySlot: CanarySlot | null;
  } {
    let parsed;
    try { parsed = parseConfig(text, opts); } catch (e) {
      if (!(e instanceof KswConfigError)) throw e;
      throw new KswError(e.message, -Errno.EINVAL, 'parse');
    }
    const { config, warnings } = parsed;
    const notes: string[] = [];
    const fn = this.findFunction(config.funcName, notes);
    const prologue = config.funcOffset === null ? this.afterCanaryStore(fn) : null;
    const offset = config.funcOffset ?? prologue?.offset ?? 0;
    if (offset >= fn.size) throw new KswError(`fo=0x${offset.toString(16)} is past the end of ${fn.name} (size 0x${fn.size.toString(16)})`, -Errno.EINVAL);
    try {
      this.kprobes.instructionAt(fn.address, fn.size, fn.address + BigInt(offset));
    } catch (e) {
      // register_kprobe() refuses an address inside an instruction with -EILSEQ.
      if (e instanceof KprobeError) throw new KswError(`fo=0x${offset.toString(16)} is not an instruction boundary in ${fn.name}`, -Errno.EILSEQ);
      throw e;
    }
    if (config.varName === null && !watchesCanary(config)) {
      if (![1, 2, 4, 8].includes(config.watchLen)) throw new KswError(`wl=${config.watchLen}: a watch length must be 1, 2, 4 or 8 (or 0 for the canary)`);
      if (config.spOffset % config.watchLen !== 0) {
        throw new KswError(`so=0x${config.spOffset.toString(16)} is not aligned to wl=${config.watchLen}: the watched address would be misaligned`);
      }
    }
    if (config.varName !== null) {
      const v = this.symbols.variable(fn, config.varName);
      if (typeof v === 'string') throw new KswError(v);
    }
    return { config, fn, offset, warnings, notes, canarySlot: prologue?.slot ?? null };
  }

  /** Start watching (our extension: several configs may be active at once). */
  start(text: string, opts: ParseOptions = {}): ActiveWatch {
    let checked: ReturnType<KStackWatch['validate']>;
    try {
      checked = this.validate(text, opts);
    } catch (e) {
      if (e instanceof KswError) this.logFailure(e);
      throw e;
    }
    const { config, fn, offset, warnings, notes, canarySlot } = checked;
    for (const w of warnings) this.m.log(4, `kstackwatch: ${w}`);
    for (const n of notes) this.m.log(6, `kstackwatch: ${n}`);
    const variable = config.varName !== null ? this.symbols.variable(fn, config.varName) as VariableLocator : null;
    if (!this.pool) this.pool = new WatchPool(this.m, this.hw, this.dummy);
    const wanted = config.maxWatch;
    const got = this.pool.allocate(wanted, (wp, hit) => this.onHit(wp, hit), this.trampolineStore);
    if (got === 0 && this.pool.all.length === 0) {
      this.m.log(3, `kstackwatch: ksw_watch_init ret: ${-Errno.EBUSY}`);
      this.m.log(3, `kstackwatch: Failed to start watching with ${-Errno.EBUSY}`);
      throw new KswError('no free debug register for the watch pool (EBUSY)', -Errno.EBUSY);
    }
    // onHit drops every hit of the trampoline's own stores (trampolineStore): the CPU may drop them itself
    this.fprobes.quietSlots = this.pool.slotMask;
    StackProbe.generation++;
    const probe = new StackProbe(this.m, config, fn.name, offset, this.pool, variable, this.nextId++, canarySlot);
    const kprobe: Kprobe = { address: fn.address + BigInt(offset), post: (_m, task) => probe.onProbe(task) };
    const fprobe: Fprobe = { entry: (_m, task) => probe.onFunctionEntry(task), exit: (_m, task) => probe.onFunctionExit(task) };
    this.fprobes.register(fprobe, fn.address, fn.size);
    this.kprobes.register(kprobe, fn.address, fn.size);
    const watch: ActiveWatch = { config, fn, offset, probe, kprobe, fprobe, hits: 0 };
    this.active.push(watch);
    this.m.log(6, `kstackwatch: start watching: ${config.input}`);
    return watch;
  }

  stop(watch: ActiveWatch): void {
    const i = this.active.indexOf(watch);
    if (i < 0) return;
    this.active.splice(i, 1);
    this.kprobes.unregister(watch.kprobe);
    this.fprobes.unregister(watch.fprobe);
    StackProbe.generation++;
    for (const wp of this.pool?.all ?? []) {
      if (wp.armed && (wp.owner as WatchOwner | null)?.config === watch.config) { this.pool!.disarm(wp); this.pool!.put(wp); }
    }
    if (this.active.length === 0 && this.pool) { this.pool.release(); this.pool = null; this.fprobes.quietSlots = 0; }
    this.m.log(6, `kstackwatch: stop watching: ${watch.config.input}`);
  }

  stopAll(): void {
    for (const w of [...this.active]) this.stop(w);
  }

  /**
   * What the kernel prints when a config write fails, then our reason: a
   * parse error is `Failed to parse config -22` after the parser's own line;
   * a start error names the step that failed (register_kprobe for a missing
   * function or an offset inside an instruction) and `Failed to start
   * watching with <errno>`.
   */
  private logFailure(e: KswError): void {
    if (e.step === 'parse') {
      this.m.log(3, `kstackwatch: ${e.message}`);
      this.m.log(3, `kstackwatch: Failed to parse config ${e.errno}`);
      return;
    }
    if (e.errno === -Errno.ENOENT || e.errno === -Errno.EILSEQ) {
      this.m.log(3, `kstackwatch: failed to register kprobe ret ${e.errno}`);
      this.m.log(3, `kstackwatch: ksw_stack_init ret: ${e.errno}`);
    }
    this.m.log(3, `kstackwatch: ${e.message}`);
    this.m.log(3, `kstackwatch: Failed to start watching with ${e.errno}`);
  }

  /** Calls not watched because no watchpoint was free (the kernel is silent; we count). */
  get misses(): number {
    return this.pool?.misses ?? 0;
  }

  get watchpoints(): readonly Watchpoint[] {
    return this.pool?.all ?? [];
  }

  // ---- debug helpers exported to guests ----------------------------------------------

  /** ksw_watch_show(): print the current task's armed watch. */
  show(): void {
    const wp = this.currentTaskWatch();
    this.m.log(6, wp ? `kstackwatch: watch target bp_addr: 0x${wp.address.toString(16)} len:${wp.length}` : 'kstackwatch: nothing to show');
  }

  /** ksw_watch_fire(): write 0x42 to the first watched byte (an immediate hit). */
  fire(): void {
    const wp = this.currentTaskWatch();
    if (!wp) { this.m.log(6, 'kstackwatch: nothing to fire'); return; }
    this.m.log(6, 'kstackwatch: watch triggered immediately');
    const [lo, hi] = splitAddress(wp.address);
    this.m.mem.st8(lo, hi, 0x42);
  }

  private currentTaskWatch(): Watchpoint | undefined {
    const task = this.m.currentTask;
    return this.pool?.all.find((w) => w.armed && (w.owner as WatchOwner).task === task);
  }

  // ---- hits ------------------------------------------------------------------------------

  /**
   * The common false positive, tested before any work (the pool asks before
   * a hit is even built): the exit trampoline itself storing into the frame
   * that just returned. (The frame has returned: the exit handler disarms
   * right after, so its value no longer matters.)
   */
  private readonly trampolineStore = (): boolean => this.fprobes.inTrampolineAt(this.m.cpu.trapInsnLo, this.m.cpu.trapInsnHi);

  private onHit(wp: Watchpoint, hit: HwBreakpointHit): void {
    if (this.trampolineStore()) return;
    const stack = this.writerStack(hit);
    const oldValue = this.pool!.lastValue(wp);
    const newValue = this.pool!.read(wp.address, wp.length);
    wp.lastLo = Number(newValue & 0xffffffffn) | 0;
    wp.lastHi = Number(newValue >> 32n) | 0;
    // The kernel's false-positive filter: the exit trampoline runs in the
    // watched frame after the function returned, before the exit handler.
    const ips = [this.m.cpu.trapInsn, ...stack.slice(0, 16).map((s) => BigInt(s.ip))];
    if (ips.some((ip) => this.fprobes.inTrampoline(ip))) return;
    // Ours: a var= watch is about writes from elsewhere; the function's own
    // stores to its variable (its owner task running its code) are its business.
    const owner = wp.owner as WatchOwner;
    if (owner.config.varName !== null && hit.task === owner.task) {
      const own = this.active.find((w) => w.config === owner.config);
      const store = this.m.cpu.trapInsn;
      if (own && store >= own.fn.address && store < own.fn.address + BigInt(own.fn.size)) return;
    }
    const event = buildCorruption(this.m, wp, hit, stack, oldValue, newValue, this.origins.find(wp.address));
    for (const line of reportLines(this.m, event, hit)) this.m.log(3, line);
    const watch = this.active.find((w) => w.config === owner.config);
    if (watch) watch.hits++;
    this.corruptions.push(event);
    for (const l of this.listeners) l(event);
    // v8's panic_hit config key and v7's panic_on_catch module parameter: panic("Stack corruption detected").
    if (owner.config.panicHit || this.params.panic_on_catch) {
      this.m.log(0, 'Kernel panic - not syncing: Stack corruption detected');
      this.m.panic('Stack corruption detected');
    }
  }

  /**
   * The writer's call trace, innermost first, starting at the store itself.
   * When a kernel function implemented on the host did the store (memcpy,
   * ksw_watch_fire…), it has already returned: its caller is where the CPU
   * trapped, so that frame is added back.
   */
  private writerStack(hit: HwBreakpointHit): StackEntry[] {
    const store = this.m.cpu.trapInsn;
    const stack = this.m.callTrace(hit.task, store);
    if (this.m.host.containing(store) && hit.trapIp !== store) {
      const caller = this.m.symbolize(hit.trapIp - 1n);
      stack.splice(1, 0, { ...caller, symbol: this.m.symbolize(hit.trapIp).symbol, ip: '0x' + hit.trapIp.toString(16) });
    }
    return stack;
  }

  // ---- symbols ------------------------------------------------------------------------------

  private findFunction(name: string, notes: string[]): FunctionInfo {
    const all = this.symbols.functions();
    const exact = all.find((f) => f.name === name);
    if (exact) return exact;
    const clones = all.filter((f) => new RegExp(`^${escapeRegExp(name)}\\.(constprop|isra|part|cold)\\.\\d+$`).test(f.name));
    if (clones.length === 1) {
      notes.push(`fn=${name} matched ${clones[0].name} (a compiler clone)`);
      return clones[0];
    }
    if (clones.length > 1) throw new KswError(`fn=${name} is ambiguous: ${clones.map((c) => c.name).join(', ')}`, -Errno.ENOENT);
    // register_kprobe() on a symbol kallsyms does not know: -ENOENT.
    throw new KswError(`unknown function '${name}' (not in the loaded module)`, -Errno.ENOENT);
  }

  /**
   * Our default for an omitted fo: the instruction after the prologue's
   * canary store (`mov %gs:0x28,%reg` … `mov %reg,off(%rsp|%rbp)`), so the
   * canary is in place when the probe fires — and we know its exact slot,
   * so canary mode need not scan (a stale copy of the canary left lower on
   * the stack by an earlier frame cannot be mistaken for it). Without a
   * canary: offset 0.
   */
  private afterCanaryStore(fn: FunctionInfo): { offset: number; slot: CanarySlot | null } {
    const bytes = this.kprobes.originalBytes(fn.address, Math.min(fn.size, 256));
    let off = 0;
    let canaryReg = -1;
    while (off < bytes.length) {
      const [lo, hi] = splitAddress(fn.address + BigInt(off));
      const d = this.decoder.decode(bytes.subarray(off, off + 15), lo, hi);
      if (isInvalid(d)) break;
      off += d.length;
      const [dst, src] = d.ops;
      if (d.mnemonic === Mnemonic.Mov && src?.kind === OpKind.Mem && src.seg === 5 && src.dispLo === 0x28 && dst?.kind === OpKind.Reg) {
        canaryReg = dst.reg;
      } else if (canaryReg >= 0 && d.mnemonic === Mnemonic.Mov && dst?.kind === OpKind.Mem && src?.kind === OpKind.Reg && src.reg === canaryReg) {
        const slot = (dst.base === Gpr.RSP || dst.base === Gpr.RBP) && dst.index < 0 ? { base: dst.base, disp: dst.dispLo } : null;
        return { offset: off, slot };
      }
    }
    return { offset: 0, slot: null };
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
