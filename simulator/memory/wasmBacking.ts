// Guest physical memory as the buffer of a WebAssembly.Memory, for the
// wasm tier (cpu/wasm/; on by default, KSW_WASM=0 turns it off): generated
// wasm code then loads and stores guest memory directly. The memory is made
// at its full size and never grown, so every JS view on it (the DataView,
// the TLB arrays) stays valid. Past the guest's frames lie the TLB arrays
// and the CPUs' register files, which the wasm code reads and writes by
// address. With the tier off, or for a memory that records accesses (the
// debugger's time travel), nothing here is used: guest memory stays a plain
// ArrayBuffer.
//
// The memory is shared (its buffer a SharedArrayBuffer; nothing else about
// it changes: one thread uses it). V8 counts a plain buffer's bytes as
// external memory, and a gigabyte of it makes V8 start a full garbage
// collection ("external memory pressure") as soon as the machine is made:
// ~7 ms to make the memory and a mark-compact of the whole heap, about a
// fifth of what a `ksw exec` of hello-world adds to node's own start-up
// (cachegrind: 745 M -> 700 M instructions; node -e 0 is 510 M). A shared
// buffer is not counted. The tier's modules import it as shared (encoder.ts).

declare const WebAssembly: {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { readonly buffer: ArrayBuffer };
};

const WASM_PAGE = 65536;
/** Bytes past the frames: the wasm tier's two TLBs (memory.ts rTlb, wTlb: 4 K entries × 16 bytes each), room for the CPU's registers, and its dispatch table (16 K entries × 16 bytes). */
const AUX_BYTES = 7 * WASM_PAGE;

/**
 * Whether the wasm tier is on when KSW_WASM is unset: the one place that
 * decides its default (README "A WebAssembly tier"). On since the whole
 * suite passed with it (scripts/test.mjs runs the differential suites again
 * with it off, so the JavaScript tier stays tested).
 */
export const WASM_TIER_DEFAULT = true;

/** The tier for a value of KSW_WASM: 0 off; 1, stats, why (or anything else) on; unset or empty: the default. */
export function wasmTierFromEnv(value: string | undefined): boolean {
  if (value === undefined || value === '') return WASM_TIER_DEFAULT;
  return value !== '0';
}

/** Compile hot trace blocks of integer code to WebAssembly (KSW_WASM, see wasmTierFromEnv). */
export const WASM_TIER = wasmTierFromEnv(typeof process !== 'undefined' ? process.env.KSW_WASM : undefined);

export class WasmBacking {
  /** The WebAssembly.Memory (the wasm tier's modules import it). */
  readonly memory: { readonly buffer: ArrayBuffer };
  readonly buffer: ArrayBuffer;
  private next: number;
  private readonly limit: number;

  constructor(physBytes: number) {
    const pages = (physBytes + AUX_BYTES) / WASM_PAGE;
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    this.buffer = this.memory.buffer;
    this.next = physBytes;
    this.limit = physBytes + AUX_BYTES;
  }

  /** Whether guest memory of this size can be backed (whole wasm pages, under 4 GiB). */
  static fits(physBytes: number): boolean {
    return physBytes % WASM_PAGE === 0 && physBytes + AUX_BYTES < 2 ** 32;
  }

  /** n int32 words past the frames, 16-byte aligned, or null when the area is used up. */
  int32(n: number): Int32Array | null {
    const at = this.next;
    if (at + 4 * n > this.limit) return null;
    this.next = (at + 4 * n + 15) & ~15;
    return new Int32Array(this.buffer, at, n);
  }
}
