// Instantiating the small WebAssembly modules the simulator assembles itself
// (helpers/wasm64.ts: 64-bit multiply and divide; cli/codeCache.ts: the
// cache's content hash; cpu/wasm/chain.ts: the table the wasm tier's blocks call each other through). The project's TypeScript libs (ES2022, no DOM) do
// not declare the WebAssembly API: this is the one place that does.

import * as v8 from 'node:v8';

// Branch hints (cpu/wasm/encoder.ts hintSection): the wasm tier's TLB misses out of TurboFan's hot code.
v8.setFlagsFromString('--experimental-wasm-branch-hinting');

declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
  Table: new (d: { element: 'anyfunc'; initial: number }) => FuncTable;
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

/** Compile and instantiate a module that imports nothing; its exports. */
export function instantiateWasm(bytes: Uint8Array): Record<string, unknown> {
  return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
}

/** Compile and instantiate a module with its imports (the wasm tier's blocks, cpu/wasm/tier.ts); its exports. */
export function instantiateWasmWith(bytes: Uint8Array, imports: Record<string, Record<string, unknown>>): Record<string, unknown> {
  return new WebAssembly.Instance(compileEagerly(bytes), imports).exports;
}

/** Instantiate a module compiled elsewhere (cpu/wasm/compileAhead.ts) with its imports; its exports. */
export function instantiateCompiled(module: object, imports: Record<string, Record<string, unknown>>): Record<string, unknown> {
  return new WebAssembly.Instance(module, imports).exports;
}

/**
 * Whether the tier's modules are compiled eagerly: unless the user's node
 * flags say how wasm compiles (--[no-]wasm-lazy-compilation).
 */
export const EAGER = typeof process !== 'undefined' &&
  !/--(no[-_])?wasm[-_]lazy[-_]compilation/.test(`${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`);

/**
 * A module of the wasm tier with all its functions compiled now. V8 compiles
 * wasm lazily, each function on the main thread at its first call: the
 * tier's modules are 64 traces nearly all of which run, and a warm kmix spent
 * ~8 % of its main thread compiling them so, one by one, mid-run (perf:
 * Runtime_WasmCompileLazy). Compiled with the module, V8's worker threads
 * share the work. Only for these modules (iced-x86's 0.8 MB of wasm, mostly
 * unused, compiles in 10 ms lazily and 45 ms eagerly), so the flag is set
 * around the compile and set back: V8's flag hash, which code caches carry,
 * is then the same again (it counts flags that differ from their defaults).
 */
function compileEagerly(bytes: Uint8Array): object {
  if (!EAGER) return new WebAssembly.Module(bytes);
  v8.setFlagsFromString('--no-wasm-lazy-compilation');
  try {
    return new WebAssembly.Module(bytes);
  } finally {
    v8.setFlagsFromString('--wasm-lazy-compilation');
  }
}

/** Whether the bytes are a valid module (the wasm tier finds a damaged stored function without compiling it). */
export function validWasm(bytes: Uint8Array): boolean {
  return WebAssembly.validate(bytes);
}
