// A region of a block cache file (blockCache.ts) read only when a run first
// needs it: a script's source or V8 code cache, the wasm tier's
// translations. Lua's file is 34 MB, of which a run with the wasm tier on
// needs about half (not the code cache of the traces' JavaScript, which
// their stored wasm replaces) and a run with it off not the translations;
// reading a page costs a page fault (~8 us on a VM) and hashing it, so the
// file is read where it lies in one wasm memory, piece by piece as asked.
// Each CHUNK of a region has its own hash in the file's always-read part,
// so a piece is checked as it is read, and a damaged one is only that piece
// missing (the caller decides what that means: a block compiled again, a
// script compiled without its code cache, no stored translations).

import { HashMemory, readWhole } from './codeCache';

/** Bytes per hashed piece of a region (a multiple of the hash's 16-byte stride): a factory alone is one piece or two. */
export const CHUNK = 64 << 10;

/** Hashed pieces of a region of `length` bytes. */
export const chunksOf = (length: number): number => Math.ceil(length / CHUNK);

/** Regions start on this boundary in the file (the hash's stride), zero-padded to it. */
export const alignRegion = (n: number): number => (n + 15) & -16;

export type RegionKind = 'eager' | 'translations' | 'source' | 'data' | 'wasmSource' | 'wasmData';

/** Bytes read from block cache files in this process, by kind of region (tests: what a warm run reads, not how long it took). */
export const regionReads: Record<RegionKind, number> = { eager: 0, translations: 0, source: 0, data: 0, wasmSource: 0, wasmData: 0 };
/** Chunks found damaged (tests). */
export const damagedChunks = { count: 0 };

/**
 * The open file a store reads its regions from, into `mem` at their offsets
 * in the file. The descriptor stays open from the load (a concurrent run's
 * rename puts a new file in place, not under this one) until `close`.
 */
export class OpenFile {
  constructor(private fd: number, readonly mem: HashMemory) {}

  /** Read `length` bytes at `at` of the file into the memory at the same offset; false when it cannot. */
  read(at: number, length: number): boolean {
    return this.fd >= 0 && readWhole(this.fd, this.mem.bytes, at, length, at);
  }

  close(closeFd: (fd: number) => void): void {
    if (this.fd >= 0) closeFd(this.fd);
    this.fd = -1;
  }
}

/** Some bytes that may be read only when asked for (a script's source or data). */
export interface LazyBytes {
  readonly length: number;
  /** Bytes [from, to) (views of the file's memory, to keep); null when a piece of them is damaged or unreadable. */
  range(from: number, to: number): Uint8Array | null;
  /** All of them (range(0, length)). */
  whole(): Uint8Array | null;
}

const UNREAD = 0, SOUND = 1, DAMAGED = 2;

export class FileRegion implements LazyBytes {
  /** Per chunk: UNREAD, SOUND or DAMAGED. */
  private readonly state: Uint8Array;

  /** `hashes`: two words per chunk (HashMemory.hash of its bytes). */
  constructor(private readonly file: OpenFile, private readonly start: number, readonly length: number,
    private readonly hashes: Uint32Array, private readonly kind: RegionKind) {
    this.state = new Uint8Array(chunksOf(length));
  }

  /** Whether a piece read so far was damaged. */
  get damaged(): boolean { return this.state.includes(DAMAGED); }

  whole(): Uint8Array | null { return this.range(0, this.length); }

  range(from: number, to: number): Uint8Array | null {
    const first = Math.floor(from / CHUNK), end = Math.min(Math.ceil(to / CHUNK), this.state.length);
    for (let k = first; k < end; k++) {
      if (this.state[k] === UNREAD) {
        let last = k + 1; // (a run of unread pieces is one read)
        while (last < end && this.state[last] === UNREAD) last++;
        this.readChunks(k, last);
        k = last - 1;
      }
    }
    for (let k = first; k < end; k++) if (this.state[k] !== SOUND) return null;
    return this.file.mem.bytes.subarray(this.start + from, this.start + to);
  }

  /** Read chunks [first, last) and check each against its hash. */
  private readChunks(first: number, last: number): void {
    const from = this.start + first * CHUNK, to = this.start + Math.min(last * CHUNK, this.length);
    const mem = this.file.mem, ok = this.file.read(from, to - from);
    regionReads[this.kind] += to - from;
    // (the hash of the region's last piece takes the padding after it: zeros, whatever the memory held before)
    if (last === this.state.length) mem.bytes.fill(0, to, Math.min(alignRegion(to), mem.bytes.length));
    for (let k = first; k < last; k++) {
      const at = this.start + k * CHUNK, [a, b] = mem.hash(at, Math.min(at + CHUNK, this.start + this.length));
      this.state[k] = ok && a === this.hashes[2 * k] && b === this.hashes[2 * k + 1] ? SOUND : DAMAGED;
      if (this.state[k] === DAMAGED) damagedChunks.count++;
    }
  }
}

/** The hashes of a region's chunks as it lies in `mem` from `start` (zero-padded after it), two words per chunk, into `out`. */
export function chunkHashes(mem: HashMemory, start: number, length: number, out: Uint32Array): void {
  for (let k = 0, at = start; at < start + length; k++, at += CHUNK) {
    const [a, b] = mem.hash(at, Math.min(at + CHUNK, start + length));
    out[2 * k] = a;
    out[2 * k + 1] = b;
  }
}
