// The libgcc helpers gcc may call from kernel-flag code (population count,
// parity, 128-bit division and multiplication with overflow, -ftrapv
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
  const trapv = (fn: string, v: bigint): bigint => {
    if (BigInt.asIntN(64, v) !== v) throw new TrapvOverflow(fn);
    return BigInt.asUintN(64, v);
  };
  m.defineHost('__mulvdi3', () => trapv('__mulvdi3', m.argI64(0) * m.argI64(1)));
  m.defineHost('__addvdi3', () => trapv('__addvdi3', m.argI64(0) + m.argI64(1)));
  m.defineHost('__subvdi3', () => trapv('__subvdi3', m.argI64(0) - m.argI64(1)));
  m.defineHost('__negvdi2', () => trapv('__negvdi2', -m.argI64(0)));
}
