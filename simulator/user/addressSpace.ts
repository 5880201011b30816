// The process's dynamic memory: the program break (brk) and anonymous
// mmap/munmap/mprotect/mremap. Guest memory's page table is the only record
// of what is mapped, so there is no separate VMA list to keep in sync.
// Results follow the kernel's conventions: an address, or a negative errno.

import { Memory, OutOfPhysicalMemory, PAGE_SIZE, splitAddress } from '../memory/memory';
import { MMAP_MIN_ADDR, MMAP_TOP, USER_SPACE_END, pageDown, pageUp } from './loader';
import { Errno } from './errno';

const PAGE = BigInt(PAGE_SIZE);

export const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
export const MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20,
  MAP_FIXED_NOREPLACE = 0x100000;
export const MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2;

/** Linux limits brk growth by RLIMIT_DATA; we cap it to keep runaway programs cheap to stop. */
const MAX_BRK_BYTES = 512n * 1024n * 1024n;
/** Largest munmap range we walk (16 GiB = 4 M pages). */
const MAX_UNMAP = 16n << 30n;

/** PROT_* → memory permissions (the bit values coincide, and x86 cannot map write-only). */
function protToPerm(prot: number): number {
  const p = prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
  return p === 0 ? 0 : p | PROT_READ;
}

export class AddressSpace {
  private brkCur: bigint;
  /** Lowest address handed out by the top-down allocator so far. */
  private mmapLow = MMAP_TOP;

  constructor(private readonly mem: Memory, readonly brkStart: bigint) {
    this.brkCur = brkStart;
  }

  /** brk(addr): move the break; returns the (possibly unchanged) current break, as Linux does. */
  brk(addr: bigint): bigint {
    if (addr < this.brkStart || addr - this.brkStart > MAX_BRK_BYTES) return this.brkCur;
    const oldTop = pageUp(this.brkCur), newTop = pageUp(addr);
    if (newTop > oldTop) {
      if (!this.rangeFree(oldTop, newTop - oldTop)) return this.brkCur;
      if (!this.tryMap(oldTop, newTop - oldTop, PROT_READ | PROT_WRITE)) return this.brkCur;
    } else if (newTop < oldTop) {
      this.mem.unmap(newTop, Number(oldTop - newTop));
    }
    this.brkCur = addr;
    return addr;
  }

  mmap(addr: bigint, length: bigint, prot: number, flags: number, fd: number): bigint {
    if (length <= 0n) return -BigInt(Errno.EINVAL);
    if (addr & (PAGE - 1n)) {
      if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) return -BigInt(Errno.EINVAL);
      addr = pageDown(addr);
    }
    if (!(flags & MAP_ANONYMOUS)) return -BigInt(fd < 0 ? Errno.EBADF : Errno.ENODEV); // no files to map
    if ((flags & (MAP_SHARED | MAP_PRIVATE)) === 0) return -BigInt(Errno.EINVAL);
    const len = pageUp(length);
    // More than physical memory can never succeed; failing early also keeps
    // the page-by-page scans below short.
    if (len > BigInt(this.mem.physBytes)) return -BigInt(Errno.ENOMEM);

    let at: bigint | null;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
      if (addr < MMAP_MIN_ADDR) return -BigInt(Errno.EPERM);
      if (addr + len > USER_SPACE_END) return -BigInt(Errno.ENOMEM);
      if (flags & MAP_FIXED_NOREPLACE && !this.rangeFree(addr, len)) return -BigInt(Errno.EEXIST);
      this.mem.unmap(addr, Number(len)); // MAP_FIXED replaces whatever was there
      at = addr;
    } else if (addr >= MMAP_MIN_ADDR && addr + len <= MMAP_TOP && this.rangeFree(addr, len)) {
      at = addr; // a usable hint
    } else {
      at = this.findFreeTopDown(len);
    }
    if (at === null || !this.tryMap(at, len, prot)) return -BigInt(Errno.ENOMEM);
    return at;
  }

  munmap(addr: bigint, length: bigint): number {
    if (addr & (PAGE - 1n) || length <= 0n) return -Errno.EINVAL;
    const len = pageUp(length);
    if (addr + len > USER_SPACE_END) return -Errno.EINVAL;
    // Unmapping walks every page; refuse absurd ranges rather than hang the host.
    if (len > MAX_UNMAP) return -Errno.EINVAL;
    this.mem.unmap(addr, Number(len));
    return 0;
  }

  mprotect(addr: bigint, length: bigint, prot: number): number {
    if (addr & (PAGE - 1n) || length < 0n) return -Errno.EINVAL;
    const len = pageUp(length);
    if (!this.rangeMapped(addr, len)) return -Errno.ENOMEM;
    this.mem.protect(addr, Number(len), protToPerm(prot));
    return 0;
  }

  /** mremap for anonymous mappings: shrink in place, grow in place, or move with MREMAP_MAYMOVE. */
  mremap(oldAddr: bigint, oldLen: bigint, newLen: bigint, flags: number): bigint {
    if (oldAddr & (PAGE - 1n) || newLen <= 0n || flags & MREMAP_FIXED) return -BigInt(Errno.EINVAL);
    const oldSize = pageUp(oldLen), newSize = pageUp(newLen);
    if (newSize > BigInt(this.mem.physBytes) || oldSize > BigInt(this.mem.physBytes)) return -BigInt(Errno.ENOMEM);
    if (!this.rangeMapped(oldAddr, oldSize)) return -BigInt(Errno.EFAULT);
    if (newSize <= oldSize) {
      if (newSize < oldSize) this.mem.unmap(oldAddr + newSize, Number(oldSize - newSize));
      return oldAddr;
    }
    const perm = this.mem.pageAt(...splitAddress(oldAddr))?.perm ?? 0;
    const tail = oldAddr + oldSize, grow = newSize - oldSize;
    if (tail + grow <= MMAP_TOP && this.rangeFree(tail, grow)) {
      return this.tryMap(tail, grow, perm) ? oldAddr : -BigInt(Errno.ENOMEM);
    }
    if (!(flags & MREMAP_MAYMOVE)) return -BigInt(Errno.ENOMEM);
    const at = this.findFreeTopDown(newSize);
    if (at === null || !this.tryMap(at, newSize, perm)) return -BigInt(Errno.ENOMEM);
    this.mem.write(at, this.mem.read(oldAddr, Number(oldSize), true), true);
    this.mem.unmap(oldAddr, Number(oldSize));
    return at;
  }

  // ---- helpers -------------------------------------------------------------

  private tryMap(addr: bigint, len: bigint, prot: number): boolean {
    try {
      this.mem.map(addr, Number(len), protToPerm(prot));
      return true;
    } catch (e) {
      if (!(e instanceof OutOfPhysicalMemory)) throw e;
      this.mem.unmap(addr, Number(len)); // undo the pages that did get frames
      return false;
    }
  }

  private rangeFree(addr: bigint, len: bigint): boolean {
    for (let a = addr; a < addr + len; a += PAGE) if (this.mem.isMapped(a)) return false;
    return true;
  }

  private rangeMapped(addr: bigint, len: bigint): boolean {
    for (let a = addr; a < addr + len; a += PAGE) if (!this.mem.isMapped(a)) return false;
    return true;
  }

  /**
   * Highest free range of `len` bytes below MMAP_TOP (Linux's top-down
   * allocator). Programs mostly allocate downwards, so try just below the
   * last allocation first instead of rescanning every mapping above it.
   */
  private findFreeTopDown(len: bigint): bigint | null {
    const below = this.mmapLow - len;
    if (below >= MMAP_MIN_ADDR && below >= this.brkLimit() && this.rangeFree(below, len)) {
      this.mmapLow = below;
      return below;
    }
    const found = this.scanTopDown(len);
    if (found !== null && found < this.mmapLow) this.mmapLow = found;
    return found;
  }

  private scanTopDown(len: bigint): bigint | null {
    let top = MMAP_TOP;
    while (top - len >= MMAP_MIN_ADDR && top - len >= this.brkLimit()) {
      const start = top - len;
      let clash: bigint | null = null;
      for (let a = top - PAGE; a >= start; a -= PAGE) {
        if (this.mem.isMapped(a)) { clash = a; break; }
      }
      if (clash === null) return start;
      top = clash; // retry just below the mapped page
    }
    return null;
  }

  /** mmap must leave room for the heap to grow. */
  private brkLimit(): bigint {
    return pageUp(this.brkStart) + MAX_BRK_BYTES;
  }
}
