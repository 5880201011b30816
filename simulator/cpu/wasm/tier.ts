// The wasm tier (on unless KSW_WASM=0; README "A WebAssembly tier"): a hot trace
// block that stays inside translate.ts's subset runs as a WebAssembly
// function instead of its JS. The block compiler makes the
// JS block as always (the trace, its instructions, the block store); this
// only swaps its `run` when the translation succeeds. Everything the wasm
// code touches — guest memory, the TLBs, the registers, flags and trap
// words — lies in one WebAssembly.Memory (memory/wasmBacking.ts).

import { FlowControl } from 'iced-x86';
import type { Block } from '../compiler';
import { BlockCode, BlockStore, blockStore, sameNumbers, StoredTranslation } from '../blockStore';
import { StartAhead, StoredModules } from './storedModules';
import { CompileAhead, compileAheadStats } from './compileAhead';
import type { Memory } from '../../memory/memory';
import { instantiateCompiled, instantiateWasmWith, validWasm } from '../wasmInstance';
import { IMPORT_TYPES, translateTrace, WasmLayout } from './translate';
import { moduleBytes } from './encoder';
import { Batch, Pending, WasmBlock } from './batch';
import { HookBit, Import, XMM_SCRATCH } from './context';
import { XMM_COUNT } from '../registers';
import { MISS_EXPORTS, missPathsModule } from './missPaths';
import { settleFlags } from '../lazyFlags';
import { misalignedFault, probeWrite16At } from '../helpers/sse';
import { Q } from '../helpers/wide';
import { SSE_CALLS } from './ops/sseFloat';
import { div1, idiv1 } from '../helpers/arith';
import { CHAIN_BUDGET_WORD, CHAINED_WORD, ChainLayout, chainWord, ENTERED_WORD, WasmChain } from './chain';

/** What the tier needs of its CPU: the fault report, the trapping store's address, the call/return hooks. */
export interface WasmTierCpu {
  blockFault(thrown: unknown, lo: number, hi: number): void;
  trapInsnLo: number;
  trapInsnHi: number;
  insnCount: number;
  onCall: ((retLo: number, retHi: number) => void) | null;
  onRet: (() => void) | null;
  /** A wasm block got its table slot (chain.ts): a dispatch entry already naming it takes its chain word. */
  wasmBlockReady(block: Block): void;
}

/** How many trace blocks the tier compiled, in how many modules (how many of those the block cache had; withCalls: of those translated now, those with a call or return), and how many it left to JS (KSW_WASM=stats prints them). */
export const wasmTierStats = { compiled: 0, declined: 0, fromStore: 0, withCalls: 0, modules: 0 };
/** KSW_WASM=stats: the tiers made, for their chained-block counts at exit. */
const statsTiers: WasmTier[] | null = typeof process !== 'undefined' && process.env.KSW_WASM === 'stats' ? [] : null;
if (statsTiers !== null) {
  process.on('exit', () => {
    const chained = statsTiers.reduce((n, t) => n + t.chained, 0), entered = statsTiers.reduce((n, t) => n + t.entered, 0);
    process.stderr.write(`wasm tier: ${wasmTierStats.compiled} blocks in wasm in ${wasmTierStats.modules} modules (${wasmTierStats.fromStore} from the block cache, ${wasmTierStats.withCalls} translated with calls or returns), ${wasmTierStats.declined} trace blocks left to JS; wasm blocks entered ${chained} times from wasm, ${entered} from JS; ${compileAheadStats.taken} modules compiled on a worker\n`);
  });
}

/** A store's groups compiled on a worker (compileAhead.ts), as the modules instantiate would make of them; none when no thread can start. */
const startAhead: StartAhead = (groups) => {
  try {
    return new CompileAhead(groups.length, (i) => moduleBytes(IMPORT_TYPES, groups[i]));
  } catch {
    return { take: () => undefined };
  }
};

export class WasmTier {
  private readonly layout: WasmLayout;
  private readonly imports: Record<string, Record<string, unknown>>;
  /** The layout as the words stored with a translation (its addresses are constants in the code). */
  private readonly layoutWords: number[];
  private readonly W: Int32Array;
  private readonly T: Int32Array;
  private readonly C: WasmTierCpu;
  private readonly batch = new Batch((entries) => this.compiled(entries));
  /** Blocks of a small store waiting for its module (storedModules.ts WAIT_BELOW). */
  private readonly storedBatch = new Batch((entries) => this.storedReady(entries));
  /** The table of the wasm blocks' functions, through which each block's exit calls the next (chain.ts). */
  private readonly chain = new WasmChain();
  /** The block store's functions for this layout (storedModules.ts), once one was asked for. */
  private stored: { store: BlockStore; modules: StoredModules } | null = null;

  /** `dispatch`: where the CPU's dispatch table lies in the wasm memory (chain.ts). */
  /** `H`: the JS tier's helpers, whose SSE floating point the wasm code calls (ops/sseFloat.ts SSE_CALLS). */
  constructor(mem: Memory, R: Int32Array, F: Int32Array, T: Int32Array, W: Int32Array, X: Int32Array, C: WasmTierCpu,
    dispatch: Omit<ChainLayout, 'T' | 'W'>, H: Record<string, unknown>) {
    this.W = W;
    this.T = T;
    this.C = C;
    statsTiers?.push(this);
    this.layout = { R: R.byteOffset, F: F.byteOffset, T: T.byteOffset, W: W.byteOffset, X: X.byteOffset, ...mem.wasmTlb!, ...dispatch };
    this.layoutWords = Object.values(this.layout);
    const m = mem;
    // The accessors on a TLB miss; a fault is reported as a JS block's catch does and the wasm code leaves.
    const load = (size: number, lo: number, hi: number, ipLo: number, ipHi: number): number => {
      try {
        if (size === 1) return m.ld8(lo, hi);
        if (size === 2) return m.ld16(lo, hi);
        if (size === 4) return m.ld32(lo, hi);
        const v = m.ld64(lo, hi);
        W[0] = m.scratch[0];
        return v;
      } catch (err) {
        C.blockFault(err, ipLo, ipHi);
        return 0;
      }
    };
    const store = (size: number, lo: number, hi: number, vlo: number, vhi: number, ipLo: number, ipHi: number): void => {
      try {
        if (size === 1) m.st8(lo, hi, vlo);
        else if (size === 2) m.st16(lo, hi, vlo);
        else if (size === 4) m.st32(lo, hi, vlo);
        else m.st64(lo, hi, vlo, vhi);
      } catch (err) {
        C.blockFault(err, ipLo, ipHi);
      }
    };
    const trapAt = (ipLo: number, ipHi: number): void => { C.trapInsnLo = ipLo; C.trapInsnHi = ipHi; };
    // (as Emitter.stackHook: the instruction count is exact while the hook runs — with the
    // blocks chained before this one; and a hook that sets or clears a hook is seen by the next block)
    const stackHook = (call: number, retLo: number, retHi: number, retired: number): void => {
      const ran = W[CHAIN_BUDGET_WORD] - T[1] + retired;
      C.insnCount += ran;
      if (call !== 0) C.onCall?.(retLo, retHi); else C.onRet?.();
      W[1] = hookBits(C);
      C.insnCount -= ran;
    };
    // div/idiv beyond the inline case (ops/muldiv.ts): the JS tier's helper on R's rAX/rDX, #DE reported as a fault
    const divide = (signed: number, size: number, lo: number, hi: number, ipLo: number, ipHi: number): void => {
      try {
        if (signed) idiv1(R, size, lo, hi); else div1(R, size, lo, hi);
      } catch (err) {
        C.blockFault(err, ipLo, ipHi);
      }
    };
    const e: Record<string, unknown> = { m: mem.wasm!.memory, f0: load, f1: store, f2: trapAt, f3: divide, f4: stackHook, t: this.chain.table };
    e[`f${Import.Settle}`] = (): void => settleFlags(F);
    // a 16-byte access the inline checks sent here (ops/sse.ts): always a fault — #GP, or a page the store may not write
    e[`f${Import.SseCheck}`] = (aligned: number, lo: number, hi: number, ipLo: number, ipHi: number): void => {
      try {
        if (aligned) misalignedFault(lo, hi);
        probeWrite16At(mem, lo, hi);
      } catch (err) {
        C.blockFault(err, ipLo, ipHi);
      }
    };
    // the TLB-miss paths the blocks call (imports f5…): one small module, itself calling load/store/trapAt
    // (called as H's method: a lazy helper puts itself in its stub's place, helpers/lazy.ts)
    const sseHelpers = H as Record<string, (...args: number[]) => unknown>;
    const pcmpistri = SSE_CALLS.indexOf('pcmpistri');
    const XS = new Int32Array(X.buffer, X.byteOffset, 4 * (XMM_COUNT + XMM_SCRATCH)); // (the registers and the scratch slot)
    e[`f${Import.SseCall}`] = (op: number, a: number, b: number, c: number, d: number, ipLo: number, ipHi: number): number => {
      try {
        // (pcmpistri: a = the destination's word index, b = imm8, c = the source slot's word index)
        const r = op === pcmpistri ? (sseHelpers.pcmpstr as unknown as PcmpStr)(a, b, true, 0, 0, XS[c], XS[c + 1], XS[c + 2], XS[c + 3])
          : sseHelpers[SSE_CALLS[op]](a, b, c, d);
        W[0] = Q[4]; // (a 64-bit conversion's high word)
        return typeof r === 'number' ? r | 0 : 0;
      } catch (err) {
        C.blockFault(err, ipLo, ipHi);
        return 0;
      }
    };
    const miss = instantiateWasmWith(missPathsModule(this.layout), { e: { m: mem.wasm!.memory, f0: load, f1: store, f2: trapAt } });
    MISS_EXPORTS.forEach((name, i) => { e[`f${Import.LoadMiss + i}`] = miss[name]; });
    this.imports = { e };
    // (now, not at the first stored block: a big store's modules start compiling on a worker, compileAhead.ts)
    const blocks = blockStore();
    if (blocks !== null) this.storedModulesOf(blocks);
  }

  /**
   * The block with a wasm `run` when its trace is within the subset,
   * else the block as it is. `code` is the block's code in `store` (null:
   * not stored): a translation stored with it for this layout is used as it
   * is — a run from the block cache neither decodes nor translates — and
   * one made now is stored with it.
   *
   * The wasm comes later: the block runs its JS until its batch is compiled
   * (batch.ts), several traces to a module — unless it is stored: the
   * store's functions are made into modules ahead (storedModules.ts).
   */
  upgrade(block: Block, store: BlockStore | null, code: BlockCode | null): Block {
    const stored = code?.translations === undefined ? undefined : this.storedFor(code.translations);
    if (stored === null) { wasmTierStats.declined++; return block; }
    if (stored !== undefined) {
      const modules = store === null ? null : this.storedModulesOf(store);
      if (modules?.waits) return this.storedBatch.add(block, stored, { store, code });
      const run = modules === null ? null : modules.runOf(stored);
      if (run === null) return this.batch.add(block, stored, { store, code });
      const wasm = new WasmBlock(block, block.run);
      this.storedRun(wasm, run);
      return wasm;
    }
    const bytes = this.translateAndStore(block, store, code);
    if (bytes === null) { wasmTierStats.declined++; return block; }
    return this.batch.add(block, bytes, null);
  }

  /** A block's stored function as its run. */
  private storedRun(block: WasmBlock, run: () => number): void {
    wasmTierStats.compiled++;
    wasmTierStats.fromStore++;
    block.ready(this.runOf(block, run));
  }

  /** A small store's waiting blocks get its module's functions (those it did not make go through a batch of their own). */
  private storedReady(entries: readonly Pending[]): void {
    const rest = entries.filter((e) => {
      const run = this.storedModulesOf(e.stored!.store!).runOf(e.bytes);
      if (run !== null) this.storedRun(e.block, run);
      return run === null;
    });
    if (rest.length > 0) this.compiled(rest);
  }

  /** The store's functions for this layout, made into modules as their blocks are asked for. */
  private storedModulesOf(store: BlockStore): StoredModules {
    if (this.stored === null || this.stored.store !== store) {
      const modules = new StoredModules(store.functionsFor(this.layoutWords), (funcs, module) => this.instantiate(funcs, module), startAhead);
      this.stored = { store, modules };
    }
    return this.stored.modules;
  }

  /** The block's function, stored with its code (null: too little of it is in the subset; decodes a stored block's instructions). */
  private translateAndStore(block: Block, store: BlockStore | null, code: BlockCode | null): Uint8Array | null {
    const insns = block.insns;
    if (insns.length === 0) return null; // (an invalid opcode at the block's start)
    const bytes = translateTrace(insns, block.ipLo, block.ipHi, this.layout);
    if (store !== null && code !== null) store.addTranslation(code, { layout: this.layoutWords, bytes: bytes ?? NO_BYTES });
    if (bytes !== null && insns.some((d) => d.flowControl === FlowControl.Call || d.flowControl === FlowControl.Return ||
      d.flowControl === FlowControl.IndirectCall)) wasmTierStats.withCalls++;
    return bytes;
  }

  /** The stored translation for this layout: its bytes, null when the tier declined the block, undefined when none. */
  private storedFor(translations: readonly StoredTranslation[]): Uint8Array | null | undefined {
    for (const t of translations) {
      if (t.bytes.length === 0) return null;
      if (sameNumbers(t.layout, this.layoutWords)) return t.bytes;
    }
    return undefined;
  }

  /**
   * A batch's functions (batch.ts) as the blocks' runs, from one module. A
   * stored function that does not validate (a damaged file) is translated
   * again and stored in its place; one made now that does not is a bug.
   */
  private compiled(entries: readonly Pending[]): void {
    let funcs: (Uint8Array | null)[] = entries.map((e) => e.bytes);
    let runs = this.instantiate(funcs as Uint8Array[]);
    if (runs === null) {
      funcs = entries.map((e) => validWasm(moduleBytes(IMPORT_TYPES, [e.bytes])) ? e.bytes : this.translateAgain(e));
      runs = this.instantiate(funcs.filter((f): f is Uint8Array => f !== null));
      if (runs === null) throw new Error('wasm tier: a translation made now is no function of the tier\'s shape');
    }
    let at = 0;
    entries.forEach((e, i) => {
      if (funcs[i] === null) { wasmTierStats.declined++; e.block.ready(null); return; }
      if (e.stored !== null && funcs[i] === e.bytes) wasmTierStats.fromStore++;
      wasmTierStats.compiled++;
      e.block.ready(this.runOf(e.block, runs![at++]));
    });
  }

  /** A damaged stored function made again (null: the block stays JS), stored in its place. */
  private translateAgain(e: Pending): Uint8Array | null {
    if (e.stored === null) throw new Error('wasm tier: a translation made now is no function of the tier\'s shape');
    return this.translateAndStore(e.block.js, e.stored.store, e.stored.code);
  }

  /**
   * The functions of one module made of `funcs` (`module`: compiled of
   * them already, null: they did not compile); null when they do not make
   * a module of the tier's shape.
   */
  private instantiate(funcs: readonly Uint8Array[], module?: object | null): (() => number)[] | null {
    let exports: Record<string, unknown>;
    try {
      if (module === null) return null;
      exports = module !== undefined ? instantiateCompiled(module, this.imports) : instantiateWasmWith(moduleBytes(IMPORT_TYPES, funcs), this.imports);
    } catch {
      return null;
    }
    wasmTierStats.modules++;
    const runs: (() => number)[] = [];
    for (let i = 0; i < funcs.length; i++) {
      const run = exports[String(i)];
      if (typeof run !== 'function') return null;
      runs.push(run as () => number);
    }
    return runs;
  }

  /**
   * A wasm function as its block's `run`: entered with settled flags; its
   * exit calls the wasm blocks the dispatch table names after it (chain.ts).
   * The block takes a table slot now, and the CPU's dispatch entry for it
   * (written while the block waited for its batch) learns it.
   */
  private runOf(block: WasmBlock, exported: () => number): () => number {
    const W = this.W, T = this.T, C = this.C;
    block.index = this.chain.add(exported, () => { block.index = -1; });
    C.wasmBlockReady(block);
    // The wasm code reads and writes F's six flag slots directly: each block
    // settles flags left pending (lazyFlags.ts: by a JS block or a wasm
    // block's exit, translate.ts) as it starts. W[1] says which call/return
    // hooks are set (the code calls them only then).
    return (): number => {
      W[1] = hookBits(C);
      const budget = W[CHAIN_BUDGET_WORD] = T[1];
      W[ENTERED_WORD]++;
      const last = exported(); // (the last block's instructions; those before it took T[1] down)
      return budget - T[1] + last;
    };
  }

  /** Blocks entered from the chain, not from Cpu.run, so far (modulo 2^32). */
  get chained(): number { return this.W[CHAINED_WORD] >>> 0; }

  /** Chains entered from Cpu.run so far (modulo 2^32). */
  get entered(): number { return this.W[ENTERED_WORD] >>> 0; }

  /** The word Cpu.run keeps beside a block in its dispatch table (chain.ts): -1 unless a wasm block with a table slot. */
  chainWordOf(block: Block): number {
    return block instanceof WasmBlock ? chainWord(block.index, block.length) : -1;
  }

  /** The CPU dropped a block (code written, a flush): a wasm block's table slot is taken back. */
  dropped(block: Block): void {
    if (block instanceof WasmBlock && block.index >= 0) this.chain.release(block.index);
  }

  /** The CPU dropped every block. */
  droppedAll(): void {
    this.chain.releaseAll();
  }
}

const NO_BYTES = new Uint8Array(0);

/** helpers/sse4.ts pcmpstr. */
type PcmpStr = (d: number, imm: number, implicit: boolean, la: number, lb: number, w0: number, w1: number, w2: number, w3: number) => number;

/** W[1]'s bits: which of the CPU's call/return hooks are set (the wasm code calls them only then). */
function hookBits(C: WasmTierCpu): number {
  return (C.onCall !== null ? HookBit.CALL : 0) | (C.onRet !== null ? HookBit.RET : 0);
}
