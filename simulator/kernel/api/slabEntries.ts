// The allocator entry points that a module built against real kernel
// headers calls (slab.h's inline kmalloc() picks a cache from kmalloc_caches
// and calls kmalloc_trace; large sizes go to kmalloc_large; kvmalloc and
// vmalloc; kmem_cache_*). All allocate from the same heap as kmalloc (so
// double frees and use of freed memory behave the same); vmalloc memory is
// heap memory here, not a separate vmalloc area. The cache argument of
// kmalloc_trace is ignored: the size argument is what counts.

import type { Machine } from '../machine';
import { kfree, kmalloc, InvalidFree } from './slab';
import { U64, readCString, writeBytes } from './util';

const GFP_ZERO = 0x100;
/** kmalloc_caches[NR_KMALLOC_TYPES][KMALLOC_SHIFT_HIGH + 1]: room for any configuration's size. */
const KMALLOC_CACHES_SIZE = 8 * 8 * 32;
/** Size of the descriptor kmem_cache_create hands out (it holds the cache's name for %s). */
const CACHE_DESCRIPTOR = 64;

export function registerSlabEntries(m: Machine): void {
  m.defineData('kmalloc_caches', KMALLOC_CACHES_SIZE);
  const zero = (flags: number): boolean => (flags & GFP_ZERO) !== 0;
  const alloc = (size: bigint, flags: number): bigint => kmalloc(m, size, zero(flags));

  m.defineHost('kmalloc_trace', () => alloc(m.arg(2), m.argU32(1)));
  m.defineHost('kmalloc_node_trace', () => alloc(m.arg(3), m.argU32(1)));
  m.defineHost('__kmalloc', () => alloc(m.arg(0), m.argU32(1)));
  m.defineHost('__kmalloc_node', () => alloc(m.arg(0), m.argU32(1)));
  m.defineHost('kmalloc_large', () => alloc(m.arg(0), m.argU32(1)));
  m.defineHost('kmalloc_large_node', () => alloc(m.arg(0), m.argU32(1)));
  m.defineHost('kvmalloc_node', () => alloc(m.arg(0), m.argU32(1)));
  m.defineHost('vmalloc', () => alloc(m.arg(0), 0));
  m.defineHost('vzalloc', () => alloc(m.arg(0), GFP_ZERO));
  m.defineHost('kvfree', () => { kfree(m, 'kvfree', m.arg(0)); });
  m.defineHost('vfree', () => { kfree(m, 'vfree', m.arg(0)); });
  m.defineHost('kfree_sensitive', () => {
    const p = U64(m.arg(0));
    const size = p > 16n ? m.heap.sizeOf(p) : undefined;
    if (size) writeBytes(m, p, new Uint8Array(size)); // memzero_explicit
    kfree(m, 'kfree_sensitive', p);
  });

  /** Object size of each cache, by descriptor address. */
  const caches = m.keep('slab.caches', new Map<bigint, number>());
  m.defineHost('kmem_cache_create', () => {
    const name = readCString(m, m.arg(0), CACHE_DESCRIPTOR - 1);
    const size = Number(BigInt.asUintN(32, m.arg(1)));
    const d = kmalloc(m, BigInt(CACHE_DESCRIPTOR), true);
    if (d === 0n) return 0n;
    writeBytes(m, d, Buffer.from(name));
    caches.set(d, Math.max(size, 1));
    return d;
  });
  m.defineHost('kmem_cache_create_usercopy', () => {
    // (name, size, align, flags, useroffset, usersize, ctor): the same cache
    const name = readCString(m, m.arg(0), CACHE_DESCRIPTOR - 1);
    const d = kmalloc(m, BigInt(CACHE_DESCRIPTOR), true);
    if (d === 0n) return 0n;
    writeBytes(m, d, Buffer.from(name));
    caches.set(d, Math.max(Number(BigInt.asUintN(32, m.arg(1))), 1));
    return d;
  });
  const cacheSize = (fn: string, c: bigint): number => {
    const size = caches.get(U64(c));
    if (size === undefined) throw new InvalidFree(fn, c);
    return size;
  };
  m.defineHost('kmem_cache_alloc', () => alloc(BigInt(cacheSize('kmem_cache_alloc', m.arg(0))), m.argU32(1)));
  m.defineHost('kmem_cache_alloc_node', () => alloc(BigInt(cacheSize('kmem_cache_alloc_node', m.arg(0))), m.argU32(1)));
  m.defineHost('kmem_cache_free', () => { cacheSize('kmem_cache_free', m.arg(0)); kfree(m, 'kmem_cache_free', m.arg(1)); });
  m.defineHost('kmem_cache_destroy', () => {
    const c = U64(m.arg(0));
    if (c === 0n) return;
    cacheSize('kmem_cache_destroy', c);
    caches.delete(c);
    kfree(m, 'kmem_cache_destroy', c);
  });
}
