// One script of the block cache's factories (blockCache.ts): the source of
// an array of function expressions, compiled when a block first needs its
// factory, with the V8 code cache stored beside it. The file has two: the
// JS blocks' and the factories of blocks whose wasm is stored too, which a
// run with the wasm tier on never needs (storedModules.ts gives them their
// wasm from their first entry) — deserializing their code was most of
// reading a warm kmix's cache (its traces are two thirds of the source).

import * as vm from 'node:vm';
import type { StoredBlock } from '../cpu/blockStore';

/** The script's name (in profiles and stack traces of generated code). */
const FILENAME = 'ksw-blocks.js';

export type Factory = StoredBlock['factory'];

export class BlockScript {
  /** Scripts compiled in this process (tests: a warm run with the wasm tier on compiles only its JS blocks'). */
  static compiled = 0;
  private factories: Factory[] | null = null;
  /** Compiled without usable V8 data: its code cache is worth writing at exit. */
  private dataMissing = false;
  private script: vm.Script | null = null;

  /** `source`: `[f0,f1,…]` (empty: no factories); `data`: V8's code cache of it (empty: none). */
  constructor(private readonly source: string, private readonly data: Uint8Array) {}

  /** The factory at an index of the array (the script is compiled on the first ask). */
  factory(index: number): Factory {
    if (this.factories === null) {
      const cachedData = this.data.length > 0 ? this.data : undefined;
      const script = new vm.Script(this.source, { filename: FILENAME, cachedData });
      this.dataMissing = cachedData === undefined || script.cachedDataRejected === true;
      this.script = script;
      BlockScript.compiled++;
      this.factories = script.runInThisContext() as Factory[];
    }
    return this.factories[index];
  }

  /** Whether the code cache to write (dataToWrite) differs from the stored one. */
  get dataChanged(): boolean {
    return this.dataMissing;
  }

  /** The code cache to write: of the script as this run compiled it when the stored one was missing or rejected, else the stored one. */
  dataToWrite(): Uint8Array {
    return this.dataMissing && this.script !== null ? this.script.createCachedData() : this.data;
  }
}
