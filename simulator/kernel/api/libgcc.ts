// The libgcc helpers gcc may call from kernel-flag code (population count,
// parity, leading redundant sign bits, 128-bit division and multiplication with overflow, -ftrapv
// arithmetic). 128-bit values travel in register pairs (low, high): the
// arguments in rdi:rsi and rdx:rcx, the result in rax:rdx.
//
// A division by zero raises #DE and a -ftrapv overflow #UD (libgcc would
// abort()), each an oops of the calling task.

import type { Machine } from '../machine';
import { CpuFault, DivideError, Vector } from '../../cpu/faults';
import { Gpr } from '../../cpu/registers';
import { writeU32, writeU64 } from './util';

const M64 = (1n << 64n) - 1n;

function popcount(v: bigint): number {
  let n = 0;
  for (let x = v; x !== 0n; x &= x - 1n) n++;
  return n;
}

/** Leading redundant sign bits (bits after the sign bit equal to it) of a `bits`-wide value. */
function clrsb(v: bigint, bits: number): number {
  let x = BigInt.asIntN(bits, v);
  if (x < 0n) x = ~x;
  let width = 0;
  while (x > 0n) { x >>= 1n; width++; }
  return bits - 1 - width;
}

class TrapvOverflow extends CpuFault {
  constructor(fn: string) {
    super(Vector.UD, '#UD', `integer overflow trapped (-ftrapv) in ${fn}`);
  }
}

export function registerLibgcc(m: Machine): void {
  const u128 = (lo: number, hi: number): bigint => (m.arg(hi) << 64n) | m.arg(lo);
  const s128 = (lo: number, hi: number): bigint => BigInt.asIntN(128, u128(lo, hi));
  const ret128 = (v: bigint): bigint => {
    const u = BigInt.asUintN(128, v);
    m.cpu.setReg(Gpr.RDX, u >> 64n);
    return u & M64;
  };
  const divisor = (v: bigint): bigint => { if (v === 0n) throw new DivideError(); return v; };
  // BigInt division truncates toward zero and % takes the dividend's sign, as C does.

  m.defineHost('__popcountdi2', () => popcount(m.arg(0)));
  m.defineHost('__popcountti2', () => popcount(u128(0, 1)));
  m.defineHost('__paritydi2', () => popcount(m.arg(0)) & 1);
  m.defineHost('__parityti2', () => popcount(u128(0, 1)) & 1);
  m.defineHost('__clrsbdi2', () => clrsb(m.arg(0), 64));
  m.defineHost('__clrsbti2', () => clrsb(u128(0, 1), 128));
  m.defineHost('__divti3', () => ret128(s128(0, 1) / divisor(s128(2, 3))));
  m.defineHost('__modti3', () => ret128(s128(0, 1) % divisor(s128(2, 3))));
  m.defineHost('__udivti3', () => ret128(u128(0, 1) / divisor(u128(2, 3))));
  m.defineHost('__umodti3', () => ret128(u128(0, 1) % divisor(u128(2, 3))));
  m.defineHost('__udivmodti4', () => {
    const a = u128(0, 1), b = divisor(u128(2, 3)), rem = m.arg(4);
    const q = a / b, r = a % b;
    if (rem !== 0n) { writeU64(m, rem, r & M64); writeU64(m, rem + 8n, r >> 64n); }
    return ret128(q);
  });
  m.defineHost('__divmodti4', () => {
    const a = s128(0, 1), b = divisor(s128(2, 3)), rem = m.arg(4);
    const q = a / b, r = BigInt.asUintN(128, a % b);
    if (rem !== 0n) { writeU64(m, rem, r & M64); writeU64(m, rem + 8n, r >> 64n); }
    return ret128(q);
  });
  m.defineHost('__muloti4', () => {
    const p = s128(0, 1) * s128(2, 3);
    writeU32(m, m.arg(4), BigInt.asIntN(128, p) !== p ? 1 : 0);
    return ret128(p);
  });
  // -ftrapv arithmetic: 32-bit (si), 64-bit (di) and 128-bit (ti) operands.
  const check = (fn: string, v: bigint, bits: number): bigint => {
    if (BigInt.asIntN(bits, v) !== v) throw new TrapvOverflow(fn);
    return v;
  };
  const trapv: [string, number, (a: bigint, b: bigint) => bigint, number][] = [
    ['add', 3, (a, b) => a + b, 2], ['sub', 3, (a, b) => a - b, 2], ['mul', 3, (a, b) => a * b, 2],
    ['neg', 2, (a) => -a, 1], ['abs', 2, (a) => (a < 0n ? -a : a), 1],
  ];
  for (const [op, suffix, f, arity] of trapv) {
    const si = `__${op}vsi${suffix}`, di = `__${op}vdi${suffix}`, ti = `__${op}vti${suffix}`;
    m.defineHost(si, () => BigInt.asUintN(32, check(si, f(BigInt(m.argI32(0)), BigInt(m.argI32(1))), 32)));
    m.defineHost(di, () => BigInt.asUintN(64, check(di, f(m.argI64(0), m.argI64(1)), 64)));
    m.defineHost(ti, () => ret128(check(ti, f(s128(0, 1), arity === 2 ? s128(2, 3) : 0n), 128)));
  }
}
