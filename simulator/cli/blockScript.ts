// One script of the block cache's factories (blockCache.ts): the source of
// an array of function expressions, compiled when a block first needs its
// factory, with the V8 code cache stored beside it. The JS blocks' factories
// and those of blocks whose wasm is stored too are in separate scripts: a
// run with the wasm tier on never needs the second kind (storedModules.ts
// gives them their wasm from their first entry) — deserializing their code
// was most of reading a warm kmix's cache (its traces are two thirds of the
// source). A run that compiles blocks adds scripts of its own (see
// FileBlockStore.save). Source and code cache are read from the file only
// when asked for (cacheRegion.ts): the source whole when the script is
// compiled, else a factory's piece; the code cache when it is compiled.

import * as vm from 'node:vm';
import type { StoredBlock } from '../cpu/blockStore';
import type { LazyBytes } from './cacheRegion';

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
  /** A piece of the source was damaged: the script is not compiled whole, each factory alone (its own piece is sound: see sound). */
  private damaged = false;

  /**
   * `source`: `[f0,f1,…]` as the file's ASCII bytes (empty: no factories);
   * `data`: V8's code cache of it (empty: none); `wasm`: the factories of
   * blocks with stored wasm.
   */
  constructor(private readonly source: LazyBytes, private readonly data: LazyBytes, private readonly isWasm = false) {}

  /**
   * The whole source as a string, made on the first ask (null: damaged): a
   * run with the wasm tier on never needs most of a script of wasm blocks'
   * factories (Lua's: 8.5 MB of the file's 15 MB of source, ~25 ms to make
   * a string of, and as long to read).
   */
  private get sourceText(): string | null {
    if (this.text === null && !this.damaged) {
      const bytes = this.source.whole();
      if (bytes === null) { this.damaged = true; return null; }
      this.text = latin1(bytes);
      if (this.isWasm) BlockScript.wasmSourcesMade++;
    }
    return this.text;
  }

  /** Whether the source from `start` to `end` can be read and is intact (a block whose factory's is not is not used). */
  sound(start: number, end: number): boolean {
    return this.text !== null || this.source.range(start, end) !== null;
  }

  /** The source from `start` to `end` (offsets in this script; sound). */
  slice(start: number, end: number): string {
    return this.text !== null ? this.text.slice(start, end) : latin1(this.source.range(start, end)!);
  }

  /**
   * The factory at an index of the array, whose source is from `start` to
   * `end` (the script is compiled on the first ask; when its source is
   * damaged elsewhere, this factory alone).
   */
  factory(index: number, start: number, end: number): Factory {
    if (this.factories === null) {
      const text = this.sourceText;
      if (text === null) return BlockScript.alone(this.slice(start, end));
      const data = this.data.length > 0 ? this.data.whole() : null;
      const cachedData = data ?? undefined; // (damaged: compiled without it, and a sound one written at exit)
      const script = new vm.Script(text, { filename: FILENAME, cachedData });
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

  /** The source's length in bytes. */
  get sourceLength(): number { return this.source.length; }

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
    if (this.dataMissing && this.script !== null && !(this.manyWasm && wasmRun)) return this.script.createCachedData();
    return this.data.whole() ?? new Uint8Array(0); // (damaged: none)
  }

  /** Whether the stored code cache is intact (tests). */
  dataIntact(): boolean {
    return this.data.whole() !== null;
  }

  /** The whole source's bytes to write again (null: damaged). */
  sourceToWrite(): Uint8Array | null {
    return this.source.whole();
  }
}

/** ASCII bytes (generated code) as a string. */
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}
