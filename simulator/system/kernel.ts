// A booted kernel with one module: the machine plus kprobes, fprobes,
// hw_breakpoint and KStackWatch, the module loaded like insmod with its
// debug info, and the module's life cycle (init in an "insmod" task, then
// exit in an "rmmod" task once every task has finished). The CLI and the
// debug adapter both drive this.

import { Machine, MachineOptions, MachineStop, DEFAULT_OPTIONS } from '../kernel/machine';
import { InputFileError, readInputFile } from '../elf/inputFile';
import { Kprobes } from '../kernel/kprobes';
import { Fprobes } from '../kernel/fprobe';
import { HwBreakpoints } from '../kernel/hwBreakpoint';
import { registerKernelApi } from '../kernel/api/index';
import { flushPrintk } from '../kernel/api/printk';
import { updateJiffies } from '../kernel/api/time';
import { kernelHzFor } from './kernelHz';
import { KStackWatch, KswSymbols, FunctionInfo } from '../kstackwatch/kstackwatch';
import { VariableLocator } from '../kstackwatch/stack';
import type { FrameSlot } from '../kstackwatch/origin';
import { CONTROL_PATH, KswControlFile } from '../kstackwatch/controlFile';
import { loadModule, LoadedModule, ModuleLoadError } from '../elf/moduleLoader';
import { DebugInfo } from '../dwarf/debugInfo';
import { Task } from '../kernel/task';
import type { KernelEvent } from '../kernel/events';
import type { CorruptionEvent } from '../kstackwatch/events';
import { CpuFault, Vector } from '../cpu/faults';
import { BUGFLAG, UD2_LENGTH } from '../sdk/abi';
import { describeModinfo, isKbuildModule, prepareKo } from '../kernel/abi/koModule';
import { initPercpuSymbols, percpuSymbol } from '../kernel/abi/percpuSymbols';
import { UserError } from '../errors/userError';

/** Everything the booted system reports: the machine's events and KStackWatch's. */
export type SystemEvent = KernelEvent | CorruptionEvent;

export type KernelPhase = 'init' | 'running' | 'exit' | 'done';

/** module_param types read with a signed kstrto*() (the others are unsigned). */
const SIGNED_PARAM_TYPES = new Set(['short', 'int', 'long']);

/** Bad input for the kernel (unknown parameter, bad value): exit 2 on the command line. */
export class KernelInputError extends UserError {}

export class Kernel {
  readonly machine: Machine;
  readonly kprobes: Kprobes;
  readonly fprobes: Fprobes;
  readonly hw: HwBreakpoints;
  readonly ksw: KStackWatch;
  /** Listeners of every event: the machine's (log, oops) and KStackWatch's (corruption), in the order they happen. */
  readonly listeners: ((e: SystemEvent) => void)[] = [];
  module: LoadedModule | null = null;
  /** The DWARF of `debugInfoOf`, read on first use (see debugInfo; checkpoints leave both out: a cache of `module`). */
  private moduleDebugInfo: DebugInfo | null = null;
  private debugInfoOf: LoadedModule | null = null;
  phase: KernelPhase = 'init';
  initTask: Task | null = null;
  /** module_init's return value once it returned. */
  initResult: number | null = null;
  /** WARN_ON_ONCE sites that have warned (BUGFLAG_DONE). */
  private readonly warnedOnce = new Set<bigint>();

  constructor(options: Partial<MachineOptions> = {}) {
    this.machine = new Machine({ ...DEFAULT_OPTIONS, ...options });
    const m = this.machine;
    this.kprobes = new Kprobes(m);
    this.fprobes = new Fprobes(m, this.kprobes);
    this.hw = new HwBreakpoints(m);
    registerKernelApi(m);
    initPercpuSymbols(m);
    this.ksw = new KStackWatch(m, this.kprobes, this.fprobes, this.hw, this.symbols());
    m.listeners.push((e) => this.emit(e));
    this.ksw.listeners.push((e) => this.emit(e));
    m.debugfs.create(CONTROL_PATH, new KswControlFile(this.ksw));
    m.defineHost('ksw_watch_show', () => { this.ksw.show(); });
    m.defineHost('ksw_watch_fire', () => { this.ksw.fire(); });
    m.symbolizers.unshift((addr) => this.symbolizeModule(addr));
    m.hooks.faultHandlers.push((task, fault) => this.bugTrap(task, fault));
  }

  private emit(e: SystemEvent): void {
    for (const l of this.listeners) l(e);
  }

  /**
   * BUG()/WARN(): a ud2 listed in the module's __bug_table (linux/bug.h), as
   * the kernel's handle_bug()/report_bug() do. A warning prints its report
   * and the task goes on after the ud2; a BUG prints "kernel BUG at
   * file:line!" and the task oopses.
   */
  private bugTrap(task: Task, fault: CpuFault): 'handled' | { reason: string; logged: boolean } | undefined {
    if (fault.vector !== Vector.UD) return undefined;
    const bug = this.module?.bugs.find((b) => b.address === fault.rip);
    if (!bug) return undefined;
    const m = this.machine;
    const cutHere = (bug.flags & BUGFLAG.NO_CUT_HERE) === 0;
    if (!bug.warning) {
      if (cutHere) m.log(1, '------------[ cut here ]------------');
      m.log(1, `kernel BUG at ${bug.file}:${bug.line}!`);
      return { reason: `kernel BUG at ${bug.file}:${bug.line}!`, logged: true };
    }
    if ((bug.flags & BUGFLAG.ONCE) === 0 || !this.warnedOnce.has(bug.address)) {
      if (bug.flags & BUGFLAG.ONCE) this.warnedOnce.add(bug.address);
      const cpu = m.currentCpu.index;
      const where = m.symbolize(fault.rip);
      const lines = [
        ...(cutHere ? ['------------[ cut here ]------------'] : []),
        `WARNING: CPU: ${cpu} PID: ${task.pid} at ${bug.file}:${bug.line} ${where.symbol}`,
        `CPU: ${cpu} PID: ${task.pid} Comm: ${task.comm}`,
        `RIP: 0010:${where.symbol}${where.file ? ` (${where.file}:${where.line})` : ''}`,
        'Call Trace:',
        ' <TASK>',
        ...m.callTrace(task, fault.rip).slice(1).map((f) => ` ${f.symbol}${f.file ? ` (${f.file}:${f.line})` : ''}`),
        ' </TASK>',
        '---[ end trace 0000000000000000 ]---',
      ];
      for (const l of lines) m.log(4, l);
    }
    m.cpu.rip = fault.rip + BigInt(UD2_LENGTH);
    return 'handled';
  }

  /** insmod: load a relocatable object. Throws ModuleLoadError with a one-line reason. */
  load(path: string): LoadedModule {
    let bytes: Uint8Array;
    try {
      bytes = readInputFile(path);
    } catch (e) {
      if (e instanceof InputFileError) throw new ModuleLoadError(`cannot read the module: ${e.message}`);
      throw e;
    }
    const m = this.machine;
    this.module = loadModule(m.mem, bytes, {
      resolve: (name) => m.host.resolve(name) ?? m.kernelSymbol(name) ?? percpuSymbol(name),
    });
    if (isKbuildModule(this.module)) {
      prepareKo(m, this.module, this.debugInfo);
      m.log(6, describeModinfo(this.module));
      this.adoptModuleHz(this.module);
    }
    this.machine.cpu.flushCode();
    return this.module;
  }

  /**
   * Tick jiffies at the CONFIG_HZ of the kernel a .ko was built for (its HZ
   * and msecs_to_jiffies() are constants in its code); unknown headers keep
   * the SDK's rate, said in one line. Loading happens before time passes.
   */
  private adoptModuleHz(mod: LoadedModule): void {
    const m = this.machine;
    const found = kernelHzFor(mod.modinfo.get('vermagic')?.[0]);
    if ('error' in found) {
      m.log(4, `${mod.name}: HZ unknown: ${found.error}; jiffies tick at ${m.hz} Hz`);
      return;
    }
    m.hz = found.hz;
    updateJiffies(m);
    m.log(6, `${mod.name}: jiffies tick at HZ=${found.hz} (CONFIG_HZ of ${found.from})`);
  }

  /** Set a module parameter (before init runs), as `insmod mod.ko name=value`. */
  /** kstackwatch.ko's own module parameters (v7: panic_on_catch), as `kstackwatch.NAME=VALUE`. */
  private setKswParam(name: string, value: string): void {
    if (name !== 'panic_on_catch') throw new KernelInputError(`unknown module parameter 'kstackwatch.${name}' (known: kstackwatch.panic_on_catch)`);
    const truth = /^(1|y|Y|true|on)$/.test(value) ? true : /^(0|n|N|false|off)$/.test(value) ? false : null;
    if (truth === null) throw new KernelInputError(`parameter kstackwatch.${name}: '${value}' is not a boolean`);
    this.ksw.params.panic_on_catch = truth;
  }

  setParam(name: string, value: string): void {
    if (name.startsWith('kstackwatch.')) { this.setKswParam(name.slice('kstackwatch.'.length), value); return; }
    const p = this.module?.params.find((x) => x.name === name);
    if (!p) throw new KernelInputError(`unknown module parameter '${name}'${this.module ? ` (known: ${this.module.params.map((x) => x.name).join(', ') || 'none'})` : ''}`);
    const m = this.machine;
    if (p.type === 'charp') {
      const s = m.heap.alloc(value.length + 1, true);
      m.mem.write(s, Buffer.from(value + '\0'), true);
      m.mem.writeU64(p.address, s, true);
      return;
    }
    let v: bigint;
    if (p.type === 'bool' || p.type === 'invbool') {
      const truth = /^(1|y|Y|true|on)$/.test(value) ? 1n : /^(0|n|N|false|off)$/.test(value) ? 0n : null;
      if (truth === null) throw new KernelInputError(`parameter ${name}: '${value}' is not a boolean`);
      v = p.type === 'invbool' ? 1n - truth : truth;
    } else {
      if (!/^[-+]?(0x[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(value)) throw new KernelInputError(`parameter ${name}: '${value}' is not a number`);
      const neg = value.startsWith('-');
      const digits = value.replace(/^[-+]/, '');
      v = BigInt(digits.startsWith('0') && digits.length > 1 && !digits.startsWith('0x') ? '0o' + digits.slice(1) : digits);
      if (neg) v = -v;
      // As the kernel's kstrto*(): a value the parameter's type cannot hold is rejected, not truncated.
      const bits = BigInt(p.size * 8);
      const signed = SIGNED_PARAM_TYPES.has(p.type);
      const [min, max] = signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
      if (v < min || v > max || (!signed && neg)) {
        throw new KernelInputError(`parameter ${name}: '${value}' is out of range for ${p.type} (${min}..${max})`);
      }
    }
    const bytes = new Uint8Array(p.size);
    let u = BigInt.asUintN(p.size * 8, v);
    for (let i = 0; i < p.size; i++) { bytes[i] = Number(u & 0xffn); u >>= 8n; }
    m.mem.write(p.address, bytes, true);
  }

  /** Start module_init in an "insmod" task. */
  startInit(): void {
    const mod = this.requireModule();
    if (mod.initAddress === undefined) {
      // Linux loads such a module too; nothing runs until module_exit (if any) at unload
      this.machine.log(5, `${mod.name}: no module_init: loaded, nothing runs at init`);
      this.phase = 'running';
      this.initResult = 0;
      return;
    }
    this.initTask = this.spawnLifecycleTask('insmod', mod.initAddress);
    this.phase = 'init';
  }

  /**
   * Run until the module's tasks have all finished and module_exit has run
   * (or a deadlock, panic, halt or the budget stops it first).
   */
  run(slice = Infinity): MachineStop {
    const stop = this.runPhases(slice);
    // a partial printk line of a task that never finished it is still printed
    if (stop.kind !== 'slice') flushPrintk(this.machine);
    return stop;
  }

  private runPhases(slice: number): MachineStop {
    for (;;) {
      const stop = this.machine.run(slice);
      if (stop.kind !== 'idle') return stop;
      if (this.phase === 'init' || this.phase === 'running') {
        this.initResult = this.initTask ? this.initTask.exitCode : 0;
        if (this.initResult !== 0) {
          this.machine.log(3, `insmod: ERROR: could not insert module ${this.module?.name ?? ''}: init returned ${this.initResult}`);
          this.phase = 'done';
          return stop;
        }
        const exit = this.module?.exitAddress;
        this.phase = 'exit';
        if (exit !== undefined) { this.spawnLifecycleTask('rmmod', exit); continue; }
      }
      this.phase = 'done';
      return stop;
    }
  }

  private spawnLifecycleTask(comm: string, fn: bigint): Task {
    const m = this.machine;
    // insmod/rmmod call into the module from deep in a syscall: leave room above
    const t = m.createTask(comm, fn, 0n, 1024);
    m.wake(t);
    return t;
  }

  private requireModule(): LoadedModule {
    if (!this.module) throw new KernelInputError('no module loaded');
    return this.module;
  }

  // ---- symbols and source lines -------------------------------------------------

  /**
   * The loaded module's debug info, read when first needed (a source line in
   * a report or trace, a var= watch, a debugger): a run that needs none —
   * most `ksw run`s — never parses the DWARF. Reading never throws (what
   * cannot be read becomes warnings) and depends only on the module's file
   * and placement, so when it happens changes nothing.
   */
  get debugInfo(): DebugInfo | null {
    const mod = this.module;
    if (!mod) return null;
    if (this.debugInfoOf !== mod) {
      this.moduleDebugInfo = DebugInfo.forModule(mod);
      this.debugInfoOf = mod;
    }
    return this.moduleDebugInfo;
  }

  private symbolizeModule(addr: bigint): { symbol: string; file?: string; line?: number } | undefined {
    const mod = this.module;
    if (!mod || !mod.contains(addr)) return undefined;
    const symbol = mod.symbolize(addr);
    if (!symbol) return undefined;
    const loc = this.debugInfo?.lineFor(addr);
    return loc ? { symbol, file: loc.file, line: loc.line } : { symbol };
  }

  private symbols(): KswSymbols {
    return {
      functions: (): FunctionInfo[] =>
        (this.module?.symbols ?? []).filter((s) => s.type === 'func' && s.size > 0).map((s) => ({ name: s.name, address: s.address, size: s.size })),
      variable: (fn, name) => this.variableLocator(fn, name),
      frameSlots: (fn) => this.frameSlots(fn),
    };
  }

  /** Locals and parameters at a fixed frame-base or RSP/RBP offset (where a stale address pointed). */
  private frameSlots(fn: FunctionInfo): FrameSlot[] {
    const df = this.debugInfo?.functionAt(fn.address);
    if (!df) return [];
    const fb = df.frameBase;
    const out: FrameSlot[] = [];
    for (const v of [...df.locals, ...df.params]) {
      const loc = v.location, size = v.byteSize ?? 8;
      const slot = { name: v.name, typeName: v.typeName, size };
      if (loc.kind === 'fbreg' && fb.kind === 'cfa') out.push({ ...slot, base: 'cfa', offset: loc.offset });
      else if (loc.kind === 'fbreg' && fb.kind === 'breg' && (fb.reg === 6 || fb.reg === 7)) {
        out.push({ ...slot, base: fb.reg === 6 ? 'rbp' : 'rsp', offset: fb.offset + loc.offset });
      } else if (loc.kind === 'breg' && (loc.reg === 6 || loc.reg === 7)) out.push({ ...slot, base: loc.reg === 6 ? 'rbp' : 'rsp', offset: loc.offset });
    }
    return out;
  }

  /**
   * var=NAME or var=NAME[INDEX]: a local (or one element of a local array)
   * whose DWARF location is a frame-base or stack-pointer offset. The watch
   * covers the element (or the variable), up to 8 bytes.
   */
  private variableLocator(fn: FunctionInfo, spec: string): VariableLocator | string {
    const parts = /^([A-Za-z_]\w*)(?:\[(\d+)\])?$/.exec(spec);
    if (!parts) return `var=${spec}: expected NAME or NAME[INDEX]`;
    const [, name, indexText] = parts;
    const df = this.debugInfo?.functionAt(fn.address);
    if (!df) return `no debug info for ${fn.name} (compile with -g)`;
    const v = [...df.locals, ...df.params].find((x) => x.name === name);
    if (!v) return `${fn.name} has no local variable '${name}' (locals: ${df.locals.map((l) => l.name).join(', ') || 'none'})`;
    const size = v.byteSize ?? 8;
    let offset = 0, elementSize = size;
    if (indexText !== undefined) {
      const dims = /\[(\d+)\]$/.exec(v.typeName);
      if (!dims) return `var=${spec}: '${name}' is not an array (${v.typeName})`;
      const count = Number(dims[1]), index = Number(indexText);
      if (index >= count) return `var=${spec}: index ${index} is out of bounds for ${v.typeName}`;
      elementSize = size / count;
      offset = index * elementSize;
    }
    // A watch covers exactly what the user named, or is refused: watching the first 8 bytes
    // of a 256-byte buffer would let a write to buf[4] go unreported.
    if (![1, 2, 4, 8].includes(elementSize)) {
      const isArray = /\[(\d+)\]$/.test(v.typeName) && indexText === undefined;
      return `var=${spec}: ${indexText === undefined ? `'${name}'` : 'an element'} is ${elementSize} bytes (${v.typeName}); `
        + `a debug register watches 1, 2, 4 or 8 bytes: ${isArray ? `name an element, e.g. var=${name}[${Math.min(4, Number(/\[(\d+)\]$/.exec(v.typeName)![1]) - 1)}]` : 'use so= and wl= for a part of it'}`;
    }
    const length = elementSize;
    const loc = v.location;
    const fb = df.frameBase;
    if (loc.kind === 'fbreg' && fb.kind === 'cfa') {
      return (_m, _task, entrySp) => ({ address: entrySp + 8n + BigInt(loc.offset + offset), length });
    }
    if (loc.kind === 'fbreg' && fb.kind === 'breg') {
      const gpr = DWARF_TO_GPR[fb.reg];
      return (m) => ({ address: m.cpu.getReg(gpr) + BigInt(fb.offset) + BigInt(loc.offset + offset), length });
    }
    if (loc.kind === 'breg' && (loc.reg === 7 || loc.reg === 6)) {
      const gpr = DWARF_TO_GPR[loc.reg];
      return (m) => ({ address: m.cpu.getReg(gpr) + BigInt(loc.offset + offset), length });
    }
    return `${fn.name}: '${name}' has no fixed stack location (${loc.kind}); use so= and wl= instead`;
  }
}

/** DWARF x86-64 register numbers → our Gpr numbers. */
const DWARF_TO_GPR = [0, 2, 1, 3, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15];
