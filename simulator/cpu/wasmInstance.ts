// Instantiating the small WebAssembly modules the simulator assembles itself
// (helpers/wasm64.ts: 64-bit multiply and divide; cli/codeCache.ts: the
// cache's content hash; cpu/wasm/chain.ts: the table the wasm tier's blocks call each other through). The project's TypeScript libs (ES2022, no DOM) do
// not declare the WebAssembly API: this is the one place that does.

import * as v8 from 'node:v8';

// Branch hints (cpu/wasm/encoder.ts moduleBytes): the wasm tier's TLB misses out of TurboFan's hot code.
v8.setFlagsFromString('--experimental-wasm-branch-hinting');

declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
  Table: new (d: { element: 'anyfunc'; initial: number }) => FuncTable;
  Memory: new (d: { initial: number }) => { readonly buffer: ArrayBuffer };
};

/** A WebAssembly.Table of functions (the wasm tier's chaining, cpu/wasm/chain.ts). */
export interface FuncTable {
  readonly length: number;
  grow(delta: number): number;
  set(index: number, fn: unknown): void;
}

/** An empty table of functions, `initial` slots long. */
export function newFuncTable(initial: number): FuncTable {
  return new WebAssembly.Table({ element: 'anyfunc', initial });
}

/**
 * A wasm memory of `pages` 64 KiB pages, made at that size: growing one
 * detaches its old buffer (cli/codeCache.ts says why that is avoided).
 */
export function newMemory(pages: number): { readonly buffer: ArrayBuffer } {
  return new WebAssembly.Memory({ initial: pages });
}

/** Compile and instantiate a module that imports nothing; its exports. */
export function instantiateWasm(bytes: Uint8Array): Record<string, unknown> {
  return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
}

/** Compile and instantiate a module with its imports (the wasm tier's blocks, cpu/wasm/tier.ts); its exports. */
export function instantiateWasmWith(bytes: Uint8Array, imports: Record<string, Record<string, unknown>>): Record<string, unknown> {
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports;
}

/** Instantiate a module compiled elsewhere (cpu/wasm/compileAhead.ts) with its imports; its exports. */
export function instantiateCompiled(module: object, imports: Record<string, Record<string, unknown>>): Record<string, unknown> {
  return new WebAssembly.Instance(module, imports).exports;
}

/**
 * Whether wasm is compiled eagerly: unless the user's node flags say how
 * wasm compiles (--[no-]wasm-lazy-compilation).
 */
const EAGER = typeof process !== 'undefined' &&
  !/--(no[-_])?wasm[-_]lazy[-_]compilation/.test(`${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`);

/** Where iced-x86's wasm start-up (scripts/build.mjs icedLazyWasm) finds compileLazily. */
const COMPILE_LAZILY = Symbol.for('kstackwatch-studio.compileLazily');

/**
 * The simulator's modules are compiled eagerly, the whole process long. V8
 * compiles wasm lazily, each function on the main thread at its first call:
 * the tier's modules are 64 traces nearly all of which run, and a warm kmix
 * spent ~8 % of its main thread compiling them so, one by one, mid-run
 * (perf: Runtime_WasmCompileLazy). Compiled with the module, V8's worker
 * threads share the work; a big store's modules are compiled on a thread
 * of ours (wasm/compileAhead.ts). Set once, here, and not around each
 * compile: V8's flag hash, which code caches carry, is recomputed when a
 * flag changes, so a flag set and reset on one thread while another checks
 * or makes a code cache gave that code cache another hash — the block
 * cache's scripts were rejected and written again every run. Only iced-x86's
 * 0.8 MB of wasm, mostly unused (10 ms lazily, 45 ms eagerly), is compiled
 * lazily (compileLazily: no code cache is made or checked meanwhile).
 */
if (EAGER) {
  v8.setFlagsFromString('--no-wasm-lazy-compilation');
  (globalThis as { [COMPILE_LAZILY]?: <T>(compile: () => T) => T })[COMPILE_LAZILY] = compileLazily;
}

/** `compile` run with wasm compiled lazily (V8's default). */
function compileLazily<T>(compile: () => T): T {
  v8.setFlagsFromString('--wasm-lazy-compilation');
  try {
    return compile();
  } finally {
    v8.setFlagsFromString('--no-wasm-lazy-compilation');
  }
}

/** Whether the bytes are a valid module (the wasm tier finds a damaged stored function without compiling it). */
export function validWasm(bytes: Uint8Array): boolean {
  return WebAssembly.validate(bytes);
}
