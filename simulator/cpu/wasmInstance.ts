// Instantiating the small WebAssembly modules the simulator assembles itself
// (helpers/wasm64.ts: 64-bit multiply and divide; cli/codeCache.ts: the
// cache's content hash). The project's TypeScript libs (ES2022, no DOM) do
// not declare the WebAssembly API: this is the one place that does.

declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
};

/** Compile and instantiate a module that imports nothing; its exports. */
export function instantiateWasm(bytes: Uint8Array): Record<string, unknown> {
  return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
}
