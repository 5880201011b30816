// Lazy condition codes (simulator/cpu/lazyFlags.ts): the flags computed from
// a pending operation are exactly those of the full helpers (helpers/flags.ts
// compareFlags/addFlags, themselves proven against the host CPU by
// test/diff), and those of and/or/xor/test/neg as x86 defines them
// (computed here with BigInt); a context switch or rflags read sees them.
// The end-to-end proof against the host CPU is test/programs/crossflags.c.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LazyKind, lazyOp, PendingSlot, settleFlags } from '../../simulator/cpu/lazyFlags';
import { addFlags, compareFlags } from '../../simulator/cpu/helpers/flags';
import { readRflags, writeRflags } from '../../simulator/cpu/rflags';
import { FlagSlot } from '../../simulator/cpu/registers';
import { SavedContext } from '../../simulator/cpu/savedContext';

const SIZES = [1, 2, 4, 8];
const EDGES = [0n, 1n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn,
  0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0xfn, 0x10n];

let seed = 0x2545f4914f6cdd1dn;
function random64(): bigint {
  seed ^= (seed << 13n) & 0xffffffffffffffffn; seed ^= seed >> 7n; seed ^= (seed << 17n) & 0xffffffffffffffffn;
  return seed;
}

/** Operand values of a size: the edges (truncated) and random ones. */
function values(size: number): bigint[] {
  const mask = (1n << BigInt(8 * size)) - 1n;
  const out = EDGES.map((v) => v & mask);
  for (let i = 0; i < 40; i++) out.push(random64() & mask);
  return out;
}

/** The int32 halves generated code keeps a value of this size in (sizes 1 and 2 zero-extended). */
function halves(v: bigint, size: number): [number, number] {
  return size === 8 ? [Number(BigInt.asIntN(32, v & 0xffffffffn)), Number(BigInt.asIntN(32, v >> 32n))] : [Number(BigInt.asIntN(32, v)), 0];
}

/** F[CF..OF] after settling a pending operation. */
function settled(op: number, a: [number, number], b: [number, number]): number[] {
  const F = new Int32Array(FlagSlot.COUNT);
  F[PendingSlot.OP] = op;
  F[PendingSlot.A] = a[0]; F[PendingSlot.AH] = a[1]; F[PendingSlot.B] = b[0]; F[PendingSlot.BH] = b[1];
  settleFlags(F);
  assert.equal(F[PendingSlot.OP], 0, 'settling clears the pending state');
  return Array.from(F.subarray(0, 6));
}

/** Flags of a result r of a given size with CF, AF, OF given (PF as the result byte). */
function resultFlags(r: bigint, size: number, cf: number, af: number, of: number): number[] {
  const bits = BigInt(8 * size);
  return [cf, Number(r & 0xffn), af, r === 0n ? 1 : 0, Number((r >> (bits - 1n)) & 1n), of];
}

describe('lazy flags: settling a pending operation', () => {
  for (const size of SIZES) {
    test(`sub/cmp and add, ${8 * size}-bit, as the helpers compute them`, () => {
      for (const x of values(size)) for (const y of values(size).slice(0, 24)) {
        const a = halves(x, size), b = halves(y, size);
        const want = new Int32Array(FlagSlot.COUNT);
        compareFlags(want, size, a[0], a[1], b[0], b[1]);
        assert.deepEqual(settled(lazyOp(LazyKind.SUB, size), a, b), Array.from(want.subarray(0, 6)), `cmp ${x} ${y}`);
        addFlags(want, size, a[0], a[1], b[0], b[1]);
        assert.deepEqual(settled(lazyOp(LazyKind.ADD, size), a, b), Array.from(want.subarray(0, 6)), `add ${x} ${y}`);
      }
    });

    test(`logic and neg, ${8 * size}-bit, as x86 defines them`, () => {
      const mask = (1n << BigInt(8 * size)) - 1n, sign = 1n << BigInt(8 * size - 1);
      for (const x of values(size)) {
        // and/or/xor/test leave their result: CF = OF = 0, AF = 0 (as the simulator sets it)
        assert.deepEqual(settled(lazyOp(LazyKind.LOGIC, size), halves(x, size), [0, 0]), resultFlags(x, size, 0, 0, 0), `logic ${x}`);
        const r = -x & mask;
        assert.deepEqual(settled(lazyOp(LazyKind.NEG, size), halves(x, size), [0, 0]),
          resultFlags(r, size, x !== 0n ? 1 : 0, (x & 15n) !== 0n ? 1 : 0, x === sign ? 1 : 0), `neg ${x}`);
      }
    });
  }
});

describe('lazy flags: host readers', () => {
  test('rflags settles; writing rflags drops the pending state; a context switch carries it', () => {
    const F = new Int32Array(FlagSlot.COUNT);
    writeRflags(F, 0x202);
    F[PendingSlot.OP] = lazyOp(LazyKind.SUB, 4); F[PendingSlot.A] = 1; F[PendingSlot.B] = 2; // 1 - 2: CF SF AF PF
    const saved = new SavedContext();
    saved.saveFrom({ regs: new Int32Array(38), flags: F, xmm: new Int32Array(64) });
    assert.equal(readRflags(saved.flags), 0x202 | 0x1 | 0x4 | 0x10 | 0x80);
    assert.equal(readRflags(F), 0x202 | 0x1 | 0x4 | 0x10 | 0x80);
    F[PendingSlot.OP] = lazyOp(LazyKind.SUB, 4);
    writeRflags(F, 0x246);
    assert.equal(readRflags(F), 0x246);
  });
});
