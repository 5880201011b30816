// Case generator for the differential CPU test. Each case is one instruction
// (or a short sequence) in AT&T syntax — or Intel syntax when `intel` is set —
// plus the full input state: the 16 GPRs, RFLAGS, xmm0..xmm3 and a 128-byte
// data buffer the memory forms use. Registers not involved get random values
// (from a seeded PRNG), so a write to the wrong register or the wrong part of
// one shows up in the comparison. Undefined results are described per case:
// `undefFlags` (from the table in flags.ts) and `undefRegs`.

import { Prng } from './prng';
import { ARITH_FLAGS, CF, DF, FlagContext, OF, PF, SF, ZF, undefinedFlags } from './flags';
import { MEM_SIZE, XMM_STATE_COUNT } from './layout';

/** A register's initial value: a number, or the address of a byte of the case's data buffer. */
export type RegInit = bigint | { memOffset: number; high?: bigint };

export interface DiffCase {
  index: number;
  /** Subtest the case belongs to. */
  family: string;
  /** Instruction text. `MEMADDR` stands for the absolute address of the data buffer. */
  asm: string;
  intel: boolean;
  gpr: RegInit[];
  rflags: number;
  /** Only loaded (and compared) for SSE families. */
  mxcsr: number;
  /** Load and store xmm0-3 and MXCSR (SSE families only, so integer cases don't depend on SSE support). */
  usesXmm: boolean;
  /** Compare MXCSR's exception flag bits too (only the 'mxcsr-flags' family does). */
  compareMxcsrFlags: boolean;
  xmm: bigint[];
  /** Initial data buffer, or null for all zeros. */
  mem: Uint8Array | null;
  /** RFLAGS bits whose result is undefined. */
  undefFlags: number;
  /** Bit n set: the final value of GPR n is undefined. */
  undefRegs: number;
  /** Expected final GPR values and MXCSR (only used by the harness self-check cases). */
  expect?: Map<number, bigint>;
  expectMxcsr?: number;
}

// ---- registers -------------------------------------------------------------

type Width = 8 | 16 | 32 | 64;
export const WIDTHS: readonly Width[] = [8, 16, 32, 64];

interface RegRef { n: number; width: Width; high: boolean }

const NAMES64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const NAMES32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', ...NAMES64.slice(8).map((r) => r + 'd')];
const NAMES16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', ...NAMES64.slice(8).map((r) => r + 'w')];
const NAMES8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil', ...NAMES64.slice(8).map((r) => r + 'b')];

const REGS = new Map<string, RegRef>();
for (let n = 0; n < 16; n++) {
  REGS.set(NAMES64[n], { n, width: 64, high: false });
  REGS.set(NAMES32[n], { n, width: 32, high: false });
  REGS.set(NAMES16[n], { n, width: 16, high: false });
  REGS.set(NAMES8[n], { n, width: 8, high: false });
}
['ah', 'ch', 'dh', 'bh'].forEach((name, n) => REGS.set(name, { n, width: 8, high: true }));

function reg(name: string): RegRef {
  const r = REGS.get(name);
  if (!r) throw new Error(`unknown register ${name}`);
  return r;
}

export function regName(n: number, width: Width): string {
  return { 8: NAMES8, 16: NAMES16, 32: NAMES32, 64: NAMES64 }[width][n];
}

const RSP = 4;
const MXCSR_DEFAULT = 0x1f80;
/** Families whose cases get xmm0-3 and MXCSR loaded and stored. */
const XMM_FAMILY = /^(sse|mxcsr)/;

/** Register pairs [dest, src] per width. The 8-bit ones never mix AH..DH with REX registers. */
const PAIRS: Record<Width, [string, string][]> = {
  8: [['al', 'cl'], ['bl', 'ah'], ['ch', 'dh'], ['sil', 'r9b'], ['r15b', 'dil'], ['bh', 'bh'], ['r8b', 'al'], ['dl', 'bpl']],
  16: [['ax', 'cx'], ['bx', 'r10w'], ['r13w', 'si'], ['di', 'di'], ['bp', 'dx'], ['r8w', 'r15w']],
  32: [['eax', 'ecx'], ['ebx', 'r10d'], ['r13d', 'esi'], ['edi', 'edi'], ['ebp', 'edx'], ['r15d', 'r8d']],
  64: [['rax', 'rcx'], ['rbx', 'r10'], ['r13', 'rsi'], ['rdi', 'rdi'], ['rbp', 'rdx'], ['r15', 'r8']],
};

const SUFFIX: Record<Width, string> = { 8: 'b', 16: 'w', 32: 'l', 64: 'q' };

// ---- values ----------------------------------------------------------------

const mask = (w: number): bigint => (1n << BigInt(w)) - 1n;
const signBit = (w: number): bigint => 1n << BigInt(w - 1);
const toSigned = (v: bigint, w: number): bigint => BigInt.asIntN(w, v);
const toUnsigned = (v: bigint, w: number): bigint => BigInt.asUintN(w, v);

/** Interesting values of a width: 0, 1, MAX, MIN, -1, carry/overflow neighbours. */
function edgeValues(w: number): bigint[] {
  const m = mask(w);
  const min = signBit(w);
  return [0n, 1n, min - 1n, min, m, m - 1n, min + 1n, 2n, 0x0fn, 0x10n];
}

function f64Bits(x: number): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x, true);
  return dv.getBigUint64(0, true);
}

function f32Bits(x: number): bigint {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, x, true);
  return BigInt(dv.getUint32(0, true));
}

const F64_EDGES: bigint[] = [
  ...[0, 1, -1, 1.5, -2.5, 0.1, 1 / 3, 2.5, 3.5, -0.5, 1e308, -1e308, 5e-324, 2.2250738585072014e-308,
    Infinity, -Infinity, 2147483647.5, 2147483648, -2147483648, -2147483649, 4294967296.5,
    9223372036854775807, -9223372036854775808, 1.8446744073709552e19, 1e10, 123456.789, 3.4028235677973366e38, 1e-40]
    .map(f64Bits),
  0x8000000000000000n, // -0.0
  0x7ff8000000000000n, // quiet NaN
  0xfff8000000000000n, // default (negative) quiet NaN
  0x7ff8000000000123n, // quiet NaN with payload
  0x7ff0000000000001n, // signalling NaN
  0xfff4000000000abcn, // negative signalling NaN with payload
];

const F32_EDGES: bigint[] = [
  ...[0, 1, -1, 1.5, -2.5, 0.1, 1 / 3, 2.5, 3.5, 3e38, -3e38, 1e-45, 1.1754943508222875e-38,
    Infinity, -Infinity, 2147483648, -2147483648, 16777217, 1e10, 123456.789].map(f32Bits),
  0x80000000n, 0x7fc00000n, 0xffc00000n, 0x7fc00123n, 0x7f800001n, 0xffa00abcn,
];

// ---- case builder ----------------------------------------------------------

export class CaseBuilder {
  gpr: RegInit[] = [];
  rflags: number;
  mxcsr = MXCSR_DEFAULT;
  compareMxcsrFlags = false;
  xmm: bigint[] = [];
  mem: Uint8Array | null = null;
  undefRegs = 0;
  intel = false;
  usesXmm = false;
  expect?: Map<number, bigint>;
  expectMxcsr?: number;

  constructor(private readonly rng: Prng) {
    for (let i = 0; i < 16; i++) this.gpr.push(rng.u64());
    // RSP always points into the data buffer, so stray stack accesses stay harmless and visible.
    this.gpr[RSP] = { memOffset: 64 };
    this.rflags = this.randomFlags();
    for (let i = 0; i < XMM_STATE_COUNT; i++) this.xmm.push(rng.bits(128));
  }

  /** Random arithmetic flags, DF clear; IF set as in every user-mode program. */
  randomFlags(): number {
    return (this.rng.u32() & ARITH_FLAGS) | 0x202;
  }


  /** Set the named register (any width) to `value`, keeping the other bits of the full register. */
  set(name: string, value: bigint): this {
    const r = reg(name);
    const old = this.num(r.n);
    const shift = r.high ? 8n : 0n;
    const m = mask(r.width) << shift;
    this.gpr[r.n] = (old & ~m & mask(64)) | ((toUnsigned(value, r.width) << shift) & m);
    return this;
  }

  /** Current value of the named register (at its width). */
  get(name: string): bigint {
    const r = reg(name);
    return (this.num(r.n) >> (r.high ? 8n : 0n)) & mask(r.width);
  }

  private num(n: number): bigint {
    const v = this.gpr[n];
    if (typeof v !== 'bigint') throw new Error(`register ${NAMES64[n]} holds an address`);
    return v;
  }

  /** Point a 64-bit register at byte `offset` of the data buffer. */
  ptr(name: string, offset: number, high?: bigint): this {
    const r = reg(name);
    if (r.width !== 64) throw new Error('ptr needs a 64-bit register');
    this.gpr[r.n] = high === undefined ? { memOffset: offset } : { memOffset: offset, high };
    return this;
  }

  bytes(): Uint8Array {
    if (!this.mem) {
      this.mem = new Uint8Array(MEM_SIZE);
      for (let i = 0; i < MEM_SIZE; i++) this.mem[i] = this.rng.u32() & 0xff;
    }
    return this.mem;
  }

  setMem(offset: number, width: number, value: bigint): this {
    const b = this.bytes();
    if (offset < 0 || offset + width / 8 > MEM_SIZE) throw new Error(`memory operand out of the buffer: ${offset}`);
    for (let i = 0; i < width / 8; i++) b[offset + i] = Number((value >> BigInt(8 * i)) & 0xffn);
    return this;
  }

  getMem(offset: number, width: number): bigint {
    const b = this.bytes();
    let v = 0n;
    for (let i = width / 8 - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[offset + i]);
    return v;
  }

  setXmm(i: number, value: bigint): this {
    this.xmm[i] = toUnsigned(value, 128);
    return this;
  }

  /** Set lane `lane` (of `laneBits` bits) of xmm`i`. */
  setLane(i: number, laneBits: number, lane: number, value: bigint): this {
    const shift = BigInt(laneBits * lane);
    const m = mask(laneBits) << shift;
    this.xmm[i] = (this.xmm[i] & ~m & mask(128)) | ((toUnsigned(value, laneBits) << shift) & m);
    return this;
  }

  flags(set: number, clear = 0): this {
    this.rflags = (this.rflags | set) & ~clear;
    return this;
  }

  undefinedReg(name: string): this {
    this.undefRegs |= 1 << reg(name).n;
    return this;
  }
}

// ---- generator -------------------------------------------------------------

class Generator {
  readonly cases: DiffCase[] = [];
  readonly rng: Prng;

  constructor(seed: number) {
    this.rng = new Prng(seed);
  }

  c(): CaseBuilder {
    return new CaseBuilder(this.rng);
  }

  add(family: string, b: CaseBuilder, asm: string, op: string, ctx: FlagContext = { width: 64 }): void {
    this.addWithMask(family, b, asm, undefinedFlags(op, ctx));
  }

  /** For instruction sequences, whose undefined flags are worked out by the caller (from the same table). */
  addWithMask(family: string, b: CaseBuilder, asm: string, undefFlags: number): void {
    this.cases.push({
      index: this.cases.length,
      family,
      asm,
      intel: b.intel,
      gpr: b.gpr,
      rflags: b.rflags,
      mxcsr: b.mxcsr,
      usesXmm: b.usesXmm || XMM_FAMILY.test(family),
      compareMxcsrFlags: b.compareMxcsrFlags,
      xmm: b.xmm,
      mem: b.mem,
      undefFlags,
      undefRegs: b.undefRegs,
      expect: b.expect,
      expectMxcsr: b.expectMxcsr,
    });
  }

  /** A value of width w: an edge value half of the time, random otherwise. */
  value(w: number): bigint {
    return this.rng.bool() ? this.rng.pick(edgeValues(w)) : this.rng.bits(w);
  }

  /** Operand pairs: every pair of a few edge values, plus random pairs. */
  pairs(w: number, randomCount: number): [bigint, bigint][] {
    const e = [0n, 1n, signBit(w) - 1n, signBit(w), mask(w), 0x0fn, this.rng.bits(w)];
    const out: [bigint, bigint][] = [];
    for (const a of e) for (const b of e) out.push([a, b]);
    for (let i = 0; i < randomCount; i++) out.push([this.rng.bits(w), this.value(w)]);
    return out;
  }

  /** A memory operand for `w`-bit data: picks a base register (set to the buffer) and an offset. */
  memOperand(b: CaseBuilder, w: number, opts: { align?: number; avoid?: string[] } = {}): { text: string; off: number } {
    const avoid = opts.avoid ?? [];
    // AH..DH can't be encoded together with a REX prefix, so no r8..r15 in the address then.
    const legacy = avoid.some((a) => reg(a).high);
    const usable = (r: string): boolean => !avoid.some((a) => reg(a).n === reg(r).n) && !(legacy && reg(r).n >= 8);
    const bases = ['rbx', 'r13', 'rbp', 'r12', 'rsi', 'r9'].filter(usable);
    const base = this.rng.pick(bases);
    const align = opts.align ?? 1;
    const size = Math.max(w / 8, 1);
    const off = Math.floor(this.rng.int(MEM_SIZE - size - 15) / align) * align;
    const form = this.rng.int(3);
    if (form === 0 || align > 1) {
      b.ptr(base, off);
      return { text: `(%${base})`, off };
    }
    if (form === 1) {
      const disp = this.rng.int(16) - 8;
      b.ptr(base, off - disp);
      return { text: `${disp}(%${base})`, off };
    }
    // base + index*scale + disp
    const index = this.rng.pick(['rcx', 'rdi', 'r11', 'r14'].filter((r) => usable(r) && r !== base));
    const scale = this.rng.pick([1, 2, 4, 8]);
    const idx = this.rng.int(4);
    const disp = this.rng.int(8);
    b.ptr(base, off - idx * scale - disp);
    b.set(index, BigInt(idx));
    return { text: `${disp}(%${base},%${index},${scale})`, off };
  }

  generate(): DiffCase[] {
    harness(this);
    movFamily(this);
    movExtend(this);
    leaFamily(this);
    aluFamily(this);
    unaryFamily(this);
    shiftFamily(this);
    doubleShiftFamily(this);
    mulFamily(this);
    divFamily(this);
    signExtendFamily(this);
    setccFamily(this);
    cmovFamily(this);
    jccFamily(this);
    flagSequenceFamily(this);
    exchangeFamily(this);
    lockFamily(this);
    bitTestFamily(this);
    bitScanFamily(this);
    bswapFamily(this);
    stringFamily(this);
    stackFamily(this);
    sseMoveFamily(this);
    sseIntFamily(this);
    sseShiftFamily(this);
    sseFloatFamily(this);
    sseConvertFamily(this);
    sse2MoveFamily(this);
    sse2IntFamily(this);
    sse2FloatFamily(this);
    sse2ConvertFamily(this);
    flagOpsFamily(this);
    miscFamily(this);
    callRetFamily(this);
    mxcsrFamilies(this);
    return this.cases;
  }
}

export function generateCases(seed = 0x5eed): DiffCase[] {
  return new Generator(seed).generate();
}

const imm = (v: bigint, w: number): string => `$${toSigned(v, w)}`;

// ---- families ----------------------------------------------------------------

/** Self-check of the harness: a few cases whose results are known here. */
function harness(g: Generator): void {
  const b1 = g.c().set('rax', 0x1234n).set('rcx', 0x1111n);
  b1.expect = new Map([[0, 0x2345n], [1, 0x1111n]]);
  g.add('harness', b1, 'addq %rcx, %rax', 'add');
  const b2 = g.c().set('rdx', 0xffffffffffffffffn);
  b2.expect = new Map([[2, 0xffffffffn]]);
  g.add('harness', b2, 'movl %edx, %edx', 'mov');
  const b3 = g.c().ptr('rbx', 8);
  b3.setMem(8, 64, 0x1122334455667788n);
  b3.expect = new Map([[0, 0x1122334455667788n]]);
  g.add('harness', b3, 'movq (%rbx), %rax', 'mov');
  // xmm and MXCSR plumbing: 1.5 + 1.5 = 3.0 (exact, no flag), then 1/0 (ZE)
  const b4 = g.c().setLane(0, 64, 0, f64Bits(1.5)).setLane(1, 64, 0, 0n).setLane(2, 64, 0, f64Bits(1));
  b4.usesXmm = true;
  b4.expect = new Map([[0, f64Bits(3)]]);
  b4.expectMxcsr = MXCSR_DEFAULT | 0x4;
  g.add('harness', b4, 'addsd %xmm0, %xmm0\nmovq %xmm0, %rax\ndivsd %xmm1, %xmm2', 'sse');
}

function movFamily(g: Generator): void {
  const f = 'mov';
  for (const w of WIDTHS) {
    for (const [d, s] of PAIRS[w]) {
      for (let i = 0; i < 3; i++) {
        const b = g.c().set(s, g.value(w));
        g.add(f, b, `mov${SUFFIX[w]} %${s}, %${d}`, 'mov');
      }
    }
    // immediates (B0+r/B8+r and C6/C7 forms)
    for (const d of ['rax', 'rbx', 'r11', 'rsi']) {
      const name = regName(reg(d).n, w);
      for (let i = 0; i < 3; i++) {
        const v = w === 64 ? toUnsigned(toSigned(g.value(32), 32), 64) : g.value(w);
        g.add(f, g.c(), `mov${SUFFIX[w]} ${imm(v, w === 64 ? 32 : w)}, %${name}`, 'mov');
      }
    }
    // loads, stores, immediate stores
    for (let i = 0; i < 6; i++) {
      const [d] = g.rng.pick(PAIRS[w]);
      const b = g.c();
      const m = g.memOperand(b, w, { avoid: [d] });
      g.add(f, b, `mov${SUFFIX[w]} ${m.text}, %${d}`, 'mov');
      const b2 = g.c();
      const m2 = g.memOperand(b2, w, { avoid: [d] });
      g.add(f, b2, `mov${SUFFIX[w]} %${d}, ${m2.text}`, 'mov');
      const b3 = g.c();
      const m3 = g.memOperand(b3, w);
      g.add(f, b3, `mov${SUFFIX[w]} ${imm(g.value(w === 64 ? 32 : w), w === 64 ? 32 : w)}, ${m3.text}`, 'mov');
    }
    // moffs forms (A0-A3) with a 64-bit absolute address
    const acc = regName(0, w);
    const off = 8 * g.rng.int(8);
    g.add(f, g.c(), `movabs MEMADDR+${off}, %${acc}`, 'movabs');
    g.add(f, g.c(), `movabs %${acc}, MEMADDR+${off + 1}`, 'movabs');
  }
  for (const v of [0n, 0xffffffffffffffffn, 0x8000000000000000n, 0x123456789abcdef0n, 0xffffffffn, g.rng.u64()]) {
    g.add(f, g.c(), `movabs $0x${v.toString(16)}, %${g.rng.pick(['rax', 'r9', 'rdi'])}`, 'movabs');
  }
  // high-byte registers to and from memory, and AH <-> AL
  const b = g.c();
  const m = g.memOperand(b, 8, { avoid: ['ah'] });
  g.add(f, b, `movb %ah, ${m.text}`, 'mov');
  const b2 = g.c();
  const m2 = g.memOperand(b2, 8, { avoid: ['ch'] });
  g.add(f, b2, `movb ${m2.text}, %ch`, 'mov');
  g.add(f, g.c(), 'movb %al, %ah', 'mov');
  g.add(f, g.c(), 'movb %ah, %al', 'mov');
}

function movExtend(g: Generator): void {
  const f = 'movzx/movsx';
  const forms: [string, Width, Width, string][] = [
    ['movzbw', 8, 16, 'movzx'], ['movzbl', 8, 32, 'movzx'], ['movzbq', 8, 64, 'movzx'],
    ['movzwl', 16, 32, 'movzx'], ['movzwq', 16, 64, 'movzx'],
    ['movsbw', 8, 16, 'movsx'], ['movsbl', 8, 32, 'movsx'], ['movsbq', 8, 64, 'movsx'],
    ['movswl', 16, 32, 'movsx'], ['movswq', 16, 64, 'movsx'], ['movslq', 32, 64, 'movsxd'],
  ];
  const srcs: Record<number, string[]> = { 8: ['al', 'ah', 'sil', 'r9b', 'bh'], 16: ['ax', 'r10w', 'si'], 32: ['eax', 'r10d', 'esi'] };
  const dsts = ['rax', 'rdx', 'r12', 'rbx'];
  for (const [mn, sw, dw, op] of forms) {
    for (const v of [0n, 1n, signBit(sw) - 1n, signBit(sw), mask(sw), g.rng.bits(sw), g.rng.bits(sw)]) {
      let s = g.rng.pick(srcs[sw]);
      const d = regName(reg(g.rng.pick(dsts)).n, dw);
      if (reg(s).high && (reg(d).n >= 8 || dw === 64)) s = 'cl'; // AH..DH can't be encoded with REX
      const b = g.c().set(s, v);
      g.add(f, b, `${mn} %${s}, %${d}`, op);
    }
    for (let i = 0; i < 3; i++) {
      const d = regName(reg(g.rng.pick(dsts)).n, dw);
      const b = g.c();
      const m = g.memOperand(b, sw, { avoid: [d] });
      b.setMem(m.off, sw, g.value(sw));
      g.add(f, b, `${mn} ${m.text}, %${d}`, op);
    }
  }
  // Intel syntax spelling of the same instructions.
  for (const text of ['movsxd rax, ecx', 'movzx eax, bh', 'movsx r9, word ptr [rsp+2]', 'movsx ax, dl']) {
    const b = g.c().set('rcx', g.rng.u64()).set('rdx', g.rng.u64());
    b.bytes();
    b.intel = true;
    g.add(f, b, text, 'movsx');
  }
}

function leaFamily(g: Generator): void {
  const f = 'lea';
  const regs = ['rax', 'rcx', 'rdx', 'rbx', 'rbp', 'rsi', 'rdi', 'r8', 'r12', 'r13', 'r15'];
  for (let i = 0; i < 80; i++) {
    const b = g.c();
    const base = g.rng.pick(regs);
    const index = g.rng.pick(regs.filter((r) => r !== 'rsp'));
    const scale = g.rng.pick([1, 2, 4, 8]);
    const disp = g.rng.pick([0, 1, -1, 0x7f, -0x80, 0x12345678, -0x80000000, g.rng.int(1000) - 500]);
    b.set(base, g.rng.bool() ? g.rng.u64() : g.value(64));
    b.set(index, g.rng.bool() ? g.rng.u64() : g.value(64));
    const destW = g.rng.pick([16, 32, 64, 64] as Width[]);
    const addr32 = i % 5 === 4;
    const aw: Width = addr32 ? 32 : 64;
    const dest = regName(reg(g.rng.pick(regs)).n, destW);
    const form = i % 4;
    let text: string;
    if (form === 0) text = `${disp}(%${regName(reg(base).n, aw)},%${regName(reg(index).n, aw)},${scale})`;
    else if (form === 1) text = `${disp}(%${regName(reg(base).n, aw)})`;
    else if (form === 2) text = `${disp}(,%${regName(reg(index).n, aw)},${scale})`;
    else text = `(%${regName(reg(base).n, aw)},%${regName(reg(index).n, aw)})`;
    g.add(f, b, `lea${SUFFIX[destW]} ${text}, %${dest}`, 'lea');
  }
  g.add(f, g.c(), 'leaq 16(%rsp), %rax', 'lea');
  g.add(f, g.c(), 'leaq -8(%rsp,%rbx,2), %rdx', 'lea');
  g.add(f, g.c(), 'leaq 24(%rip), %rcx', 'lea');
  g.add(f, g.c(), 'leaq MEMADDR(%rip), %r10', 'lea');
  g.add(f, g.c(), 'leal 0x7fffffff(%rip), %r10d', 'lea');
  const bi = g.c().set('rbx', g.rng.u64()).set('rcx', g.rng.u64());
  bi.intel = true;
  g.add(f, bi, 'lea edx, [rbx+rcx*8-0x10]', 'lea');
}

const ALU_OPS = ['add', 'adc', 'sub', 'sbb', 'cmp', 'and', 'or', 'xor', 'test'] as const;

function aluFamily(g: Generator): void {
  for (const op of ALU_OPS) {
    const f = op;
    const usesCarry = op === 'adc' || op === 'sbb';
    for (const w of WIDTHS) {
      const pairList = PAIRS[w];
      // reg, reg
      g.pairs(w, 24).forEach(([a, bv], i) => {
        const [d, s] = pairList[i % pairList.length];
        const carries = usesCarry ? [0, CF] : [-1];
        for (const cf of carries) {
          const b = g.c().set(d, a).set(s, bv);
          if (cf >= 0) b.flags(cf, CF ^ cf);
          g.add(f, b, `${op}${SUFFIX[w]} %${s}, %${d}`, op, { width: w });
        }
      });
      // reg, imm (imm8 sign-extended, full immediates, accumulator short forms)
      const immW = w === 64 ? 32 : w;
      for (let i = 0; i < 12; i++) {
        const d = i % 3 === 0 ? regName(0, w) : g.rng.pick(pairList)[0];
        const iv = i % 2 === 0 ? toUnsigned(BigInt(g.rng.int(256) - 128), immW) : g.value(immW);
        const b = g.c().set(d, g.value(w));
        g.add(f, b, `${op}${SUFFIX[w]} ${imm(iv, immW)}, %${d}`, op, { width: w });
      }
      // memory forms
      for (let i = 0; i < 6; i++) {
        const [d, s] = g.rng.pick(pairList);
        const b = g.c().set(s, g.value(w));
        const m = g.memOperand(b, w, { avoid: [d, s] });
        b.setMem(m.off, w, g.value(w));
        g.add(f, b, `${op}${SUFFIX[w]} %${s}, ${m.text}`, op, { width: w });
        if (op !== 'test') {
          const b2 = g.c().set(d, g.value(w));
          const m2 = g.memOperand(b2, w, { avoid: [d, s] });
          b2.setMem(m2.off, w, g.value(w));
          g.add(f, b2, `${op}${SUFFIX[w]} ${m2.text}, %${d}`, op, { width: w });
        }
        const b3 = g.c();
        const m3 = g.memOperand(b3, w);
        b3.setMem(m3.off, w, g.value(w));
        g.add(f, b3, `${op}${SUFFIX[w]} ${imm(g.value(immW), immW)}, ${m3.text}`, op, { width: w });
      }
    }
  }
}

function unaryFamily(g: Generator): void {
  for (const op of ['neg', 'not', 'inc', 'dec'] as const) {
    const f = op === 'not' ? 'not' : 'neg/inc/dec';
    for (const w of WIDTHS) {
      for (const v of [...edgeValues(w), g.rng.bits(w), g.rng.bits(w)]) {
        const d = g.rng.pick(PAIRS[w])[0];
        const b = g.c().set(d, v);
        g.add(f, b, `${op}${SUFFIX[w]} %${d}`, op, { width: w });
      }
      for (let i = 0; i < 4; i++) {
        const b = g.c();
        const m = g.memOperand(b, w);
        b.setMem(m.off, w, g.value(w));
        g.add(f, b, `${op}${SUFFIX[w]} ${m.text}`, op, { width: w });
      }
    }
  }
}

function shiftCounts(w: number): number[] {
  return [0, 1, 2, 3, w - 1, w, w + 1, 7, 8, 9, 16, 17, 31, 32, 33, 63, 64, 65, 255];
}

function shiftFamily(g: Generator): void {
  for (const op of ['shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr'] as const) {
    const f = ['shl', 'shr', 'sar'].includes(op) ? 'shift' : 'rotate';
    for (const w of WIDTHS) {
      const dests = PAIRS[w].map((p) => p[0]).filter((d) => reg(d).n !== 1); // CL holds the count
      // by 1 (D0/D1 form)
      for (const v of [0n, 1n, signBit(w), signBit(w) - 1n, mask(w), g.rng.bits(w), g.rng.bits(w)]) {
        const d = g.rng.pick(dests);
        g.add(f, g.c().set(d, v), `${op}${SUFFIX[w]} %${d}`, op, { width: w, count: 1 });
      }
      // by CL and by imm8, every interesting count
      for (const count of shiftCounts(w)) {
        for (const form of ['cl', 'imm', 'cl', 'imm'] as const) {
          const d = g.rng.pick(dests);
          const v = g.rng.bool() ? g.rng.bits(w) : g.value(w);
          const b = g.c().set(d, v);
          if (form === 'cl') {
            b.set('cl', BigInt(count));
            g.add(f, b, `${op}${SUFFIX[w]} %cl, %${d}`, op, { width: w, count });
          } else {
            g.add(f, b, `${op}${SUFFIX[w]} $${count}, %${d}`, op, { width: w, count });
          }
        }
      }
      // memory destinations
      for (let i = 0; i < 5; i++) {
        const count = g.rng.pick(shiftCounts(w));
        const b = g.c().set('cl', BigInt(count));
        const m = g.memOperand(b, w, { avoid: ['rcx'] });
        b.setMem(m.off, w, g.value(w));
        const src = i % 3 === 0 ? '%cl' : i % 3 === 1 ? `$${count}` : '';
        g.add(f, b, `${op}${SUFFIX[w]} ${src ? src + ', ' : ''}${m.text}`, op, { width: w, count: src ? count : 1 });
      }
    }
  }
}

function doubleShiftFamily(g: Generator): void {
  const f = 'shld/shrd';
  for (const op of ['shld', 'shrd'] as const) {
    for (const w of [16, 32, 64] as Width[]) {
      const pairs = PAIRS[w].filter(([d, s]) => reg(d).n !== 1 && reg(s).n !== 1);
      for (const count of shiftCounts(w)) {
        for (const form of ['cl', 'imm'] as const) {
          const [d, s] = g.rng.pick(pairs);
          const b = g.c().set(d, g.rng.bits(w)).set(s, g.rng.bits(w));
          const masked = count & (w === 64 ? 63 : 31);
          if (masked > w) b.undefinedReg(d);
          const cnt = form === 'cl' ? '%cl' : `$${count}`;
          if (form === 'cl') b.set('cl', BigInt(count));
          g.add(f, b, `${op}${SUFFIX[w]} ${cnt}, %${s}, %${d}`, op, { width: w, count });
        }
      }
      for (let i = 0; i < 4; i++) {
        const count = g.rng.int(w);
        const [, s] = g.rng.pick(pairs);
        const b = g.c().set(s, g.rng.bits(w)).set('cl', BigInt(count));
        const m = g.memOperand(b, w, { avoid: [s, 'rcx'] });
        b.setMem(m.off, w, g.rng.bits(w));
        const cnt = i % 2 ? '%cl' : `$${count}`;
        g.add(f, b, `${op}${SUFFIX[w]} ${cnt}, %${s}, ${m.text}`, op, { width: w, count });
      }
    }
  }
}

function mulFamily(g: Generator): void {
  const f = 'mul/imul';
  for (const op of ['mul', 'imul'] as const) {
    for (const w of WIDTHS) {
      // one-operand form: rdx:rax = rax * src
      const srcs = w === 8 ? ['cl', 'bh', 'r9b', 'al'] : [regName(1, w), regName(9, w), regName(3, w)];
      for (const [a, bv] of g.pairs(w, 16)) {
        const s = g.rng.pick(srcs);
        const b = g.c().set(regName(0, w), a).set(s, bv);
        g.add(f, b, `${op}${SUFFIX[w]} %${s}`, op, { width: w });
      }
      for (let i = 0; i < 4; i++) {
        const b = g.c().set(regName(0, w), g.value(w));
        const m = g.memOperand(b, w, { avoid: ['rax', 'rdx'] });
        b.setMem(m.off, w, g.value(w));
        g.add(f, b, `${op}${SUFFIX[w]} ${m.text}`, op, { width: w });
      }
    }
  }
  // two- and three-operand imul
  for (const w of [16, 32, 64] as Width[]) {
    for (const [a, bv] of g.pairs(w, 16)) {
      const [d, s] = g.rng.pick(PAIRS[w]);
      const b = g.c().set(d, a).set(s, bv);
      g.add(f, b, `imul${SUFFIX[w]} %${s}, %${d}`, 'imul', { width: w });
    }
    const immW = w === 64 ? 32 : w;
    for (let i = 0; i < 12; i++) {
      const [d, s] = g.rng.pick(PAIRS[w]);
      const iv = i % 2 ? toUnsigned(BigInt(g.rng.int(256) - 128), immW) : g.value(immW);
      const b = g.c().set(s, g.value(w)).set(d, g.rng.bits(w));
      g.add(f, b, `imul${SUFFIX[w]} ${imm(iv, immW)}, %${s}, %${d}`, 'imul', { width: w });
    }
    for (let i = 0; i < 4; i++) {
      const [d] = g.rng.pick(PAIRS[w]);
      const b = g.c().set(d, g.value(w));
      const m = g.memOperand(b, w, { avoid: [d] });
      b.setMem(m.off, w, g.value(w));
      g.add(f, b, `imul${SUFFIX[w]} ${m.text}, %${d}`, 'imul', { width: w });
      const b2 = g.c();
      const m2 = g.memOperand(b2, w, { avoid: [d] });
      b2.setMem(m2.off, w, g.value(w));
      g.add(f, b2, `imul${SUFFIX[w]} ${imm(g.value(immW), immW)}, ${m2.text}, %${d}`, 'imul', { width: w });
    }
  }
}

/** Dividend halves and divisor for which DIV/IDIV do not raise #DE. */
function divOperands(g: Generator, op: 'div' | 'idiv', w: number): { hi: bigint; lo: bigint; d: bigint } {
  const W = BigInt(w);
  if (op === 'div') {
    const d = g.rng.bool() ? g.rng.pick([1n, 2n, 3n, mask(w), signBit(w), 10n]) : g.rng.bits(w) || 1n;
    const hi = g.rng.bool() ? 0n : g.rng.bits(w) % d;
    const lo = g.rng.bool() ? g.rng.pick([0n, mask(w), signBit(w)]) : g.rng.bits(w);
    return { hi, lo, d };
  }
  const min = -signBit(w);
  const max = signBit(w) - 1n;
  for (;;) {
    let d = toSigned(g.rng.bool() ? g.rng.pick([1n, mask(w), 2n, mask(w) - 1n, signBit(w), signBit(w) - 1n, 7n]) : g.rng.bits(w), w);
    if (d === 0n) d = 3n;
    let q = toSigned(g.rng.bool() ? g.rng.pick([0n, 1n, mask(w), signBit(w), signBit(w) - 1n]) : g.rng.bits(w) >> BigInt(g.rng.int(w)), w);
    const absD = d < 0n ? -d : d;
    let r = absD > 1n ? g.rng.bits(w) % absD : 0n;
    if (q < min || q > max) q = 0n;
    const prod = q * d;
    if (prod < 0n || (prod === 0n && g.rng.bool())) r = -r;
    const dividend = prod + r;
    // truncating division must give back q
    const quotient = dividend / d;
    if (quotient < min || quotient > max) continue;
    const u = toUnsigned(dividend, 2 * w);
    return { hi: u >> W, lo: u & mask(w), d: toUnsigned(d, w) };
  }
}

function divFamily(g: Generator): void {
  const f = 'div/idiv';
  for (const op of ['div', 'idiv'] as const) {
    for (const w of WIDTHS) {
      for (let i = 0; i < 48; i++) {
        const { hi, lo, d } = divOperands(g, op, w);
        const b = g.c();
        if (w === 8) b.set('ax', (hi << 8n) | lo);
        else b.set(regName(0, w), lo).set(regName(2, w), hi);
        if (i < 40) {
          const s = w === 8 ? g.rng.pick(['cl', 'bh', 'r9b']) : regName(g.rng.pick([1, 3, 9, 14]), w);
          b.set(s, d);
          g.add(f, b, `${op}${SUFFIX[w]} %${s}`, op, { width: w });
        } else {
          const m = g.memOperand(b, w, { avoid: ['rax', 'rdx'] });
          b.setMem(m.off, w, d);
          g.add(f, b, `${op}${SUFFIX[w]} ${m.text}`, op, { width: w });
        }
      }
    }
  }
}

function signExtendFamily(g: Generator): void {
  const f = 'cbw/cwd/cqo';
  const forms: [string, number][] = [['cbw', 8], ['cwde', 16], ['cdqe', 32], ['cwd', 16], ['cdq', 32], ['cqo', 64]];
  for (const [mn, w] of forms) {
    for (const v of [0n, 1n, signBit(w) - 1n, signBit(w), mask(w), g.rng.bits(w), g.rng.bits(w), g.rng.bits(w)]) {
      const b = g.c().set(regName(0, w as Width), v);
      g.add(f, b, mn, mn);
    }
  }
}

const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
/** The flags that decide each group of conditions; every combination of them gets a case. */
const CONDITION_FLAGS: Record<string, number[]> = {
  o: [OF], no: [OF], b: [CF], ae: [CF], e: [ZF], ne: [ZF], be: [CF, ZF], a: [CF, ZF], s: [SF], ns: [SF],
  p: [PF], np: [PF], l: [SF, OF], ge: [SF, OF], le: [ZF, SF, OF], g: [ZF, SF, OF],
};

function flagCombos(flags: number[]): number[] {
  const out: number[] = [];
  for (let m = 0; m < 1 << flags.length; m++) out.push(flags.reduce((acc, f, i) => (m & (1 << i) ? acc | f : acc), 0));
  return out;
}

function setccFamily(g: Generator): void {
  const f = 'setcc';
  const dests = ['al', 'ah', 'bl', 'ch', 'sil', 'r10b', 'r15b', 'dh'];
  for (const cc of CONDITIONS) {
    const relevant = CONDITION_FLAGS[cc];
    for (const set of flagCombos(relevant)) {
      for (let i = 0; i < 2; i++) {
        const b = g.c();
        b.rflags = (b.randomFlags() & ~relevant.reduce((a, x) => a | x, 0)) | set;
        g.add(f, b, `set${cc} %${g.rng.pick(dests)}`, 'setcc');
      }
    }
    const b = g.c();
    const m = g.memOperand(b, 8);
    g.add(f, b, `set${cc} ${m.text}`, 'setcc');
  }
}

function cmovFamily(g: Generator): void {
  const f = 'cmovcc';
  for (const cc of CONDITIONS) {
    const relevant = CONDITION_FLAGS[cc];
    for (const w of [16, 32, 64] as Width[]) {
      for (const set of flagCombos(relevant)) {
        const [d, s] = g.rng.pick(PAIRS[w]);
        const b = g.c().set(d, g.rng.bits(w)).set(s, g.rng.bits(w));
        b.rflags = (b.randomFlags() & ~relevant.reduce((a, x) => a | x, 0)) | set;
        g.add(f, b, `cmov${cc}${SUFFIX[w]} %${s}, %${d}`, 'cmovcc');
      }
      for (let i = 0; i < 2; i++) {
        const [d] = g.rng.pick(PAIRS[w]);
        const b = g.c();
        const m = g.memOperand(b, w, { avoid: [d] });
        g.add(f, b, `cmov${cc}${SUFFIX[w]} ${m.text}, %${d}`, 'cmovcc');
      }
    }
  }
}

function jccFamily(g: Generator): void {
  const f = 'jcc';
  for (const cc of CONDITIONS) {
    const relevant = CONDITION_FLAGS[cc];
    for (const set of flagCombos(relevant)) {
      const b = g.c();
      b.rflags = (b.randomFlags() & ~relevant.reduce((a, x) => a | x, 0)) | set;
      // short and near forms
      const far = g.rng.bool();
      g.add(f, b, `j${cc} 1f\nmovq $1, %r8\n${far ? '.skip 200, 0x90\n' : ''}1:`, 'mov');
    }
  }
  for (const [text, rcx] of [['jrcxz 1f\nmovq $1, %r8\n1:', 0n], ['jrcxz 1f\nmovq $1, %r8\n1:', 1n << 40n],
    ['jecxz 1f\nmovq $1, %r8\n1:', 1n << 40n], ['jecxz 1f\nmovq $1, %r8\n1:', 5n],
    ['2: incq %r8\nloop 2b', 5n], ['2: incq %r8\nloop 2b', 1n], ['2: incq %r8\ncmpq $3, %r8\nloopne 2b', 9n]] as [string, bigint][]) {
    const b = g.c().set('rcx', rcx).set('r8', 0n);
    g.add(f, b, text, text.includes('cmpq') ? 'cmp' : text.includes('inc') ? 'inc' : 'mov', { width: 64 });
  }
}

/** One step of a flag sequence: what it reads, which flags it writes. */
interface SeqOp { text: (w: Width, d: string, s: string) => string; op: string; reads: number; writes: number }

const ALL6 = ARITH_FLAGS;
const SEQ_OPS: SeqOp[] = [
  ...['add', 'sub', 'cmp', 'and', 'or', 'xor', 'test'].map((op) => ({ text: (w: Width, d: string, s: string) => `${op}${SUFFIX[w]} %${s}, %${d}`, op, reads: 0, writes: ALL6 })),
  ...['adc', 'sbb'].map((op) => ({ text: (w: Width, d: string, s: string) => `${op}${SUFFIX[w]} %${s}, %${d}`, op, reads: CF, writes: ALL6 })),
  ...['inc', 'dec'].map((op) => ({ text: (w: Width, d: string) => `${op}${SUFFIX[w]} %${d}`, op, reads: 0, writes: ALL6 & ~CF })),
  { text: (w, d) => `neg${SUFFIX[w]} %${d}`, op: 'neg', reads: 0, writes: ALL6 },
  ...['shl', 'shr', 'sar'].map((op) => ({ text: (w: Width, d: string) => `${op}${SUFFIX[w]} %${d}`, op, reads: 0, writes: ALL6 })),
  ...['rcl', 'rcr'].map((op) => ({ text: (w: Width, d: string) => `${op}${SUFFIX[w]} %${d}`, op, reads: CF, writes: CF | OF })),
  ...['rol', 'ror'].map((op) => ({ text: (w: Width, d: string) => `${op}${SUFFIX[w]} %${d}`, op, reads: 0, writes: CF | OF })),
  { text: (w, d, s) => `bt${SUFFIX[w === 8 ? 16 : w]} %${regName(reg(s).n, w === 8 ? 16 : w)}, %${regName(reg(d).n, w === 8 ? 16 : w)}`, op: 'bt', reads: 0, writes: ALL6 & ~ZF },
  { text: (w, d, s) => `imul${SUFFIX[w === 8 ? 16 : w]} %${regName(reg(s).n, w === 8 ? 16 : w)}, %${regName(reg(d).n, w === 8 ? 16 : w)}`, op: 'imul', reads: 0, writes: ALL6 },
  { text: (w, d, s) => `lea${SUFFIX[w === 8 ? 64 : w]} 1(%${regName(reg(s).n, 64)}), %${regName(reg(d).n, w === 8 ? 64 : w)}`, op: 'lea', reads: 0, writes: 0 },
];

/**
 * Short straight-line sequences that produce flags and consume them (setcc,
 * cmovcc, adc/sbb, rcl/rcr) inside one compiled block, for compilers that
 * compute flags lazily or drop dead ones. A consumer is only emitted when the
 * flags it reads are defined at that point.
 */
function flagSequenceFamily(g: Generator): void {
  const f = 'flag-sequences';
  const regs = ['rax', 'rbx', 'rdx', 'rsi', 'r9', 'r12'];
  for (let n = 0; n < 400; n++) {
    const b = g.c();
    for (const r of regs) b.set(r, g.rng.bool() ? g.value(64) : g.rng.u64());
    let undef = 0;
    const lines: string[] = [];
    const len = 3 + g.rng.int(6);
    while (lines.length < len) {
      const w = g.rng.pick(WIDTHS);
      const d = regName(reg(g.rng.pick(regs)).n, w);
      const s = regName(reg(g.rng.pick(regs)).n, w);
      if (g.rng.int(3) === 0) {
        // consumer: setcc / cmovcc
        const cc = g.rng.pick(CONDITIONS);
        const reads = CONDITION_FLAGS[cc].reduce((a, x) => a | x, 0);
        if (reads & undef) continue;
        lines.push(g.rng.bool() ? `set${cc} %${regName(reg(d).n, 8)}` : `cmov${cc}${SUFFIX[w === 8 ? 32 : w]} %${regName(reg(s).n, w === 8 ? 32 : w)}, %${regName(reg(d).n, w === 8 ? 32 : w)}`);
        continue;
      }
      const op = g.rng.pick(SEQ_OPS);
      if (op.reads & undef) continue;
      lines.push(op.text(w, d, s));
      undef = (undef & ~op.writes) | undefinedFlags(op.op, { width: w, count: 1 });
    }
    g.addWithMask(f, b, lines.join('\n'), undef);
  }
}

function exchangeFamily(g: Generator): void {
  const f = 'xchg/cmpxchg/xadd';
  // xchg
  for (const text of ['xchgq %rcx, %rax', 'xchgq %r8, %rax', 'xchgl %eax, %eax', 'xchgl %ecx, %eax', 'xchgl %ebx, %r9d',
    'xchgw %ax, %ax', 'xchgw %dx, %ax', 'xchgw %si, %r11w', 'xchgb %ah, %bl', 'xchgb %al, %ah', 'xchgb %sil, %r12b',
    'xchgq %rdx, %r15', 'xchgl %r10d, %r10d']) {
    g.add(f, g.c(), text, 'xchg');
  }
  for (const w of WIDTHS) {
    for (let i = 0; i < 3; i++) {
      const [d] = g.rng.pick(PAIRS[w]);
      const b = g.c();
      const m = g.memOperand(b, w, { avoid: [d] });
      g.add(f, b, `xchg${SUFFIX[w]} %${d}, ${m.text}`, 'xchg');
    }
  }
  // cmpxchg: equal and unequal, register and memory destinations
  for (const w of WIDTHS) {
    const acc = regName(0, w);
    const pairs = PAIRS[w].filter(([d, s]) => reg(d).n !== 0 && reg(s).n !== 0 && !(w === 8 && (reg(d).high || reg(s).high)));
    for (let i = 0; i < 8; i++) {
      const equal = i % 2 === 0;
      const [d, s] = g.rng.pick(pairs);
      const b = g.c().set(d, g.value(w)).set(s, g.value(w));
      b.set(acc, equal ? b.get(d) : g.rng.bits(w));
      g.add(f, b, `cmpxchg${SUFFIX[w]} %${s}, %${d}`, 'cmpxchg', { width: w });
    }
    for (let i = 0; i < 4; i++) {
      const equal = i % 2 === 0;
      const [, s] = g.rng.pick(pairs);
      const b = g.c().set(s, g.value(w));
      const m = g.memOperand(b, w, { avoid: [s, 'rax'] });
      const v = g.value(w);
      b.setMem(m.off, w, v);
      b.set(acc, equal ? v : v ^ 1n);
      g.add(f, b, `cmpxchg${SUFFIX[w]} %${s}, ${m.text}`, 'cmpxchg', { width: w });
    }
    // accumulator as the source or the destination
    const b = g.c().set(regName(0, w), g.value(w));
    g.add(f, b, `cmpxchg${SUFFIX[w]} %${regName(3, w)}, %${acc}`, 'cmpxchg', { width: w });
  }
  // cmpxchg8b / cmpxchg16b
  for (const [mn, w] of [['cmpxchg8b', 64], ['cmpxchg16b', 128]] as [string, number][]) {
    for (const equal of [true, false, true, false]) {
      const b = g.c();
      const half = w / 2;
      const off = 16 * (1 + g.rng.int(5));
      b.ptr('rsi', off);
      const v = g.rng.bits(w);
      b.setMem(off, half, v & mask(half)).setMem(off + half / 8, half, v >> BigInt(half));
      const cmp = equal ? v : v ^ (1n << BigInt(g.rng.int(w)));
      b.set(half === 32 ? 'eax' : 'rax', cmp & mask(half)).set(half === 32 ? 'edx' : 'rdx', cmp >> BigInt(half));
      g.add(f, b, `${mn} (%rsi)`, mn);
    }
  }
  // xadd
  for (const w of WIDTHS) {
    for (let i = 0; i < 6; i++) {
      const [d, s] = PAIRS[w][i % PAIRS[w].length];
      const b = g.c().set(d, g.value(w)).set(s, g.value(w));
      g.add(f, b, `xadd${SUFFIX[w]} %${s}, %${d}`, 'xadd', { width: w });
    }
    for (let i = 0; i < 3; i++) {
      const [, s] = g.rng.pick(PAIRS[w]);
      const b = g.c().set(s, g.value(w));
      const m = g.memOperand(b, w, { avoid: [s] });
      b.setMem(m.off, w, g.value(w));
      g.add(f, b, `xadd${SUFFIX[w]} %${s}, ${m.text}`, 'xadd', { width: w });
    }
  }
}

function lockFamily(g: Generator): void {
  const f = 'lock';
  const binary = ['add', 'adc', 'sub', 'sbb', 'and', 'or', 'xor', 'xadd', 'cmpxchg', 'xchg'];
  for (const w of WIDTHS) {
    for (const op of binary) {
      for (let i = 0; i < 2; i++) {
        const s = regName(g.rng.pick([1, 3, 10]), w);
        const b = g.c().set(s, g.value(w));
        const m = g.memOperand(b, w, { avoid: [s, 'rax'] });
        const v = g.value(w);
        b.setMem(m.off, w, v);
        if (op === 'cmpxchg') b.set(regName(0, w), i ? v : g.rng.bits(w));
        if (op === 'xchg') g.add(f, b, `xchg${SUFFIX[w]} %${s}, ${m.text}`, op, { width: w });
        else g.add(f, b, `lock ${op}${SUFFIX[w]} %${s}, ${m.text}`, op, { width: w });
      }
    }
    for (const op of ['inc', 'dec', 'neg', 'not']) {
      const b = g.c();
      const m = g.memOperand(b, w);
      b.setMem(m.off, w, g.value(w));
      g.add(f, b, `lock ${op}${SUFFIX[w]} ${m.text}`, op, { width: w });
    }
    const b = g.c();
    const m = g.memOperand(b, w);
    g.add(f, b, `lock add${SUFFIX[w]} ${imm(g.value(w === 64 ? 32 : w), w === 64 ? 32 : w)}, ${m.text}`, 'add', { width: w });
    if (w >= 16) {
      for (const op of ['bts', 'btr', 'btc']) {
        const b2 = g.c().set(regName(1, w), BigInt(g.rng.int(128) - 64));
        b2.ptr('rsi', 64);
        g.add(f, b2, `lock ${op}${SUFFIX[w]} %${regName(1, w)}, (%rsi)`, op, { width: w });
        const b3 = g.c().ptr('rsi', 32);
        g.add(f, b3, `lock ${op}${SUFFIX[w]} $${g.rng.int(256)}, (%rsi)`, op, { width: w });
      }
    }
  }
  const b = g.c();
  b.ptr('rsi', 48);
  b.set('rax', b.getMem(48, 64)).set('rdx', b.getMem(56, 64));
  g.add(f, b, 'lock cmpxchg16b (%rsi)', 'cmpxchg16b');
}

function bitTestFamily(g: Generator): void {
  const f = 'bt/bts/btr/btc';
  for (const op of ['bt', 'bts', 'btr', 'btc']) {
    for (const w of [16, 32, 64] as Width[]) {
      const pairs = PAIRS[w].filter(([d, s]) => d !== s);
      // register destination: bit offset taken modulo the width
      for (let i = 0; i < 8; i++) {
        const [d, s] = g.rng.pick(pairs);
        const b = g.c().set(d, g.rng.bits(w)).set(s, g.rng.bool() ? BigInt(g.rng.int(2 * w)) : g.rng.bits(w));
        g.add(f, b, `${op}${SUFFIX[w]} %${s}, %${d}`, op, { width: w });
      }
      for (const bit of [0, 1, w - 1, w, w + 3, 255]) {
        const [d] = g.rng.pick(pairs);
        g.add(f, g.c(), `${op}${SUFFIX[w]} $${bit}, %${d}`, op, { width: w });
      }
      // memory destination: a register bit offset is signed and may leave the operand
      for (let i = 0; i < 6; i++) {
        const bitOff = BigInt(g.rng.int(1024) - 512);
        const b = g.c().set(regName(2, w), bitOff).ptr('rbx', 64);
        g.add(f, b, `${op}${SUFFIX[w]} %${regName(2, w)}, (%rbx)`, op, { width: w });
      }
      for (let i = 0; i < 3; i++) {
        const b = g.c().ptr('rbx', 8 * g.rng.int(12));
        g.add(f, b, `${op}${SUFFIX[w]} $${g.rng.int(256)}, (%rbx)`, op, { width: w });
      }
    }
  }
}

function bitScanFamily(g: Generator): void {
  const f = 'bsf/bsr/tzcnt/lzcnt/popcnt';
  for (const op of ['bsf', 'bsr', 'tzcnt', 'lzcnt', 'popcnt']) {
    for (const w of [16, 32, 64] as Width[]) {
      const values = [0n, 1n, signBit(w), mask(w), 0x10n, 1n << BigInt(g.rng.int(w)), g.rng.bits(w), g.rng.bits(w) >> BigInt(g.rng.int(w))];
      for (const v of values) {
        const [d, s] = g.rng.pick(PAIRS[w].filter(([x, y]) => x !== y));
        const b = g.c().set(s, v);
        // BSF/BSR with a zero source leave the destination undefined (Intel SDM; AMD keeps it)
        if (v === 0n && (op === 'bsf' || op === 'bsr')) b.undefinedReg(d);
        g.add(f, b, `${op}${SUFFIX[w]} %${s}, %${d}`, op, { width: w });
      }
      for (let i = 0; i < 3; i++) {
        const [d] = g.rng.pick(PAIRS[w]);
        const b = g.c();
        const m = g.memOperand(b, w, { avoid: [d] });
        const v = i === 0 ? 0n : g.rng.bits(w) >> BigInt(g.rng.int(w));
        b.setMem(m.off, w, v);
        if (v === 0n && (op === 'bsf' || op === 'bsr')) b.undefinedReg(d);
        g.add(f, b, `${op}${SUFFIX[w]} ${m.text}, %${d}`, op, { width: w });
      }
    }
  }
}

function bswapFamily(g: Generator): void {
  const f = 'bswap';
  for (const r of ['eax', 'ebx', 'r9d', 'esi', 'r15d', 'rax', 'rcx', 'r8', 'rdi', 'r14']) {
    g.add(f, g.c(), `bswap %${r}`, 'bswap');
  }
}

function stringFamily(g: Generator): void {
  const f = 'string';
  const sizes: [string, number][] = [['b', 1], ['w', 2], ['l', 4], ['q', 8]];
  for (const [sfx, size] of sizes) {
    const acc = regName(0, (size * 8) as Width);
    for (const df of [0, DF]) {
      for (const count of [0, 1, 2, 5]) {
        const setup = (b: CaseBuilder): void => {
          b.flags(df, DF ^ df);
          b.set('rcx', BigInt(count));
          b.bytes();
          if (df) b.ptr('rsi', 48).ptr('rdi', 112);
          else b.ptr('rsi', 8).ptr('rdi', 64);
        };
        // movs, stos, lods with rep (and once without)
        for (const mn of ['movs', 'stos', 'lods']) {
          const b = g.c();
          setup(b);
          g.add(f, b, `rep ${mn}${sfx}`, mn, { width: size * 8 });
        }
        // repe/repne cmps and scas: buffers equal up to a random element
        for (const [mn, prefix] of [['cmps', 'repe'], ['cmps', 'repne'], ['scas', 'repe'], ['scas', 'repne']]) {
          const b = g.c();
          setup(b);
          const stop = g.rng.int(count + 1);
          const src = df ? 48 : 8;
          const dst = df ? 112 : 64;
          const step = df ? -size : size;
          const w = size * 8;
          const fill = g.rng.bits(w);
          b.set(acc, fill);
          for (let k = 0; k < count; k++) {
            const same = prefix === 'repe' ? k !== stop : k === stop;
            const v = same ? fill : fill ^ BigInt(1 + g.rng.int(255));
            if (mn === 'cmps') {
              const other = g.rng.bits(w);
              b.setMem(src + k * step, w, same ? other : other ^ 1n);
              b.setMem(dst + k * step, w, other);
            } else {
              b.setMem(dst + k * step, w, v);
            }
          }
          g.add(f, b, `${prefix} ${mn}${sfx}`, mn, { width: w });
        }
      }
      for (const mn of ['movs', 'stos', 'lods', 'cmps', 'scas']) {
        const b = g.c();
        b.flags(df, DF ^ df).bytes();
        if (df) b.ptr('rsi', 48).ptr('rdi', 112);
        else b.ptr('rsi', 8).ptr('rdi', 64);
        g.add(f, b, `${mn}${sfx}`, mn, { width: size * 8 });
      }
    }
  }
  // overlapping copies: element by element semantics, not memmove
  for (const [sfx, size] of sizes) {
    for (const dist of [1, 2, 3, 7, 8, 9]) {
      for (const df of [0, DF]) {
        const count = Math.floor(40 / size);
        const b = g.c().flags(df, DF ^ df).set('rcx', BigInt(count));
        if (df) b.ptr('rsi', 120 - dist - size + 1).ptr('rdi', 120 - size + 1);
        else b.ptr('rsi', 8).ptr('rdi', 8 + dist);
        b.bytes();
        g.add(f, b, `rep movs${sfx}`, 'movs');
        if (dist === 1) {
          const b2 = g.c().flags(df, DF ^ df).set('rcx', BigInt(count)).ptr('rdi', df ? 120 - size + 1 : 8);
          b2.bytes();
          g.add(f, b2, `rep stos${sfx}`, 'stos');
        }
      }
    }
  }
  // 32-bit address size: ESI/EDI/ECX are used; the upper halves must be ignored (and get cleared)
  for (const text of ['addr32 rep movsb', 'addr32 rep stosl', 'addr32 lodsw', 'addr32 repne scasb']) {
    const b = g.c().flags(0, DF).set('rcx', (g.rng.u64() & ~0xffffffffn) | 3n);
    b.ptr('rsi', 16, g.rng.u64() & ~0xffffffffn).ptr('rdi', 80, g.rng.u64() & ~0xffffffffn);
    b.bytes();
    g.add(f, b, text, text.includes('scas') ? 'scas' : text.includes('movs') ? 'movs' : text.includes('stos') ? 'stos' : 'lods', { width: 8 });
  }
}

function stackFamily(g: Generator): void {
  const f = 'push/pop/enter/leave';
  const stackCase = (): CaseBuilder => {
    const b = g.c().ptr('rsp', 64);
    b.bytes();
    return b;
  };
  for (const text of ['pushq %rax', 'pushq %r12', 'pushq %rsp', 'pushq $-5', 'pushq $0x12345678', 'pushq $-0x70000000',
    'pushw %ax', 'pushw $0x1234', 'pushq 8(%rsp)', 'pushq -8(%rsp)',
    'popq %rcx', 'popq %r15', 'popq %rsp', 'popw %dx', 'popq 8(%rsp)', 'popq -16(%rsp)',
    'pushq %rbx\npopq %r9', 'pushq %rsp\npopq %rsp']) {
    g.add(f, stackCase(), text, text.startsWith('push') ? 'push' : 'pop');
  }
  for (let i = 0; i < 3; i++) {
    const b = stackCase();
    b.ptr('rbx', 8 * (1 + g.rng.int(4)));
    g.add(f, b, 'pushq (%rbx)', 'push');
    const b2 = stackCase();
    b2.ptr('rbx', 8 * (1 + g.rng.int(4)));
    g.add(f, b2, 'popq (%rbx)', 'pop');
  }
  // nesting levels > 0 copy frame pointers from [rbp-8], [rbp-16], ...
  for (const [size, level] of [[0, 0], [16, 0], [8, 1], [24, 2], [0, 3]]) {
    const b = stackCase().ptr('rbp', 112);
    g.add(f, b, `enter $${size}, $${level}`, 'enter');
  }
  for (let i = 0; i < 3; i++) {
    const b = stackCase().ptr('rbp', 8 * (2 + g.rng.int(12)));
    g.add(f, b, 'leave', 'leave');
  }
  const b = stackCase().ptr('rbp', 100);
  g.add(f, b, 'enter $32, $0\nleave', 'enter');
}

// ---- SSE ---------------------------------------------------------------------

function laneRandom(g: Generator, laneBits: number): bigint {
  let v = 0n;
  for (let i = 0; i < 128 / laneBits; i++) v |= g.value(laneBits) << BigInt(i * laneBits);
  return v;
}

function sseMoveFamily(g: Generator): void {
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

function sseIntFamily(g: Generator): void {
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

function sseShiftFamily(g: Generator): void {
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

function sseFloatFamily(g: Generator): void {
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

function sseConvertFamily(g: Generator): void {
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

/** The families in generation order (one subtest each). */
export function familiesOf(cases: readonly DiffCase[]): string[] {
  return [...new Set(cases.map((c) => c.family))];
}


// ---- more SSE2 (beyond the basic list) -----------------------------------------

/** A 128-bit value of float lanes, each an edge value or random bits. */
function floatLanes(g: Generator, bits: 32 | 64): bigint {
  const edges = bits === 64 ? F64_EDGES : F32_EDGES;
  let v = 0n;
  for (let i = 0; i < 128 / bits; i++) v |= (g.rng.int(3) === 0 ? g.rng.bits(bits) : g.rng.pick(edges)) << BigInt(i * bits);
  return v;
}

function sse2MoveFamily(g: Generator): void {
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

function sse2IntFamily(g: Generator): void {
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

function sse2FloatFamily(g: Generator): void {
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

function sse2ConvertFamily(g: Generator): void {
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

// ---- flags, misc, control transfer --------------------------------------------------

function flagOpsFamily(g: Generator): void {
  const f = 'flag-ops';
  for (let i = 0; i < 6; i++) {
    for (const text of ['clc', 'stc', 'cmc', 'cld', 'std', 'lahf', 'sahf']) {
      const b = g.c();
      if (i % 2) b.flags(DF);
      g.add(f, b, text, 'mov');
    }
    // popfq: arithmetic flags and DF from a register; pushfq: RFLAGS as a program sees it
    const v = BigInt((g.rng.u32() & (ARITH_FLAGS | DF)) | 0x202);
    g.add(f, g.c().set('rbx', v), 'pushq %rbx\npopfq', 'mov');
    g.add(f, g.c(), 'pushfq\npopq %rax', 'mov');
  }
}

function miscFamily(g: Generator): void {
  const f = 'misc';
  for (const text of ['nop', 'nopl (%rax)', 'nopw 0(%rax,%rax,1)', 'nopw %cs:0x0(%rax,%rax,1)', '.byte 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0',
    'endbr64', 'pause', 'lfence', 'mfence', 'sfence', 'xchgw %ax, %ax', '.byte 0xf3, 0x90']) {
    g.add(f, g.c(), text, 'mov');
  }
  for (const mn of ['prefetcht0', 'prefetcht1', 'prefetchnta', 'clflush']) {
    const b = g.c();
    const m = g.memOperand(b, 8);
    g.add(f, b, `${mn} ${m.text}`, 'mov');
  }
  for (let i = 0; i < 6; i++) {
    const b = g.c().ptr('rbx', 0).set('al', BigInt(g.rng.int(128)));
    b.bytes();
    g.add(f, b, 'xlatb', 'mov');
  }
}

function callRetFamily(g: Generator): void {
  const f = 'call/ret';
  const stackCase = (): CaseBuilder => {
    const b = g.c().ptr('rsp', 96);
    b.bytes();
    return b;
  };
  for (const text of [
    'call 1f\n1: popq %rax',
    'leaq 1f(%rip), %rax\npushq %rax\nret\nud2\n1:',
    'leaq 1f(%rip), %rax\npushq %rax\nret $16\nud2\n1:',
    'leaq 2f(%rip), %rcx\ncall *%rcx\njmp 3f\n2: movq (%rsp), %rdx\nret\n3:',
    'leaq 2f(%rip), %rcx\nmovq %rcx, 8(%rsp)\ncall *8(%rsp)\njmp 3f\n2: popq %rdx\npushq %rdx\nret\n3:',
    'leaq 2f(%rip), %rcx\njmp *%rcx\nud2\n2: movq $7, %r9',
    'leaq 2f(%rip), %rcx\nmovq %rcx, (%rsp)\njmp *(%rsp)\nud2\n2: movq $7, %r9',
    'call 2f\njmp 3f\n2: call 4f\nret\n4: ret\n3:',
  ]) {
    g.add(f, stackCase(), text, 'mov');
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
function tinyFloat(g: Generator, bits: 32 | 64): bigint {
  const mant = bits === 64 ? 52 : 23;
  const sign = g.rng.bool() ? 1n << BigInt(bits - 1) : 0n;
  const kind = g.rng.int(4);
  if (kind === 0) return sign | (g.rng.bits(mant) || 1n); // denormal
  if (kind === 1) return sign | (1n << BigInt(mant)) | g.rng.bits(mant); // smallest normals
  if (kind === 2) return sign | (BigInt(1 + g.rng.int(40)) << BigInt(mant)) | g.rng.bits(mant); // small normals
  return bits === 64 ? f64Bits(g.rng.pick([0.5, 0.25, 3, 1e-3, 0.9999])) : f32Bits(g.rng.pick([0.5, 0.25, 3, 1e-3, 0.9999]));
}

function floatFill(g: Generator, bits: 32 | 64, pick: () => bigint): bigint {
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
function mxcsrFamilies(g: Generator): void {
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
        b.setXmm(0, floatFill(g, t.lanes, () => v.value(t.lanes)));
        if (t.intSrc) {
          b.set('rax', g.rng.bool() ? g.rng.u64() : g.rng.bits(g.rng.pick([25, 33, 54, 64])));
          b.setXmm(1, laneRandom(g, 32));
        } else {
          b.setXmm(1, floatFill(g, t.lanes, () => v.value(t.lanes)));
        }
        g.add(v.family, b, t.text, t.text.includes('comis') ? 'comis' : 'sse');
      }
    }
  }
}
