// 64/128-bit helpers on 32-bit halves against BigInt: the 64-bit divides
// and multiplies (the hand-assembled WebAssembly of wasm64.ts) and the
// 128-bit long division must be exact.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { divU128, mulLo64, mulS64, mulU64, Q } from '../../simulator/cpu/helpers/wide';
import { wasmDivS } from '../../simulator/cpu/helpers/wasm64';

const M64 = (1n << 64n) - 1n;
const lo32 = (v: bigint) => Number(v & 0xffffffffn) | 0;
const hi32 = (v: bigint) => Number((v >> 32n) & 0xffffffffn) | 0;
const u64 = (lo: number, hi: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/** xorshift64 with a width picked per value, so every magnitude is covered. */
function* values(seed: bigint, count: number): Generator<bigint> {
  let x = seed;
  for (let i = 0; i < count; i++) {
    x ^= (x << 13n) & M64; x ^= x >> 7n; x ^= (x << 17n) & M64;
    yield x >> BigInt(Number(x & 63n));
  }
}

const s64 = (v: bigint) => BigInt.asIntN(64, v);

const EDGES = [1n, 2n, 3n, 7n, 10n, 1000003n, 0xffffn, 0x10000n, 0x1fffffn, 0x200000n, 0xffffffffn, 0x100000000n,
  0x100000001n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, 1n << 63n, (1n << 63n) - 1n, M64 - 1n, M64];

function check(n: bigint, d: bigint): void {
  assert.ok(divU128(lo32(n), hi32(n), 0, 0, lo32(d), hi32(d)), `${n} / ${d} fits`);
  const q = u64(Q[0], Q[1]), r = u64(Q[2], Q[3]);
  assert.equal(q, n / d, `quotient of ${n} / ${d}`);
  assert.equal(r, n % d, `remainder of ${n} % ${d}`);
}

test('64-bit dividends: quotient and remainder exact for every divisor size', () => {
  for (const n of EDGES) for (const d of EDGES) check(n, d);
  const ns = [...values(0x9e3779b97f4a7c15n, 3000)];
  const ds = [...values(0x243f6a8885a308d3n, 3000)];
  for (let i = 0; i < ns.length; i++) {
    const d = ds[i] || 1n;
    check(ns[i], d);
    check(ns[i], (d & 0xffffffffn) || 1n); // divisor below 2^32
    check(ns[i] | (1n << 63n), d);
    check(d * (ns[i] & 0xffffn) + (d > 1n ? d - 1n : 0n) & M64, d); // remainder d−1: estimates round up
  }
});

test('128-bit dividends still divide by long division', () => {
  for (const [n, d] of [[(5n << 64n) + 17n, 6n], [(1n << 127n) + 12345n, (1n << 64n) - 1n], [(7n << 64n), 0x100000000n]]) {
    assert.ok(divU128(lo32(n), hi32(n), lo32(n >> 64n), hi32(n >> 64n), lo32(d), hi32(d)));
    assert.equal(u64(Q[0], Q[1]), n / d);
    assert.equal(u64(Q[2], Q[3]), n % d);
  }
  assert.equal(divU128(0, 0, 6, 0, 6, 0), false, 'quotient overflow is #DE');
});

test('mulU64 is the exact 128-bit product', () => {
  for (const a of EDGES) for (const b of EDGES) {
    mulU64(lo32(a), hi32(a), lo32(b), hi32(b));
    assert.equal(u64(Q[0], Q[1]) | (u64(Q[2], Q[3]) << 64n), a * b);
  }
});

test('mulLo64 is the low 64 bits of the product', () => {
  const vs = [...EDGES, ...values(0x853c49e6748fea9bn, 200)];
  for (const a of vs) for (const b of EDGES) {
    const lo = mulLo64(lo32(a), hi32(a), lo32(b), hi32(b));
    assert.equal(u64(lo, Q[1]), (a * b) & M64, `${a} * ${b}`);
  }
});

test('mulS64 is the exact signed 128-bit product', () => {
  const vs = [...EDGES, ...values(0x2545f4914f6cdd1dn, 100)];
  for (const a of vs) for (const b of EDGES) {
    mulS64(lo32(a), hi32(a), lo32(b), hi32(b));
    const p = BigInt.asIntN(128, u64(Q[0], Q[1]) | (u64(Q[2], Q[3]) << 64n));
    assert.equal(p, s64(a) * s64(b), `${s64(a)} * ${s64(b)}`);
  }
});

test('wasmDivS truncates toward zero, the remainder takes the dividend\'s sign', () => {
  const vs = [...EDGES, ...values(0x6a09e667f3bcc908n, 300)];
  for (const a of vs) for (const b of EDGES) {
    for (const [n, d] of [[s64(a), s64(b)], [-s64(a), s64(b)], [s64(a), -s64(b)]]) {
      if (s64(n) === -(1n << 63n) && s64(d) === -1n) continue; // #DE: callers rule it out
      wasmDivS(lo32(n), hi32(n), lo32(d), hi32(d));
      assert.equal(s64(u64(Q[0], Q[1])), s64(n) / s64(d), `${s64(n)} / ${s64(d)}`);
      assert.equal(s64(u64(Q[2], Q[3])), s64(n) % s64(d), `${s64(n)} % ${s64(d)}`);
    }
  }
});
