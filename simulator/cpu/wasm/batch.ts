// The wasm tier compiles traces in batches, several functions to a module
// (tier.ts). V8's cost of a small module is mostly fixed — per module its
// code space and validation set-up, per instance a wrapper for each
// imported function — about 1 ms each for kmix's ~190 one-trace modules, as
// much as all the rest of making them. So a trace the tier takes waits:
// its block runs its JS until the batch is compiled, when BATCH_MAX traces
// wait or the waiting blocks have run FLUSH_AFTER instructions in JS. Both
// are counts, so when code moves to wasm is deterministic (and either way
// the machine state is the same: the JS and the wasm of a block agree).

import type { Block } from '../compiler';
import type { Insn } from '../decode';
import type { BlockCode, BlockStore } from '../blockStore';

/** Traces per module at most (V8 validates a module whole; its functions compile lazily, at their first call). */
export const BATCH_MAX = 64;
/** Instructions the waiting blocks run in JS before their batch is compiled however small (a short hot loop — wasmTier/codeStores.c, ~24,000 — still gets its wasm). */
export const FLUSH_AFTER = 10_000;

/** A trace waiting for its batch: its block and function bytes; where it was stored (null: translated now). */
export interface Pending {
  readonly block: WasmBlock;
  readonly bytes: Uint8Array;
  readonly stored: { store: BlockStore | null; code: BlockCode | null } | null;
}

export class Batch {
  private pending: Pending[] = [];
  /** Instructions the waiting blocks may still run in JS. */
  private left = FLUSH_AFTER;

  /** `compile` makes the blocks' wasm runs (WasmBlock.ready), in one module when it can. */
  constructor(private readonly compile: (entries: readonly Pending[]) => void) {}

  /** The block, to run its JS until the batch with `bytes` is compiled. */
  add(js: Block, bytes: Uint8Array, stored: Pending['stored']): WasmBlock {
    const jsRun = js.run;
    const waiting = (): number => {
      const n = jsRun();
      if ((this.left -= n) <= 0) this.flush();
      return n;
    };
    const block = new WasmBlock(js, waiting);
    this.pending.push({ block, bytes, stored });
    if (this.pending.length >= BATCH_MAX) this.flush();
    return block;
  }

  /** Compile the waiting traces now. */
  flush(): void {
    const entries = this.pending;
    this.pending = [];
    this.left = FLUSH_AFTER;
    if (entries.length > 0) this.compile(entries);
  }
}

/**
 * A block whose `run` is wasm (or, while its batch waits, its JS). A class,
 * so every such block has one shape: an object literal with its own
 * `get insns()` closure gets a map of its own, and the dispatcher's
 * `block.run` load went megamorphic (V8's generic LoadIC: 13 % of the host
 * instructions of a call-heavy run).
 */
export class WasmBlock implements Block {
  readonly ipLo: number;
  readonly ipHi: number;
  readonly pages: number[];
  readonly length: number;
  /** The block's slot in the wasm chain's table (chain.ts) once its batch is compiled; -1 before, after its slot is taken back, or with no chain. */
  index = -1;
  /** The JS block's run (counting for the batch) until the batch is compiled, then the wasm function's. */
  run: () => number;
  constructor(readonly js: Block, waiting: () => number) {
    this.ipLo = js.ipLo; this.ipHi = js.ipHi; this.pages = js.pages; this.length = js.length;
    this.run = waiting;
  }

  /** The batch is compiled: the wasm function from now on (null: the block stays JS). */
  ready(run: (() => number) | null): void {
    this.run = run ?? this.js.run;
  }

  /** (a stored block decodes its instructions only when asked: the debugger's summaries) */
  get insns(): Insn[] { return this.js.insns; }
}
