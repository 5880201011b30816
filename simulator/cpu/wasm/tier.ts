// The wasm tier (on unless KSW_WASM=0; README "A WebAssembly tier"): a hot trace
// block that stays inside translate.ts's subset runs as a WebAssembly
// function instead of its JS. The block compiler makes the
// JS block as always (the trace, its instructions, the block store); this
// only swaps its `run` when the translation succeeds. Everything the wasm
// code touches — guest memory, the TLBs, the registers, flags and trap
// words — lies in one WebAssembly.Memory (memory/wasmBacking.ts).

import { FlowControl } from 'iced-x86';
import type { Block } from '../compiler';
import type { Insn } from '../decode';
import type { BlockCode, BlockStore, StoredTranslation } from '../blockStore';
import type { Memory } from '../../memory/memory';
import { instantiateWasmWith } from '../wasmInstance';
import { translateTrace, WasmLayout } from './translate';
import { HookBit } from './context';
import { PendingSlot, settleFlags } from '../lazyFlags';
import { div1, idiv1 } from '../helpers/arith';

/** What the tier needs of its CPU: the fault report, the trapping store's address, the call/return hooks. */
export interface WasmTierCpu {
  blockFault(thrown: unknown, lo: number, hi: number): void;
  trapInsnLo: number;
  trapInsnHi: number;
  insnCount: number;
  onCall: ((retLo: number, retHi: number) => void) | null;
  onRet: (() => void) | null;
}

/** How many trace blocks the tier compiled (how many of those the block cache had; withCalls: of those translated now, those with a call or return), and how many it left to JS (KSW_WASM=stats prints them). */
export const wasmTierStats = { compiled: 0, declined: 0, fromStore: 0, withCalls: 0 };
if (typeof process !== 'undefined' && process.env.KSW_WASM === 'stats') {
  process.on('exit', () => process.stderr.write(`wasm tier: ${wasmTierStats.compiled} blocks in wasm (${wasmTierStats.fromStore} from the block cache, ${wasmTierStats.withCalls} translated with calls or returns), ${wasmTierStats.declined} trace blocks left to JS\n`));
}

export class WasmTier {
  private readonly layout: WasmLayout;
  private readonly imports: Record<string, Record<string, unknown>>;
  private readonly F: Int32Array;
  /** The layout as the words stored with a translation (its addresses are constants in the code). */
  private readonly layoutWords: number[];
  private readonly W: Int32Array;
  private readonly C: WasmTierCpu;

  constructor(mem: Memory, R: Int32Array, F: Int32Array, T: Int32Array, W: Int32Array, C: WasmTierCpu) {
    this.F = F;
    this.W = W;
    this.C = C;
    this.layout = { R: R.byteOffset, F: F.byteOffset, T: T.byteOffset, W: W.byteOffset, ...mem.wasmTlb! };
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
    // (as Emitter.stackHook: the instruction count is exact while the hook runs)
    const stackHook = (call: number, retLo: number, retHi: number, retired: number): void => {
      C.insnCount += retired;
      if (call !== 0) C.onCall?.(retLo, retHi); else C.onRet?.();
      C.insnCount -= retired;
    };
    // div/idiv beyond the inline case (ops/muldiv.ts): the JS tier's helper on R's rAX/rDX, #DE reported as a fault
    const divide = (signed: number, size: number, lo: number, hi: number, ipLo: number, ipHi: number): void => {
      try {
        if (signed) idiv1(R, size, lo, hi); else div1(R, size, lo, hi);
      } catch (err) {
        C.blockFault(err, ipLo, ipHi);
      }
    };
    this.imports = { e: { m: mem.wasm!.memory, f0: load, f1: store, f2: trapAt, f3: divide, f4: stackHook } };
  }

  /**
   * The block with a wasm `run` when its trace is within the subset,
   * else the block as it is. `code` is the block's code in `store` (null:
   * not stored): a translation stored with it for this layout is used as it
   * is — a run from the block cache neither decodes nor translates — and
   * one made now is stored with it.
   */
  upgrade(block: Block, store: BlockStore | null, code: BlockCode | null): Block {
    if (block.length < 2) return block; // (a step's single instruction, a host function: not worth a module)
    const stored = code?.translations === undefined ? undefined : this.storedFor(code.translations);
    if (stored === null) { wasmTierStats.declined++; return block; }
    if (stored !== undefined) {
      const run = this.instantiate(stored);
      if (run !== null) {
        wasmTierStats.fromStore++;
        return this.withRun(block, run);
      }
      // (a damaged translation: made again below, and stored in its place)
    }
    const bytes = this.translate(block);
    if (store !== null && code !== null) store.addTranslation(code, { layout: this.layoutWords, bytes: bytes ?? NO_BYTES });
    if (bytes === null) { wasmTierStats.declined++; return block; }
    const run = this.instantiate(bytes);
    if (run === null) throw new Error('wasm tier: a translation made now is no module of the tier\'s shape');
    return this.withRun(block, run);
  }

  /** The block's module, or null when too little of it is in the subset (decodes a stored block's instructions). */
  private translate(block: Block): Uint8Array | null {
    const insns = block.insns;
    const bytes = translateTrace(insns, block.ipLo, block.ipHi, this.layout);
    if (bytes !== null && insns.some((d) => d.flowControl === FlowControl.Call || d.flowControl === FlowControl.Return ||
      d.flowControl === FlowControl.IndirectCall)) wasmTierStats.withCalls++;
    return bytes;
  }

  /** The stored translation for this layout: its bytes, null when the tier declined the block, undefined when none. */
  private storedFor(translations: readonly StoredTranslation[]): Uint8Array | null | undefined {
    for (const t of translations) {
      if (t.bytes.length === 0) return null;
      if (sameWords(t.layout, this.layoutWords)) return t.bytes;
    }
    return undefined;
  }

  /** The module's `run`, entered with settled flags; null when the bytes do not make a module of the tier's shape. */
  private instantiate(bytes: Uint8Array): (() => number) | null {
    let wasmRun: unknown;
    try {
      wasmRun = instantiateWasmWith(bytes, this.imports).run;
    } catch {
      return null;
    }
    if (typeof wasmRun !== 'function') return null;
    const exported = wasmRun as () => number;
    // The wasm code reads and writes F's six flag slots directly: flags a JS
    // block left pending (lazyFlags.ts) are computed before it starts. W[1]
    // says which call/return hooks are set (the code calls them only then).
    const F = this.F, W = this.W, C = this.C;
    return (): number => {
      if (F[PendingSlot.OP] !== 0) settleFlags(F);
      W[1] = (C.onCall !== null ? HookBit.CALL : 0) | (C.onRet !== null ? HookBit.RET : 0);
      return exported();
    };
  }

  private withRun(block: Block, run: () => number): Block {
    wasmTierStats.compiled++;
    // (a stored block decodes its instructions only when asked: the debugger's summaries)
    return new WasmBlock(block, run);
  }
}

const NO_BYTES = new Uint8Array(0);

/**
 * A block whose `run` is wasm. A class, so every such block has one shape:
 * an object literal with its own `get insns()` closure gets a map of its
 * own, and the dispatcher's `block.run` load went megamorphic (V8's generic
 * LoadIC: 13 % of the host instructions of a call-heavy run).
 */
class WasmBlock implements Block {
  readonly ipLo: number;
  readonly ipHi: number;
  readonly pages: number[];
  readonly length: number;
  constructor(private readonly js: Block, readonly run: () => number) {
    this.ipLo = js.ipLo; this.ipHi = js.ipHi; this.pages = js.pages; this.length = js.length;
  }

  /** (a stored block decodes its instructions only when asked: the debugger's summaries) */
  get insns(): Insn[] { return this.js.insns; }
}

function sameWords(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
