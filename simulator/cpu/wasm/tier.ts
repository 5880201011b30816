// The experimental wasm tier (KSW_WASM=1, README "Benchmarks"): a hot block
// that loops on itself and stays inside translate.ts's integer subset runs
// as a WebAssembly function instead of its JS. The block compiler makes the
// JS block as always (the trace, its instructions, the block store); this
// only swaps its `run` when the translation succeeds. Everything the wasm
// code touches — guest memory, the TLBs, the registers, flags and trap
// words — lies in one WebAssembly.Memory (memory/wasmBacking.ts).

import type { Block } from '../compiler';
import type { Memory } from '../../memory/memory';
import { instantiateWasmWith } from '../wasmInstance';
import { translateLoop, WasmLayout } from './translate';
import { PendingSlot, settleFlags } from '../lazyFlags';

/** What the tier needs of its CPU: the fault report and the trapping store's address. */
export interface WasmTierCpu {
  blockFault(thrown: unknown, lo: number, hi: number): void;
  trapInsnLo: number;
  trapInsnHi: number;
}

/** How many blocks the tier compiled, and how many self-looping blocks it left to JS (KSW_WASM=stats prints them). */
export const wasmTierStats = { compiled: 0, declined: 0 };
if (typeof process !== 'undefined' && process.env.KSW_WASM === 'stats') {
  process.on('exit', () => process.stderr.write(`wasm tier: ${wasmTierStats.compiled} blocks in wasm, ${wasmTierStats.declined} self-looping blocks left to JS\n`));
}

export class WasmTier {
  private readonly layout: WasmLayout;
  private readonly imports: Record<string, Record<string, unknown>>;
  private readonly F: Int32Array;

  constructor(mem: Memory, R: Int32Array, F: Int32Array, T: Int32Array, W: Int32Array, C: WasmTierCpu) {
    this.F = F;
    this.layout = { R: R.byteOffset, F: F.byteOffset, T: T.byteOffset, W: W.byteOffset, ...mem.wasmTlb! };
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
    this.imports = { e: { m: mem.wasm!.memory, f0: load, f1: store, f2: trapAt } };
  }

  /** The block with a wasm `run` when it loops on itself within the subset, else the block as it is. */
  upgrade(block: Block): Block {
    if (block.loops !== true || block.length < 2) return block; // (decoding a stored block's instructions costs: only loops)
    const insns = block.insns;
    if (!insns.some((d) => d.targetLo === block.ipLo && d.targetHi === block.ipHi)) return block;
    const bytes = translateLoop(insns, block.ipLo, block.ipHi, this.layout);
    if (bytes === null) { wasmTierStats.declined++; return block; }
    const wasmRun = instantiateWasmWith(bytes, this.imports).run as () => number;
    // The wasm code reads and writes F's six flag slots directly: flags a JS
    // block left pending (lazyFlags.ts) are computed before it starts.
    const F = this.F;
    const run = (): number => {
      if (F[PendingSlot.OP] !== 0) settleFlags(F);
      return wasmRun();
    };
    wasmTierStats.compiled++;
    return { run, ipLo: block.ipLo, ipHi: block.ipHi, pages: block.pages, length: block.length, insns };
  }
}
