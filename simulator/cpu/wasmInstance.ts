// Instantiating the small WebAssembly modules the simulator assembles itself
// (helpers/wasm64.ts: 64-bit multiply and divide; cli/codeCache.ts: the
// cache's content hash). The project's TypeScript libs (ES2022, no DOM) do
// not declare the WebAssembly API: this is the one place that does.

declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
};

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
