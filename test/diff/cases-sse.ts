// SSE/SSE2 and MXCSR case families of the differential CPU test (see gen.ts
// for the case model). These cases get xmm0-3 and MXCSR loaded and stored.

import { F32_EDGES, F64_EDGES, Generator, MXCSR_DEFAULT, Width, edgeValues, f32Bits, f64Bits, mask, regName } from './gen';

// ---- SSE ---------------------------------------------------------------------

export function laneRandom(g: Generator, laneBits: number): bigint {
  let v = 0n;
  for (let i = 0; i < 128 / laneBits; i++) v |= g.value(laneBits) << BigInt(i * laneBits);
  return v;
}

export function sseMoveFamily(g: Generator): void {
  const f = 'sse-move';
  for (const mn of ['movdqa', 'movdqu', 'movaps', 'movups']) {
    const aligned = mn === 'movdqa' || mn === 'movaps';
    g.add(f, g.c(), `${mn} %xmm1, %xmm0`, 'sse');
    g.add(f, g.c(), `${mn} %xmm3, %xmm2`, 'sse');
    for (let i = 0; i < 3; i++) {
      const b = g.c();
      const m = g.memOperand(b, 128, { align: aligned ? 16 : 1 });
      g.add(f, b, `${mn} ${m.text}, %xmm${g.rng.int(4)}`, 'sse');
      const b2 = g.c();
      const m2 = g.memOperand(b2, 128, { align: aligned ? 16 : 1 });
      g.add(f, b2, `${mn} %xmm${g.rng.int(4)}, ${m2.text}`, 'sse');
    }
  }
  for (const text of ['movq %xmm1, %xmm0', 'movq %xmm0, %xmm3', 'movq %rax, %xmm0', 'movq %r9, %xmm2', 'movq %xmm1, %rdx', 'movq %xmm3, %r12',
    'movd %eax, %xmm0', 'movd %r10d, %xmm1', 'movd %xmm2, %eax', 'movd %xmm1, %r11d']) {
    g.add(f, g.c(), text, 'sse');
  }
  for (const mn of ['movq', 'movd']) {
    for (let i = 0; i < 3; i++) {
      const b = g.c();
      const m = g.memOperand(b, 64);
      g.add(f, b, `${mn} ${m.text}, %xmm${g.rng.int(4)}`, 'sse');
      const b2 = g.c();
      const m2 = g.memOperand(b2, 64);
      g.add(f, b2, `${mn} %xmm${g.rng.int(4)}, ${m2.text}`, 'sse');
    }
  }
}

export function sseIntFamily(g: Generator): void {
  const f = 'sse-int';
  const ops: [string, number][] = [
    ['pxor', 64], ['pand', 64], ['por', 64], ['pandn', 64],
    ['paddb', 8], ['paddw', 16], ['paddd', 32], ['paddq', 64],
    ['psubb', 8], ['psubw', 16], ['psubd', 32], ['psubq', 64],
    ['pcmpeqb', 8], ['pcmpeqw', 16], ['pcmpeqd', 32], ['pcmpgtb', 8], ['pcmpgtw', 16], ['pcmpgtd', 32],
    ['punpcklbw', 8], ['punpckhbw', 8], ['punpcklwd', 16], ['punpckhwd', 16],
    ['punpckldq', 32], ['punpckhdq', 32], ['punpcklqdq', 64], ['punpckhqdq', 64],
  ];
  for (const [mn, lane] of ops) {
    for (let i = 0; i < 6; i++) {
      const b = g.c().setXmm(0, laneRandom(g, lane)).setXmm(1, laneRandom(g, lane));
      if (mn.startsWith('pcmpeq') && i < 3) b.setXmm(1, b.xmm[0] ^ (laneRandom(g, lane) & laneRandom(g, lane) & laneRandom(g, lane)));
      const src = i === 5 ? 'xmm0' : 'xmm1';
      g.add(f, b, `${mn} %${src}, %xmm${i === 4 ? 3 : 0}`, 'sse');
    }
    const b = g.c().setXmm(2, laneRandom(g, lane));
    const m = g.memOperand(b, 128, { align: 16 });
    g.add(f, b, `${mn} ${m.text}, %xmm2`, 'sse');
  }
  for (const order of [0x00, 0x1b, 0xe4, 0x4e, 0xb1, 0xff, g.rng.int(256), g.rng.int(256)]) {
    g.add(f, g.c(), `pshufd $${order}, %xmm1, %xmm0`, 'sse');
  }
  const b = g.c();
  const m = g.memOperand(b, 128, { align: 16 });
  g.add(f, b, `pshufd $0x93, ${m.text}, %xmm3`, 'sse');
  g.add(f, g.c(), 'pshufd $0x1b, %xmm2, %xmm2', 'sse');
  for (let i = 0; i < 6; i++) {
    const b2 = g.c().setXmm(1, laneRandom(g, 8));
    g.add(f, b2, `pmovmskb %xmm1, %${g.rng.pick(['eax', 'r9d', 'edx'])}`, 'sse');
  }
  g.add(f, g.c().setXmm(0, 0n), 'pmovmskb %xmm0, %rcx', 'sse');
}

export function sseShiftFamily(g: Generator): void {
  const f = 'sse-shift';
  const ops: [string, number][] = [['psllw', 16], ['pslld', 32], ['psllq', 64], ['psrlw', 16], ['psrld', 32], ['psrlq', 64], ['psraw', 16], ['psrad', 32]];
  for (const [mn, lane] of ops) {
    for (const count of [0, 1, lane - 1, lane, lane + 1, 255]) {
      g.add(f, g.c().setXmm(0, laneRandom(g, lane)), `${mn} $${count}, %xmm0`, 'sse');
    }
    for (const count of [0n, 1n, BigInt(lane - 1), BigInt(lane), 1n << 32n | 1n, 0xffffffffffffffffn, BigInt(g.rng.int(lane))]) {
      const b = g.c().setXmm(0, laneRandom(g, lane)).setXmm(1, (g.rng.u64() << 64n) | count);
      g.add(f, b, `${mn} %xmm1, %xmm0`, 'sse');
    }
    const b = g.c().setXmm(2, laneRandom(g, lane));
    const m = g.memOperand(b, 128, { align: 16 });
    b.setMem(m.off, 64, BigInt(g.rng.int(lane)));
    g.add(f, b, `${mn} ${m.text}, %xmm2`, 'sse');
  }
  for (const mn of ['pslldq', 'psrldq']) {
    for (const count of [0, 1, 3, 8, 15, 16, 17, 255]) {
      g.add(f, g.c(), `${mn} $${count}, %xmm${g.rng.int(4)}`, 'sse');
    }
  }
}

export function sseFloatFamily(g: Generator): void {
  const f = 'sse-float';
  const scalar = ['add', 'sub', 'mul', 'div', 'sqrt', 'min', 'max'];
  for (const [sfx, bits, edges] of [['sd', 64, F64_EDGES], ['ss', 32, F32_EDGES]] as [string, number, bigint[]][]) {
    const pick = (): bigint => (g.rng.int(4) === 0 ? g.rng.bits(bits) : g.rng.pick(edges));
    for (const op of scalar) {
      for (let i = 0; i < 48; i++) {
        const b = g.c().setLane(0, bits, 0, pick()).setLane(1, bits, 0, pick());
        const d = i % 6 === 5 ? 2 : 0;
        if (d === 2) b.setLane(2, bits, 0, pick());
        g.add(f, b, `${op}${sfx} %xmm1, %xmm${d}`, 'sse');
      }
      const b = g.c().setLane(0, bits, 0, pick());
      const m = g.memOperand(b, bits);
      b.setMem(m.off, bits, pick());
      g.add(f, b, `${op}${sfx} ${m.text}, %xmm0`, 'sse');
    }
    // ±0 and NaN ordering rules of min/max, pairwise
    for (const op of ['min', 'max']) {
      const special = bits === 64
        ? [0n, 0x8000000000000000n, 0x7ff8000000000000n, f64Bits(1)]
        : [0n, 0x80000000n, 0x7fc00000n, f32Bits(1)];
      for (const a of special) for (const c of special) {
        g.add(f, g.c().setLane(0, bits, 0, a).setLane(1, bits, 0, c), `${op}${sfx} %xmm1, %xmm0`, 'sse');
      }
    }
    for (const op of ['comi', 'ucomi']) {
      for (let i = 0; i < 20; i++) {
        const b = g.c().setLane(0, bits, 0, pick()).setLane(1, bits, 0, i % 4 === 0 ? smallFloat(g, bits) : pick());
        if (i % 5 === 0) b.setLane(1, bits, 0, b.xmm[0] & mask(bits));
        g.add(f, b, `${op}${sfx} %xmm1, %xmm0`, op === 'comi' ? 'comis' : 'ucomis');
      }
      const b = g.c().setLane(2, bits, 0, pick());
      const m = g.memOperand(b, bits);
      b.setMem(m.off, bits, pick());
      g.add(f, b, `${op}${sfx} ${m.text}, %xmm2`, op === 'comi' ? 'comis' : 'ucomis');
    }
  }
  for (const mn of ['andpd', 'xorpd', 'andnpd', 'orpd', 'andps', 'xorps']) {
    g.add(f, g.c(), `${mn} %xmm1, %xmm0`, 'sse');
    const b = g.c();
    const m = g.memOperand(b, 128, { align: 16 });
    g.add(f, b, `${mn} ${m.text}, %xmm3`, 'sse');
  }
  g.add(f, g.c(), 'xorpd %xmm2, %xmm2', 'sse');
}

/** Random low lane for compare tests: usually a small integer value, so equal/ordered cases occur. */
function smallFloat(g: Generator, bits: number): bigint {
  const x = g.rng.int(5) - 2;
  return bits === 64 ? f64Bits(x) : f32Bits(x);
}

export function sseConvertFamily(g: Generator): void {
  const f = 'sse-convert';
  for (const [mn, w] of [['cvtsi2sdl', 32], ['cvtsi2sdq', 64], ['cvtsi2ssl', 32], ['cvtsi2ssq', 64]] as [string, Width][]) {
    for (const v of [...edgeValues(w), (1n << 53n) + 1n, (1n << 24n) + 1n, g.rng.bits(w), g.rng.bits(w), g.rng.bits(w)]) {
      const s = regName(g.rng.pick([0, 3, 10]), w);
      const b = g.c().set(s, v);
      g.add(f, b, `${mn} %${s}, %xmm${g.rng.int(4)}`, 'sse');
    }
    const b = g.c();
    const m = g.memOperand(b, w);
    g.add(f, b, `${mn} ${m.text}, %xmm1`, 'sse');
  }
  for (const [mn, bits, w, edges] of [
    ['cvttsd2si', 64, 32, F64_EDGES], ['cvttsd2si', 64, 64, F64_EDGES], ['cvtsd2si', 64, 32, F64_EDGES], ['cvtsd2si', 64, 64, F64_EDGES],
    ['cvttss2si', 32, 32, F32_EDGES], ['cvttss2si', 32, 64, F32_EDGES],
  ] as [string, number, Width, bigint[]][]) {
    for (const v of edges) {
      const d = regName(g.rng.pick([0, 2, 9, 13]), w);
      g.add(f, g.c().setLane(1, bits, 0, v), `${mn} %xmm1, %${d}`, 'sse');
    }
    const b = g.c();
    const m = g.memOperand(b, bits, { avoid: ['rcx'] });
    b.setMem(m.off, bits, g.rng.pick(edges));
    g.add(f, b, `${mn} ${m.text}, %${regName(1, w)}`, 'sse');
  }
  for (const v of [...F64_EDGES, f64Bits(1 + 2 ** -30), f64Bits(3.4028235677973366e38), f64Bits(1e39), f64Bits(1.4e-45), f64Bits(7e-46)]) {
    g.add(f, g.c().setLane(1, 64, 0, v), 'cvtsd2ss %xmm1, %xmm0', 'sse');
  }
  for (const v of F32_EDGES) {
    g.add(f, g.c().setLane(1, 32, 0, v), 'cvtss2sd %xmm1, %xmm0', 'sse');
  }
  const b = g.c();
  const m = g.memOperand(b, 64);
  b.setMem(m.off, 64, f64Bits(Math.PI));
  g.add(f, b, `cvtsd2ss ${m.text}, %xmm2`, 'sse');
  const b2 = g.c();
  const m2 = g.memOperand(b2, 32);
  b2.setMem(m2.off, 32, f32Bits(Math.E));
  g.add(f, b2, `cvtss2sd ${m2.text}, %xmm3`, 'sse');
}

// ---- more SSE2 (beyond the basic list) -----------------------------------------

/** A 128-bit value of float lanes, each an edge value or random bits. */
export function floatLanes(g: Generator, bits: 32 | 64): bigint {
  const edges = bits === 64 ? F64_EDGES : F32_EDGES;
  let v = 0n;
  for (let i = 0; i < 128 / bits; i++) v |= (g.rng.int(3) === 0 ? g.rng.bits(bits) : g.rng.pick(edges)) << BigInt(i * bits);
  return v;
}

export function sse2MoveFamily(g: Generator): void {
  const f = 'sse2-move';
  // movsd/movss: register form merges the low lane, load zeroes the rest, store writes one lane
  for (const mn of ['movsd', 'movss']) {
    for (let i = 0; i < 3; i++) {
      g.add(f, g.c(), `${mn} %xmm1, %xmm0`, 'sse');
      const b = g.c();
      const m = g.memOperand(b, 64);
      g.add(f, b, `${mn} ${m.text}, %xmm${g.rng.int(4)}`, 'sse');
      const b2 = g.c();
      const m2 = g.memOperand(b2, 64);
      g.add(f, b2, `${mn} %xmm${g.rng.int(4)}, ${m2.text}`, 'sse');
    }
  }
  for (const text of ['movapd %xmm1, %xmm0', 'movupd %xmm2, %xmm3', 'movhlps %xmm1, %xmm0', 'movlhps %xmm1, %xmm0',
    'movhlps %xmm2, %xmm2', 'movmskpd %xmm1, %eax', 'movmskps %xmm2, %r9d', 'movmskps %xmm0, %rcx']) {
    g.add(f, g.c().setXmm(1, floatLanes(g, 32)).setXmm(2, floatLanes(g, 64)), text, 'sse');
  }
  for (const mn of ['movhpd', 'movlpd', 'movhps', 'movlps']) {
    const b = g.c();
    const m = g.memOperand(b, 64);
    g.add(f, b, `${mn} ${m.text}, %xmm${g.rng.int(4)}`, 'sse');
    const b2 = g.c();
    const m2 = g.memOperand(b2, 64);
    g.add(f, b2, `${mn} %xmm${g.rng.int(4)}, ${m2.text}`, 'sse');
  }
  for (const mn of ['movntdq', 'movntps', 'movntpd', 'movapd', 'movupd']) {
    const b = g.c();
    const m = g.memOperand(b, 128, { align: 16 });
    g.add(f, b, `${mn} %xmm${g.rng.int(4)}, ${m.text}`, 'sse');
  }
  for (const w of [32, 64] as Width[]) {
    const b = g.c();
    const m = g.memOperand(b, w, { avoid: ['rdx'] });
    g.add(f, b, `movnti %${regName(2, w)}, ${m.text}`, 'sse');
  }
  for (let i = 0; i < 4; i++) {
    const b = g.c().ptr('rdi', 16 + g.rng.int(64)).setXmm(1, laneRandom(g, 8));
    b.bytes();
    g.add(f, b, 'maskmovdqu %xmm1, %xmm0', 'sse');
  }
}

export function sse2IntFamily(g: Generator): void {
  const f = 'sse2-int';
  const ops: [string, number][] = [
    ['paddsb', 8], ['paddsw', 16], ['paddusb', 8], ['paddusw', 16], ['psubsb', 8], ['psubsw', 16], ['psubusb', 8], ['psubusw', 16],
    ['pavgb', 8], ['pavgw', 16], ['pmaddwd', 16], ['pmaxsw', 16], ['pmaxub', 8], ['pminsw', 16], ['pminub', 8],
    ['pmulhuw', 16], ['pmulhw', 16], ['pmullw', 16], ['pmuludq', 32], ['psadbw', 8],
    ['packssdw', 32], ['packsswb', 16], ['packuswb', 16],
  ];
  for (const [mn, lane] of ops) {
    for (let i = 0; i < 8; i++) {
      const b = g.c().setXmm(0, laneRandom(g, lane)).setXmm(1, laneRandom(g, lane));
      g.add(f, b, `${mn} %xmm${i === 7 ? 0 : 1}, %xmm0`, 'sse');
    }
    const b = g.c().setXmm(3, laneRandom(g, lane));
    const m = g.memOperand(b, 128, { align: 16 });
    g.add(f, b, `${mn} ${m.text}, %xmm3`, 'sse');
  }
  for (const mn of ['pshufhw', 'pshuflw']) {
    for (const order of [0x1b, 0xe4, 0x00, g.rng.int(256), g.rng.int(256)]) g.add(f, g.c(), `${mn} $${order}, %xmm1, %xmm0`, 'sse');
  }
  for (const lane of [0, 3, 7, 9]) {
    g.add(f, g.c(), `pextrw $${lane}, %xmm1, %${g.rng.pick(['eax', 'r10d', 'rdx'])}`, 'sse');
    g.add(f, g.c(), `pinsrw $${lane}, %${g.rng.pick(['eax', 'r10d', 'edx'])}, %xmm0`, 'sse');
  }
  const b = g.c();
  const m = g.memOperand(b, 16);
  g.add(f, b, `pinsrw $5, ${m.text}, %xmm2`, 'sse');
}

export function sse2FloatFamily(g: Generator): void {
  const f = 'sse2-float';
  for (const [sfx, bits] of [['pd', 64], ['ps', 32]] as [string, 32 | 64][]) {
    for (const op of ['add', 'sub', 'mul', 'div', 'sqrt', 'min', 'max', 'andn', 'or', 'unpckl', 'unpckh']) {
      for (let i = 0; i < 10; i++) {
        const b = g.c().setXmm(0, floatLanes(g, bits)).setXmm(1, floatLanes(g, bits));
        g.add(f, b, `${op}${sfx} %xmm1, %xmm0`, 'sse');
      }
      const b = g.c().setXmm(2, floatLanes(g, bits));
      const m = g.memOperand(b, 128, { align: 16 });
      for (let k = 0; k < 128 / bits; k++) b.setMem(m.off + (k * bits) / 8, bits, g.rng.pick(bits === 64 ? F64_EDGES : F32_EDGES));
      g.add(f, b, `${op}${sfx} ${m.text}, %xmm2`, 'sse');
    }
    for (const order of [0, 1, 2, 3, 0x1b, 0xb1, g.rng.int(256)]) {
      g.add(f, g.c(), `shuf${sfx} $${bits === 64 ? order & 3 : order}, %xmm1, %xmm0`, 'sse');
    }
  }
  // compare predicates, scalar and packed
  const predicates = ['eq', 'lt', 'le', 'unord', 'neq', 'nlt', 'nle', 'ord'];
  for (const sfx of ['sd', 'ss', 'pd', 'ps']) {
    const bits = sfx.endsWith('d') ? 64 : 32;
    for (const p of predicates) {
      for (let i = 0; i < 4; i++) {
        const b = g.c().setXmm(0, floatLanes(g, bits)).setXmm(1, floatLanes(g, bits));
        if (i === 0) b.setXmm(1, b.xmm[0]); // equal lanes
        g.add(f, b, `cmp${p}${sfx} %xmm1, %xmm0`, 'sse');
      }
    }
  }
}

export function sse2ConvertFamily(g: Generator): void {
  const f = 'sse2-convert';
  const forms: [string, 32 | 64][] = [
    ['cvtdq2pd', 32], ['cvtdq2ps', 32], ['cvtpd2dq', 64], ['cvtpd2ps', 64], ['cvtps2dq', 32], ['cvtps2pd', 32],
    ['cvttpd2dq', 64], ['cvttps2dq', 32],
  ];
  for (const [mn, bits] of forms) {
    for (let i = 0; i < 14; i++) {
      const src = mn.startsWith('cvtdq') ? laneRandom(g, 32) : floatLanes(g, bits);
      g.add(f, g.c().setXmm(1, src), `${mn} %xmm1, %xmm0`, 'sse');
    }
  }
  for (const w of [32, 64] as Width[]) {
    for (const v of F32_EDGES) g.add(f, g.c().setLane(1, 32, 0, v), `cvtss2si %xmm1, %${regName(g.rng.pick([0, 2, 9]), w)}`, 'sse');
  }
}

// ---- MXCSR: rounding control, FTZ/DAZ, exception flags -----------------------------

interface FloatTemplate {
  text: string;
  /** Lane width of the float source (xmm1, and xmm0 for two-operand forms). */
  lanes: 32 | 64;
  /** Integer source in rax instead of floats. */
  intSrc?: boolean;
}

const FLOAT_TEMPLATES: FloatTemplate[] = [
  ...['add', 'sub', 'mul', 'div', 'sqrt', 'min', 'max'].flatMap((op): FloatTemplate[] => [
    { text: `${op}sd %xmm1, %xmm0`, lanes: 64 }, { text: `${op}ss %xmm1, %xmm0`, lanes: 32 },
    { text: `${op}pd %xmm1, %xmm0`, lanes: 64 }, { text: `${op}ps %xmm1, %xmm0`, lanes: 32 },
  ]),
  { text: 'cvtsd2ss %xmm1, %xmm0', lanes: 64 }, { text: 'cvtss2sd %xmm1, %xmm0', lanes: 32 },
  { text: 'cvtpd2ps %xmm1, %xmm0', lanes: 64 }, { text: 'cvtps2pd %xmm1, %xmm0', lanes: 32 },
  { text: 'cvtpd2dq %xmm1, %xmm0', lanes: 64 }, { text: 'cvtps2dq %xmm1, %xmm0', lanes: 32 },
  { text: 'cvttpd2dq %xmm1, %xmm0', lanes: 64 }, { text: 'cvttps2dq %xmm1, %xmm0', lanes: 32 },
  { text: 'cvtsd2si %xmm1, %rax', lanes: 64 }, { text: 'cvtsd2si %xmm1, %eax', lanes: 64 },
  { text: 'cvttsd2si %xmm1, %rax', lanes: 64 }, { text: 'cvtss2si %xmm1, %eax', lanes: 32 },
  { text: 'cvttss2si %xmm1, %rax', lanes: 32 },
  { text: 'cvtsi2sdq %rax, %xmm0', lanes: 64, intSrc: true }, { text: 'cvtsi2ssq %rax, %xmm0', lanes: 32, intSrc: true },
  { text: 'cvtsi2ssl %eax, %xmm0', lanes: 32, intSrc: true }, { text: 'cvtdq2ps %xmm1, %xmm0', lanes: 32, intSrc: true },
  { text: 'comisd %xmm1, %xmm0', lanes: 64 }, { text: 'ucomisd %xmm1, %xmm0', lanes: 64 },
  { text: 'comiss %xmm1, %xmm0', lanes: 32 }, { text: 'ucomiss %xmm1, %xmm0', lanes: 32 },
  { text: 'cmpltsd %xmm1, %xmm0', lanes: 64 }, { text: 'cmpeqsd %xmm1, %xmm0', lanes: 64 },
  { text: 'cmpleps %xmm1, %xmm0', lanes: 32 }, { text: 'cmpunordps %xmm1, %xmm0', lanes: 32 },
];

/** Tiny values: denormals, the smallest normals and values whose products/quotients underflow. */
export function tinyFloat(g: Generator, bits: 32 | 64): bigint {
  const mant = bits === 64 ? 52 : 23;
  const sign = g.rng.bool() ? 1n << BigInt(bits - 1) : 0n;
  const kind = g.rng.int(4);
  if (kind === 0) return sign | (g.rng.bits(mant) || 1n); // denormal
  if (kind === 1) return sign | (1n << BigInt(mant)) | g.rng.bits(mant); // smallest normals
  if (kind === 2) return sign | (BigInt(1 + g.rng.int(40)) << BigInt(mant)) | g.rng.bits(mant); // small normals
  return bits === 64 ? f64Bits(g.rng.pick([0.5, 0.25, 3, 1e-3, 0.9999])) : f32Bits(g.rng.pick([0.5, 0.25, 3, 1e-3, 0.9999]));
}

export function floatFill(bits: 32 | 64, pick: () => bigint): bigint {
  let v = 0n;
  for (let i = 0; i < 128 / bits; i++) v |= pick() << BigInt(i * bits);
  return v;
}

/**
 * Floating-point operations under a non-default MXCSR, in families of their
 * own: the rounding modes ('mxcsr-rounding'), flush-to-zero and
 * denormals-are-zero ('mxcsr-ftz-daz') and the sticky exception flags they
 * set ('mxcsr-flags'). Everywhere else MXCSR is the default 0x1f80 and its
 * exception flags are not compared.
 */
export function mxcsrFamilies(g: Generator): void {
  const variants: { family: string; count: number; mxcsr: () => number; value: (bits: 32 | 64) => bigint; flags: boolean }[] = [
    {
      family: 'mxcsr-rounding', count: 6, flags: false,
      mxcsr: () => MXCSR_DEFAULT | ((1 + g.rng.int(3)) << 13),
      value: (bits) => (g.rng.int(4) === 0 ? g.rng.pick(bits === 64 ? F64_EDGES : F32_EDGES) : g.rng.bits(bits)),
    },
    {
      family: 'mxcsr-ftz-daz', count: 6, flags: false,
      mxcsr: () => MXCSR_DEFAULT | g.rng.pick([0x8000, 0x40, 0x8040]),
      value: (bits) => tinyFloat(g, bits),
    },
    {
      family: 'mxcsr-flags', count: 8, flags: true,
      mxcsr: () => (g.rng.int(4) === 0 ? MXCSR_DEFAULT | (g.rng.u32() & 0x3f) : MXCSR_DEFAULT),
      value: (bits) => (g.rng.bool() ? g.rng.pick(bits === 64 ? F64_EDGES : F32_EDGES) : g.rng.bool() ? tinyFloat(g, bits) : g.rng.bits(bits)),
    },
  ];
  for (const v of variants) {
    for (const t of FLOAT_TEMPLATES) {
      for (let i = 0; i < v.count; i++) {
        const b = g.c();
        b.mxcsr = v.mxcsr();
        b.compareMxcsrFlags = v.flags;
        b.setXmm(0, floatFill(t.lanes, () => v.value(t.lanes)));
        if (t.intSrc) {
          b.set('rax', g.rng.bool() ? g.rng.u64() : g.rng.bits(g.rng.pick([25, 33, 54, 64])));
          b.setXmm(1, laneRandom(g, 32));
        } else {
          b.setXmm(1, floatFill(t.lanes, () => v.value(t.lanes)));
        }
        g.add(v.family, b, t.text, t.text.includes('comis') ? 'comis' : 'sse');
      }
    }
  }
}
