// lib/sort.c, lib/list_sort.c and lib/bsearch.c with the module's own
// comparators (guestCalls.ts): sort()/sort_r() is Linux's bottom-up
// heapsort, so the order of equal elements and the comparisons made are
// the kernel's; bsearch() is __inline_bsearch; list_sort() is a stable
// merge sort (the same resulting order as Linux's, which is stable too;
// the number of comparisons may differ), relinking next/prev and the head.

import type { Machine } from '../machine';
import { CallingImpl, defineCallingHost, intResult } from './guestCalls';
import { U64, readBytes, readU64, writeBytes, writeU64 } from './util';

export function registerSort(m: Machine): void {
  /** sort_r(base, num, size, cmp, swap, priv); `withPriv`: the sort_r forms of cmp/swap (priv last). */
  function* heapsort(withPriv: boolean): CallingImpl {
    const base = U64(m.arg(0)), num = U64(m.arg(1)), size = U64(m.arg(2)), cmp = m.arg(3), swap = U64(m.arg(4));
    const priv = withPriv ? m.arg(5) : 0n;
    const lsbit = size & -size;
    let n = num * size, a = (num / 2n) * size;
    if (a === 0n) return;
    function* doCmp(x: bigint, y: bigint): Generator<{ fn: bigint; args: bigint[] }, number, bigint> {
      return intResult(yield { fn: cmp, args: withPriv ? [x, y, priv] : [x, y] });
    }
    function* doSwap(x: bigint, y: bigint): Generator<{ fn: bigint; args: bigint[] }, void, bigint> {
      if (swap !== 0n) { yield { fn: swap, args: withPriv ? [x, y, size, priv] : [x, y, size] }; return; }
      const len = Number(size);
      const bx = readBytes(m, x, len), by = readBytes(m, y, len);
      writeBytes(m, x, by);
      writeBytes(m, y, bx);
    }
    const parent = (i: bigint): bigint => {
      i -= size;
      i -= size & -(i & lsbit);
      return i / 2n;
    };
    for (;;) {
      let b: bigint, c: bigint, d: bigint;
      if (a !== 0n) a -= size;
      else if ((n -= size) !== 0n) yield* doSwap(base, base + n);
      else break;
      for (b = a; c = 2n * b + size, (d = c + size) < n;) b = (yield* doCmp(base + c, base + d)) >= 0 ? c : d;
      if (d === n) b = c;
      while (b !== a && (yield* doCmp(base + a, base + b)) >= 0) b = parent(b);
      c = b;
      while (b !== a) {
        b = parent(b);
        yield* doSwap(base + b, base + c);
      }
    }
  }
  defineCallingHost(m, 'sort', () => heapsort(false));
  defineCallingHost(m, 'sort_r', () => heapsort(true));

  defineCallingHost(m, 'bsearch', function* (): CallingImpl {
    const key = m.arg(0), size = U64(m.arg(3)), cmp = m.arg(4);
    let base = U64(m.arg(1)), num = U64(m.arg(2));
    while (num > 0n) {
      const pivot = base + (num >> 1n) * size;
      const r = intResult(yield { fn: cmp, args: [key, pivot] });
      if (r === 0) return pivot;
      if (r > 0) { base = pivot + size; num--; }
      num >>= 1n;
    }
    return 0n;
  });

  // list_sort(priv, head, cmp): cmp(priv, a, b) > 0 puts b before a
  defineCallingHost(m, 'list_sort', function* (): CallingImpl {
    const priv = m.arg(0), head = U64(m.arg(1)), cmp = m.arg(2);
    const nodes: bigint[] = [];
    for (let p = readU64(m, head); p !== head && nodes.length < 1 << 24; p = readU64(m, p)) nodes.push(p);
    let list = nodes;
    for (let width = 1; width < list.length; width *= 2) {
      const out: bigint[] = [];
      for (let lo = 0; lo < list.length; lo += 2 * width) {
        let i = lo, j = Math.min(lo + width, list.length);
        const iEnd = j, jEnd = Math.min(lo + 2 * width, list.length);
        while (i < iEnd && j < jEnd) {
          if (intResult(yield { fn: cmp, args: [priv, list[i], list[j]] }) <= 0) out.push(list[i++]);
          else out.push(list[j++]);
        }
        while (i < iEnd) out.push(list[i++]);
        while (j < jEnd) out.push(list[j++]);
      }
      list = out;
    }
    let prev = head;
    for (const p of list) {
      writeU64(m, prev, p);
      writeU64(m, p + 8n, prev);
      prev = p;
    }
    writeU64(m, prev, head);
    writeU64(m, head + 8n, prev);
  });
}
