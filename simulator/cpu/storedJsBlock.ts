// A block taken from the block store (blockStore.ts) as the CPU runs it.
// Its JS is made when it first runs, not when the compiler takes it: a
// block whose stored wasm runs from its first entry (wasm/storedModules.ts)
// never needs it, and its factory's script is then never compiled
// (cli/blockScript.ts). A class, so every such block has one shape (see
// batch.ts WasmBlock: the dispatcher's `block.run` load stays monomorphic).

import type { Block } from './compiler';
import type { Insn } from './decode';

/** How a looping block's JS starts its loop (the compiler emits it; `loops` looks for it). */
export const LOOP_HEAD = 'for(;;)';

export class StoredJsBlock implements Block {
  /** Makes the JS on its first call, then is that JS. */
  run: () => number;
  private decoded: Insn[] | null = null;

  /** `make`: the block's JS function; `decodeAll`: its instructions; `body`: its JS body. */
  constructor(readonly ipLo: number, readonly ipHi: number, readonly pages: number[], readonly length: number,
    make: () => () => number, private readonly decodeAll: () => Insn[], private readonly body: () => string) {
    let made: (() => number) | null = null;
    // (memoized: a wasm block waiting for its batch holds this first function)
    this.run = () => {
      if (made === null) this.run = made = make();
      return made();
    };
  }

  /** (decoded only if someone asks: the wasm tier translating it, the debugger's summaries) */
  get insns(): Insn[] { return this.decoded ??= this.decodeAll(); }

  get loops(): boolean { return this.body().includes(LOOP_HEAD); }
}
