// The CPU: register state, the block cache, and the run loop. Generated
// blocks (compiler.ts) do the work; this file dispatches between them,
// turns traps into results, and exposes a BigInt-friendly API for owners
// (user-mode runner, kernel, debugger) off the hot path.

import { Memory, MemoryObserver, joinAddress, splitAddress, pageKey } from '../memory/memory';
import { BlockCompiler, Block, CodeHooks } from './compiler';
import { CpuFault, asCpuFault } from './faults';
import { FlagSlot, Gpr, PARITY_EVEN, RegSlot, XMM_COUNT } from './registers';
import { TrapBit } from './trap';
import { Q } from './helpers/wide';
import { mulLo64, mulS64, mulU64 } from './helpers/wide';
import { wasmDivS as divS64, wasmDivU as divU64 } from './helpers/wasm64';
import { bitScan, div1, doubleShift, idiv1, imul1, imulN, mul1, shift } from './helpers/arith';
import { addFlags, compareFlags } from './helpers/flags';
import { settleFlags } from './lazyFlags';
import { readRflags, writeRflags } from './rflags';
import { createStringOp } from './helpers/string';
import { breakpoint, cpuid, invalidOpcode } from './helpers/system';
import { createSseHelpers } from './helpers/sse';
import { createRareHelpers } from './helpers/rare';
import { createX87Helpers } from './helpers/x87';
import { WasmTier } from './wasm/tier';
import { XMM_SCRATCH } from './wasm/context';
import { DISPATCH_STRIDE, dispatchSlot } from './wasm/chain';
import { BreakType, DebugRegisters, DebugSlot, overlaps } from './debugRegisters';

/** An enabled write or read/write breakpoint (memory pages must route its accesses to the slow path). */
function isDataSlot(s: DebugSlot): boolean {
  return s.enabled && (s.type === BreakType.WRITE || s.type === BreakType.READ_WRITE);
}

/** Does the slot count in recountDebugSlots (execute breakpoints and read watches run one instruction at a time)? */
function setsRunMode(s: DebugSlot): boolean {
  return s.enabled && (s.type === BreakType.EXECUTE || s.type === BreakType.READ_WRITE);
}

/** What a #DB handler called inside run() did (Cpu.onDebugTrap). */
export const enum DebugTrapOutcome {
  /** Not handled: run() returns the 'debug' result and its owner handles it. */
  UNHANDLED = 0,
  /** Handled, nothing to stop for: run() goes on with its budget. */
  CONTINUE = 1,
  /** Handled, and it ends the run: run() returns 'stop' (trap bits the handler set stay for the next run). */
  STOP = 2,
}

export type RunResult =
  | { kind: 'budget' }
  | { kind: 'stop' }
  | { kind: 'halt' }
  | { kind: 'fault'; fault: CpuFault }
  | { kind: 'debug'; dr6: number };

/** Words of the wasm memory a CPU takes with KSW_WASM=1: regs, flags, trap, and the wasm tier's scratch (5). */
const WASM_AREA_WORDS = RegSlot.COUNT + FlagSlot.COUNT + 2 + 5;
const DISPATCH_SIZE = 1 << 14;
const DISPATCH_MASK = DISPATCH_SIZE - 1;
const STEP_TABLE_SIZE = 1 << 12;
const STEP_TABLE_MASK = STEP_TABLE_SIZE - 1;
/** Longest block; run() overshoots its budget by less than one block. */
export const MAX_BLOCK_INSNS = 64;
/**
 * Entries into a cold block before its address is compiled as a trace. Most
 * code at start-up (libc and kernel initialisation) runs once: compiling it
 * as plain basic blocks first generates about half the code a trace does,
 * and only code that runs again pays for a trace. In a warm run of a
 * program with some hot code (a block store holding HOT_AT_ONCE_TRACES
 * traces or more), an address the store has a trace of (an earlier run made
 * it hot) is hot from its first entry: the run takes that trace (its wasm)
 * at once, instead of compiling and running a basic block's JS first. (Only
 * where blocks end changes, never what runs, as with MANY_TRACES below.)
 */
const HOT_ENTRIES = 8;
/**
 * See HOT_ENTRIES: kmix stores ~190 traces, Lua ~930; a hello-world's 5 are
 * left as they were (its warm run took ~1 % more host instructions taking
 * them at once: a store that small runs its traces' JS until their module
 * is made, storedModules.ts WAIT_BELOW).
 */
export const HOT_AT_ONCE_TRACES = 64;
/**
 * A program that has made this many traces is a big one (an interpreter,
 * the start-up of a large binary): most of its code runs warm rather than
 * hot, and making a trace (its JS, then its wasm) costs 100 µs or more, the
 * price of hundreds of entries into its basic blocks. Past this many traces
 * an address turns hot only after HOT_ENTRIES_BIG entries. (Kernel-shaped
 * programs and tests make fewer: kmix 191. Only where blocks end changes,
 * never what runs: Cpu.run is exact at any block boundary.)
 */
export const MANY_TRACES = 256;
export const HOT_ENTRIES_BIG = 64;

export class Cpu implements MemoryObserver {
  // (KSW_WASM=1: regs, flags and trap lie in the wasm memory, where the wasm tier's code reads them by address)
  readonly regs: Int32Array;
  readonly flags: Int32Array;
  /** The XMM registers, four words each (KSW_WASM=1: in the wasm memory too, wasm/ops/sse.ts). */
  readonly xmm: Int32Array;
  readonly trap: Int32Array;
  debug = new DebugRegisters();
  /** Instructions retired so far. */
  insnCount = 0;
  /** Which CPU this is (rdtscp, smp_processor_id); the kernel sets it. */
  cpuNumber = 0;
  /** MXCSR (KSW_WASM=1: a word in the wasm memory past the XMM registers, where the wasm tier's SSE arithmetic reads it). */
  get mxcsr(): number { return this.mxcsrWord[0]; }
  set mxcsr(v: number) { this.mxcsrWord[0] = v; }
  private readonly mxcsrWord: Int32Array;
  /**
   * Address of the instruction whose store raised the last data-breakpoint
   * trap (RIP is already past it, as on x86). Kept so reports can name the
   * store itself.
   */
  trapInsnLo = 0;
  trapInsnHi = 0;
  get trapInsn(): bigint { return joinAddress(this.trapInsnLo, this.trapInsnHi); }
  /**
   * DR0–DR3 slots (bits) whose write hits the kernel has said its #DB
   * handler would drop at this point of the run (the fprobe exit
   * trampoline's stores, for KStackWatch): such a hit raises no #DB and
   * leaves DR6 as that handler would (B0–B3 clear). A hit on any other slot
   * traps as usual, with every slot's bit.
   */
  get quietWrites(): number { return this.quiet; }
  // (both setters test for a change before muteDropped: most sets change nothing muted — the
  // trampoline's end and a waiting disarm set bits the other already mutes, on every watched call)
  set quietWrites(bits: number) { this.quiet = bits; if ((((bits | this.disarmed) & this.writeSlots) ^ this.muted) !== 0) this.muteDropped(); }
  /**
   * The same for slots whose breakpoint is disarmed but still points where
   * it watched: a disarm the kernel carries out later (KStackWatch's, at the
   * end of the quantum), whose handler drops every hit meanwhile. Kept apart
   * from quietWrites: each has its own owner, who clears only its own.
   */
  get disarmedWrites(): number { return this.disarmed; }
  set disarmedWrites(bits: number) { this.disarmed = bits; if ((((this.quiet | bits) & this.writeSlots) ^ this.muted) !== 0) this.muteDropped(); }
  private quiet = 0;
  private disarmed = 0;
  /** Enabled write-only data slots (bits), as decoded: the ones a dropped hit may mute. */
  private writeSlots = 0;
  /**
   * Dropped write slots (bits) whose page's TLB entry was told to let stores
   * through (Memory.quietWatch): KStackWatch drops two stores into its
   * canary on every watched call (the exit trampoline's and the next call's
   * prologue's), and each took the slow path only to be dropped there.
   * A muted store leaves DR6 alone: where the kernel drops hits, the #DB
   * handler has cleared B0–B3 after every hit before.
   */
  private muted = 0;

  onSyscall: ((cpu: Cpu) => void) | null = null;
  /**
   * Called after every call instruction (return address given); null costs one compare.
   * onCall and onRet may read RIP and RSP only and must change no register:
   * compiled code keeps the other registers in JS locals across them
   * (registerLocals.ts); use a probe for anything that needs more.
   */
  onCall: ((retLo: number, retHi: number) => void) | null = null;
  onRet: (() => void) | null = null;
  /** Host functions (kernel exports) by index; see CodeHooks.hostFunctionAt. */
  hostFunctions: ((cpu: Cpu) => void)[] = [];
  /** Probe handlers by id; `post` is false before the probed instruction, true after. */
  onProbe: ((id: number, post: boolean) => void) | null = null;
  /**
   * A data-breakpoint #DB that traps inside run() with budget left, offered
   * before run() returns it: the kernel's hw_breakpoint handlers are host
   * code, and most hits are filtered at once (KStackWatch's exit trampoline
   * stores into the frame it watches on every return), so handling them
   * here spares leaving and re-entering the run loop for each. Null: run()
   * returns every #DB.
   */
  onDebugTrap: ((dr6: number) => DebugTrapOutcome) | null = null;
  /** Simulated cycle counter for rdtsc. */
  clock: () => number = () => this.insnCount;

  private readonly compiler: BlockCompiler;
  /**
   * The dispatch table's words, DISPATCH_STRIDE per entry (one cache line
   * holds whole entries): RIP low and high halves, and the wasm tier's chain
   * word (its table slot and length; -1: not a wasm block). KSW_WASM=1: in
   * the wasm memory, where a wasm block's exit looks its successor up
   * (wasm/chain.ts).
   */
  private readonly dispatch: Int32Array;
  private readonly dispatchBlock: (Block | undefined)[] = new Array(DISPATCH_SIZE).fill(undefined);
  private readonly blocksByPage = new Map<number, Block[]>();
  private readonly blocksByAddress = new Map<number, Map<number, Block>>();
  /** Basic blocks of code not yet hot, and how often each was entered; never in the dispatch table. */
  private readonly coldBlocks = new Map<number, Map<number, Block>>();
  private readonly coldEntries = new Map<Block, number>();
  /** Addresses turned hot so far (compiled as traces, or found so in the block store): see MANY_TRACES. */
  tracesMade = 0;
  private readonly stepBlocks = new Map<number, Map<number, Block>>();
  /**
   * step()'s own dispatch table (one-instruction blocks), direct-mapped like
   * the main one: nearly every short kernel quantum ends with a few steps
   * (run() steps the instructions left when the budget ends inside a
   * block), and looking each up in stepBlocks by page — a kernel page key
   * is a double, boxed for every Map lookup — cost more than running it.
   */
  private readonly stepLo = new Int32Array(STEP_TABLE_SIZE);
  private readonly stepHi = new Int32Array(STEP_TABLE_SIZE);
  private readonly stepBlock: (Block | undefined)[] = new Array(STEP_TABLE_SIZE).fill(undefined);
  /**
   * Blocks entered since startCoverage() (time travel's stretch summaries),
   * or null. Only lookups add to it — the dispatch table is emptied when it
   * starts, so every block entered looks itself up at least once — never the
   * hot loop.
   */
  private covered: Set<Block> | null = null;
  private pendingFault: CpuFault | null = null;
  /** DR0–DR3 as decoded at the last applyDebugRegisters (the slow store path reads this). */
  private decodedSlots: DebugSlot[] = new DebugRegisters().slots();
  /** Enabled execute breakpoints in DR0–DR3. */
  private execCount = 0;
  /** Execute breakpoints or read watches armed: run one instruction at a time. */
  private slowMode = false;
  /** RF: skip the execute breakpoint at the current RIP once (after reporting it). */
  resumeFlag = false;

  private readonly helpers: { x87Fxsave(store: number, lo: number, hi: number): void };
  /** The wasm tier (KSW_WASM=1), or null. */
  readonly wasmTier: WasmTier | null = null;

  constructor(readonly mem: Memory) {
    mem.observer = this;
    const area = mem.wasm?.int32(WASM_AREA_WORDS) ?? null;
    this.regs = area?.subarray(0, RegSlot.COUNT) ?? new Int32Array(RegSlot.COUNT);
    this.flags = area?.subarray(RegSlot.COUNT, RegSlot.COUNT + FlagSlot.COUNT) ?? new Int32Array(FlagSlot.COUNT);
    this.trap = area?.subarray(RegSlot.COUNT + FlagSlot.COUNT, RegSlot.COUNT + FlagSlot.COUNT + 2) ?? new Int32Array(2);
    /** The wasm tier's word for the high half of a 64-bit load its code asked the memory's accessor for. */
    const wasmScratch = area?.subarray(RegSlot.COUNT + FlagSlot.COUNT + 2) ?? null;
    // (XMM_SCRATCH: a 16-byte slot past the registers where the wasm tier assembles a memory operand; then MXCSR)
    const xmmWords = 4 * (XMM_COUNT + XMM_SCRATCH);
    const xmmArea = area === null ? null : mem.wasm!.int32(xmmWords + 1);
    this.xmm = xmmArea?.subarray(0, 4 * XMM_COUNT) ?? new Int32Array(4 * XMM_COUNT);
    this.mxcsrWord = xmmArea?.subarray(xmmWords, xmmWords + 1) ?? new Int32Array(1);
    this.mxcsr = 0x1f80;
    const dispatch = xmmArea === null ? null : mem.wasm!.int32(DISPATCH_STRIDE * DISPATCH_SIZE);
    this.dispatch = dispatch ?? new Int32Array(DISPATCH_STRIDE * DISPATCH_SIZE);
    this.dispatch.fill(-1);
    this.stepLo.fill(-1);
    const R = this.regs, F = this.flags;
    const helpers = {
      mulU64, mulS64, mulLo64, divU64, divS64, mul1, imul1, imulN, div1, idiv1, shift, doubleShift, bitScan, compareFlags, addFlags, settleFlags,
      ...createStringOp(mem, R, F, this.trap),
      cpuid, breakpoint, invalidOpcode,
      ...createSseHelpers(this),
      ...createRareHelpers(mem, R, F),
      ...createX87Helpers(this),
    };
    this.helpers = helpers;
    this.compiler = new BlockCompiler(mem, {
      R, F, X: this.xmm, S: mem.scratch, Q, T: this.trap, P: PARITY_EVEN, H: helpers, C: this,
    });
    if (wasmScratch !== null && dispatch !== null && !mem.recordsAccesses) {
      const chain = { dispatch: this.dispatch.byteOffset, mask: DISPATCH_MASK };
      this.compiler.wasmTier = this.wasmTier = new WasmTier(mem, R, F, this.trap, wasmScratch, this.xmm, this, chain, helpers);
    }
    this.flags[FlagSlot.PF] = 1; // parity of 1 is odd → PF reads 0
  }

  /** Save or restore the x87/SSE state in fxsave format at a guest address (signal frames). */
  fxsave(addr: bigint): void { this.helpers.x87Fxsave(1, ...splitAddress(addr)); }
  fxrstor(addr: bigint): void { this.helpers.x87Fxsave(0, ...splitAddress(addr)); }

  // ---- register API (BigInt; not for the hot path) -----------------------

  getReg(r: Gpr): bigint { return joinAddress(this.regs[2 * r], this.regs[2 * r + 1]); }
  setReg(r: Gpr, v: bigint): void { [this.regs[2 * r], this.regs[2 * r + 1]] = splitAddress(v); }
  get rip(): bigint { return joinAddress(this.regs[RegSlot.RIP], this.regs[RegSlot.RIP + 1]); }
  set rip(v: bigint) { [this.regs[RegSlot.RIP], this.regs[RegSlot.RIP + 1]] = splitAddress(v); }
  get fsBase(): bigint { return joinAddress(this.regs[RegSlot.FS_BASE], this.regs[RegSlot.FS_BASE + 1]); }
  set fsBase(v: bigint) { [this.regs[RegSlot.FS_BASE], this.regs[RegSlot.FS_BASE + 1]] = splitAddress(v); }
  get gsBase(): bigint { return joinAddress(this.regs[RegSlot.GS_BASE], this.regs[RegSlot.GS_BASE + 1]); }
  set gsBase(v: bigint) { [this.regs[RegSlot.GS_BASE], this.regs[RegSlot.GS_BASE + 1]] = splitAddress(v); }

  getRflags(): number { return readRflags(this.flags); }

  setRflags(v: number): void { writeRflags(this.flags, v); }


  // ---- running -------------------------------------------------------------

  /** Ask run() to return at the next instruction boundary it checks. */
  requestStop(): void {
    this.trap[0] |= TrapBit.STOP;
  }

  /**
   * Run `maxInsns` instructions, exactly (fewer if something traps). Exact,
   * so that where a scheduling quantum ends does not depend on how the code
   * was cut into blocks — that depends on which addresses were entered
   * before (a debugger's halt or step enters mid-block), and a quantum of a
   * few instructions would otherwise end at a different instruction.
   */
  run(maxInsns: number): RunResult {
    const T = this.trap, R = this.regs;
    const d = this.dispatch, dBlock = this.dispatchBlock;
    const end = this.insnCount + maxInsns;
    T[0] &= ~TrapBit.STOP;
    /** The budget ends inside the next block: the rest runs an instruction at a time. */
    let tail = false;
    while (this.insnCount < end) {
      if (this.slowMode || tail) {
        const hit = this.slowMode ? this.checkExecBreakpoint() : null;
        if (hit) return hit;
        const r = this.step(end);
        if (r) return r;
        continue;
      }
      // Hot loop: the retired-instruction count lives in a local until something traps.
      let count = this.insnCount;
      while (count < end) {
        const lo = R[RegSlot.RIP], hi = R[RegSlot.RIP + 1];
        const slot = dispatchSlot(lo, DISPATCH_MASK), at = slot * DISPATCH_STRIDE;
        let block = dBlock[slot];
        if (d[at] !== lo || d[at + 1] !== hi || block === undefined) {
          this.insnCount = count;
          try {
            block = this.lookup(lo, hi);
          } catch (e) {
            return this.faultResult(e, lo, hi);
          }
          // a cold block stays out of the table, so each entry is counted in lookup()
          if (!this.coldEntries.has(block)) {
            d[at] = lo; d[at + 1] = hi; dBlock[slot] = block;
            d[at + 2] = this.wasmTier?.chainWordOf(block) ?? -1;
          }
        }
        const left = end - count;
        if (block.length > left) { tail = true; break; }
        T[1] = left > 0x7fffffff ? 0x7fffffff : left;
        count += block.run();
        this.insnCount = count; // rdtsc and syscalls read the clock
        if (T[0] !== 0) break;
      }
      this.insnCount = count;
      if (T[0] !== 0) {
        const r = this.handleTrap(end);
        if (r) return r;
      }
    }
    return { kind: 'budget' };
  }

  /**
   * Execute exactly one instruction. Returns a result if it stopped on
   * something. `end`: run()'s instruction count to stop at (a #DB before it
   * may be handled in place, see onDebugTrap).
   */
  step(end = -1): RunResult | null {
    const R = this.regs;
    const lo = R[RegSlot.RIP], hi = R[RegSlot.RIP + 1];
    const slot = dispatchSlot(lo, STEP_TABLE_MASK);
    let block = this.stepBlock[slot];
    if (this.stepLo[slot] !== lo || this.stepHi[slot] !== hi || block === undefined) {
      try {
        block = this.lookupIn(this.stepBlocks, lo, hi, 1);
      } catch (e) {
        return this.faultResult(e, lo, hi);
      }
      this.stepLo[slot] = lo; this.stepHi[slot] = hi; this.stepBlock[slot] = block;
    }
    this.covered?.add(block);
    this.resumeFlag = false;
    this.trap[1] = 1;
    const start = this.insnCount; // generated code moves it while it calls out (Emitter.exact)
    this.insnCount = start + block.run();
    return this.trap[0] !== 0 ? this.handleTrap(end) : null;
  }

  private checkExecBreakpoint(): RunResult | null {
    if (this.resumeFlag) return null;
    const lo = this.regs[RegSlot.RIP], hi = this.regs[RegSlot.RIP + 1];
    let dr6 = 0;
    this.debug.slots().forEach((s, i) => {
      if (s.enabled && s.type === BreakType.EXECUTE && s.lo === lo && s.hi === hi) dr6 |= 1 << i;
    });
    if (dr6 === 0) return null;
    this.debug.dr6 = (this.debug.dr6 & ~0xf) | dr6;
    this.resumeFlag = true;
    return { kind: 'debug', dr6 };
  }

  /** The trap bits after a block: a result for run()'s owner, or null to go on. `end` as for step(). */
  private handleTrap(end: number): RunResult | null {
    const T = this.trap;
    const bits = T[0];
    T[0] = 0;
    // A #DB alone, with budget left: its handler may run here (onDebugTrap).
    if (bits === TrapBit.DEBUG && this.insnCount < end && this.onDebugTrap !== null) {
      const outcome = this.onDebugTrap(this.debug.dr6);
      if (outcome === DebugTrapOutcome.CONTINUE) return null;
      if (outcome === DebugTrapOutcome.STOP) return { kind: 'stop' };
    }
    if (bits & TrapBit.FAULT) {
      const fault = this.pendingFault!;
      this.pendingFault = null;
      return { kind: 'fault', fault };
    }
    if (bits & TrapBit.DEBUG) {
      if (bits & TrapBit.STOP) T[0] |= TrapBit.STOP;
      return { kind: 'debug', dr6: this.debug.dr6 };
    }
    if (bits & TrapBit.HALT) return { kind: 'halt' };
    if (bits & TrapBit.STOP) return { kind: 'stop' };
    return null; // CODE_WRITE / RECHECK: nothing to report; the loop re-reads its mode
  }

  private faultResult(thrown: unknown, lo: number, hi: number): RunResult {
    const e = asCpuFault(thrown);
    if (e instanceof CpuFault) {
      e.rip = joinAddress(lo, hi);
      return { kind: 'fault', fault: e };
    }
    throw e;
  }

  /** Called by generated code when an instruction throws. */
  blockFault(thrown: unknown, lo: number, hi: number): void {
    const err = asCpuFault(thrown);
    if (!(err instanceof CpuFault)) throw err;
    err.rip = joinAddress(lo, hi);
    this.regs[RegSlot.RIP] = lo;
    this.regs[RegSlot.RIP + 1] = hi;
    this.pendingFault = err;
    this.trap[0] |= TrapBit.FAULT;
  }

  /** Set the kernel's code hooks (host functions, probes); drops compiled code. */
  setCodeHooks(hooks: CodeHooks | null): void {
    this.compiler.hooks = hooks;
    this.flushCode();
  }

  /** Called by a host function's block. */
  hostCall(index: number): void {
    this.hostFunctions[index](this);
  }

  /** Called by a probed instruction's block. */
  probeHit(id: number, post: boolean): void {
    if (this.onProbe) this.onProbe(id, post);
  }

  /** Called by generated code for `syscall` (RIP already past it). */
  syscall(): void {
    if (this.onSyscall) this.onSyscall(this);
    else {
      this.regs[0] = -38; this.regs[1] = -1; // -ENOSYS
    }
  }

  // ---- block cache -----------------------------------------------------------

  /** The block to run at an address (and a block entered, for the coverage). */
  private lookup(lo: number, hi: number): Block {
    const block = this.findBlock(lo, hi);
    this.covered?.add(block);
    return block;
  }

  /** The block to run at an address: a trace once the address is hot, a cold basic block before. */
  private findBlock(lo: number, hi: number): Block {
    const key = pageKey(lo, hi);
    const hot = this.blocksByAddress.get(key)?.get(lo);
    if (hot) return hot;
    const known = this.coldBlocks.get(key)?.get(lo);
    // (an address a run before this one made a trace of is hot from its first entry: see HOT_ENTRIES)
    if (known === undefined && this.compiler.storesTrace(lo, hi, MAX_BLOCK_INSNS, HOT_AT_ONCE_TRACES)) {
      this.tracesMade++;
      return this.lookupIn(this.blocksByAddress, lo, hi, MAX_BLOCK_INSNS, true);
    }
    const cold = known ?? this.lookupIn(this.coldBlocks, lo, hi, MAX_BLOCK_INSNS, false);
    const entries = (this.coldEntries.get(cold) ?? 0) + 1;
    if (entries < (this.tracesMade < MANY_TRACES ? HOT_ENTRIES : HOT_ENTRIES_BIG)) {
      this.coldEntries.set(cold, entries);
      return cold;
    }
    this.tracesMade++;
    this.coldEntries.delete(cold);
    this.coldBlocks.get(key)!.delete(lo);
    return this.lookupIn(this.blocksByAddress, lo, hi, MAX_BLOCK_INSNS, true);
  }

  private lookupIn(cache: Map<number, Map<number, Block>>, lo: number, hi: number, maxInsns: number, trace = true): Block {
    const key = pageKey(lo, hi);
    let onPage = cache.get(key);
    let block = onPage?.get(lo);
    if (block) return block;
    block = this.compiler.compile(lo, hi, maxInsns, trace);
    if (!onPage) cache.set(key, onPage = new Map());
    onPage.set(lo, block);
    for (const p of block.pages) {
      let list = this.blocksByPage.get(p);
      if (!list) this.blocksByPage.set(p, list = []);
      list.push(block);
      this.mem.addCodeBlock(p);
    }
    return block;
  }

  /**
   * Record from now on which blocks are entered (a superset of the code
   * that runs: a block counts as a whole). Between runs only.
   */
  startCoverage(): void {
    this.covered = new Set();
    this.clearDispatch();
  }

  /** The blocks entered since startCoverage() (none when it was not called). */
  coverage(): Iterable<Block> {
    return this.covered ?? [];
  }

  /** Drop every compiled block (e.g. after loading new code or changing breakpoints). */
  flushCode(): void {
    for (const key of this.blocksByPage.keys()) this.mem.clearCodeBlocks(key);
    this.blocksByPage.clear();
    this.blocksByAddress.clear();
    this.coldBlocks.clear();
    this.coldEntries.clear();
    this.stepBlocks.clear();
    this.clearDispatch();
    this.wasmTier?.droppedAll();
    this.stepLo.fill(-1);
    this.stepBlock.fill(undefined);
  }

  /** WasmTierCpu: a wasm block got its chain table slot after its batch compiled; its dispatch entry, if any, learns it. */
  wasmBlockReady(block: Block): void {
    const slot = dispatchSlot(block.ipLo, DISPATCH_MASK);
    if (this.dispatchBlock[slot] === block) this.dispatch[slot * DISPATCH_STRIDE + 2] = this.wasmTier!.chainWordOf(block);
  }

  private clearDispatch(): void {
    this.dispatch.fill(-1);
    this.dispatchBlock.fill(undefined);
  }

  /** MemoryObserver: a write hit a page with compiled code. */
  codeWritten(key: number): void {
    const blocks = this.blocksByPage.get(key);
    if (!blocks) return;
    this.blocksByPage.delete(key);
    this.mem.clearCodeBlocks(key);
    for (const b of blocks) {
      this.blocksByAddress.get(pageKey(b.ipLo, b.ipHi))?.delete(b.ipLo);
      this.coldBlocks.get(pageKey(b.ipLo, b.ipHi))?.delete(b.ipLo);
      this.coldEntries.delete(b);
      this.stepBlocks.get(pageKey(b.ipLo, b.ipHi))?.delete(b.ipLo);
      const slot = dispatchSlot(b.ipLo, DISPATCH_MASK);
      if (this.dispatchBlock[slot] === b) { this.dispatchBlock[slot] = undefined; this.dispatch.fill(-1, slot * DISPATCH_STRIDE, (slot + 1) * DISPATCH_STRIDE); }
      this.wasmTier?.dropped(b);
      const stepSlot = dispatchSlot(b.ipLo, STEP_TABLE_MASK);
      if (this.stepBlock[stepSlot] === b) { this.stepBlock[stepSlot] = undefined; this.stepLo[stepSlot] = -1; }
    }
    this.trap[0] |= TrapBit.CODE_WRITE;
  }

  // ---- debug registers -------------------------------------------------------

  /** Re-read DR0–DR3/DR7 after they changed: route watched pages through the slow path. */
  applyDebugRegisters(): void {
    let changed = false;
    for (let i = 0; i < 4; i++) if (this.redecodeSlot(i)) changed = true;
    if (changed) this.recountDebugSlots();
  }

  /**
   * Re-read one of DR0–DR3 (with its DR7 bits) after only it changed: a
   * KStackWatch arm or disarm re-points one slot, on every watched call.
   */
  applyDebugSlot(i: number): void {
    const before = this.decodedSlots[i];
    // only execute and read/write slots change the run mode: a write watch
    // parked and re-armed (KStackWatch) needs no recount
    if (this.redecodeSlot(i) && (setsRunMode(before) || setsRunMode(this.decodedSlots[i]))) this.recountDebugSlots();
  }

  /**
   * slot() returns the same object for an unchanged register: re-arming one
   * watch touches only its own slot's pages. No allocation here.
   */
  private redecodeSlot(i: number): boolean {
    const decoded = this.decodedSlots;
    const before = decoded[i], after = this.debug.slot(i);
    if (before === after) return false;
    if (isDataSlot(before)) this.mem.adjustWatch(before.lo, before.hi, before.length, true, before.type === BreakType.READ_WRITE, -1);
    if (isDataSlot(after)) this.mem.adjustWatch(after.lo, after.hi, after.length, true, after.type === BreakType.READ_WRITE, +1);
    decoded[i] = after;
    // adjustWatch rewrote the old page's entry from its ranges: nothing of this slot is muted now
    const bit = 1 << i;
    this.muted &= ~bit;
    this.writeSlots = after.enabled && after.type === BreakType.WRITE ? this.writeSlots | bit : this.writeSlots & ~bit;
    this.muteDropped();
    return true;
  }

  /**
   * Mute the write slots whose hits are dropped, unmute those no longer
   * dropped (see muted). Only an optimisation: a store into a dropped slot's
   * range that still reaches watchedAccess is dropped there.
   */
  private muteDropped(): void {
    const want = (this.quiet | this.disarmed) & this.writeSlots;
    let change = want ^ this.muted;
    if (change === 0) return;
    this.muted = want;
    // the changed slots, lowest first (usually one: KStackWatch's, often DR3 — found, not counted up to)
    do {
      const i = 31 - Math.clz32(change & -change);
      change &= change - 1;
      const s = this.decodedSlots[i];
      this.mem.quietWatch(s.lo, s.hi, s.length, ((want >>> i) & 1) !== 0);
    } while (change !== 0);
  }

  private recountDebugSlots(): void {
    const decoded = this.decodedSlots;
    let exec = 0, readWrite = 0;
    for (let i = 0; i < 4; i++) {
      const d = decoded[i];
      if (!d.enabled) continue;
      if (d.type === BreakType.EXECUTE) exec++;
      else if (d.type === BreakType.READ_WRITE) readWrite++;
    }
    if ((this.execCount > 0) !== (exec > 0)) this.resumeFlag = false;
    this.execCount = exec;
    const slow = exec > 0 || readWrite > 0;
    if (slow !== this.slowMode) {
      this.slowMode = slow;
      this.trap[0] |= TrapBit.RECHECK;
    }
  }

  /** MemoryObserver: an access touched a page with an armed data breakpoint. */
  watchedAccess(lo: number, hi: number, size: number, write: boolean): void {
    const slots = this.decodedSlots;
    let hit = 0;
    for (let i = 0; i < 4; i++) {
      const s = slots[i];
      if (!s.enabled || s.type === BreakType.EXECUTE || s.type === BreakType.IO) continue;
      if (!write && s.type !== BreakType.READ_WRITE) continue;
      if (overlaps(s, lo, hi, size)) hit |= 1 << i;
    }
    if (hit) {
      if (write && (hit & ~(this.quietWrites | this.disarmedWrites)) === 0) { this.debug.dr6 &= ~0xf; return; }
      this.debug.dr6 = (this.debug.dr6 & ~0xf) | hit;
      this.trap[0] |= TrapBit.DEBUG;
    }
  }
}
