// Case generator core for the differential CPU test (the families are in
// cases-integer.ts and cases-sse.ts, the entry point in cases.ts). Each case is one instruction
// (or a short sequence) in AT&T syntax — or Intel syntax when `intel` is set —
// plus the full input state: the 16 GPRs, RFLAGS, xmm0..xmm3 and a 128-byte
// data buffer the memory forms use. Registers not involved get random values
// (from a seeded PRNG), so a write to the wrong register or the wrong part of
// one shows up in the comparison. Undefined results are described per case:
// `undefFlags` (from the table in flags.ts) and `undefRegs`.

import { Prng } from './prng';
import { ARITH_FLAGS, FlagContext, undefinedFlags } from './flags';
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
  /** Only loaded (and compared) for cases with `usesXmm`. */
  mxcsr: number;
  /** Load and store xmm0-3 and MXCSR (SSE/MXCSR families, so integer cases don't depend on SSE support). */
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
  /** Place the state so that this byte of the data buffer is the first of a page. */
  pageBoundaryAt?: number;
  /** Expected final GPR values and MXCSR (only used by the harness self-check cases). */
  expect?: Map<number, bigint>;
  expectMxcsr?: number;
}

// ---- registers -------------------------------------------------------------

export type Width = 8 | 16 | 32 | 64;
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

export function reg(name: string): RegRef {
  const r = REGS.get(name);
  if (!r) throw new Error(`unknown register ${name}`);
  return r;
}

export function regName(n: number, width: Width): string {
  return { 8: NAMES8, 16: NAMES16, 32: NAMES32, 64: NAMES64 }[width][n];
}

export const RSP = 4;
export const MXCSR_DEFAULT = 0x1f80;
/** Families whose cases get xmm0-3 and MXCSR loaded and stored. */
const XMM_FAMILY = /^(sse|mxcsr)/;

/** Register pairs [dest, src] per width. The 8-bit ones never mix AH..DH with REX registers. */
export const PAIRS: Record<Width, [string, string][]> = {
  8: [['al', 'cl'], ['bl', 'ah'], ['ch', 'dh'], ['sil', 'r9b'], ['r15b', 'dil'], ['bh', 'bh'], ['r8b', 'al'], ['dl', 'bpl']],
  16: [['ax', 'cx'], ['bx', 'r10w'], ['r13w', 'si'], ['di', 'di'], ['bp', 'dx'], ['r8w', 'r15w']],
  32: [['eax', 'ecx'], ['ebx', 'r10d'], ['r13d', 'esi'], ['edi', 'edi'], ['ebp', 'edx'], ['r15d', 'r8d']],
  64: [['rax', 'rcx'], ['rbx', 'r10'], ['r13', 'rsi'], ['rdi', 'rdi'], ['rbp', 'rdx'], ['r15', 'r8']],
};

export const SUFFIX: Record<Width, string> = { 8: 'b', 16: 'w', 32: 'l', 64: 'q' };

// ---- values ----------------------------------------------------------------

export const mask = (w: number): bigint => (1n << BigInt(w)) - 1n;
export const signBit = (w: number): bigint => 1n << BigInt(w - 1);
export const toSigned = (v: bigint, w: number): bigint => BigInt.asIntN(w, v);
export const toUnsigned = (v: bigint, w: number): bigint => BigInt.asUintN(w, v);

/** Interesting values of a width: 0, 1, MAX, MIN, -1, carry/overflow neighbours. */
export function edgeValues(w: number): bigint[] {
  const m = mask(w);
  const min = signBit(w);
  return [0n, 1n, min - 1n, min, m, m - 1n, min + 1n, 2n, 0x0fn, 0x10n];
}

export function f64Bits(x: number): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x, true);
  return dv.getBigUint64(0, true);
}

export function f32Bits(x: number): bigint {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, x, true);
  return BigInt(dv.getUint32(0, true));
}

export const F64_EDGES: bigint[] = [
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

export const F32_EDGES: bigint[] = [
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
  pageBoundaryAt?: number;
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

export class Generator {
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
      pageBoundaryAt: b.pageBoundaryAt,
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
}

export const imm = (v: bigint, w: number): string => `$${toSigned(v, w)}`;
