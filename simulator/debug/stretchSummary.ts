// What one stretch of history (between two consecutive checkpoints) did, in
// outline: the code it may have run, the 8-byte lines guest stores and
// loads reached, and how many stop events of its own (a stack-watch
// corruption, an oops) it had. Recorded as the machine runs (forward or in a
// replay): the CPU notes each block it looks up and memory each page whose
// first access took the slow path, both after emptying their caches at the
// stretch's start (cpu.ts startCoverage, memory.ts startAccessLog); a
// debugger's memory also stamps each line its accesses reach (memory.ts
// recordAccesses, accessLog.ts), which tells the lines of those pages apart
// — a watched global sharing its page with a hot one does not make every
// stretch one to replay.
//
// A summary is a FILTER: everything in it is a superset of what happened,
// so "cannot stop here" is certain and "may stop here" is checked by a
// replay. reverseContinue uses it to skip whole stretches that today's
// breakpoints, data breakpoints and stack watches could not stop in.

import type { Block } from '../cpu/compiler';
import { pageKey, PAGE_SIZE } from '../memory/memory';
import { LINE_SHIFT } from '../memory/accessLog';

export interface StretchSummary {
  /** Code that may have run: sorted, disjoint [start, end) pairs of address keys (addressKey). */
  readonly code: Float64Array;
  /** The pages a guest store reached (pageKey), each with the mask of its 8-byte lines they reached (accessLog.ts). */
  readonly stores: ReadonlyMap<number, Uint32Array>;
  /** The same for guest loads: what a read/write data breakpoint stops on too. */
  readonly loads: ReadonlyMap<number, Uint32Array>;
  /** Stop events of the history itself (corruptions caught, oopses): any makes the stretch one to replay. */
  readonly events: number;
}

/**
 * An address as a number: its low 53 bits (exact in a double). Addresses
 * differing only above that share a key: the filter then says "may" for
 * both, which is still correct.
 */
function addressKey(lo: number, hi: number): number {
  return (hi & 0x1fffff) * 0x1_0000_0000 + (lo >>> 0);
}

function bigKey(address: bigint): number {
  return Number(BigInt.asUintN(53, address));
}

/** Sort and merge [start, end) pairs (flat) into disjoint ones. */
function mergeRanges(flat: number[]): Float64Array {
  const n = flat.length / 2;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => flat[2 * a] - flat[2 * b]);
  const out: number[] = [];
  for (const i of order) {
    const s = flat[2 * i], e = flat[2 * i + 1];
    if (out.length > 0 && s <= out[out.length - 1]) out[out.length - 1] = Math.max(out[out.length - 1], e);
    else out.push(s, e);
  }
  return Float64Array.from(out);
}

/** The summary of a stretch from what the CPU and memory recorded in it. */
export function summarize(blocks: Iterable<Block>, stores: ReadonlyMap<number, Uint32Array>, loads: ReadonlyMap<number, Uint32Array>,
  events: number): StretchSummary {
  const flat: number[] = [];
  for (const b of blocks) {
    // the block's entry always (a host function's block has no decoded instructions), then each instruction
    const entry = addressKey(b.ipLo, b.ipHi);
    flat.push(entry, entry + 1);
    for (const d of b.insns) {
      const k = addressKey(d.ipLo, d.ipHi);
      flat.push(k, k + d.length);
    }
  }
  return { code: mergeRanges(flat), stores, loads, events };
}

/** The union of two pages-to-line-masks maps. */
function mergeLines(a: ReadonlyMap<number, Uint32Array>, b: ReadonlyMap<number, Uint32Array>): Map<number, Uint32Array> {
  const out = new Map<number, Uint32Array>();
  for (const m of [a, b]) {
    for (const [key, mask] of m) {
      const have = out.get(key);
      if (!have) { out.set(key, mask.slice()); continue; }
      for (let w = 0; w < mask.length; w++) have[w] |= mask[w];
    }
  }
  return out;
}

/** The summary of two adjacent stretches as one (a checkpoint between them was dropped). */
export function mergeSummaries(a: StretchSummary, b: StretchSummary): StretchSummary {
  return {
    code: mergeRanges([...a.code, ...b.code]), stores: mergeLines(a.stores, b.stores), loads: mergeLines(a.loads, b.loads), events: a.events + b.events,
  };
}

/** May the instruction at `address` have run in the stretch? */
export function mayHaveRun(s: StretchSummary, address: bigint): boolean {
  const k = bigKey(address), c = s.code;
  // the last range starting at or before k
  let lo = 0, hi = c.length / 2 - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (c[2 * mid] <= k) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found >= 0 && k < c[2 * found + 1];
}

/** May a guest store have reached [address, address + length)? */
export function mayHaveWritten(s: StretchSummary, address: bigint, length: number): boolean {
  return mayHaveReached(s.stores, address, length);
}

/** May a guest load have reached [address, address + length)? */
export function mayHaveRead(s: StretchSummary, address: bigint, length: number): boolean {
  return mayHaveReached(s.loads, address, length);
}

function mayHaveReached(lines: ReadonlyMap<number, Uint32Array>, address: bigint, length: number): boolean {
  const first = BigInt.asUintN(64, address), last = BigInt.asUintN(64, address + BigInt(Math.max(1, length) - 1));
  const line = 1n << BigInt(LINE_SHIFT);
  for (let a = first - (first % line); a <= last; a += line) {
    const mask = lines.get(pageKey(Number(a & 0xffffffffn) | 0, Number(a >> 32n) | 0));
    const n = Number(a % BigInt(PAGE_SIZE)) >>> LINE_SHIFT;
    if (mask && (mask[n >>> 5] & (1 << (n & 31))) !== 0) return true;
  }
  return false;
}
