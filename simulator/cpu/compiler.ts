// Block compiler: decodes a run of instructions starting at an address (up
// to a branch, a system instruction or a length limit), emits JavaScript for
// them (emit/*), and turns that into one function with `new Function`. V8
// then optimises each hot block like hand-written code. Decoding happens
// once per block, never on the hot path.

import { FlowControl, Mnemonic } from 'iced-x86';
import { FlagBit, Insn, InsnDecoder, isInvalid, OpKind, UnsupportedOperand } from './decode';
import { Emitter } from './emit/context';
import { emitterFor } from './emit/index';
import { conditionExpr } from './emit/conditions';
import { fusionAt, fusedCondition } from './emit/fusion';
import { pop64, push64 } from './emit/stack';
import type { Memory } from '../memory/memory';
import { pageKey, Perm, PAGE_SIZE, joinAddress, type PageEntry } from '../memory/memory';
import { PageFault } from './faults';
import { HOST_CALL_START, RegisterLocals } from './registerLocals';
import { TrapBit } from './trap';
import { DeferredFlags, flagsReadFirst, flagsSeenBy, liveness, mayFault, writesFlagsSometimes } from './flagLiveness';
import { DROP_PENDING_CODE, onlyAssignsFlags, SETTLE_CODE, touchesFlags } from './lazyFlags';
import type { WasmTier } from './wasm/tier';
import { BlockCode, blockKey, blockStore, BlockStore, CompileReads, ENV_NAMES, HookQuestion, StoredBlock } from './blockStore';
import { LOOP_HEAD, StoredJsBlock } from './storedJsBlock';
import { IndirectGuess, indirectGuessStats } from './indirectTarget';

export interface Block {
  readonly run: () => number;
  readonly ipLo: number;
  readonly ipHi: number;
  /** Page keys the block's bytes lie on (a write to any invalidates it). */
  readonly pages: number[];
  readonly length: number;
  readonly insns: Insn[];
  /** The block goes round a loop back to its start (its JS is a `for(;;)`): what the wasm tier looks at. */
  readonly loops?: boolean;
}

/** Everything generated code refers to by name. */
export interface CodeEnvironment {
  R: Int32Array; F: Int32Array; X: Int32Array; S: Int32Array; Q: Int32Array; T: Int32Array;
  P: Uint8Array; H: object; C: object;
}

const MAX_INSN_LENGTH = 15;

/**
 * KSW_DUMP_BLOCKS=1 (a debugging aid, README "Benchmarks"): every compiled
 * block's body goes to stderr as `block N hi:lo`, and the block function is
 * named ksw-block-N (sourceURL), so a `node --cpu-prof` profile's line ticks
 * map onto the dumped lines.
 */
const DUMP_BLOCKS = typeof process !== 'undefined' && process.env.KSW_DUMP_BLOCKS !== undefined && process.env.KSW_DUMP_BLOCKS !== '';
let dumped = 0;

/**
 * What the owner of the CPU (the kernel) tells the compiler about special
 * addresses. Both are consulted only while compiling, never on the hot path.
 */
export interface CodeHooks {
  /** Index of a host-implemented function whose entry is at this address, or -1. */
  hostFunctionAt(lo: number, hi: number): number;
  /**
   * If an armed probe's int3 sits at this address: its id and the bytes of
   * the instruction it replaced. The block then calls the probe's handlers
   * around that original instruction, which runs at its own address — the
   * effect of the kernel's single-step out of line, without the fixups.
   */
  probeAt(lo: number, hi: number): { id: number; original: Uint8Array } | null;
}

export class BlockCompiler {
  /** Compilers that started their decoder, in this process (tests: a run served by the block cache starts none). */
  static decodersStarted = 0;
  /** Made on the first decode: a run whose blocks all come from the store never starts iced-x86's wasm. */
  private insnDecoder: InsnDecoder | null = null;
  /** What the compile under way read (see blockStore.ts), while one for the store runs. */
  private reads: { fetches: number[]; bytes: number[]; asked: number[] } | null = null;
  /** The body and IPS of the block the compile under way made, for the store. */
  private made: { body: string; ips: number[] } | null = null;
  /** The stored code of the block the compile under way made or took from the store (its wasm translations go with it). */
  private code: BlockCode | null = null;
  /** A hook answered during the compile under way (a host function or probe): the block is not stored. */
  private hookAnswered = false;
  /**
   * Decoded instructions by address. A block's successors are decoded for
   * flag liveness and then again when they are compiled; the cache serves
   * the second decode. An entry is used only if the bytes still match.
   */
  private readonly decoded = new Map<number, Insn>();
  private readonly envNames: string[];
  private readonly envValues: unknown[];
  /** The registers, for guessing indirect targets (indirectTarget.ts) while a trace is compiled. */
  private readonly regs: Int32Array;

  hooks: CodeHooks | null = null;
  /** KSW_WASM=1: swaps the run of hot self-looping integer blocks for WebAssembly (wasm/tier.ts). */
  wasmTier: WasmTier | null = null;
  /** The block compile() is making is a probed instruction's or a host function's (its JS calls the hook). */
  private hooked = false;

  constructor(private readonly mem: Memory, env: CodeEnvironment) {
    const m = mem;
    const tlb = m.readTlb;
    this.regs = env.R;
    this.envNames = [...ENV_NAMES];
    this.envValues = [env.R, env.F, env.X, env.S, env.Q, env.T, env.P, env.H, env.C,
      m.ld8, m.ld16, m.ld32, m.ld64, m.st8, m.st16, m.st32, m.st64, tlb.tagA, tlb.tagB, tlb.base, m.dv];
  }

  /** Fetch up to 15 instruction bytes at an address, checking execute permission (recorded for the store). */
  private fetch(lo: number, hi: number): Uint8Array {
    const reads = this.reads;
    if (reads === null) return this.fetchBytes(lo, hi);
    let bytes: Uint8Array;
    try {
      bytes = this.fetchBytes(lo, hi);
    } catch (e) {
      reads.fetches.push(lo, hi, -1);
      throw e;
    }
    reads.fetches.push(lo, hi, bytes.length);
    for (let i = 0; i < bytes.length; i++) reads.bytes.push(bytes[i]);
    return bytes;
  }

  private fetchBytes(lo: number, hi: number): Uint8Array {
    const page = this.mem.pageAt(lo, hi);
    if (!page) throw new PageFault(joinAddress(lo, hi), 'execute', false);
    if (!(page.perm & Perm.X)) throw new PageFault(joinAddress(lo, hi), 'execute', true);
    const offset = lo & (PAGE_SIZE - 1);
    const inPage = fetchInPage(lo);
    const bytes = new Uint8Array(MAX_INSN_LENGTH);
    bytes.set(this.mem.u8.subarray(page.frame + offset, page.frame + offset + inPage));
    if (inPage < MAX_INSN_LENGTH) {
      const next = this.nextFetchPage(lo, hi, inPage);
      if (next === undefined) return bytes.subarray(0, inPage);
      bytes.set(this.mem.u8.subarray(next.frame, next.frame + MAX_INSN_LENGTH - inPage), inPage);
    }
    return bytes;
  }

  /** The executable page a fetch at (lo, hi) runs on into, `inPage` bytes on (undefined: none, the fetch stops at its page's end). */
  private nextFetchPage(lo: number, hi: number, inPage: number): PageEntry | undefined {
    const next = this.mem.pageAt((lo + inPage) | 0, (hi + ((lo >>> 0) + inPage > 0xffffffff ? 1 : 0)) | 0);
    return next && (next.perm & Perm.X) ? next : undefined;
  }

  /**
   * Where the trace goes after this instruction, or null to end the block.
   * A trace follows the fall-through of conditional branches (the taken
   * side becomes a side exit), direct jumps and direct calls, and indirect
   * ones to a guessed target — so a block is a superblock and the
   * dispatcher runs far less often on branchy code.
   */
  private traceSuccessor(d: Insn, insns: readonly Insn[], maxInsns: number, trace: boolean, returns: number[]): [number, number] | null {
    if (maxInsns <= 1 || !trace) return endsBlock(d) ? null : [d.nextLo, d.nextHi];
    switch (d.flowControl) {
      case FlowControl.Next:
        return endsBlock(d) ? null : [d.nextLo, d.nextHi];
      case FlowControl.ConditionalBranch:
        return isRcxBranch(d) ? null : [d.nextLo, d.nextHi];
      case FlowControl.UnconditionalBranch:
        return d.mnemonic === Mnemonic.Jmp && d.ops.length === 0 && !this.isHost(d.targetLo, d.targetHi) ? [d.targetLo, d.targetHi] : null;
      case FlowControl.Call:
        if (d.mnemonic !== Mnemonic.Call || d.ops.length !== 0 || this.isHost(d.targetLo, d.targetHi)) return null;
        returns.push(d.nextLo, d.nextHi);
        return [d.targetLo, d.targetHi];
      case FlowControl.IndirectCall:
      case FlowControl.IndirectBranch: {
        // A guessed target (indirectTarget.ts): the trace goes on there behind a guard that leaves for
        // the real target when it differs. A call pushes its return address, predicted as a direct call's.
        if (d.mnemonic !== (d.flowControl === FlowControl.IndirectCall ? Mnemonic.Call : Mnemonic.Jmp)) return null;
        // (not onto a writable page: code there may be rewritten — JIT'd code, smc.c — and a write would
        // drop every trace that guessed its way in, not just the target's own blocks)
        const to = IndirectGuess.target(insns, d, this.regs, this.mem);
        const page = to === null ? undefined : this.mem.pageAt(to[0], to[1]);
        if (to === null || page === undefined || (page.perm & Perm.W) !== 0 || this.isHost(to[0], to[1])) return null;
        if (d.flowControl === FlowControl.IndirectCall) returns.push(d.nextLo, d.nextHi);
        indirectGuessStats.traced++;
        return to;
      }
      case FlowControl.Return: {
        // Return-address prediction: a `ret` of a function entered by a call
        // earlier in this trace most likely returns to that call's next
        // instruction. The trace goes on there; the block checks the popped
        // address and leaves through a side exit when the guess was wrong.
        if (d.mnemonic !== Mnemonic.Ret || returns.length === 0 || this.isHost(returns[returns.length - 2], returns[returns.length - 1])) return null;
        const hi = returns.pop()!, lo = returns.pop()!;
        return [lo, hi];
      }
      default:
        return null;
    }
  }

  private decode(bytes: Uint8Array, lo: number, hi: number): Insn | { invalid: string } {
    const cached = this.decoded.get(lo);
    if (cached && cached.ipHi === hi && sameBytes(cached.bytes, bytes)) return cached;
    if (this.insnDecoder === null) {
      this.insnDecoder = new InsnDecoder();
      BlockCompiler.decodersStarted++;
    }
    const d = this.insnDecoder.decode(bytes, lo, hi);
    if (!isInvalid(d)) this.decoded.set(lo, d);
    return d;
  }

  private isHost(lo: number, hi: number): boolean {
    return this.hostFunctionAt(lo, hi) >= 0;
  }

  /** The hooks' host function at an address, or -1 (recorded for the store; an answer makes the block unstorable). */
  private hostFunctionAt(lo: number, hi: number): number {
    if (this.hooks === null) return -1;
    const index = this.hooks.hostFunctionAt(lo, hi);
    if (this.reads !== null) {
      if (index >= 0) this.hookAnswered = true;
      else this.reads.asked.push(lo, hi, HookQuestion.HostFunction);
    }
    return index;
  }

  /** The hooks' probe at an address, or null (recorded like hostFunctionAt). */
  private probeAt(lo: number, hi: number): { id: number; original: Uint8Array } | null {
    if (this.hooks === null) return null;
    const probe = this.hooks.probeAt(lo, hi);
    if (this.reads !== null) {
      if (probe !== null) this.hookAnswered = true;
      else this.reads.asked.push(lo, hi, HookQuestion.Probe);
    }
    return probe;
  }

  /**
   * Emit a control transfer in the middle of a trace; returns false when the
   * instruction is not one (it is then emitted as usual).
   */
  private emitTraced(e: Emitter, insn: Insn, next: Insn, i: number, length: number, live: number, lo: number, hi: number, fused: string | null): boolean {
    const done = i + 1;
    switch (insn.flowControl) {
      case FlowControl.ConditionalBranch: {
        const cond = fused ?? conditionExpr(insn.cc);
        if (insn.targetLo === lo && insn.targetHi === hi) {
          const limit = Math.max(1, Math.floor(LOOP_INSN_LIMIT / done));
          // Another iteration may leave the loop at its fall-through and run on to the block's end: it
          // goes round only if the whole block still fits the budget (T[1]), so the run stops on time —
          // exactly where it would, however the code was cut into blocks.
          e.emit(`if${cond}{if(++it<${limit}&&base+${done + length}<=T[1]){base+=${done};continue;}R[32]=${lo};R[33]=${hi};return ${done};}`);
        } else {
          e.emit(`if${cond}{R[32]=${insn.targetLo};R[33]=${insn.targetHi};return ${done};}`);
        }
        return true;
      }
      case FlowControl.UnconditionalBranch:
        return true; // the jump's target is the next instruction of the trace
      case FlowControl.Call:
        e.begin(insn, i, live);
        tracedCall(e, insn, i, String(insn.targetLo), String(insn.targetHi));
        return true;
      case FlowControl.IndirectBranch: {
        // guessed target (see traceSuccessor): `next` is the guess; leave for the real one unless it is there
        e.begin(insn, i, live);
        e.load(insn.ops[0], 'a', 'ah', 8);
        e.emit(`if(a!==${next.ipLo}||ah!==${next.ipHi}){R[32]=a;R[33]=ah;return ${done};}`);
        return true;
      }
      case FlowControl.IndirectCall:
        // guessed target (see traceSuccessor): a call as above, then leave unless `next` is where it went
        e.begin(insn, i, live);
        e.load(insn.ops[0], 'b', 'bh', 8); // (before the push: the operand may be RSP-relative)
        tracedCall(e, insn, i, 'b', 'bh');
        e.emit(`if(b!==${next.ipLo}||bh!==${next.ipHi})return ${done};`);
        return true;
      case FlowControl.Return: {
        // predicted return (see traceSuccessor): `next` is the predicted address
        e.begin(insn, i, live);
        const extra = insn.ops.length > 0 && insn.ops[0].kind === OpKind.Imm ? insn.ops[0].lo & 0xffff : 0;
        pop64(e, extra);
        // RIP = where it really returned (the shadow-stack hook reads it); leave unless it is the prediction
        e.emit(`R[32]=a;R[33]=ah;if(C.onRet!==null){${e.stackHook(i + 1, 'C.onRet()')}}if(a!==${next.ipLo}||ah!==${next.ipHi}||T[0]!==0)return ${done};`);
        return true;
      }
      default:
        return false;
    }
  }

  /** A host function's entry: the whole block is one call into the host. */
  private hostBlock(lo: number, hi: number, index: number): Block {
    const body = `C.trapInsnLo=${lo};C.trapInsnHi=${hi};` +
      `try{C.hostCall(${index});return 1;}catch(err){C.blockFault(err,${lo},${hi});return 0;}`;
    const factory = new Function(...this.envNames, `return (function host(){${body}});`);
    const run = factory(...this.envValues) as () => number;
    return { run, ipLo: lo, ipHi: hi, pages: [pageKey(lo, hi)], length: 1, insns: [] };
  }

  /**
   * Flags the block's successors may read before writing them. Only direct
   * successors (fall-through, jmp/jcc targets) are examined, by decoding a
   * few of their instructions; anything else (calls, returns, indirect
   * jumps, probes, faults) is assumed to read every flag. Most blocks end in
   * `cmp; jcc` whose successors overwrite the flags, so this spares the
   * compare computing flags nobody reads.
   */
  private liveOut(insns: Insn[]): number {
    if (insns.length === 0) return FlagBit.ALL;
    const last = insns[insns.length - 1];
    const successors: [number, number][] = [];
    if (last.flowControl === FlowControl.Next) successors.push([last.nextLo, last.nextHi]);
    else if (last.flowControl === FlowControl.ConditionalBranch && last.mnemonic !== Mnemonic.Loop &&
      last.mnemonic !== Mnemonic.Loope && last.mnemonic !== Mnemonic.Loopne && last.mnemonic !== Mnemonic.Jrcxz &&
      last.mnemonic !== Mnemonic.Jecxz) {
      successors.push([last.nextLo, last.nextHi], [last.targetLo, last.targetHi]);
    } else if (last.flowControl === FlowControl.UnconditionalBranch && last.ops.length === 0) {
      successors.push([last.targetLo, last.targetHi]);
    } else return FlagBit.ALL;
    let live = 0;
    for (const [lo, hi] of successors) live |= this.flagsReadFrom(lo, hi);
    return live | FlagBit.DF; // DF is cheap to keep and rarely written
  }

  /** Flags read before being overwritten on the straight-line path starting at an address. */
  private flagsReadFrom(lo: number, hi: number): number {
    let live = 0, killed = 0;
    for (let n = 0; n < 16; n++) {
      if (this.hostFunctionAt(lo, hi) >= 0) return FlagBit.ALL;
      let bytes: Uint8Array;
      try { bytes = this.fetch(lo, hi); } catch { return FlagBit.ALL; }
      if (bytes[0] === 0xcc) return FlagBit.ALL; // a probe or breakpoint: anything may look
      const d = this.decode(bytes, lo, hi);
      if (isInvalid(d) || !emitterFor(d)) return FlagBit.ALL;
      live |= flagsSeenBy(d, true) & ~killed; // (a fault there shows every flag)
      if (!writesFlagsSometimes(d)) killed |= d.flagsWritten;
      if ((killed & FlagBit.ARITH) === FlagBit.ARITH) return live;
      if (d.flowControl !== FlowControl.Next) return live | (FlagBit.ALL & ~killed);
      lo = d.nextLo; hi = d.nextHi;
    }
    return live | (FlagBit.ALL & ~killed);
  }

  /**
   * Compile the code at an address: a trace (see traceSuccessor), or with
   * `trace` false a plain basic block that ends at the first control
   * transfer — far less code to generate for code that runs only once or
   * twice (the CPU compiles cold code that way first; cpu.ts).
   */
  compile(lo: number, hi: number, maxInsns: number, trace = true): Block {
    this.code = null;
    this.hooked = false;
    const block = this.compileJs(lo, hi, maxInsns, trace);
    // (a step's one instruction, a probed instruction, a host function: their JS calls the hook, and a step
    // is not worth a module; any other trace is — a one-instruction `ret` or `jmp *%rdx` links a chain)
    if (!trace || this.wasmTier === null || maxInsns === 1 || this.hooked) return block;
    const code = this.code as BlockCode | null;
    this.code = null;
    return this.wasmTier.upgrade(block, code === null ? null : blockStore(), code);
  }

  /** Whether the block store, holding `many` traces or more, holds one at this address (made hot by an earlier run: cpu.ts findBlock). */
  storesTrace(lo: number, hi: number, maxInsns: number, many: number): boolean {
    const store = DUMP_BLOCKS || this.mem.recordsAccesses ? null : blockStore();
    return store !== null && store.traces >= many && store.has(blockKey({ lo, hi, maxInsns, trace: true, hooked: this.hooks !== null }));
  }

  private compileJs(lo: number, hi: number, maxInsns: number, trace: boolean): Block {
    // (a memory that records accesses gets blocks that call its accessors: not the stored ones)
    const store = DUMP_BLOCKS || this.mem.recordsAccesses ? null : blockStore();
    if (store === null) return this.compileCode(lo, hi, maxInsns, trace);
    const key = blockKey({ lo, hi, maxInsns, trace, hooked: this.hooks !== null });
    for (const stored of store.get(key)) {
      if (!this.readsAgree(stored.reads)) continue;
      this.code = stored;
      return this.storedBlock(stored, lo, hi);
    }
    return this.compileForStore(store, key, lo, hi, maxInsns, trace);
  }

  /** Compile, recording what the compile reads, and store the block unless a hook answered. */
  private compileForStore(store: BlockStore, key: string, lo: number, hi: number, maxInsns: number, trace: boolean): Block {
    const reads = { fetches: [] as number[], bytes: [] as number[], asked: [] as number[] };
    this.reads = reads;
    this.made = null;
    this.hookAnswered = false;
    let block: Block;
    try {
      block = this.compileCode(lo, hi, maxInsns, trace);
    } finally {
      this.reads = null;
    }
    const made = this.made as { body: string; ips: number[] } | null;
    this.made = null;
    if (made !== null && !this.hookAnswered) {
      const code = { reads, body: made.body, ips: made.ips, pages: block.pages, length: block.length };
      store.put(key, code);
      this.code = code;
    }
    return block;
  }

  /** Do the reads a stored block's compile made give the same answers now? */
  private readsAgree(reads: CompileReads): boolean {
    const f = reads.fetches, stored = reads.bytes;
    let at = 0;
    for (let i = 0; i < f.length; i += 3) {
      const n = f[i + 2];
      if (!this.fetchAgrees(f[i], f[i + 1], n, stored, at)) return false;
      if (n > 0) at += n;
    }
    const q = reads.asked;
    if (q.length > 0 && this.hooks === null) return false;
    for (let i = 0; i < q.length; i += 3) {
      const none = q[i + 2] === HookQuestion.HostFunction ? this.hooks!.hostFunctionAt(q[i], q[i + 1]) < 0 : this.hooks!.probeAt(q[i], q[i + 1]) === null;
      if (!none) return false;
    }
    return true;
  }

  /**
   * Would fetchBytes(lo, hi) give these `n` bytes of `stored` from `at`
   * (-1: fault)? Compared where they lie, without the copy: a warm run
   * checks every fetch of every stored block's compile.
   */
  private fetchAgrees(lo: number, hi: number, n: number, stored: ArrayLike<number>, at: number): boolean {
    const mem = this.mem, page = mem.pageAt(lo, hi);
    if (!page || !(page.perm & Perm.X)) return n === -1;
    const offset = lo & (PAGE_SIZE - 1);
    const inPage = fetchInPage(lo);
    const next = inPage < MAX_INSN_LENGTH ? this.nextFetchPage(lo, hi, inPage) : undefined;
    if (n !== (next === undefined ? inPage : MAX_INSN_LENGTH)) return false;
    const u8 = mem.u8;
    for (let j = 0, from = page.frame + offset; j < inPage; j++) if (u8[from + j] !== stored[at + j]) return false;
    if (next !== undefined) for (let j = inPage; j < n; j++) if (u8[next.frame + j - inPage] !== stored[at + j]) return false;
    return true;
  }

  /** A block made from the store's code; its instructions are decoded only if someone asks (the debugger's summaries). */
  private storedBlock(s: StoredBlock, lo: number, hi: number): Block {
    const decodeAll = (): Insn[] => {
      const out: Insn[] = [];
      for (let i = 0; i < s.length; i++) {
        const d = this.decode(this.fetchBytes(s.ips[2 * i], s.ips[2 * i + 1]), s.ips[2 * i], s.ips[2 * i + 1]);
        if (!isInvalid(d)) out.push(d);
      }
      return out;
    };
    return new StoredJsBlock(lo, hi, Array.from(s.pages), s.length, () => s.factory(...this.envValues, Int32Array.from(s.ips)), decodeAll, () => s.body);
  }

  private compileCode(lo: number, hi: number, maxInsns: number, trace: boolean): Block {
    const insns: Insn[] = [];
    const pages = new Set<number>();
    let ipLo = lo, ipHi = hi;
    let unsupported: string | null = null;
    const hostIndex = this.hostFunctionAt(lo, hi);
    if (hostIndex >= 0) { this.hooked = true; return this.hostBlock(lo, hi, hostIndex); }
    let probeId = -1;
    const visited = new Set<number>();
    /** Return addresses of the calls traced into (lo, hi pairs), for return prediction. */
    const returns: number[] = [];
    const limit = trace && maxInsns > 1 ? Math.max(maxInsns, LOOP_TRACE_INSNS) : maxInsns;
    while (insns.length < limit) {
      let bytes: Uint8Array;
      try {
        bytes = this.fetch(ipLo, ipHi);
      } catch (e) {
        if (insns.length === 0) throw e;
        break; // fault when execution actually gets there
      }
      const probe = bytes[0] === 0xcc ? this.probeAt(ipLo, ipHi) : null;
      if (probe) {
        if (insns.length > 0) break; // a probed instruction starts its own block
        probeId = probe.id;
        this.hooked = true;
        bytes = probe.original;
      }
      const d = this.decode(bytes, ipLo, ipHi);
      if (isInvalid(d)) {
        if (d.invalid.startsWith('(truncated)') && insns.length === 0) {
          // the instruction runs into an unmapped/non-executable page
          throw new PageFault(joinAddress(ipLo + bytes.length, ipHi), 'execute', false);
        }
        if (insns.length > 0) break;
        unsupported = d.invalid;
        break;
      }
      insns.push(d);
      visited.add(d.ipLo);
      if (!emitterFor(d) || probeId >= 0) break;
      const next = this.traceSuccessor(d, insns, maxInsns, trace, returns);
      if (!next || (next[0] === lo && next[1] === hi) || (visited.has(next[0]) && next[1] === d.ipHi)) break;
      [ipLo, ipHi] = next;
    }
    if (insns.length > maxInsns) insns.length = loopTraceLength(insns, lo, hi, maxInsns);
    for (const d of insns) {
      pages.add(pageKey(d.ipLo, d.ipHi));
      pages.add(pageKey((d.ipLo + d.length - 1) | 0, d.ipHi));
    }
    // Side exits of conditional branches inside the trace: flags their targets may read.
    // A predicted `ret` or a guessed indirect target exits to anywhere when the guess fails: every flag is live there.
    const exitLive = insns.map((d, i) =>
      i === insns.length - 1 ? 0
        : d.flowControl === FlowControl.ConditionalBranch ? this.flagsReadFrom(d.targetLo, d.targetHi)
          : d.flowControl === FlowControl.Return || d.flowControl === FlowControl.IndirectCall ||
            d.flowControl === FlowControl.IndirectBranch ? FlagBit.ALL : 0);
    const fusions = insns.map((_, i) => fusionAt(insns, i));
    const fusedConsumer = insns.map((_, i) => i > 0 && fusions[i - 1] !== null);
    const liveOut = trace ? this.liveOut(insns) : FlagBit.ALL;
    const live = liveness(insns, liveOut, exitLive, fusedConsumer, true);
    // what the block's own code reads at its exits: only a loop's next iteration (the exit site writes the rest)
    const loopsTo = insns.map((d) => d.targetLo === lo && d.targetHi === hi && d.flowControl !== FlowControl.Next && d.flowControl !== FlowControl.Call);
    // A block that goes round again from one instruction only carries its deferred flags round the loop
    // (DeferredFlags' `loopAt`): its next round's code reads only the flags it really reads.
    const loopAt = loopsTo.indexOf(true) === loopsTo.lastIndexOf(true) ? loopsTo.indexOf(true) : -1;
    const loopReads = loopAt >= 0 ? flagsReadFirst(insns) : loopsTo.includes(true) ? this.flagsReadFrom(lo, hi) : 0;
    const codeLive = liveness(insns, loopsTo[insns.length - 1] ? loopReads : 0, loopsTo.map((l) => (l ? loopReads : 0)), fusedConsumer, false);
    const deferral = new DeferredFlags(insns, live, codeLive, loopAt);
    let loopsBack = false;
    const e = new Emitter();
    e.inlineMemory = !this.mem.recordsAccesses;
    const ips: number[] = [];
    /** Where each instruction's code starts in e.out (the register-locals pass rewrites it per instruction). */
    const starts: number[] = [];
    for (let i = 0; i < insns.length; i++) {
      const insn = insns[i];
      starts.push(e.out.length);
      ips.push(insn.ipLo, insn.ipHi);
      if (mayFault(insn)) e.emit(`k=${i};`); // the catch needs to know which instruction threw
      const emitFn = emitterFor(insn);
      const mark = e.out.length;
      if (i === insns.length - 1 && isSelfLoop(insn, lo, hi)) {
        emitLoopBack(e, insn, insns.length, lo, hi, fusedConsumer[i] ? fusedCondition(fusions[i - 1]!, insn.cc) : null);
        break;
      }
      // Inside a trace: the next instruction is where this one goes on the traced path.
      const traced = i < insns.length - 1 ? insns[i + 1] : null;
      const fused = fusedConsumer[i] ? fusedCondition(fusions[i - 1]!, insn.cc) : null;
      if (traced && this.emitTraced(e, insn, traced, i, insns.length, live[i], lo, hi, fused)) {
        if (insn.flowControl === FlowControl.ConditionalBranch && insn.targetLo === lo && insn.targetHi === hi) loopsBack = true;
        continue;
      }
      let ok = emitFn !== undefined;
      // A pre-handler that stops the machine (a debugger breakpoint) stops before the instruction.
      if (probeId >= 0) e.emit(`R[32]=${insn.ipLo};R[33]=${insn.ipHi};${e.exact(i, `C.probeHit(${probeId},false)`)}if((T[0]&${TrapBit.STOP})!==0)return ${i};`);
      if (emitFn) {
        e.begin(insn, i, probeId >= 0 ? FlagBit.ALL : live[i], probeId >= 0 ? 0 : deferral.deferrable[i]);
        e.fuseProducer = fusions[i] !== null && probeId < 0;
        e.fusedCondition = fused;
        try {
          emitFn(e);
        } catch (err) {
          if (!(err instanceof UnsupportedOperand)) throw err; // a bug in an emitter, not the guest's #UD
          ok = false;
        }
        if (ok) deferral.add(i, e.deferred, e.deferredCalc, e.pendingStore);
        // host code that may read the flags (a syscall saves them, pushf…) sees the deferred ones written first
        if (ok && readsFlagsOutOfLine(e.out, mark)) e.out.splice(starts[i], 0, deferral.before(i));
      }
      if (ok && probeId >= 0) {
        // post-handler after the probed instruction, RIP wherever it went
        if (e.stores) e.emit(`C.trapInsnLo=${insn.ipLo};C.trapInsnHi=${insn.ipHi};`);
        if (!e.endsBlock) e.emit(`R[32]=${insn.nextLo};R[33]=${insn.nextHi};`);
        e.emit(`${e.exact(i + 1, `C.probeHit(${probeId},true)`)}return ${i + 1};`);
        break;
      }
      if (!ok) {
        e.out.length = mark;
        e.emit(`k=${i};throw H.invalidOpcode(${JSON.stringify(insn.text)},${insn.ipLo},${insn.ipHi});`);
        break;
      }
      if (e.endsBlock) {
        if (e.stores) e.emit(`C.trapInsnLo=${insn.ipLo};C.trapInsnHi=${insn.ipHi};`);
        e.emit(`return ${i + 1};`);
        break;
      }
      if (e.stores) e.emit(`if(T[0]!==0){C.trapInsnLo=${insn.ipLo};C.trapInsnHi=${insn.ipHi};R[32]=${insn.nextLo};R[33]=${insn.nextHi};return ${i + 1};}`);
      if (traced && (traced.ipLo !== insn.nextLo || traced.ipHi !== insn.nextHi)) throw new Error('trace out of step');
      if (i === insns.length - 1) e.emit(`R[32]=${insn.nextLo};R[33]=${insn.nextHi};return ${i + 1};`);
    }
    if (unsupported !== null) {
      starts.push(e.out.length);
      ips.push(lo, hi);
      e.emit(`k=0;throw H.invalidOpcode(${JSON.stringify(unsupported)},${lo},${hi});`);
      pages.add(pageKey(lo, hi));
    }
    settleBeforeFirstTouch(e.out, starts, insns);
    // `base` counts instructions of earlier iterations when the block loops on itself.
    // Exits that set RIP and return all jump to one exit site at the end (see EXIT_RE).
    // Other returns (RIP already set) and a fault (at instruction k) leave the
    // try too; all three pass one write-back of the register locals.
    const loop = loopsBack || (insns.length > 0 && isSelfLoop(insns[insns.length - 1], lo, hi));
    const locals = new RegisterLocals(starts.map((s, i) => e.out.slice(s, starts[i + 1] ?? e.out.length).join('\n')), loop);
    const code = locals.code().join('\n').replace(EXIT_RE, '{xl=$1;xh=$2;xn=$3;break x;}').replace(/return (\d+|k);/g, '{xn=$1;break y;}');
    const body = `let k=0,ml=0,mh=0,a=0,ah=0,b=0,bh=0,r=0,rh=0,t=0,u=0,base=0,it=0,fa=0,fah=0,fb=0,fbh=0,fr=0,frh=0,xl=0,xh=0,xn=0,xs=0,ti=0,tj=0,fault=null${locals.declarations()}${e.deferredLocals.map((n) => `,${n}=0`).join('')};` +
      `try{y:{x:{${loop ? `${LOOP_HEAD}{${code}}` : code}}R[32]=xl;R[33]=xh;}}catch(err){fault=err;xn=k;}${deferral.atExit()}` +
      `${loop ? '' : 'xs=fault===null?xn:k+1;'}${locals.flush('xs')}if(fault!==null)C.blockFault(fault,IPS[2*k],IPS[2*k+1]);return base+xn;`;
    const dump = DUMP_BLOCKS ? `\n//# sourceURL=ksw-block-${++dumped}` : '';
    if (dump) process.stderr.write(`block ${dumped} ${hi >>> 0}:${lo >>> 0}\n${body}\n`);
    // Parenthesised, V8 compiles the block with its factory: a bare function
    // expression would be pre-parsed now and parsed again at its first call.
    const factory = new Function(...this.envNames, 'IPS', `return (function block(){\n${body}});${dump}`);
    const run = factory(...this.envValues, Int32Array.from(ips)) as () => number;
    if (this.reads !== null) this.made = { body, ips };
    return { run, ipLo: lo, ipHi: hi, pages: [...pages], length: insns.length, insns, loops: loop };
  }
}

/**
 * An exit of a block: set RIP, return the instructions done. Each becomes a
 * jump to one shared exit site, so the stores to RIP there have run (and
 * have V8 type feedback) once any exit has. With an exit of its own, a side
 * exit first taken after V8 optimised the block had none, and taking it
 * threw the optimised code away ("insufficient type feedback") to be
 * compiled again later.
 */
const EXIT_RE = /R\[32\]=(-?\w+);R\[33\]=(-?\w+);\s*return (\d+|k);/g;

/** Does `fetched` start with the instruction bytes `insn`? */
function sameBytes(insn: Uint8Array, fetched: Uint8Array): boolean {
  if (fetched.length < insn.length) return false;
  for (let i = 0; i < insn.length; i++) if (insn[i] !== fetched[i]) return false;
  return true;
}

/** Iterations a self-looping block runs before returning to the dispatcher (bounds budget overshoot). */
const LOOP_INSN_LIMIT = 8192;

/**
 * How long a trace may grow (beyond the dispatcher's maxInsns) when the
 * extra instructions close a loop back to its start: a round of up to this
 * many instructions (divmod64's is 70) then runs in one block, in the wasm
 * tier one module, instead of leaving twice a round.
 */
export const LOOP_TRACE_INSNS = 128;

/** The trace's length: up to its first branch back to the start when that lies beyond maxInsns, else maxInsns. */
function loopTraceLength(insns: Insn[], lo: number, hi: number, maxInsns: number): number {
  const back = insns.findIndex((d) => d.targetLo === lo && d.targetHi === hi &&
    (d.flowControl === FlowControl.ConditionalBranch || d.flowControl === FlowControl.UnconditionalBranch));
  return back >= maxInsns ? back + 1 : maxInsns;
}

/** The bytes of an instruction fetch at `lo` that lie on its own page (up to the longest instruction). */
function fetchInPage(lo: number): number {
  return Math.min(MAX_INSN_LENGTH, PAGE_SIZE - (lo & (PAGE_SIZE - 1)));
}

/** A direct jmp/jcc back to the block's own first instruction. */
function isSelfLoop(i: Insn, lo: number, hi: number): boolean {
  const direct = i.mnemonic === Mnemonic.Jmp ? i.ops.length === 0 : i.cc !== 0 && i.targetLo !== 0 && i.flowControl === FlowControl.ConditionalBranch;
  return direct && i.targetLo === lo && i.targetHi === hi && i.mnemonic !== Mnemonic.Loop &&
    i.mnemonic !== Mnemonic.Loope && i.mnemonic !== Mnemonic.Loopne && i.mnemonic !== Mnemonic.Jrcxz;
}

/** The closing branch of a self-looping block: continue the JS loop instead of returning. */
function emitLoopBack(e: Emitter, insn: Insn, n: number, lo: number, hi: number, fused: string | null): void {
  const limit = Math.max(1, Math.floor(LOOP_INSN_LIMIT / n));
  // T[1] holds the run loop's remaining budget, so a looping block stops on time.
  const again = `if(++it<${limit}&&base+${2 * n}<=T[1]){base+=${n};continue;}R[32]=${lo};R[33]=${hi};return ${n};`;
  if (insn.mnemonic === Mnemonic.Jmp) { e.emit(again); return; }
  e.emit(`if${fused ?? conditionExpr(insn.cc)}{${again}}R[32]=${insn.nextLo};R[33]=${insn.nextHi};return ${n};`);
}

/** loop/loope/loopne/jrcxz/jecxz: RCX-based branches, never traced through. */
function isRcxBranch(i: Insn): boolean {
  return i.mnemonic === Mnemonic.Loop || i.mnemonic === Mnemonic.Loope || i.mnemonic === Mnemonic.Loopne ||
    i.mnemonic === Mnemonic.Jrcxz || i.mnemonic === Mnemonic.Jecxz;
}

function endsBlock(i: Insn): boolean {
  // (probed instructions and host functions end blocks too; see compile)
  return i.mnemonic === Mnemonic.Syscall || i.mnemonic === Mnemonic.Hlt || i.mnemonic === Mnemonic.Int3 ||
    i.mnemonic === Mnemonic.Ud2 || i.flowControl !== FlowControl.Next;
}

/**
 * Flags may be pending when a block starts (lazyFlags.ts): settle them
 * before the first instruction whose code touches the flags (`starts`:
 * where each instruction's code begins in `out`; moved past the insertion).
 * The code before it leaves them alone, and so do the exits it may take:
 * the epilogue (DeferredFlags.atExit) settles them itself where needed.
 * When that instruction writes all six flags, reads none and only assigns
 * F's slots (add, sub… whose flags the block's code reads), nothing is
 * computed: the pending state is dropped once its assignments are done —
 * those it defers instead are written over the settled ones at the exits.
 */
function settleBeforeFirstTouch(out: string[], starts: number[], insns: Insn[]): void {
  for (let i = 0; i < starts.length; i++) {
    const end = starts[i + 1] ?? out.length;
    const code = out.slice(starts[i], end).join('');
    if (!touchesFlags(code)) continue;
    const d = insns[i];
    const overwrites = d !== undefined && (d.flagsWritten & FlagBit.ARITH) === FlagBit.ARITH && !writesFlagsSometimes(d) &&
      (d.flagsRead & FlagBit.ARITH) === 0 && onlyAssignsFlags(code);
    if (overwrites) {
      let last = end - 1;
      while (!onlyAssignsFlags(out[last]) || !touchesFlags(out[last])) last--;
      out.splice(last + 1, 0, DROP_PENDING_CODE);
    } else {
      out.splice(starts[i], 0, SETTLE_CODE);
    }
    for (let j = i + 1; j < starts.length; j++) starts[j]++;
    return;
  }
}

/** Does the instruction's code (e.out from `from`) call host code that may read the flags? */
function readsFlagsOutOfLine(out: string[], from: number): boolean {
  for (let j = from; j < out.length; j++) if (out[j].includes(HOST_CALL_START) || out[j].includes('C.getRflags(')) return true;
  return false;
}

/**
 * A call inside a trace (emitTraced), the callee `ripLo`/`ripHi` (JS expressions): push the return
 * address, RIP = the callee (the shadow-stack hook reads it as the call target), the call hook, and
 * leave after the call when a trap bit is set (a watched stack slot written by the push).
 */
function tracedCall(e: Emitter, insn: Insn, i: number, ripLo: string, ripHi: string): void {
  push64(e, String(insn.nextLo), String(insn.nextHi));
  e.emit(`R[32]=${ripLo};R[33]=${ripHi};if(C.onCall!==null){${e.stackHook(i + 1, `C.onCall(${insn.nextLo},${insn.nextHi})`)}}`);
  e.emit(`if(T[0]!==0){C.trapInsnLo=${insn.ipLo};C.trapInsnHi=${insn.ipHi};return ${i + 1};}`);
}
