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
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports;
}

/** Whether the bytes are a valid module (the wasm tier finds a damaged stored function without compiling it). */
export function validWasm(bytes: Uint8Array): boolean {
  return WebAssembly.validate(bytes);
}
