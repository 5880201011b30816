// kmalloc's memory: a first-fit allocator over the direct-map area, with
// pages mapped on demand. Freed blocks are poisoned (0x6b, like SLUB) so a
// use-after-free reads recognisable garbage.

import type { Memory } from '../memory/memory';
import { Perm, PAGE_SIZE } from '../memory/memory';
import { HEAP_AREA, HEAP_SIZE } from './layout';

const ALIGN = 16;

export class Heap {
  private readonly free: { offset: number; size: number }[] = [{ offset: 0, size: HEAP_SIZE }];
  private readonly used = new Map<number, number>();
  private mappedUpTo = 0;

  constructor(private readonly mem: Memory) {}

  /** Returns the address, or 0n when out of memory. */
  alloc(size: number, zero: boolean): bigint {
    const want = Math.max(ALIGN, Math.ceil(size / ALIGN) * ALIGN);
    const i = this.free.findIndex((b) => b.size >= want);
    if (i < 0) return 0n;
    const block = this.free[i];
    const offset = block.offset;
    block.offset += want;
    block.size -= want;
    if (block.size === 0) this.free.splice(i, 1);
    this.used.set(offset, want);
    const end = offset + want;
    if (end > this.mappedUpTo) {
      const newEnd = Math.ceil(end / PAGE_SIZE) * PAGE_SIZE;
      this.mem.map(HEAP_AREA + BigInt(this.mappedUpTo), newEnd - this.mappedUpTo, Perm.RW);
      this.mappedUpTo = newEnd;
    }
    if (zero) this.mem.write(HEAP_AREA + BigInt(offset), new Uint8Array(want), true);
    return HEAP_AREA + BigInt(offset);
  }

  /** Returns false for a pointer that was not allocated (double free, bad pointer). */
  release(addr: bigint): boolean {
    const offset = Number(addr - HEAP_AREA);
    const size = this.used.get(offset);
    if (size === undefined) return false;
    this.used.delete(offset);
    this.mem.write(addr, new Uint8Array(size).fill(0x6b), true);
    this.free.push({ offset, size });
    this.free.sort((a, b) => a.offset - b.offset);
    for (let j = this.free.length - 1; j > 0; j--) {
      const a = this.free[j - 1], b = this.free[j];
      if (a.offset + a.size === b.offset) { a.size += b.size; this.free.splice(j, 1); }
    }
    return true;
  }

  sizeOf(addr: bigint): number | undefined {
    return this.used.get(Number(addr - HEAP_AREA));
  }
}
