// Paged guest memory. Guest pages (4 KiB) map onto frames of one physical
// ArrayBuffer; the OS commits those lazily, so a large buffer costs only what
// the guest touches. Generated code calls the `ld*`/`st*` accessors, whose
// fast path is a direct-mapped TLB hit and one DataView access. Everything
// unusual — a miss, an unmapped or read-only page, an access that crosses a
// page, a page that holds compiled code (so writes must invalidate it) or an
// armed data breakpoint — takes the slow path.

import { UserError } from '../errors/userError';
import { AccessLog, LINE_SHIFT as ACCESS_LINE_SHIFT, LineMasks } from './accessLog';
import { WASM_TIER, WasmBacking } from './wasmBacking';
import { emptyTlbEntry, setLimit, UNWATCHED, writeTlbEntry } from './wasmWriteTlb';

export type AccessKind = 'read' | 'write' | 'execute';

/**
 * An access to an unmapped page or one without the permission. The CPU turns
 * it into its #PF (cpu/faults.ts PageFault) when guest code made the access;
 * host code that reads guest memory (kernel APIs, the debugger) may catch it.
 */
export class MemoryFault extends UserError {
  constructor(readonly address: bigint, readonly access: AccessKind, readonly present: boolean) {
    super(`page fault: ${access} at 0x${BigInt.asUintN(64, address).toString(16)} (${present ? 'protection violation' : 'not mapped'})`, { kind: 'guest' });
    this.name = 'MemoryFault';
  }
}

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
const PAGE_MASK = PAGE_SIZE - 1;
const TLB_SIZE = 4096;
const TLB_MASK = TLB_SIZE - 1;
/** A write-TLB record's words (Memory.wEntry): the tags and frame as the read TLB's; the union of
 * the write-watched ranges of the page [W.START, W.END) ([0, 0) when none); muted by quietWatch, the
 * watched range it put aside (start | end << 16) to put back (0: not muted; rewriting the entry,
 * setWriteWatch, drops it); 1 when the page has exactly one watched range (the one quietWatch may
 * mute, without a page lookup). */
// (a const enum: the bundles inline its values, where a module's consts are each a context load —
// muteWatch grew past TurboFan's inlining limit, v8Tuning.ts, with them)
const enum W { TAG_A = 0, TAG_B = 1, BASE = 2, START = 3, END = 4, MUTED = 5, ONLY = 6, SHIFT = 3, WORDS = 1 << SHIFT }
const NO_TAG = -1; // (lo >>> 12) is never negative, nor is a page's address odd (wasmEntry, rTlb): this never matches
/** A module-local copy: the accessors read it on every access (an import may compile to a getter call). */
const LINE_SHIFT = ACCESS_LINE_SHIFT;

export const enum Perm { R = 1, W = 2, X = 4, RW = 3, RX = 5, RWX = 7 }

/** One mapped guest page. */
export interface PageEntry {
  /** Byte offset of its frame in physical memory. */
  frame: number;
  perm: number;
  /** Compiled blocks that start on this page; writes then invalidate them. */
  codeBlocks: number;
  /** Armed data breakpoints covering this page (writes, reads). */
  watchWrite: number;
  watchRead: number;
  /**
   * Write-watched byte ranges on the page ([start, end) offsets, pairs). The
   * write TLB keeps their union, so stores elsewhere on a watched page (a
   * stack page, typically) stay on the fast path.
   */
  watchRanges: number[];
  /** The access log's epoch when a load (store) last went through the slow path here (startAccessLog). */
  read: number;
  written: number;
}

/** One page in a MemoryImage. */
export interface PageImage {
  readonly frame: number;
  readonly perm: number;
  readonly watchWrite: number;
  readonly watchRead: number;
  readonly watchRanges: readonly number[];
  /** The page's bytes; the same array as the previous image's when they did not change. */
  readonly data: Uint8Array;
}

/** Guest memory at a checkpoint: the page table and every mapped page's bytes. */
export interface MemoryImage {
  readonly pages: ReadonlyMap<number, PageImage>;
  readonly freeFrames: readonly number[];
  readonly nextFrame: number;
  /** Bytes of page data this image holds that the previous one did not (what it costs on top). */
  readonly newBytes: number;
}

/** Page number key of a 64-bit address given as two halves (exact in a double). */
export function pageKey(lo: number, hi: number): number {
  return (hi >>> 0) * 0x100000 + (lo >>> PAGE_SHIFT);
}

export function splitAddress(addr: bigint): [number, number] {
  const a = BigInt.asUintN(64, addr);
  return [Number(a & 0xffffffffn) | 0, Number(a >> 32n) | 0];
}

export function joinAddress(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Hooks the CPU/kernel installs to observe memory events on slow paths. */
export interface MemoryObserver {
  /** A write touched a page holding compiled code. */
  codeWritten(key: number): void;
  /** An access touched a page with an armed data breakpoint. */
  watchedAccess(lo: number, hi: number, size: number, write: boolean): void;
}

/** The guest needs more frames than the simulated machine has. */
export class OutOfPhysicalMemory extends UserError {
  constructor(message: string) { super(message, { kind: 'unsupported' }); }
}

function overlapsAny(ranges: number[], start: number, end: number): boolean {
  for (let j = 0; j < ranges.length; j += 2) if (start < ranges[j + 1] && ranges[j] < end) return true;
  return false;
}

/** Slot i of the wasm read TLB (Memory.rTlb) maps page p (lo >>> 12) of the window hi to the frame at byte `frame` (the write TLB's: wasmWriteTlb.ts). */
function wasmEntry(tlb: Int32Array, i: number, p: number, hi: number, frame: number): void {
  const lo = p << PAGE_SHIFT;
  tlb[4 * i] = lo; tlb[4 * i + 1] = hi; tlb[4 * i + 2] = (frame - lo) | 0;
}

export class Memory {
  readonly phys: ArrayBuffer;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  /** Scratch for 64-bit loads: ld64 returns the low half and leaves the high half in scratch[0]. */
  readonly scratch = new Int32Array(4);
  private readonly pages = new Map<number, PageEntry>();
  private readonly freeFrames: number[] = [];
  private nextFrame = 0;
  observer: MemoryObserver | null = null;
  /** What guest loads and stores reached since startAccessLog() (time travel's stretch summaries; accessLog.ts). */
  private readonly log: AccessLog;

  // Direct-mapped TLBs: tag A = page number within the 4 GiB window, tag B =
  // high half of the address; base = frame offset.
  private readonly rTagA: Int32Array;
  private readonly rTagB: Int32Array;
  private readonly rBase: Int32Array;
  /**
   * The write TLB, one record of W.WORDS words per slot (W.TAG_A, W.TAG_B,
   * W.BASE as the read TLB's; W.START..W.ONLY below): a store's hit path
   * reads one record, and muting or unmuting a watch (quietWatch, twice per
   * KStackWatch-watched call) touches one record instead of an element of
   * each of seven arrays — each array's object, buffer and element a cache
   * line of its own, cold by the next watched call.
   */
  private readonly wEntry: Int32Array;
  /**
   * The wasm tier's copies of the two TLBs (KSW_WASM=1: in the wasm memory,
   * past the frames; else null), one 16-byte entry per slot, QEMU's layout:
   * the page's address as an i64 tag (low word, high word), then the addend
   * that takes a guest address's low word to its byte in the memory (frame −
   * the page's low word, mod 2^32). Generated code compares the tag with the
   * page of the access's last byte — one i64 compare, and an access crossing
   * into the next page misses by itself. The write copy holds, instead of the
   * tag, a limit below the page's write-watched range (wasmWriteTlb.ts): stores
   * below it hit, the others leave for a check of the range in the miss path,
   * as the accessors check it. Every fill and flush of the JS TLBs above
   * updates these too.
   */
  private readonly rTlb: Int32Array | null;
  private readonly wTlb: Int32Array | null;
  /** The WebAssembly.Memory guest memory lives in (KSW_WASM=1), else null. */
  readonly wasm: WasmBacking | null;

  /**
   * The read TLB, for compiled code that inlines the load accessors' fast
   * path (cpu/emit/loads.ts): slot (lo >>> 12) & 4095 maps the page when
   * tagA holds lo >>> 12 and tagB hi; base + (lo & 4095) is then the byte in
   * `dv`. Read-only outside this class. Compiled code inlines the hit path
   * only when the memory does not record accesses (its accessors then do
   * more).
   */
  get readTlb(): { readonly tagA: Int32Array; readonly tagB: Int32Array; readonly base: Int32Array } {
    return { tagA: this.rTagA, tagB: this.rTagB, base: this.rBase };
  }

  /** Byte offsets of the wasm TLBs (rTlb, wTlb) in the wasm memory (the wasm tier's inline loads and stores), or null. */
  get wasmTlb(): { rTlb: number; wTlb: number } | null {
    if (this.rTlb === null || this.wTlb === null) return null;
    return { rTlb: this.rTlb.byteOffset, wTlb: this.wTlb.byteOffset };
  }

  /** Whether guest loads and stores stamp the lines they reach (the constructor's recordAccesses). */
  get recordsAccesses(): boolean {
    return this.log.loadStamps !== null;
  }

  readonly ld8: (lo: number, hi: number) => number;
  readonly ld16: (lo: number, hi: number) => number;
  readonly ld32: (lo: number, hi: number) => number;
  readonly ld64: (lo: number, hi: number) => number;
  readonly st8: (lo: number, hi: number, v: number) => void;
  readonly st16: (lo: number, hi: number, v: number) => void;
  readonly st32: (lo: number, hi: number, v: number) => void;
  readonly st64: (lo: number, hi: number, vlo: number, vhi: number) => void;

  /**
   * `recordAccesses`: stamp the 8-byte lines guest loads and stores reach
   * (accessLog.ts), for a debugger's time travel. Its accessors are other
   * functions than the plain ones, so a machine that does not record runs
   * exactly the code it ran before (compiled blocks and helpers take the
   * accessors of their machine's memory). `wasm`: guest memory is a
   * WebAssembly.Memory, for the wasm tier (wasmBacking.ts; default: on
   * unless KSW_WASM=0; never with recordAccesses).
   */
  constructor(readonly physBytes = 1 << 30, recordAccesses = false, wasm = WASM_TIER) {
    this.log = new AccessLog(physBytes, recordAccesses);
    this.wasm = wasm && !recordAccesses && WasmBacking.fits(physBytes) ? new WasmBacking(physBytes) : null;
    this.phys = this.wasm?.buffer ?? new ArrayBuffer(physBytes);
    const tlbArray = (): Int32Array => new Int32Array(TLB_SIZE);
    this.rTagA = tlbArray().fill(NO_TAG); this.rTagB = tlbArray(); this.rBase = tlbArray();
    this.wEntry = new Int32Array(TLB_SIZE * W.WORDS);
    for (let i = 0; i < TLB_SIZE; i++) this.wEntry[i << W.SHIFT] = NO_TAG;
    this.rTlb = this.wasm?.int32(4 * TLB_SIZE)?.fill(NO_TAG) ?? null;
    this.wTlb = this.wasm?.int32(4 * TLB_SIZE) ?? null;
    if (this.wTlb !== null) for (let i = 0; i < TLB_SIZE; i++) emptyTlbEntry(this.wTlb, i);
    this.u8 = new Uint8Array(this.phys);
    this.dv = new DataView(this.phys);
    const dv = this.dv, scratch = this.scratch;
    const rTagA = this.rTagA, rTagB = this.rTagB, rBase = this.rBase;
    const wE = this.wEntry;
    if (recordAccesses) {
      const r = this.recordingAccessors(this.log.loadStamps!, this.log.storeStamps!);
      this.ld8 = r.ld8; this.ld16 = r.ld16; this.ld32 = r.ld32; this.ld64 = r.ld64;
      this.st8 = r.st8; this.st16 = r.st16; this.st32 = r.st32; this.st64 = r.st64;
      return;
    }

    this.ld8 = (lo, hi) => {
      const p = lo >>> PAGE_SHIFT, i = p & TLB_MASK;
      if (rTagA[i] === p && rTagB[i] === hi) return dv.getUint8(rBase[i] + (lo & PAGE_MASK));
      return this.loadSlow(lo, hi, 1);
    };
    this.ld16 = (lo, hi) => {
      const p = lo >>> PAGE_SHIFT, i = p & TLB_MASK, o = lo & PAGE_MASK;
      if (rTagA[i] === p && rTagB[i] === hi && o <= PAGE_SIZE - 2) return dv.getUint16(rBase[i] + o, true);
      return this.loadSlow(lo, hi, 2);
    };
    this.ld32 = (lo, hi) => {
      const p = lo >>> PAGE_SHIFT, i = p & TLB_MASK, o = lo & PAGE_MASK;
      if (rTagA[i] === p && rTagB[i] === hi && o <= PAGE_SIZE - 4) return dv.getInt32(rBase[i] + o, true);
      return this.loadSlow(lo, hi, 4);
    };
    this.ld64 = (lo, hi) => {
      const p = lo >>> PAGE_SHIFT, i = p & TLB_MASK, o = lo & PAGE_MASK;
      if (rTagA[i] === p && rTagB[i] === hi && o <= PAGE_SIZE - 8) {
        const b = rBase[i] + o;
        scratch[0] = dv.getInt32(b + 4, true);
        return dv.getInt32(b, true);
      }
      return this.loadSlow(lo, hi, 8);
    };
    this.st8 = (lo, hi, v) => {
      const p = lo >>> PAGE_SHIFT, e = (p & TLB_MASK) << W.SHIFT;
      const o = lo & PAGE_MASK;
      if (wE[e + W.TAG_A] === p && wE[e + W.TAG_B] === hi && (o >= wE[e + W.END] || o + 1 <= wE[e + W.START])) { dv.setUint8(wE[e + W.BASE] + o, v); return; }
      this.storeSlow(lo, hi, 1, v, 0);
    };
    this.st16 = (lo, hi, v) => {
      const p = lo >>> PAGE_SHIFT, e = (p & TLB_MASK) << W.SHIFT, o = lo & PAGE_MASK;
      if (wE[e + W.TAG_A] === p && wE[e + W.TAG_B] === hi && o <= PAGE_SIZE - 2 && (o >= wE[e + W.END] || o + 2 <= wE[e + W.START])) { dv.setUint16(wE[e + W.BASE] + o, v, true); return; }
      this.storeSlow(lo, hi, 2, v, 0);
    };
    this.st32 = (lo, hi, v) => {
      const p = lo >>> PAGE_SHIFT, e = (p & TLB_MASK) << W.SHIFT, o = lo & PAGE_MASK;
      if (wE[e + W.TAG_A] === p && wE[e + W.TAG_B] === hi && o <= PAGE_SIZE - 4 && (o >= wE[e + W.END] || o + 4 <= wE[e + W.START])) { dv.setInt32(wE[e + W.BASE] + o, v, true); return; }
      this.storeSlow(lo, hi, 4, v, 0);
    };
    this.st64 = (lo, hi, vlo, vhi) => {
      const p = lo >>> PAGE_SHIFT, e = (p & TLB_MASK) << W.SHIFT, o = lo & PAGE_MASK;
      if (wE[e + W.TAG_A] === p && wE[e + W.TAG_B] === hi && o <= PAGE_SIZE - 8 && (o >= wE[e + W.END] || o + 8 <= wE[e + W.START])) {
        const b = wE[e + W.BASE] + o;
        dv.setInt32(b, vlo, true);
        dv.setInt32(b + 4, vhi, true);
        return;
      }
      this.storeSlow(lo, hi, 8, vlo, vhi);
    };
  }

  /**
   * The accessors of a recording memory: the plain ones' fast paths, plus
   * the stamp of the access's first and last line (an access of 8 bytes or
   * fewer reaches at most two). Kept apart so that the plain accessors stay
   * as they are.
   */
  private recordingAccessors(R: Uint8Array, L: Uint8Array): Pick<Memory, 'ld8' | 'ld16' | 'ld32' | 'ld64' | 'st8' | 'st16' | 'st32' | 'st64'> {
    const dv = this.dv, S = this.log.stamp, scratch = this.scratch;
    const rTagA = this.rTagA, rTagB = this.rTagB, rBase = this.rBase;
    const wE = this.wEntry;
    const ld8: Memory['ld8'] = (lo, hi) => {
      const p = lo >>> PAGE_SHIFT, i = p & TLB_MASK;
      if (rTagA[i] === p && rTagB[i] === hi) {
        const b = rBase[i] + (lo & PAGE_MASK);
        R[b >>> LINE_SHIFT] = S[0];
        return dv.getUint8(b);
      }
      return this.loadSlow(lo, hi, 1);
    };
    const ld16: Memory['ld16'] = (lo, hi) => {
      const p = lo >>> PAGE_SHIFT, i = p & TLB_MASK, o = lo & PAGE_MASK;
      if (rTagA[i] === p && rTagB[i] === hi && o <= PAGE_SIZE - 2) {
        const b = rBase[i] + o;
        R[b >>> LINE_SHIFT] = R[(b + 1) >>> LINE_SHIFT] = S[0];
        return dv.getUint16(b, true);
      }
      return this.loadSlow(lo, hi, 2);
    };
    const ld32: Memory['ld32'] = (lo, hi) => {
      const p = lo >>> PAGE_SHIFT, i = p & TLB_MASK, o = lo & PAGE_MASK;
      if (rTagA[i] === p && rTagB[i] === hi && o <= PAGE_SIZE - 4) {
        const b = rBase[i] + o;
        R[b >>> LINE_SHIFT] = R[(b + 3) >>> LINE_SHIFT] = S[0];
        return dv.getInt32(b, true);
      }
      return this.loadSlow(lo, hi, 4);
    };
    const ld64: Memory['ld64'] = (lo, hi) => {
      const p = lo >>> PAGE_SHIFT, i = p & TLB_MASK, o = lo & PAGE_MASK;
      if (rTagA[i] === p && rTagB[i] === hi && o <= PAGE_SIZE - 8) {
        const b = rBase[i] + o;
        R[b >>> LINE_SHIFT] = R[(b + 7) >>> LINE_SHIFT] = S[0];
        scratch[0] = dv.getInt32(b + 4, true);
        return dv.getInt32(b, true);
      }
      return this.loadSlow(lo, hi, 8);
    };
    const st8: Memory['st8'] = (lo, hi, v) => {
      const p = lo >>> PAGE_SHIFT, e = (p & TLB_MASK) << W.SHIFT;
      const o = lo & PAGE_MASK;
      if (wE[e + W.TAG_A] === p && wE[e + W.TAG_B] === hi && (o >= wE[e + W.END] || o + 1 <= wE[e + W.START])) {
        const b = wE[e + W.BASE] + o;
        dv.setUint8(b, v);
        L[b >>> LINE_SHIFT] = S[0];
        return;
      }
      this.storeSlow(lo, hi, 1, v, 0);
    };
    const st16: Memory['st16'] = (lo, hi, v) => {
      const p = lo >>> PAGE_SHIFT, e = (p & TLB_MASK) << W.SHIFT, o = lo & PAGE_MASK;
      if (wE[e + W.TAG_A] === p && wE[e + W.TAG_B] === hi && o <= PAGE_SIZE - 2 && (o >= wE[e + W.END] || o + 2 <= wE[e + W.START])) {
        const b = wE[e + W.BASE] + o;
        dv.setUint16(b, v, true);
        L[b >>> LINE_SHIFT] = L[(b + 1) >>> LINE_SHIFT] = S[0];
        return;
      }
      this.storeSlow(lo, hi, 2, v, 0);
    };
    const st32: Memory['st32'] = (lo, hi, v) => {
      const p = lo >>> PAGE_SHIFT, e = (p & TLB_MASK) << W.SHIFT, o = lo & PAGE_MASK;
      if (wE[e + W.TAG_A] === p && wE[e + W.TAG_B] === hi && o <= PAGE_SIZE - 4 && (o >= wE[e + W.END] || o + 4 <= wE[e + W.START])) {
        const b = wE[e + W.BASE] + o;
        dv.setInt32(b, v, true);
        L[b >>> LINE_SHIFT] = L[(b + 3) >>> LINE_SHIFT] = S[0];
        return;
      }
      this.storeSlow(lo, hi, 4, v, 0);
    };
    const st64: Memory['st64'] = (lo, hi, vlo, vhi) => {
      const p = lo >>> PAGE_SHIFT, e = (p & TLB_MASK) << W.SHIFT, o = lo & PAGE_MASK;
      if (wE[e + W.TAG_A] === p && wE[e + W.TAG_B] === hi && o <= PAGE_SIZE - 8 && (o >= wE[e + W.END] || o + 8 <= wE[e + W.START])) {
        const b = wE[e + W.BASE] + o;
        dv.setInt32(b, vlo, true);
        dv.setInt32(b + 4, vhi, true);
        L[b >>> LINE_SHIFT] = L[(b + 7) >>> LINE_SHIFT] = S[0];
        return;
      }
      this.storeSlow(lo, hi, 8, vlo, vhi);
    };
    return { ld8, ld16, ld32, ld64, st8, st16, st32, st64 };
  }

  // ---- mapping -------------------------------------------------------

  // (The TLBs hold only pages that exist, filled by an access they allowed:
  // a change drops the entries of the pages it changed. A whole flush cost a
  // warm Lua run ~460 of them, ~18 ms, and the misses after each.)

  /** Map zero-filled pages covering [addr, addr+size). Already mapped pages keep their contents and get `perm`. */
  map(addr: bigint, size: number, perm: number): void {
    this.forEachPage(addr, size, (key) => {
      const page = this.pages.get(key);
      if (page) { page.perm = perm; this.flushTlbKey(key); return; }
      this.pages.set(key, { frame: this.allocFrame(), perm, codeBlocks: 0, watchWrite: 0, watchRead: 0, watchRanges: [], read: 0, written: 0 });
    });
  }

  unmap(addr: bigint, size: number): void {
    this.forEachPage(addr, size, (key) => {
      const page = this.pages.get(key);
      if (!page) return;
      if (page.codeBlocks) this.observer?.codeWritten(key);
      this.u8.fill(0, page.frame, page.frame + PAGE_SIZE);
      this.freeFrames.push(page.frame);
      this.pages.delete(key);
      this.flushTlbKey(key);
    });
  }

  protect(addr: bigint, size: number, perm: number): void {
    this.forEachPage(addr, size, (key) => {
      const page = this.pages.get(key);
      if (page) { page.perm = perm; this.flushTlbKey(key); }
    });
  }

  isMapped(addr: bigint): boolean {
    const [lo, hi] = splitAddress(addr);
    return this.pages.has(pageKey(lo, hi));
  }

  pageAt(lo: number, hi: number): PageEntry | undefined {
    return this.pages.get(pageKey(lo, hi));
  }

  pageByKey(key: number): PageEntry | undefined {
    return this.pages.get(key);
  }

  /** Lowest page-aligned address ≥ `from` with `size` unmapped bytes below `limit`. */
  findFree(from: bigint, size: number, limit: bigint): bigint | null {
    const pagesNeeded = Math.ceil(size / PAGE_SIZE);
    let start = (from + BigInt(PAGE_MASK)) & ~BigInt(PAGE_MASK);
    while (start + BigInt(pagesNeeded * PAGE_SIZE) <= limit) {
      let ok = true;
      for (let i = 0; i < pagesNeeded; i++) {
        const a = start + BigInt(i * PAGE_SIZE);
        if (this.isMapped(a)) { start = a + BigInt(PAGE_SIZE); ok = false; break; }
      }
      if (ok) return start;
    }
    return null;
  }

  get mappedPages(): number {
    return this.pages.size;
  }

  // ---- bulk access (host side; BigInt addresses are fine off the hot path) --

  /** Read bytes; faults like the guest would unless `force` ignores permissions. */
  read(addr: bigint, length: number, force = false): Uint8Array {
    const out = new Uint8Array(length);
    this.copy(addr, length, force ? 0 : Perm.R, 'read', (frameOff, bufOff, n) => {
      out.set(this.u8.subarray(frameOff, frameOff + n), bufOff);
    });
    return out;
  }

  /** Write bytes; `force` ignores permissions (loaders, debuggers). Compiled code on the pages is invalidated. */
  write(addr: bigint, data: Uint8Array, force = false): void {
    this.copy(addr, data.length, force ? 0 : Perm.W, 'write', (frameOff, bufOff, n, key, page) => {
      this.u8.set(data.subarray(bufOff, bufOff + n), frameOff);
      if (page.codeBlocks) this.observer?.codeWritten(key);
    });
  }

  readU64(addr: bigint, force = false): bigint {
    return new DataView(this.read(addr, 8, force).buffer).getBigUint64(0, true);
  }

  writeU64(addr: bigint, value: bigint, force = false): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
    this.write(addr, b, force);
  }

  readU32(addr: bigint, force = false): number {
    return new DataView(this.read(addr, 4, force).buffer).getUint32(0, true);
  }

  /** NUL-terminated string (at most `max` bytes). */
  readCString(addr: bigint, max = 4096): string {
    const bytes: number[] = [];
    for (let i = 0; i < max; i++) {
      const b = this.read(addr + BigInt(i), 1)[0];
      if (b === 0) break;
      bytes.push(b);
    }
    return Buffer.from(bytes).toString('utf8');
  }

  // ---- code and watch bookkeeping -------------------------------------

  /** Mark a page as holding compiled code (writes to it leave the fast path). */
  addCodeBlock(key: number): void {
    const page = this.pages.get(key);
    if (page && page.codeBlocks++ === 0) this.flushTlbKey(key);
  }

  clearCodeBlocks(key: number): void {
    const page = this.pages.get(key);
    if (page) page.codeBlocks = 0;
  }

  /** Add (+1) or remove (−1) a data breakpoint's claim on the pages covering [lo, lo+size). */
  adjustWatch(lo: number, hi: number, size: number, write: boolean, read: boolean, delta: number): void {
    const lastLo = (lo >>> 0) + size - 1;
    const pages = lastLo > 0xffffffff || (lastLo >>> PAGE_SHIFT) !== (lo >>> PAGE_SHIFT) ? 2 : 1;
    for (let n = 0; n < pages; n++) {
      const pLo = n === 0 ? lo : lastLo | 0;
      const pHi = n === 1 && lastLo > 0xffffffff ? (hi + 1) | 0 : hi;
      const key = pageKey(pLo, pHi);
      const page = this.cachedPage(key);
      if (!page) continue;
      if (write) {
        page.watchWrite += delta;
        // this page's part of the range
        const start = n === 0 ? lo & PAGE_MASK : 0;
        const end = pages === 2 && n === 0 ? PAGE_SIZE : (lastLo & PAGE_MASK) + 1;
        if (delta > 0) page.watchRanges.push(start, end);
        else {
          // drop one matching pair; the ranges are a set (setWriteWatch takes their union), so the
          // last pair fills the hole — splice would allocate on every KStackWatch disarm
          const r = page.watchRanges;
          for (let j = 0; j < r.length; j += 2) {
            if (r[j] !== start || r[j + 1] !== end) continue;
            const lastEnd = r.pop()!, lastStart = r.pop()!;
            if (j < r.length) { r[j] = lastStart; r[j + 1] = lastEnd; }
            break;
          }
        }
      }
      if (read) {
        page.watchRead += delta;
        this.flushTlbPage(pLo);
      } else {
        this.refreshWriteWatch(pLo, pHi, page);
      }
    }
  }

  /**
   * A write watch on the page changed: update the write-TLB entry's watched
   * range in place instead of dropping the entry. KStackWatch arms and
   * disarms on every watched call; dropping the entries sent the next loads
   * and stores to that stack page through the slow path each time.
   */
  private refreshWriteWatch(lo: number, hi: number, page: PageEntry): void {
    const p = lo >>> PAGE_SHIFT, i = p & TLB_MASK;
    const wE = this.wEntry, e = i << W.SHIFT;
    if (wE[e + W.TAG_A] === p && wE[e + W.TAG_B] === hi) this.setWriteWatch(i, page);
  }

  /**
   * Let the write TLB's stores into [lo, lo+size) through (quiet) or send
   * them to the watch check again: a data breakpoint whose hits are dropped
   * for now (Cpu.quietWrites, Cpu.disarmedWrites) is muted while it is its
   * page's only watched range, its page's entry in the TLB; unmuting puts
   * back what muting put aside (W.MUTED), unless the entry was rewritten
   * since. The page's ranges stay as they are: a refill or a watch change
   * rewrites the entry from them, and then the slow path drops the hits as
   * before. Runs twice per KStackWatch-watched call: no page lookup.
   */
  quietWatch(lo: number, hi: number, size: number, quiet: boolean): void {
    const p = lo >>> PAGE_SHIFT, i = p & TLB_MASK, wE = this.wEntry, e = i << W.SHIFT;
    if (wE[e + W.TAG_A] !== p || wE[e + W.TAG_B] !== hi) return;
    // (three functions, each under TurboFan's inlining limit, v8Tuning.ts: the
    // mute and the unmute inline into the probe handlers that run them)
    if (quiet) this.muteWatch(i, p, hi, lo, size); else this.unmuteWatch(i, p, hi);
  }

  private unmuteWatch(i: number, p: number, hi: number): void {
    const wE = this.wEntry, e = i << W.SHIFT;
    const watched = wE[e + W.MUTED];
    if (watched === 0) return; // not muted, or rewritten since
    wE[e + W.MUTED] = 0;
    wE[e + W.START] = watched & 0xffff; wE[e + W.END] = watched >>> 16;
    if (this.wTlb !== null) setLimit(this.wTlb, i, p, hi, watched);
  }

  private muteWatch(i: number, p: number, hi: number, lo: number, size: number): void {
    const wE = this.wEntry, e = i << W.SHIFT;
    if (wE[e + W.ONLY] === 0 || (lo & PAGE_MASK) + size > PAGE_SIZE) return;
    wE[e + W.MUTED] = wE[e + W.START] | wE[e + W.END] << 16;
    wE[e + W.START] = 0; wE[e + W.END] = 0;
    if (this.wTlb !== null) setLimit(this.wTlb, i, p, hi, UNWATCHED);
  }

  /** Drop the TLB entries that could map this page (a direct-mapped slot each). */
  private flushTlbPage(lo: number): void {
    this.flushTlbSlot((lo >>> PAGE_SHIFT) & TLB_MASK);
  }

  /** flushTlbPage by the page's key (its page number: pageKey), and forget it as the page found last. */
  private flushTlbKey(key: number): void {
    this.flushTlbSlot(key % TLB_SIZE);
    if (key === this.lastKey) { this.lastKey = -1; this.lastPage = undefined; }
  }

  private flushTlbSlot(i: number): void {
    this.rTagA[i] = NO_TAG;
    this.wEntry[i << W.SHIFT] = NO_TAG;
    if (this.rTlb !== null) this.rTlb[4 * i] = NO_TAG;
    if (this.wTlb !== null) emptyTlbEntry(this.wTlb, i);
  }

  /** Empty both TLBs (and the wasm tier's copies). */
  private emptyTlbs(): void {
    this.rTagA.fill(NO_TAG);
    for (let i = 0; i < TLB_SIZE; i++) this.wEntry[i << W.SHIFT] = NO_TAG;
    this.rTlb?.fill(NO_TAG);
    if (this.wTlb !== null) for (let i = 0; i < TLB_SIZE; i++) emptyTlbEntry(this.wTlb, i);
  }

  /**
   * 64-bit load/store for the kernel's own bookkeeping (fprobe return
   * addresses): no permission checks and no data-breakpoint check — the
   * hardware does not watch the kernel's trampolines either. Compiled code on
   * the page is invalidated by the store as usual.
   */
  peek64(lo: number, hi: number): number {
    const page = this.cachedPage(pageKey(lo, hi));
    const o = lo & PAGE_MASK;
    if (!page || o > PAGE_SIZE - 8) return this.peek64Slow(lo, hi); // (apart: peek64 stays small enough to inline)
    this.scratch[0] = this.dv.getInt32(page.frame + o + 4, true);
    return this.dv.getInt32(page.frame + o, true);
  }

  private peek64Slow(lo: number, hi: number): number {
    const v = this.readU64(joinAddress(lo, hi), true); // faults if unmapped; rare page-crossing case
    this.scratch[0] = Number(v >> 32n) | 0;
    return Number(v & 0xffffffffn) | 0;
  }

  poke64(lo: number, hi: number, vlo: number, vhi: number): void {
    const page = this.cachedPage(pageKey(lo, hi));
    const o = lo & PAGE_MASK;
    if (!page || o > PAGE_SIZE - 8) {
      this.writeU64(joinAddress(lo, hi), joinAddress(vlo, vhi), true);
      return;
    }
    this.dv.setInt32(page.frame + o, vlo, true);
    this.dv.setInt32(page.frame + o + 4, vhi, true);
    if (page.codeBlocks) this.observer?.codeWritten(pageKey(lo, hi));
  }

  /**
   * Log from now on which pages (and, recording, which lines) guest loads
   * and stores reach (accessLog.ts; a superset: a store of the value already
   * there counts, as it does for a data breakpoint). Both TLBs are emptied
   * so that each page's first access goes through the slow path, which
   * notes it; later ones need not. Host accesses (read, write, peek64,
   * poke64: loaders, debuggers, host functions) are not guest accesses and
   * trigger no data breakpoint: they are not logged.
   */
  startAccessLog(): void {
    this.log.start();
    this.emptyTlbs();
  }

  /** The pages loaded from since startAccessLog(), each with the lines loads reached (accessLog.ts; every line unless recording). */
  loadedLines(): LineMasks {
    return this.log.loadedLines(this.frameOf);
  }

  /** The pages stored to since startAccessLog(), each with the lines stores reached (accessLog.ts; every line unless recording). */
  storedLines(): LineMasks {
    return this.log.storedLines(this.frameOf);
  }

  private readonly frameOf = (key: number): number | undefined => this.pages.get(key)?.frame;

  flushTlb(): void {
    this.emptyTlbs();
    this.lastKey = -1; this.lastPage = undefined;
  }

  /**
   * The page the host's paths found last — adjustWatch, peek64/poke64, the
   * slow store path: per watched call the probes read and write the same
   * stack page several times (return address, canary, the watch's claim,
   * the exit trampoline's filtered store), and a kernel address's page key
   * is not a small integer, so each Map lookup hashes a heap number. A
   * change to its page, or a whole flush of the TLBs, forgets it.
   */
  private lastKey = -1;
  private lastPage: PageEntry | undefined = undefined;

  private cachedPage(key: number): PageEntry | undefined {
    if (key === this.lastKey) return this.lastPage;
    const page = this.pages.get(key);
    if (page) { this.lastKey = key; this.lastPage = page; }
    return page;
  }

  // ---- checkpoints ---------------------------------------------------

  /**
   * The whole guest memory as it is now. Pages whose bytes equal `prev`'s
   * share its arrays, so a series of images costs the pages that changed
   * between them. Compiled-code marks are not kept (a restore drops the
   * compiled code).
   */
  image(prev?: MemoryImage): MemoryImage {
    const pages = new Map<number, PageImage>();
    let newBytes = 0;
    for (const [key, p] of this.pages) {
      const now = this.u8.subarray(p.frame, p.frame + PAGE_SIZE);
      const old = prev?.pages.get(key)?.data;
      let data: Uint8Array;
      if (old && Buffer.compare(old, now) === 0) data = old;
      else { data = now.slice(); newBytes += PAGE_SIZE; }
      pages.set(key, { frame: p.frame, perm: p.perm, watchWrite: p.watchWrite, watchRead: p.watchRead, watchRanges: p.watchRanges.slice(), data });
    }
    return { pages, freeFrames: this.freeFrames.slice(), nextFrame: this.nextFrame, newBytes };
  }

  /** Back to an image: its pages, frames and bytes; frames it had free are zero again. The observer must drop its compiled code. */
  restoreImage(img: MemoryImage): void {
    for (const f of img.freeFrames) this.u8.fill(0, f, f + PAGE_SIZE);
    if (this.nextFrame > img.nextFrame) this.u8.fill(0, img.nextFrame, this.nextFrame);
    this.pages.clear();
    for (const [key, p] of img.pages) {
      this.u8.set(p.data, p.frame);
      this.pages.set(key, { frame: p.frame, perm: p.perm, codeBlocks: 0, watchWrite: p.watchWrite, watchRead: p.watchRead, watchRanges: p.watchRanges.slice(), read: 0, written: 0 });
    }
    this.freeFrames.length = 0;
    this.freeFrames.push(...img.freeFrames);
    this.nextFrame = img.nextFrame;
    this.flushTlb();
  }

  // ---- slow paths -----------------------------------------------------

  private loadSlow(lo: number, hi: number, size: number): number {
    const o = lo & PAGE_MASK;
    if (o + size > PAGE_SIZE) return this.loadSplit(lo, hi, size);
    const page = this.translate(lo, hi, Perm.R, 'read');
    const log = this.log;
    if (page.read !== log.epoch) { page.read = log.epoch; log.noteLoad(pageKey(lo, hi), page.frame); }
    const R = log.loadStamps;
    if (R) R[(page.frame + o) >>> LINE_SHIFT] = R[(page.frame + o + size - 1) >>> LINE_SHIFT] = log.stamp[0];
    if (page.watchRead && this.observer) this.observer.watchedAccess(lo, hi, size, false);
    else this.fillRead(lo, hi, page);
    const b = page.frame + o;
    switch (size) {
      case 1: return this.dv.getUint8(b);
      case 2: return this.dv.getUint16(b, true);
      case 4: return this.dv.getInt32(b, true);
      default:
        this.scratch[0] = this.dv.getInt32(b + 4, true);
        return this.dv.getInt32(b, true);
    }
  }

  /** An access crossing a page boundary: byte by byte, both pages checked first. */
  private loadSplit(lo: number, hi: number, size: number): number {
    this.translate(lo, hi, Perm.R, 'read');
    this.translateSecondPage(lo, hi, size, Perm.R, 'read');
    let vlo = 0, vhi = 0;
    for (let i = 0; i < size; i++) {
      const [alo, ahi] = this.addBytes(lo, hi, i);
      const b = this.loadSlow(alo, ahi, 1);
      if (i < 4) vlo |= b << (8 * i); else vhi |= b << (8 * (i - 4));
    }
    if (size === 8) this.scratch[0] = vhi;
    return size === 4 || size === 8 ? vlo | 0 : vlo >>> 0;
  }

  private storeSlow(lo: number, hi: number, size: number, vlo: number, vhi: number): void {
    const o = lo & PAGE_MASK;
    if (o + size > PAGE_SIZE) { this.storeSplit(lo, hi, size, vlo, vhi); return; }
    const page = this.translate(lo, hi, Perm.W, 'write');
    const log = this.log;
    if (page.written !== log.epoch) { page.written = log.epoch; log.noteStore(pageKey(lo, hi), page.frame); }
    const b = page.frame + o;
    const L = log.storeStamps;
    if (L) L[b >>> LINE_SHIFT] = L[(b + size - 1) >>> LINE_SHIFT] = log.stamp[0];
    switch (size) {
      case 1: this.dv.setUint8(b, vlo); break;
      case 2: this.dv.setUint16(b, vlo, true); break;
      case 4: this.dv.setInt32(b, vlo, true); break;
      default: this.dv.setInt32(b, vlo, true); this.dv.setInt32(b + 4, vhi, true);
    }
    if (page.codeBlocks) this.observer?.codeWritten(pageKey(lo, hi));
    if (page.watchWrite && this.observer && overlapsAny(page.watchRanges, o, o + size)) this.observer.watchedAccess(lo, hi, size, true);
    if (!page.codeBlocks) this.fillWrite(lo, hi, page);
  }

  private storeSplit(lo: number, hi: number, size: number, vlo: number, vhi: number): void {
    this.translate(lo, hi, Perm.W, 'write');
    this.translateSecondPage(lo, hi, size, Perm.W, 'write');
    for (let i = 0; i < size; i++) {
      const [alo, ahi] = this.addBytes(lo, hi, i);
      const byte = i < 4 ? (vlo >>> (8 * i)) & 0xff : (vhi >>> (8 * (i - 4))) & 0xff;
      this.storeSlow(alo, ahi, 1, byte, 0);
    }
  }

  private translate(lo: number, hi: number, need: number, access: 'read' | 'write'): PageEntry {
    // the watched page is usually the last one found: a store there takes this path on every hit
    const page = this.cachedPage(pageKey(lo, hi));
    if (!page) throw new MemoryFault(joinAddress(lo, hi), access, false);
    if ((page.perm & need) !== need) throw new MemoryFault(joinAddress(lo, hi), access, true);
    return page;
  }

  /**
   * The page a crossing access runs into, checked at its first byte: that is
   * the address a fault there reports (si_addr), as on Linux — not the
   * access's last byte.
   */
  private translateSecondPage(lo: number, hi: number, size: number, need: number, access: 'read' | 'write'): void {
    const [lastLo, lastHi] = this.addBytes(lo, hi, size - 1);
    this.translate(lastLo & ~PAGE_MASK, lastHi, need, access);
  }

  private fillRead(lo: number, hi: number, page: PageEntry): void {
    const p = lo >>> PAGE_SHIFT, i = p & TLB_MASK;
    this.rTagA[i] = p; this.rTagB[i] = hi; this.rBase[i] = page.frame;
    if (this.rTlb !== null) wasmEntry(this.rTlb, i, p, hi, page.frame);
  }

  private fillWrite(lo: number, hi: number, page: PageEntry): void {
    if (page.watchRead) return; // a read watch must see read-modify-write loads too
    const p = lo >>> PAGE_SHIFT, i = p & TLB_MASK;
    const wE = this.wEntry, e = i << W.SHIFT;
    wE[e + W.TAG_A] = p; wE[e + W.TAG_B] = hi; wE[e + W.BASE] = page.frame;
    this.setWriteWatch(i, page);
  }

  /** The union of the page's write-watched ranges, for write-TLB slot i (stores inside it take the slow path). */
  private setWriteWatch(i: number, page: PageEntry): void {
    let start = PAGE_SIZE, end = 0;
    const r = page.watchRanges;
    for (let j = 0; j < r.length; j += 2) { if (r[j] < start) start = r[j]; if (r[j + 1] > end) end = r[j + 1]; }
    if (end === 0) start = 0;
    const wE = this.wEntry, e = i << W.SHIFT;
    wE[e + W.START] = start; wE[e + W.END] = end;
    wE[e + W.MUTED] = 0;
    wE[e + W.ONLY] = r.length === 2 ? 1 : 0;
    if (this.wTlb !== null) writeTlbEntry(this.wTlb, i, wE[e + W.TAG_A], wE[e + W.TAG_B], wE[e + W.BASE], end === 0 ? UNWATCHED : start | end << 16);
  }

  private addBytes(lo: number, hi: number, n: number): [number, number] {
    const sum = (lo >>> 0) + n;
    return [sum | 0, (hi + (sum > 0xffffffff ? 1 : 0)) | 0];
  }

  private allocFrame(): number {
    const f = this.freeFrames.pop();
    if (f !== undefined) return f;
    if (this.nextFrame + PAGE_SIZE > this.physBytes) {
      throw new OutOfPhysicalMemory(`out of simulated physical memory (${this.physBytes >> 20} MiB)`);
    }
    const frame = this.nextFrame;
    this.nextFrame += PAGE_SIZE;
    return frame;
  }

  private forEachPage(addr: bigint, size: number, fn: (key: number) => void): void {
    if (size <= 0) return;
    // Page numbers (< 2^52) are exact doubles: a BigInt loop variable cost ~4 ms on the 2,048 pages of every new stack.
    const start = Number(BigInt.asUintN(64, addr) >> BigInt(PAGE_SHIFT));
    const end = Number((BigInt.asUintN(64, addr) + BigInt(size) - 1n) >> BigInt(PAGE_SHIFT));
    for (let p = start; p <= end; p++) fn(p);
  }

  private copy(addr: bigint, length: number, need: number, access: 'read' | 'write',
    fn: (frameOff: number, bufOff: number, n: number, key: number, page: PageEntry) => void): void {
    let done = 0;
    while (done < length) {
      const a = BigInt.asUintN(64, addr + BigInt(done));
      const [lo, hi] = splitAddress(a);
      const key = pageKey(lo, hi);
      const page = this.pages.get(key);
      if (!page) throw new MemoryFault(a, access, false);
      if ((page.perm & need) !== need) throw new MemoryFault(a, access, true);
      const o = lo & PAGE_MASK;
      const n = Math.min(PAGE_SIZE - o, length - done);
      fn(page.frame + o, done, n, key, page);
      done += n;
    }
  }
}
