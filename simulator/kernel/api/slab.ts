// The heap: kmalloc, krealloc, kfree, ksize (kzalloc, kcalloc and
// kmalloc_array are inline over kmalloc in slab.h), plus kmemdup, kstrdup
// and kstrndup.
//
// Blocks come from the machine's heap (16-byte granules; freed memory is
// poisoned with 0x6b as SLUB does). kmalloc(0) returns ZERO_SIZE_PTR (16);
// an allocation that cannot be satisfied returns NULL. __GFP_ZERO memory is
// cleared through the CPU's store path. kfree of NULL or ZERO_SIZE_PTR does
// nothing; kfree of anything that is not a live block (a double free, a
// pointer into a block, a stack address) oopses the caller, as SLUB's
// checks would.

import type { Machine } from '../machine';
import { CpuFault, Vector } from '../../cpu/faults';
import { HEAP_SIZE } from '../layout';
import { U64, fillBytes, hex, readCBytes, writeBytes, writeU8 } from './util';
import { copyGuest } from './string';

const ZERO_SIZE_PTR = 16n;
const GFP_ZERO = 0x100;

/** A kfree/krealloc of a pointer the heap did not hand out. */
export class InvalidFree extends CpuFault {
  constructor(fn: string, addr: bigint) {
    super(Vector.UD, '#UD', `${fn}: invalid or double free of ${hex(addr)}`);
  }
}

export function kmalloc(m: Machine, size: bigint, zero: boolean): bigint {
  if (size === 0n) return ZERO_SIZE_PTR;
  if (size > BigInt(HEAP_SIZE)) return 0n;
  const n = Number(size);
  const p = m.heap.alloc(n, false);
  if (p !== 0n && zero) fillBytes(m, p, 0, m.heap.sizeOf(p) ?? n);
  return p;
}

export function kfree(m: Machine, fn: string, p: bigint): void {
  const a = U64(p);
  if (a <= ZERO_SIZE_PTR) return;
  if (!m.heap.release(a)) throw new InvalidFree(fn, a);
}

export function registerSlab(m: Machine): void {
  m.defineHost('kmalloc', () => kmalloc(m, m.arg(0), (m.argU32(1) & GFP_ZERO) !== 0));

  m.defineHost('kfree', () => { kfree(m, 'kfree', m.arg(0)); });

  m.defineHost('ksize', () => {
    const p = U64(m.arg(0));
    if (p <= ZERO_SIZE_PTR) return 0;
    return m.heap.sizeOf(p) ?? 0;
  });

  m.defineHost('krealloc', () => {
    const p = U64(m.arg(0)), size = m.arg(1), zero = (m.argU32(2) & GFP_ZERO) !== 0;
    if (p <= ZERO_SIZE_PTR) return kmalloc(m, size, zero);
    const old = m.heap.sizeOf(p);
    if (old === undefined) throw new InvalidFree('krealloc', p);
    if (size === 0n) { kfree(m, 'krealloc', p); return ZERO_SIZE_PTR; }
    if (size <= BigInt(old)) return p; // it still fits, as in SLUB
    const q = kmalloc(m, size, false);
    if (q === 0n) return 0n; // the old block stays valid
    copyGuest(m, q, p, old);
    if (zero) fillBytes(m, q + BigInt(old), 0, (m.heap.sizeOf(q) ?? old) - old);
    kfree(m, 'krealloc', p);
    return q;
  });

  m.defineHost('kmemdup', () => {
    const src = m.arg(0), len = m.arg(1);
    const q = kmalloc(m, len, false);
    if (q > ZERO_SIZE_PTR) copyGuest(m, q, src, Number(len));
    return q;
  });

  const strdup = (s: Uint8Array): bigint => {
    const q = kmalloc(m, BigInt(s.length + 1), false);
    if (q === 0n) return 0n;
    writeBytes(m, q, s);
    writeU8(m, q + BigInt(s.length), 0);
    return q;
  };
  m.defineHost('kstrdup', () => {
    const s = U64(m.arg(0));
    return s === 0n ? 0n : strdup(readCBytes(m, s, HEAP_SIZE));
  });
  m.defineHost('kstrndup', () => {
    const s = U64(m.arg(0));
    const max = m.arg(1);
    return s === 0n ? 0n : strdup(readCBytes(m, s, Number(max > BigInt(HEAP_SIZE) ? BigInt(HEAP_SIZE) : max)));
  });
}
