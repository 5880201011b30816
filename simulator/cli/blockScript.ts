// One script of the block cache's factories (blockCache.ts): the source of
// an array of function expressions, compiled when a block first needs its
// factory, with the V8 code cache stored beside it. The JS blocks' factories
// and those of blocks whose wasm is stored too are in separate scripts: a
// run with the wasm tier on never needs the second kind (storedModules.ts
// gives them their wasm from their first entry) — deserializing their code
// was most of reading a warm kmix's cache (its traces are two thirds of the
// source). A run that compiles blocks adds scripts of its own (see
// FileBlockStore.save).

import * as vm from 'node:vm';
import type { StoredBlock } from '../cpu/blockStore';

/** The script's name (in profiles and stack traces of generated code). */
const FILENAME = 'ksw-blocks.js';

export type Factory = StoredBlock['factory'];

/** Source length (bytes) above which a script of wasm blocks' factories is not compiled whole by a run with the tier on (BlockScript.manyWasm): kmix's is 1.29 MB, a hello-world's 44 KB. */
const ALONE_ABOVE = 256 << 10;

export class BlockScript {
  /** Scripts compiled in this process, and of those the scripts of blocks with stored wasm (tests: a warm run with the wasm tier on compiles none of these). */
  static compiled = 0;
  static compiledWasm = 0;
  /** Factories compiled alone (BlockScript.alone). */
  static compiledAlone = 0;
  /** Scripts of blocks with stored wasm whose source was made a string (tests: a warm run with the wasm tier on makes none). */
  static wasmSourcesMade = 0;
  private factories: Factory[] | null = null;
  /** Compiled without usable V8 data: its code cache is worth writing at exit. */
  private dataMissing = false;
  private script: vm.Script | null = null;
  private text: string | null = null;

  /**
   * `source`: `[f0,f1,…]` as the file's ASCII bytes (empty: no factories);
   * `data`: V8's code cache of it (empty: none); `wasm`: the factories of
   * blocks with stored wasm.
   */
  constructor(private readonly source: Uint8Array, private readonly data: Uint8Array, private readonly isWasm = false) {}

  /**
   * The source as a string, made on the first ask: a run with the wasm
   * tier on never needs most of a script of wasm blocks' factories (Lua's:
   * 8.5 MB of the file's 15 MB of source, ~25 ms to make a string of).
   */
  get sourceText(): string {
    if (this.text === null) {
      this.text = Buffer.from(this.source.buffer, this.source.byteOffset, this.source.length).toString('latin1');
      if (this.isWasm) BlockScript.wasmSourcesMade++;
    }
    return this.text;
  }

  /** The source from `start` to `end` (offsets in this script). */
  slice(start: number, end: number): string {
    return this.sourceText.slice(start, end);
  }

  /** The factory at an index of the array (the script is compiled on the first ask). */
  factory(index: number): Factory {
    if (this.factories === null) {
      const cachedData = this.data.length > 0 ? this.data : undefined;
      const script = new vm.Script(this.sourceText, { filename: FILENAME, cachedData });
      this.dataMissing = cachedData === undefined || script.cachedDataRejected === true;
      this.script = script;
      BlockScript.compiled++;
      if (this.isWasm) BlockScript.compiledWasm++;
      this.factories = script.runInThisContext() as Factory[];
    }
    return this.factories[index];
  }

  /**
   * The factories of blocks with stored wasm (see the top), too many for a
   * run with the wasm tier on to compile the script for the few it needs:
   * it compiles those alone, and writes no code cache of it.
   */
  get manyWasm(): boolean { return this.isWasm && this.source.length > ALONE_ABOVE; }

  /** Whether the file had V8's code cache of it. */
  get hasData(): boolean { return this.data.length > 0; }

  /** Whether a block first needed a factory of it (the script is compiled). */
  get used(): boolean { return this.factories !== null; }

  /**
   * One factory compiled alone from its source, not the script it is in: a
   * run with the wasm tier on needs a few of a wasm blocks' script (the
   * traces its tier leaves to JS, those that run JS while their batch
   * waits), and compiling that whole script — V8 pre-parses every factory in
   * it — cost kmix ~70 ms of every warm run for its two such traces. (A
   * small such script is compiled whole, from its code cache: a factory
   * compiled alone costs ~0.6 ms, the five of a warm hello-world 15-20 M
   * host instructions more than their script's code cache.)
   */
  static alone(source: string): Factory {
    BlockScript.compiledAlone++;
    return new vm.Script(`(${source})`, { filename: FILENAME }).runInThisContext() as Factory;
  }

  /** Whether the code cache to write (dataToWrite) differs from the stored one. */
  dataChanged(wasmRun: boolean): boolean {
    return this.dataMissing && !(this.manyWasm && wasmRun);
  }

  /**
   * The code cache to write: of the script as this run compiled it when the
   * stored one was missing or rejected, else the stored one. `wasmRun`: this
   * run had the wasm tier on, so a script of blocks with wasm keeps what it
   * had — such a run compiles it only for the few traces the tier leaves to
   * JS, and a code cache of the traces it ran in JS while their batch
   * waited would only make the file longer to read.
   */
  dataToWrite(wasmRun: boolean): Uint8Array {
    return this.dataMissing && this.script !== null && !(this.manyWasm && wasmRun) ? this.script.createCachedData() : this.data;
  }
}
