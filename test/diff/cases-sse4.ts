// x86-64-v2 vector families of the differential CPU test: SSE3, SSSE3,
// SSE4.1 and SSE4.2 (every instruction the simulator implements for them),
// register and memory forms, edge values, and the float ones under the MXCSR
// rounding modes with their exception flags compared. Family names start
// with "sse" so the harness loads and compares xmm0-3 and MXCSR.

import { F32_EDGES, F64_EDGES, Generator, MXCSR_DEFAULT, f32Bits, f64Bits } from './gen';
import { floatFill, floatLanes, laneRandom, tinyFloat } from './cases-sse';

const R = (g: Generator, lane: number): bigint => laneRandom(g, lane);

/** reg-reg, reg-self and aligned-memory forms of a two-operand packed op. */
function packed(g: Generator, f: string, mn: string, lane: number, fill: (g: Generator) => bigint = (x) => R(x, lane), n = 5): void {
  for (let i = 0; i < n; i++) {
    const b = g.c().setXmm(0, fill(g)).setXmm(1, fill(g));
    g.add(f, b, `${mn} %xmm1, %xmm0`, 'sse');
  }
  g.add(f, g.c().setXmm(2, fill(g)), `${mn} %xmm2, %xmm2`, 'sse');
  const b = g.c().setXmm(3, fill(g));
  const m = g.memOperand(b, 128, { align: 16 });
  g.add(f, b, `${mn} ${m.text}, %xmm3`, 'sse');
}

function roundingValue(g: Generator, bits: 32 | 64): bigint {
  const k = g.rng.int(6);
  const from = (x: number): bigint => (bits === 64 ? f64Bits(x) : f32Bits(x));
  if (k === 0) return g.rng.pick(bits === 64 ? F64_EDGES : F32_EDGES);
  if (k === 1) return from(g.rng.pick([0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994, -0.3, 1e15 + 0.5, 4503599627370495.5, 8388607.5, -8388608.5]));
  if (k === 2) return from((g.rng.int(2001) - 1000) / 4);
  if (k === 3) return tinyFloat(g, bits);
  if (k === 4) return bits === 64 ? 0x7ff0000000000001n | (g.rng.bits(51)) : 0x7f800001n | g.rng.bits(22); // SNaN
  return g.rng.bits(bits);
}

export function sse3Family(g: Generator): void {
  const f = 'sse3';
  for (const mn of ['haddpd', 'hsubpd', 'addsubpd']) packed(g, f, mn, 64, (x) => floatLanes(x, 64), 6);
  for (const mn of ['haddps', 'hsubps', 'addsubps']) packed(g, f, mn, 32, (x) => floatLanes(x, 32), 6);
  for (const mn of ['movshdup', 'movsldup']) packed(g, f, mn, 32);
  for (let i = 0; i < 3; i++) {
    g.add(f, g.c(), 'movddup %xmm1, %xmm0', 'sse');
    const b = g.c();
    const m = g.memOperand(b, 64);
    g.add(f, b, `movddup ${m.text}, %xmm2`, 'sse');
    const b2 = g.c();
    const m2 = g.memOperand(b2, 128, { align: 1 });
    g.add(f, b2, `lddqu ${m2.text}, %xmm3`, 'sse');
  }
  // the horizontal/addsub float ops under every rounding mode, flags compared
  for (const mn of ['haddpd', 'hsubpd', 'addsubpd', 'haddps', 'hsubps', 'addsubps']) {
    const bits = mn.endsWith('pd') ? 64 : 32;
    for (let i = 0; i < 6; i++) {
      const b = g.c().setXmm(0, floatFill(bits, () => roundingValue(g, bits))).setXmm(1, floatFill(bits, () => roundingValue(g, bits)));
      b.mxcsr = MXCSR_DEFAULT | (g.rng.int(4) << 13) | (i === 5 ? 0x8040 : 0);
      b.compareMxcsrFlags = true;
      g.add(f, b, `${mn} %xmm1, %xmm0`, 'sse');
    }
  }
}

export function ssse3Family(g: Generator): void {
  const f = 'ssse3';
  const ops: [string, number][] = [
    ['pshufb', 8], ['phaddw', 16], ['phaddd', 32], ['phaddsw', 16], ['phsubw', 16], ['phsubd', 32], ['phsubsw', 16],
    ['pmaddubsw', 8], ['pmulhrsw', 16], ['psignb', 8], ['psignw', 16], ['psignd', 32], ['pabsb', 8], ['pabsw', 16], ['pabsd', 32],
  ];
  for (const [mn, lane] of ops) packed(g, f, mn, lane);
  for (const imm of [0, 1, 4, 7, 8, 15, 16, 17, 24, 31, 32, 200]) {
    g.add(f, g.c(), `palignr $${imm}, %xmm1, %xmm0`, 'sse');
  }
  const b = g.c();
  const m = g.memOperand(b, 128, { align: 16 });
  g.add(f, b, `palignr $9, ${m.text}, %xmm2`, 'sse');
}

export function sse41IntFamily(g: Generator): void {
  const f = 'sse4.1-int';
  const ops: [string, number][] = [
    ['pminsb', 8], ['pmaxsb', 8], ['pminuw', 16], ['pmaxuw', 16], ['pminsd', 32], ['pmaxsd', 32], ['pminud', 32], ['pmaxud', 32],
    ['pmulld', 32], ['pmuldq', 32], ['pcmpeqq', 64], ['packusdw', 32], ['phminposuw', 16], ['ptest', 64],
  ];
  for (const [mn, lane] of ops) packed(g, f, mn, lane);
  // ptest: the ZF/CF corner cases
  for (const [x, y] of [[0n, 0n], [0n, R(g, 8)], [R(g, 8), 0n], [(1n << 128n) - 1n, R(g, 8)]]) {
    g.add(f, g.c().setXmm(0, x).setXmm(1, y), 'ptest %xmm1, %xmm0', 'sse');
    g.add(f, g.c().setXmm(0, x).setXmm(1, x), 'ptest %xmm1, %xmm0', 'sse');
  }
  g.add(f, g.c().setXmm(0, 0b1100n).setXmm(1, 0b0100n), 'ptest %xmm1, %xmm0', 'sse');
  for (const k of ['bw', 'bd', 'bq', 'wd', 'wq', 'dq']) {
    for (const s of ['sx', 'zx']) {
      g.add(f, g.c(), `pmov${s}${k} %xmm1, %xmm0`, 'sse');
      const b = g.c();
      const m = g.memOperand(b, 64);
      g.add(f, b, `pmov${s}${k} ${m.text}, %xmm2`, 'sse');
    }
  }
  for (const imm of [0, 0x55, 0xaa, 0xff, g.rng.int(256)]) {
    g.add(f, g.c(), `pblendw $${imm}, %xmm1, %xmm0`, 'sse');
    g.add(f, g.c(), `blendps $${imm & 15}, %xmm1, %xmm2`, 'sse');
    g.add(f, g.c(), `blendpd $${imm & 3}, %xmm3, %xmm1`, 'sse');
  }
  for (const mn of ['pblendvb', 'blendvps', 'blendvpd']) {
    for (let i = 0; i < 3; i++) g.add(f, g.c(), `${mn} %xmm0, %xmm1, %xmm2`, 'sse');
    const b = g.c();
    const m = g.memOperand(b, 128, { align: 16 });
    g.add(f, b, `${mn} %xmm0, ${m.text}, %xmm3`, 'sse');
  }
  for (const imm of [0x00, 0x10, 0x5a, 0xc7, 0x3f, g.rng.int(256), g.rng.int(256)]) {
    g.add(f, g.c(), `insertps $${imm}, %xmm1, %xmm0`, 'sse');
  }
  let b = g.c();
  let m = g.memOperand(b, 32);
  g.add(f, b, `insertps $0x9c, ${m.text}, %xmm2`, 'sse');
  for (let i = 0; i < 4; i++) {
    g.add(f, g.c(), `extractps $${i}, %xmm1, %eax`, 'sse');
    g.add(f, g.c(), `pextrd $${i}, %xmm2, %r9d`, 'sse');
    g.add(f, g.c(), `pinsrd $${i}, %ecx, %xmm3`, 'sse');
  }
  for (const i of [0, 1, 7, 8, 15]) {
    g.add(f, g.c(), `pextrb $${i}, %xmm1, %eax`, 'sse');
    g.add(f, g.c(), `pextrb $${i}, %xmm2, %r10`, 'sse');
    g.add(f, g.c(), `pinsrb $${i}, %edx, %xmm0`, 'sse');
  }
  for (const i of [0, 1]) {
    g.add(f, g.c(), `pextrq $${i}, %xmm1, %rax`, 'sse');
    g.add(f, g.c(), `pinsrq $${i}, %r11, %xmm2`, 'sse');
  }
  for (const [mn, w, op] of [['pextrb', 8, '$5'], ['pextrw', 16, '$6'], ['pextrd', 32, '$3'], ['pextrq', 64, '$1'], ['extractps', 32, '$2']] as [string, number, string][]) {
    b = g.c();
    m = g.memOperand(b, w);
    g.add(f, b, `${mn} ${op}, %xmm1, ${m.text}`, 'sse');
  }
  for (const [mn, w] of [['pinsrb', 8], ['pinsrd', 32], ['pinsrq', 64]] as [string, number][]) {
    b = g.c();
    m = g.memOperand(b, w);
    g.add(f, b, `${mn} $1, ${m.text}, %xmm0`, 'sse');
  }
  b = g.c();
  m = g.memOperand(b, 128, { align: 16 });
  g.add(f, b, `movntdqa ${m.text}, %xmm1`, 'sse');
}

export function sse41RoundFamily(g: Generator): void {
  const f = 'sse4.1-round';
  for (const [mn, bits] of [['roundsd', 64], ['roundss', 32], ['roundpd', 64], ['roundps', 32]] as [string, 32 | 64][]) {
    for (let imm = 0; imm < 16; imm++) {
      for (let i = 0; i < 3; i++) {
        const b = g.c().setXmm(1, floatFill(bits, () => roundingValue(g, bits)));
        b.mxcsr = i === 0 ? MXCSR_DEFAULT : MXCSR_DEFAULT | (g.rng.int(4) << 13) | (i === 2 ? g.rng.pick([0, 0x40, 0x8040]) : 0);
        b.compareMxcsrFlags = true;
        g.add(f, b, `${mn} $${imm}, %xmm1, %xmm0`, 'sse');
      }
    }
    const b = g.c();
    const m = g.memOperand(b, mn === 'roundsd' || mn === 'roundss' ? bits : 128, { align: 16 });
    g.add(f, b, `${mn} $4, ${m.text}, %xmm2`, 'sse');
  }
  // an unmasked precision exception: #XM, nothing written (the fault family covers the trap; here only masked flags)
}

/**
 * dpps/dppd (every product and sum rounded under MXCSR, flags compared, FZ
 * and DAZ included) and mpsadbw (every block selection).
 */
export function sse41DotFamily(g: Generator): void {
  const f = 'sse4.1-dot';
  for (const [mn, bits] of [['dpps', 32], ['dppd', 64]] as [string, 32 | 64][]) {
    const imms = bits === 32 ? [0xff, 0xf1, 0x31, 0x7f, 0x0f, 0xf0, 0x55, 0xa3, 0x8c] : [0x33, 0x31, 0x13, 0x22, 0x30, 0x03, 0x00, 0xff];
    for (const imm of [...imms, g.rng.int(256), g.rng.int(256)]) {
      for (let i = 0; i < 6; i++) {
        const fill = (): bigint => floatFill(bits, () => (i < 2 ? roundingValue(g, bits) : g.rng.pick(bits === 64 ? F64_EDGES : F32_EDGES)));
        const b = g.c().setXmm(0, i === 0 ? floatLanes(g, bits) : fill()).setXmm(1, i === 0 ? floatLanes(g, bits) : fill());
        b.mxcsr = MXCSR_DEFAULT | (i < 3 ? 0 : g.rng.int(4) << 13) | (i === 5 ? g.rng.pick([0x40, 0x8000, 0x8040]) : 0);
        b.compareMxcsrFlags = true;
        g.add(f, b, `${mn} $${imm}, %xmm1, %xmm0`, 'sse');
      }
    }
    // small integers: exact sums (what a dot product of counts gives), and register-self
    for (let i = 0; i < 4; i++) {
      const lanes = floatFill(bits, () => (bits === 64 ? f64Bits(g.rng.int(200) - 100) : f32Bits(g.rng.int(200) - 100)));
      const b = g.c().setXmm(2, lanes).setXmm(3, floatFill(bits, () => (bits === 64 ? f64Bits(g.rng.int(9) / 4) : f32Bits(g.rng.int(9) / 4))));
      b.compareMxcsrFlags = true;
      g.add(f, b, `${mn} $0xff, %xmm3, %xmm2`, 'sse');
      g.add(f, b, `${mn} $0x71, %xmm2, %xmm2`, 'sse');
    }
    const b = g.c().setXmm(3, floatLanes(g, bits));
    const m = g.memOperand(b, 128, { align: 16 });
    g.add(f, b, `${mn} $0xf3, ${m.text}, %xmm3`, 'sse');
  }
  for (let imm = 0; imm < 8; imm++) {
    for (let i = 0; i < 2; i++) g.add(f, g.c(), `mpsadbw $${imm}, %xmm1, %xmm0`, 'sse');
    g.add(f, g.c().setXmm(2, 0n).setXmm(3, (1n << 128n) - 1n), `mpsadbw $${imm}, %xmm3, %xmm2`, 'sse');
  }
  g.add(f, g.c(), 'mpsadbw $0xfd, %xmm2, %xmm2', 'sse');
  const b = g.c();
  const m = g.memOperand(b, 128, { align: 16 });
  g.add(f, b, `mpsadbw $5, ${m.text}, %xmm1`, 'sse');
}

/** A 16-byte string over a small alphabet with a NUL at a random place (or none). */
function shortString(g: Generator, words: boolean): bigint {
  const n = words ? 8 : 16, w = words ? 16 : 8;
  const end = g.rng.int(n + 4);
  let v = 0n;
  for (let i = 0; i < n; i++) {
    const c = i >= end ? 0n : BigInt(g.rng.pick([0x41, 0x42, 0x43, 0x61, 0x7a, 0xc3, 0x30]) + (words && g.rng.bool() ? 0x8000 : 0));
    v |= c << BigInt(i * w);
  }
  return v;
}

export function sse42Family(g: Generator): void {
  const f = 'sse4.2';
  packed(g, f, 'pcmpgtq', 64);
  for (const [x, y] of [[1n, 0n], [1n << 63n, 0n], [(1n << 64n) - 1n, 0n]]) {
    g.add(f, g.c().setXmm(0, x | (y << 64n)).setXmm(1, y | (x << 64n)), 'pcmpgtq %xmm1, %xmm0', 'sse');
  }
  for (const [sfx, w, reg] of [['b', 8, 'dl'], ['w', 16, 'dx'], ['l', 32, 'edx'], ['q', 64, 'rdx']] as [string, number, string][]) {
    for (let i = 0; i < 3; i++) g.add(f, g.c(), `crc32${sfx} %${reg}, %${w === 64 ? 'rcx' : 'ecx'}`, 'sse');
    const b = g.c();
    const m = g.memOperand(b, w, { avoid: ['rcx'] });
    g.add(f, b, `crc32${sfx} ${m.text}, %${w === 64 ? 'rcx' : 'ecx'}`, 'sse');
  }
  g.add(f, g.c(), 'crc32b %al, %rcx', 'sse');
  const imms = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0c, 0x0d, 0x0e, 0x10, 0x14, 0x18, 0x1a, 0x30, 0x34, 0x38, 0x3c, 0x40, 0x44, 0x48, 0x4c, 0x70, 0x7c];
  for (const imm of imms) {
    const words = (imm & 1) !== 0;
    for (const mn of ['pcmpistri', 'pcmpistrm', 'pcmpestri', 'pcmpestrm']) {
      for (let i = 0; i < 2; i++) {
        const b = g.c().setXmm(0, shortString(g, words)).setXmm(1, shortString(g, words)).setXmm(2, R(g, 8));
        if (mn.includes('estr')) {
          b.set('rax', BigInt.asUintN(64, BigInt(g.rng.pick([0, 1, 3, 5, 8, 15, 16, 17, 40, -3, -16, -20]))));
          b.set('rdx', BigInt.asUintN(64, BigInt(g.rng.pick([0, 2, 4, 7, 8, 16, 100, -1, -9]))));
        }
        const src = i === 0 ? '%xmm1' : '%xmm2';
        g.add(f, b, `${mn} $${imm}, ${src}, %xmm0`, 'sse');
      }
    }
  }
  // REX.W explicit lengths, large |RAX|, and an unaligned memory operand (allowed for these)
  for (const rax of [0x100000005n, (1n << 64n) - 3n, 0x80000000n, 7n]) {
    const b = g.c().setXmm(0, shortString(g, false)).setXmm(1, shortString(g, false)).set('rax', rax).set('rdx', 9n);
    g.add(f, b, 'pcmpestriq $0x0c, %xmm1, %xmm0', 'sse');
    g.add(f, b, 'pcmpestri $0x0c, %xmm1, %xmm0', 'sse');
    g.add(f, b, 'pcmpestrmq $0x40, %xmm1, %xmm0', 'sse');
  }
  const b = g.c().setXmm(0, shortString(g, false));
  const m = g.memOperand(b, 128, { align: 1 });
  g.add(f, b, `pcmpistri $0x08, ${m.text}, %xmm0`, 'sse');
}
