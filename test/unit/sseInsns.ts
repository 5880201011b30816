// Generates a static no-libc C program that runs every SSE/SSE2 instruction
// form the simulator implements (as inline asm, so the exact instruction is
// what runs) over sets of interesting inputs, and prints one line per result:
//   "<test> <i> <j> <result words…>"
// The same executable runs natively and in the simulator; sse.test.ts
// compares the outputs line by line.
//
// Input sets (each entry is one 128-bit vector, two 64-bit halves):
//   D: pairs of doubles from an edge list (±0, denormals, ±inf, quiet and
//      signalling NaNs with payloads, integer-conversion limits, rounding ties)
//   F: quads of floats from an edge list, likewise
//   I: integer patterns (lane limits, sign bits, conversion edges, random)

const D_EDGES: bigint[] = [
  0x0000000000000000n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n, 0x3ff8000000000000n,
  0x4008000000000000n, 0xc004000000000000n, 0x0000000000000001n, 0x800fffffffffffffn, 0x0010000000000000n,
  0x7fefffffffffffffn, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0x7ff8000000000123n,
  0xfff4000000000456n, 0x7ff0000000000001n, 0x3fd5555555555555n, 0x43e0000000000000n, 0xc3e0000000000000n,
  0x41dfffffffc00000n, 0xc1e0000000000000n, 0x41e0000000000000n, 0x3fe0000000000000n, 0x4004000000000000n,
  0xc00c000000000000n, 0x4340000000000001n, 0x7e37e43c8800759cn, 0x01a56e1fc2f8f359n, 0x47efffffe0000000n,
  0x47effffff0000000n, 0x36a0000000000000n, 0x3690000000000000n, 0x3698000000000000n, 0x3ff0000000000001n,
  0xc3dfffffffffffffn, 0x41dfffffffe00000n, 0xc1e0000000100000n, 0x3fe0000000000001n, 0xbfe0000000000000n,
  // underflow/overflow neighbourhood: min normal ± ulp, 1 − ulp (products rounding up to min normal), 2^±511, near max
  0x0010000000000001n, 0x3fefffffffffffffn, 0x000fffffffffffffn, 0x2000000000000000n, 0x1ff8000000000000n,
  0x7fe0000000000000n, 0x7fdfffffffffffffn, 0xffefffffffffffffn, 0x3ff0000000000003n, 0x0000000000000003n,
  0x8010000000000000n, 0x0008000000000000n, 0x1ff0000000000001n, 0x5ff0000000000000n,
];

const F_EDGES: number[] = [
  0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x40400000, 0xc0200000, 0x00000001, 0x807fffff,
  0x00800000, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0x7fc00123, 0xffa00456, 0x7f800001, 0x3eaaaaab,
  0x5f000000, 0xdf000000, 0x4f000000, 0xcf000000, 0x3f000000, 0x40200000, 0xc0600000, 0x4b800001, 0x33800000,
  0x3f800001, 0x4effffff, 0xcf000001, 0x3fffffff, 0xbf000000,
  0x00800001, 0x3f7fffff, 0x007fffff, 0x1f800000, 0x1fc00000, 0x7f000000, 0x7effffff, 0xff7fffff, 0x3f800003,
  0x00000003, 0x80800000, 0x00400000, 0x1f000001, 0x5f800000,
];

function prng(seed: number): () => bigint {
  let s = BigInt(seed) | 1n;
  return () => {
    s ^= (s << 13n) & 0xffffffffffffffffn; s ^= s >> 7n; s ^= (s << 17n) & 0xffffffffffffffffn;
    return s;
  };
}

const rep = (pattern: bigint, bits: number): bigint => {
  let v = 0n;
  for (let i = 0; i < 64; i += bits) v |= pattern << BigInt(i);
  return v;
};

function intSet(): [bigint, bigint][] {
  const r = prng(12345);
  const pats: [bigint, bigint][] = [
    [0n, 0n], [0xffffffffffffffffn, 0xffffffffffffffffn], [rep(0x80n, 8), rep(0x7fn, 8)], [rep(0x7fn, 8), rep(0x01n, 8)],
    [rep(0x8000n, 16), rep(0x7fffn, 16)], [rep(0x80000000n, 32), rep(0x7fffffffn, 32)], [0x8000000000000000n, 0x7fffffffffffffffn],
    [rep(0xff00n, 16), rep(0x00ffn, 16)], [0x0123456789abcdefn, 0xfedcba9876543210n], [1n, 0n], [0x20n, 0x3n],
    [0xffffffff80000000n, 0x0000000080000000n], [0x0020000000000001n, 0xffdfffffffffffffn], [0x0000000001000001n, 0x7fffffffn],
    [0x00000000ffffffffn, 0x100000000n], [0x8000000000000001n, 0xfffffffffffffff0n], [0x000000000000000fn, 0x40n],
  ];
  while (pats.length < 26) pats.push([r(), r()]);
  return pats;
}

/** Values around the underflow threshold (results that round up to the smallest normal, etc.). */
const U_D: bigint[] = [
  0x0010000000000000n, 0x3fefffffffffffffn, 0x3ff0000000000001n, 0x0010000000000001n, 0x000fffffffffffffn,
  0x3fe0000000000000n, 0x4000000000000000n, 0x3fdfffffffffffffn, 0x001fffffffffffffn, 0x0020000000000000n,
  0x3fd5555555555555n, 0x4008000000000000n, 0x8010000000000000n, 0xbfefffffffffffffn,
];
const U_F: number[] = [
  0x00800000, 0x3f7fffff, 0x3f800001, 0x00800001, 0x007fffff, 0x3f000000, 0x40000000, 0x3effffff, 0x00ffffff,
  0x01000000, 0x3eaaaaab, 0x40400000, 0x80800000, 0xbf7fffff,
];

function doubleSet(): [bigint, bigint][] {
  const n = D_EDGES.length;
  return D_EDGES.map((v, k) => [v, D_EDGES[(k * 7 + 3) % n]]);
}

function tinyDoubleSet(): [bigint, bigint][] {
  const n = U_D.length;
  return U_D.map((v, k) => [v, U_D[(k + 3) % n]]);
}

function tinyFloatSet(): [bigint, bigint][] {
  const n = U_F.length;
  const q = (k: number): bigint => BigInt(U_F[k % n] >>> 0);
  return U_F.map((_, k) => [q(k) | (q(k + 1) << 32n), q(k + 5) | (q(k + 9) << 32n)]);
}

function floatSet(): [bigint, bigint][] {
  const n = F_EDGES.length;
  const q = (k: number): bigint => BigInt(F_EDGES[k % n] >>> 0);
  return F_EDGES.map((_, k) => [q(k) | (q(k * 5 + 1) << 32n), q(k * 3 + 2) | (q(k * 7 + 5) << 32n)]);
}

type SetName = 'D' | 'F' | 'I' | 'U' | 'W';

interface Test {
  name: string;
  /** C body: inputs `V x, V y`; writes results to r[0] (and r[1] when wide). */
  body: string;
  set: SetName;
  /** Only one y per x (y = next vector). */
  unary?: boolean;
  /** Only this many partners y per x (a fixed sample), instead of all. */
  pairs?: number;
  wide?: boolean;
}

const tests: Test[] = [];

function add(name: string, set: SetName, body: string, opts: { unary?: boolean; wide?: boolean; pairs?: number } = {}): void {
  tests.push({ name, body, set, ...opts });
}

/** op xmm/m128, xmm in register and memory forms. */
function bin(op: string, set: SetName, forms = 'rm'): void {
  if (forms.includes('r')) add(`${op} r`, set, `asm("${op} %1,%0" : "+x"(x) : "x"(y)); r[0] = x;`);
  if (forms.includes('m')) add(`${op} m`, set, `asm("${op} %1,%0" : "+x"(x) : "m"(y)); r[0] = x;`);
}

function withImm(op: string, set: SetName, imms: number[], forms = 'rm'): void {
  for (const i of imms) {
    if (forms.includes('r')) add(`${op} $${i} r`, set, `asm("${op} $${i},%1,%0" : "+x"(x) : "x"(y)); r[0] = x;`);
    if (forms.includes('m')) add(`${op} $${i} m`, set, `asm("${op} $${i},%1,%0" : "+x"(x) : "m"(y)); r[0] = x;`);
  }
}

// ---- moves ------------------------------------------------------------------

for (const op of ['movdqa', 'movdqu', 'movaps', 'movups', 'movapd', 'movupd']) {
  bin(op, 'I');
  add(`${op} store`, 'I', `V buf[2] = {y, ~y}; asm volatile("${op} %1,%0" : "=m"(buf[0]) : "x"(x)); r[0] = buf[0]; r[1] = buf[1];`, { unary: true, wide: true });
}
for (const op of ['movdqu', 'movups', 'movupd']) {
  for (const off of [1, 7, 8, 15]) {
    add(`${op} load+${off}`, 'I', `V buf[3] = {y, x, ~y}; char *p = (char *)buf + ${off}; asm volatile("${op} (%1),%0" : "=x"(x) : "r"(p) : "memory"); r[0] = x;`, { unary: true });
    add(`${op} store+${off}`, 'I', `V buf[3] = {y, ~y, y}; char *p = (char *)buf + ${off}; asm volatile("${op} %1,(%0)" :: "r"(p), "x"(x) : "memory"); r[0] = buf[0] ^ buf[2]; r[1] = buf[1];`, { unary: true, wide: true });
  }
}
for (const op of ['movntdq', 'movntps', 'movntpd']) {
  add(`${op} store`, 'I', `V buf[2] = {y, ~y}; asm volatile("${op} %1,%0" : "=m"(buf[0]) : "x"(x)); r[0] = buf[0]; r[1] = buf[1];`, { unary: true, wide: true });
}
add('movq x,x', 'I', 'asm("movq %1,%0" : "+x"(x) : "x"(y)); r[0] = x;');
add('movq m,x', 'I', 'u64 m = y[1]; asm("movq %1,%0" : "+x"(x) : "m"(m)); r[0] = x;');
add('movq r64,x', 'I', 'u64 g = y[1]; asm("movq %1,%0" : "+x"(x) : "r"(g)); r[0] = x;');
add('movq x,r64', 'I', 'u64 g = y[0]; asm("movq %1,%0" : "+r"(g) : "x"(x)); r[0] = (V){(i64)g, 0};');
add('movq x,m', 'I', 'V buf = y; asm volatile("movq %1,%0" : "=m"(*(u64 *)&buf) : "x"(x)); r[0] = buf;');
add('movd r32,x', 'I', 'u64 g = y[1]; asm("movd %k1,%0" : "+x"(x) : "r"(g)); r[0] = x;');
add('movd m,x', 'I', 'u32 m = (u32)y[1]; asm("movd %1,%0" : "+x"(x) : "m"(m)); r[0] = x;');
add('movd x,r32', 'I', 'u64 g = y[0]; asm("movd %1,%k0" : "+r"(g) : "x"(x)); r[0] = (V){(i64)g, 0};');
add('movd x,m', 'I', 'V buf = y; asm volatile("movd %1,%0" : "=m"(*(u32 *)&buf) : "x"(x)); r[0] = buf;');
for (const op of ['movss', 'movsd']) {
  const t = op === 'movss' ? 'u32' : 'u64';
  add(`${op} x,x`, 'I', `asm("${op} %1,%0" : "+x"(x) : "x"(y)); r[0] = x;`);
  add(`${op} m,x`, 'I', `${t} m = (${t})y[1]; asm("${op} %1,%0" : "+x"(x) : "m"(m)); r[0] = x;`);
  add(`${op} x,m`, 'I', `V buf = y; asm volatile("${op} %1,%0" : "=m"(*(${t} *)&buf) : "x"(x)); r[0] = buf;`);
}
for (const op of ['movlps', 'movhps', 'movlpd', 'movhpd']) {
  add(`${op} m,x`, 'I', `u64 m = y[1]; asm("${op} %1,%0" : "+x"(x) : "m"(m)); r[0] = x;`);
  add(`${op} x,m`, 'I', `V buf = y; asm volatile("${op} %1,%0" : "=m"(*(u64 *)&buf) : "x"(x)); r[0] = buf;`);
}
bin('movhlps', 'I', 'r');
bin('movlhps', 'I', 'r');
add('movhlps same', 'I', 'asm("movhlps %0,%0" : "+x"(x)); r[0] = x;', { unary: true });
for (const op of ['movmskps', 'movmskpd', 'pmovmskb']) {
  add(`${op} r32`, 'F', `u64 g = y[0]; asm("${op} %1,%k0" : "+r"(g) : "x"(x)); r[0] = (V){(i64)g, 0};`, { unary: true });
  add(`${op} r32 I`, 'I', `u64 g = y[0]; asm("${op} %1,%k0" : "+r"(g) : "x"(x)); r[0] = (V){(i64)g, 0};`, { unary: true });
}
add('movmskpd D', 'D', 'u64 g = y[0]; asm("movmskpd %1,%k0" : "+r"(g) : "x"(x)); r[0] = (V){(i64)g, 0};', { unary: true });
for (const i of [0, 3, 4, 7]) {
  add(`pextrw $${i}`, 'I', `u64 g = y[0]; asm("pextrw $${i},%1,%k0" : "+r"(g) : "x"(x)); r[0] = (V){(i64)g, 0};`, { unary: true });
  add(`pinsrw $${i} r`, 'I', `u64 g = y[1]; asm("pinsrw $${i},%k1,%0" : "+x"(x) : "r"(g)); r[0] = x;`, { unary: true });
  add(`pinsrw $${i} m`, 'I', `unsigned short m = (unsigned short)y[1]; asm("pinsrw $${i},%1,%0" : "+x"(x) : "m"(m)); r[0] = x;`, { unary: true });
}
add('movnti 32', 'I', 'V buf = y; u32 g = (u32)x[0]; asm volatile("movnti %1,%0" : "=m"(*(u32 *)&buf) : "r"(g)); r[0] = buf;', { unary: true });
add('movnti 64', 'I', 'V buf = y; u64 g = x[1]; asm volatile("movnti %1,%0" : "=m"(*(u64 *)&buf) : "r"(g)); r[0] = buf;', { unary: true });
add('maskmovdqu', 'I', 'V buf[2] = {~x, x}; char *p = (char *)buf + 3; asm volatile("maskmovdqu %1,%0" :: "x"(y), "x"(x), "D"(p) : "memory"); r[0] = buf[0]; r[1] = buf[1];', { wide: true });

// ---- integer ----------------------------------------------------------------

for (const op of ['pxor', 'pand', 'por', 'pandn', 'xorps', 'xorpd', 'andps', 'andpd', 'andnps', 'andnpd', 'orps', 'orpd',
  'paddb', 'paddw', 'paddd', 'paddq', 'psubb', 'psubw', 'psubd', 'psubq',
  'paddsb', 'paddsw', 'paddusb', 'paddusw', 'psubsb', 'psubsw', 'psubusb', 'psubusw',
  'pcmpeqb', 'pcmpeqw', 'pcmpeqd', 'pcmpgtb', 'pcmpgtw', 'pcmpgtd',
  'pminub', 'pmaxub', 'pminsw', 'pmaxsw', 'pavgb', 'pavgw',
  'pmullw', 'pmulhw', 'pmulhuw', 'pmuludq', 'pmaddwd', 'psadbw', 'packsswb', 'packssdw', 'packuswb',
  'punpcklbw', 'punpckhbw', 'punpcklwd', 'punpckhwd', 'punpckldq', 'punpckhdq', 'punpcklqdq', 'punpckhqdq',
  'unpcklps', 'unpckhps', 'unpcklpd', 'unpckhpd']) {
  bin(op, 'I');
}
for (const op of ['pxor', 'pandn', 'pcmpeqb', 'pcmpeqd', 'psubb', 'punpcklbw', 'punpckhqdq', 'pand']) {
  add(`${op} same`, 'I', `asm("${op} %0,%0" : "+x"(x)); r[0] = x;`, { unary: true });
}
withImm('pshufd', 'I', [0x00, 0x1b, 0xe4, 0x4e, 0xb1, 0xff, 0x93, 0x39]);
withImm('pshuflw', 'I', [0x00, 0x1b, 0xe4, 0xb1, 0x93]);
withImm('pshufhw', 'I', [0x00, 0x1b, 0xe4, 0xb1, 0x93]);
withImm('shufps', 'F', [0x00, 0x1b, 0xe4, 0x4e, 0xb1, 0xff, 0x93]);
withImm('shufpd', 'D', [0, 1, 2, 3]);
add('shufps same', 'I', 'asm("shufps $0x1b,%0,%0" : "+x"(x)); r[0] = x;', { unary: true });
add('pshufd same', 'I', 'asm("pshufd $0x1b,%0,%0" : "+x"(x)); r[0] = x;', { unary: true });

const shiftOps: [string, number][] = [['psllw', 16], ['pslld', 32], ['psllq', 64], ['psrlw', 16], ['psrld', 32], ['psrlq', 64], ['psraw', 16], ['psrad', 32]];
for (const [op, lane] of shiftOps) {
  for (const n of [0, 1, 3, lane - 1, lane, lane + 1, 31, 32, 33, 255].filter((v, i, a) => a.indexOf(v) === i)) {
    add(`${op} $${n}`, 'I', `asm("${op} $${n},%0" : "+x"(x)); r[0] = x;`, { unary: true });
  }
  // count from an xmm register / m128: y's low qword, small values most of the time
  add(`${op} x`, 'I', `V c = y; if (c[0] & 0x100) c[0] &= ${2 * lane - 1}; asm("${op} %1,%0" : "+x"(x) : "x"(c)); r[0] = x;`);
  add(`${op} m`, 'I', `V c = y; if (c[0] & 0x100) c[0] &= ${2 * lane - 1}; asm("${op} %1,%0" : "+x"(x) : "m"(c)); r[0] = x;`);
}
for (const op of ['pslldq', 'psrldq']) {
  for (const n of [0, 1, 3, 4, 7, 8, 12, 15, 16, 17, 255]) add(`${op} $${n}`, 'I', `asm("${op} $${n},%0" : "+x"(x)); r[0] = x;`, { unary: true });
}

// ---- floating point -------------------------------------------------------------
//
// Every float instruction runs under a given MXCSR (flags cleared first) and
// reports the MXCSR it leaves, so exception flags are compared too. The
// default 0x1f80 runs over all input pairs and both operand forms; the other
// modes (rounding down/up/to zero, FZ, DAZ, FZ+DAZ, PE already set, all flags
// already set) over a sample of pairs in register form.

const MODES: [string, number][] = [
  ['rc=down', 0x3f80], ['rc=up', 0x5f80], ['rc=zero', 0x7f80], ['ftz', 0x9f80], ['daz', 0x1fc0], ['ftz+daz', 0x9fc0],
  ['pe-set', 0x1fa0], ['all-set', 0x1fbf],
];

/** C for one float instruction under MXCSR `mode`: `op` has %[x] (destination) and %[y] (source). */
function underMode(mode: number, insn: string, outputs: string, inputs: string): string {
  return `u32 md = ${mode}, fl = 0, df = 0x1f80; asm volatile("ldmxcsr %[md]\\n\\t${insn}\\n\\tstmxcsr %[fl]\\n\\tldmxcsr %[df]" : ${outputs}, [fl]"=m"(fl) : ${inputs}, [md]"m"(md), [df]"m"(df));`;
}

/** xmm, xmm/mem float instruction: result register and MXCSR. memType: C type of the memory source. */
function fp(op: string, set: SetName, memType: string | null, opts: { unary?: boolean; pairs?: number } = {}): void {
  const insn = op.includes('$') ? `${op},%[y],%[x]` : `${op} %[y],%[x]`;
  const reg = (mode: number) => underMode(mode, insn, '[x]"+x"(x)', '[y]"x"(y)') + ' r[0] = x; r[1] = (V){fl, 0};';
  add(`${op} r`, set, reg(0x1f80), { wide: true, ...opts });
  if (memType) {
    const decl = memType === 'V' ? 'V m = y;' : `${memType} m = (${memType})y[0];`;
    add(`${op} m`, set, `${decl} ${underMode(0x1f80, insn, '[x]"+x"(x)', '[y]"m"(m)')} r[0] = x; r[1] = (V){fl, 0};`, { wide: true, ...opts, pairs: opts.unary ? undefined : 12 });
  }
  for (const [name, mode] of MODES) add(`${op} r ${name}`, set, reg(mode), { wide: true, unary: opts.unary, pairs: opts.unary ? undefined : 8 });
}

for (const op of ['add', 'sub', 'mul', 'div', 'min', 'max', 'sqrt']) {
  fp(`${op}sd`, 'D', 'u64');
  fp(`${op}ss`, 'F', 'u32');
  fp(`${op}pd`, 'D', 'V', { pairs: 16 });
  fp(`${op}ps`, 'F', 'V', { pairs: 16 });
}
// the underflow threshold, all pairs, in the modes where the fast path must step aside
for (const op of ['add', 'sub', 'mul', 'div', 'sqrt']) {
  for (const [suffix, set] of [['sd', 'U'], ['pd', 'U'], ['ss', 'W'], ['ps', 'W']] as [string, SetName][]) {
    for (const [name, mode] of [['', 0x1f80], [' pe-set', 0x1fa0], [' all-set', 0x1fbf], [' ftz', 0x9f80], [' rc=up', 0x5f80]] as [string, number][]) {
      add(`${op}${suffix} tiny${name}`, set, underMode(mode, `${op}${suffix} %[y],%[x]`, '[x]"+x"(x)', '[y]"x"(y)') + ' r[0] = x; r[1] = (V){fl, 0};', { wide: true });
    }
  }
}
for (const [op, set] of [['cvtsd2ss', 'U'], ['cvtpd2ps', 'U']] as [string, SetName][]) {
  for (const [name, mode] of [['', 0x1f80], [' pe-set', 0x1fa0], [' ftz', 0x9f80]] as [string, number][]) {
    add(`${op} tiny${name}`, set, underMode(mode, `${op} %[y],%[x]`, '[x]"+x"(x)', '[y]"x"(y)') + ' r[0] = x; r[1] = (V){fl, 0};', { wide: true, unary: true });
  }
}

// compare predicates: eq lt le unord neq nlt nle ord
for (let p = 0; p < 8; p++) {
  fp(`cmpsd $${p}`, 'D', p === 1 ? 'u64' : null, { pairs: 24 });
  fp(`cmpss $${p}`, 'F', p === 2 ? 'u32' : null, { pairs: 24 });
  fp(`cmppd $${p}`, 'D', p === 5 ? 'V' : null, { pairs: 12 });
  fp(`cmpps $${p}`, 'F', p === 3 ? 'V' : null, { pairs: 12 });
}
// comis: RFLAGS (preset all set / all clear) and MXCSR
for (const [op, set, t] of [['comisd', 'D', 'u64'], ['ucomisd', 'D', 'u64'], ['comiss', 'F', 'u32'], ['ucomiss', 'F', 'u32']] as [string, SetName, string][]) {
  const body = (mode: number, pre: string, src: string, decl = '') =>
    `u64 f; ${decl}${underMode(mode, `pushq %[pre]\\n\\tpopfq\\n\\t${op} %[y],%[x]\\n\\tpushfq\\n\\tpopq %[f]`, '[f]"=&r"(f)', `[pre]"r"((u64)${pre}), [x]"x"(x), [y]${src}`)} r[0] = (V){(i64)(f & 0x8d5), 0}; r[1] = (V){fl, 0};`;
  add(`${op} r pre=all`, set, body(0x1f80, '0x8d5', '"x"(y)'), { wide: true });
  add(`${op} r pre=none`, set, body(0x1f80, '0', '"x"(y)'), { wide: true, pairs: 12 });
  add(`${op} m`, set, body(0x1f80, '0x8d5', '"m"(m)', `${t} m = (${t})y[0]; `), { wide: true, pairs: 12 });
  for (const [name, mode] of MODES) add(`${op} r ${name}`, set, body(mode, '0x8d5', '"x"(y)'), { wide: true, pairs: 8 });
}

// conversions: integer sources from the I set and from the float sets' bit patterns
function intToFp(name: string, set: SetName, insn: string, src: string, decl = ''): void {
  const body = (mode: number) => `${decl}${underMode(mode, insn, '[x]"+x"(x)', src)} r[0] = x; r[1] = (V){fl, 0};`;
  add(name, set, body(0x1f80), { wide: true, unary: true });
  for (const [mname, mode] of MODES) add(`${name} ${mname}`, set, body(mode), { wide: true, unary: true });
}
for (const set of ['I', 'D', 'F'] as SetName[]) {
  intToFp(`cvtsi2sdl r ${set}`, set, 'cvtsi2sdl %k[y],%[x]', '[y]"r"(y[0])');
  intToFp(`cvtsi2sdq r ${set}`, set, 'cvtsi2sdq %[y],%[x]', '[y]"r"(y[0])');
  intToFp(`cvtsi2ssl r ${set}`, set, 'cvtsi2ssl %k[y],%[x]', '[y]"r"(y[0])');
  intToFp(`cvtsi2ssq r ${set}`, set, 'cvtsi2ssq %[y],%[x]', '[y]"r"(y[0])');
  intToFp(`cvtsi2ssq r hi ${set}`, set, 'cvtsi2ssq %[y],%[x]', '[y]"r"(y[1])');
}
intToFp('cvtsi2sdl m', 'I', 'cvtsi2sdl %[y],%[x]', '[y]"m"(m)', 'u32 m = (u32)y[1]; ');
intToFp('cvtsi2sdq m', 'I', 'cvtsi2sdq %[y],%[x]', '[y]"m"(m)', 'u64 m = y[1]; ');
intToFp('cvtsi2ssl m', 'I', 'cvtsi2ssl %[y],%[x]', '[y]"m"(m)', 'u32 m = (u32)y[1]; ');
intToFp('cvtsi2ssq m', 'I', 'cvtsi2ssq %[y],%[x]', '[y]"m"(m)', 'u64 m = y[1]; ');

// float → integer register; the source is x (or its high lane swapped down)
for (const [op, set, t] of [['cvttsd2si', 'D', 'u64'], ['cvtsd2si', 'D', 'u64'], ['cvttss2si', 'F', 'u32'], ['cvtss2si', 'F', 'u32']] as [string, SetName, string][]) {
  const body = (mode: number, insn: string, src: string, decl = '') =>
    `u64 g = y[1]; ${decl}${underMode(mode, insn, '[g]"+r"(g)', src)} r[0] = (V){(i64)g, 0}; r[1] = (V){fl, 0};`;
  add(`${op} r32`, set, body(0x1f80, `${op} %[s],%k[g]`, '[s]"x"(x)'), { wide: true, unary: true });
  add(`${op} r64`, set, body(0x1f80, `${op} %[s],%[g]`, '[s]"x"(x)'), { wide: true, unary: true });
  add(`${op} m r32`, set, body(0x1f80, `${op} %[s],%k[g]`, '[s]"m"(m)', `${t} m = (${t})x[0]; `), { wide: true, unary: true });
  add(`${op} m r64`, set, body(0x1f80, `${op} %[s],%[g]`, '[s]"m"(m)', `${t} m = (${t})x[0]; `), { wide: true, unary: true });
  add(`${op} r64 hi`, set, body(0x1f80, `${op} %[s],%[g]`, '[s]"x"(z)', 'V z = {x[1], x[0]}; '), { wide: true, unary: true });
  for (const [name, mode] of MODES) {
    add(`${op} r32 ${name}`, set, body(mode, `${op} %[s],%k[g]`, '[s]"x"(x)'), { wide: true, unary: true });
    add(`${op} r64 ${name}`, set, body(mode, `${op} %[s],%[g]`, '[s]"x"(x)'), { wide: true, unary: true });
  }
}
fp('cvtsd2ss', 'D', 'u64', { unary: true });
fp('cvtss2sd', 'F', 'u32', { unary: true });
for (const [op, set] of [['cvtps2pd', 'F'], ['cvtdq2pd', 'I'], ['cvtdq2pd', 'F'], ['cvtpd2ps', 'D'], ['cvtdq2ps', 'I'], ['cvtdq2ps', 'F'],
  ['cvtps2dq', 'F'], ['cvttps2dq', 'F'], ['cvtpd2dq', 'D'], ['cvttpd2dq', 'D']] as [string, SetName][]) {
  const m64 = op === 'cvtps2pd' || op === 'cvtdq2pd';
  fp(op, set, m64 ? 'u64' : 'V', { unary: true });
}

// MXCSR: a store/load round trip of every writable bit
add('ldmxcsr/stmxcsr', 'I', 'u32 old, nw = 0x1f80 ^ ((u32)y[0] & 0xffff), got; asm volatile("stmxcsr %0\\n\\tldmxcsr %2\\n\\tstmxcsr %1\\n\\tldmxcsr %0" : "=m"(old), "=m"(got) : "m"(nw)); r[0] = (V){got, 0};', { unary: true });

// ---- the C program ----------------------------------------------------------------

const hex = (v: bigint): string => '0x' + v.toString(16) + 'ULL';

function setDecl(name: string, set: [bigint, bigint][]): string {
  return `static const V set${name}[${set.length}] = {\n${set.map(([lo, hi]) => `  {(i64)${hex(lo)}, (i64)${hex(hi)}},`).join('\n')}\n};\n`;
}

export function sseInsnsProgram(): { source: string; count: number } {
  const fns = tests.map((t, i) => `__attribute__((noinline)) static void t${i}(V x, V y, V *r) { ${t.body} }`).join('\n');
  const table = tests.map((t, i) => `  {${JSON.stringify(t.name)}, t${i}, '${t.set}', ${t.unary ? 1 : 0}, ${t.wide ? 1 : 0}, ${t.pairs ?? 0}},`).join('\n');
  const source = `${PRELUDE}
${setDecl('D', doubleSet())}${setDecl('F', floatSet())}${setDecl('I', intSet())}${setDecl('U', tinyDoubleSet())}${setDecl('W', tinyFloatSet())}
${fns}
struct test { const char *name; void (*f)(V, V, V *); char set; char unary, wide, pairs; };
static const unsigned char offs[] = {0, 1, 2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79};
static const struct test tests[] = {
${table}
};

int cmain(void) {
  for (unsigned t = 0; t < sizeof tests / sizeof tests[0]; t++) {
    const struct test *T = &tests[t];
    const V *s; unsigned n;
    switch (T->set) {
      case 'D': s = setD; n = sizeof setD / sizeof setD[0]; break;
      case 'F': s = setF; n = sizeof setF / sizeof setF[0]; break;
      case 'U': s = setU; n = sizeof setU / sizeof setU[0]; break;
      case 'W': s = setW; n = sizeof setW / sizeof setW[0]; break;
      default: s = setI; n = sizeof setI / sizeof setI[0];
    }
    for (unsigned i = 0; i < n; i++) {
      for (unsigned jj = 0; jj < (T->unary ? 1u : T->pairs ? (unsigned)T->pairs : n); jj++) {
        unsigned j = T->pairs ? (i + offs[jj]) % n : jj;
        V r[2] = {{0, 0}, {0, 0}};
        T->f(s[i], T->unary ? s[(i + 1) % n] : s[j], r);
        ps(T->name); pc(' '); pu(i); pc(' '); pu(j); pc(' ');
        px((u64)r[0][1]); px((u64)r[0][0]);
        if (T->wide) { pc(' '); px((u64)r[1][1]); px((u64)r[1][0]); }
        pc('\\n');
      }
    }
  }
  flush();
  return 0;
}
`;
  return { source, count: tests.length };
}

/** Runtime for no-libc test programs: _start, write(2), number formatting. */
export const PRELUDE = `typedef unsigned long long u64;
typedef unsigned int u32;
typedef long long i64;
typedef long long V __attribute__((vector_size(16)));

asm(".globl _start\\n_start:\\n\\txor %ebp,%ebp\\n\\tand $-16,%rsp\\n\\tcall cmain\\n\\tmov %eax,%edi\\n\\tmov $60,%eax\\n\\tsyscall\\n");

static char obuf[1 << 16];
static unsigned olen;
static long sys3(long n, long a, long b, long c) {
  long r;
  asm volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}
static void flush(void) { if (olen) sys3(1, 1, (long)obuf, olen); olen = 0; }
static void pc(char c) { if (olen == sizeof obuf) flush(); obuf[olen++] = c; }
static void ps(const char *s) { while (*s) pc(*s++); }
static void pu(unsigned long long v) { char t[24]; int n = 0; do t[n++] = (char)('0' + v % 10); while (v /= 10); while (n) pc(t[--n]); }
static void px(u64 v) { for (int i = 60; i >= 0; i -= 4) pc("0123456789abcdef"[(v >> i) & 15]); }
`;
