// The x87 FPU: register stack, status/control/tag words, and the runtime
// helpers generated code calls for every x87 instruction (see emit/x87.ts;
// the arithmetic itself is in x87Float.ts, transcendentals in x87Trans.ts).
//
// State lives in one X87State per Cpu, created here and reached only through
// these helpers (and x87StateOf(cpu) for owners that save or inspect it).
// Registers hold raw 80-bit values with BigInt significands — acceptable
// because x87 code is rare and never on the integer hot path.
//
// Every helper computes first and commits last: memory operands are read
// (and stores checked) before the register stack or status word changes, so
// a page fault leaves the FPU as it was.
//
// Exceptions: all six are honoured as sticky status flags with the masked
// responses (NaN indefinite, ∞, denormals, integer indefinite…). Unmasking
// one in the control word is remembered but never raises #MF. The last
// instruction/operand pointers (FIP/FDP/FOP) are not tracked and read as 0.

import type { Cpu } from '../cpu';
import { GeneralProtection, PageFault, hex } from '../faults';
import { joinAddress, Perm } from '../../memory/memory';
import { MXCSR_WRITABLE } from './sse';
import {
  DOUBLE, Exc, Ext, FpEnv, INDEFINITE, Kind, POS_ZERO, SINGLE, Cmp,
  add, compare, div, examine, extract, fromBits80, fromIEEE, fromInt, kindOf, mul, negate,
  remainder, roundExt, roundToIntegral, scale, sqrt, toBits80, toIEEE, toInt, withSign,
} from './x87Float';
import { transcendental1, transcendental2 } from './x87Trans';

/** Memory operand formats (shared with emit/x87.ts). */
export const enum X87Mem { F32 = 0, F64 = 1, F80 = 2, I16 = 3, I32 = 4, I64 = 5, BCD = 6 }

/** Two-operand arithmetic: dst ← dst op src. */
export const enum X87Arith { ADD = 0, MUL = 1, SUB = 2, SUBR = 3, DIV = 4, DIVR = 5 }

/** One-operand instructions on ST0 (and those producing two results). */
export const enum X87Unary {
  CHS, ABS, SQRT, RNDINT, F2XM1, SIN, COS, PTAN, SINCOS, XTRACT, SCALE, PREM, PREM1, YL2X, YL2XP1, PATAN,
}

/** Store modes for fst/fist: plain, then pop, truncating conversion then pop (fisttp). */
export const enum X87Store { KEEP = 0, POP = 1, TRUNC_POP = 2 }

/** Compare modes: bit 0 unordered (fucom*), bit 1 result to EFLAGS (fcomi*). */
export const enum X87Cmp { ORDERED = 0, UNORDERED = 1, EFLAGS = 2 }

const C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000;
const CC_MASK = C0 | C1 | C2 | C3;
const TOP_MASK = 0x3800;

/** fldl2t, fldl2e, fldpi, fldlg2, fldln2 as 64-bit significands + the next bits (for rounding), exponents. */
const CONSTANTS: { m: bigint; rest: bigint; exp: number }[] = [
  { m: 0x8000000000000000n, rest: 0n, exp: 0 }, // 1
  { m: 0xd49a784bcd1b8afen, rest: 0x492bf6ff4dafdb4cn, exp: 1 }, // log2(10)
  { m: 0xb8aa3b295c17f0bbn, rest: 0xbe87fed0691d3e88n, exp: 0 }, // log2(e)
  { m: 0xc90fdaa22168c234n, rest: 0xc4c6628b80dc1cd1n, exp: 1 }, // pi
  { m: 0x9a209a84fbcff798n, rest: 0x8f8959ac0b7c9178n, exp: -2 }, // log10(2)
  { m: 0xb17217f7d1cf79abn, rest: 0xc9e3b39803f2f6afn, exp: -1 }, // ln(2)
];

export interface X87Saved { regs: Ext[]; empty: number; top: number; sw: number; cw: number }

export class X87State {
  /** Physical registers R0–R7 (ST(i) is R[(top + i) & 7]). */
  readonly regs: Ext[] = new Array<Ext>(8).fill(POS_ZERO);
  /** Bit i set: physical register i is empty. */
  empty = 0xff;
  top = 0;
  /** Status word without TOP (bits 11–13) and ES/B (7, 15), which are derived. */
  sw = 0;
  cw = 0x037f;

  reset(): void {
    this.empty = 0xff; this.top = 0; this.sw = 0; this.cw = 0x037f;
  }

  /** A copy of the whole state (e.g. for a context switch); restore() puts it back. */
  save(): X87Saved {
    return { regs: [...this.regs], empty: this.empty, top: this.top, sw: this.sw, cw: this.cw };
  }

  /** save() into an existing copy: a context switch on every scheduling quantum allocates nothing. */
  saveInto(s: X87Saved): void {
    for (let i = 0; i < 8; i++) s.regs[i] = this.regs[i];
    s.empty = this.empty; s.top = this.top; s.sw = this.sw; s.cw = this.cw;
  }

  restore(s: X87Saved): void {
    for (let i = 0; i < 8; i++) this.regs[i] = s.regs[i];
    this.empty = s.empty; this.top = s.top; this.sw = s.sw; this.cw = s.cw;
  }

  status(): number {
    const pending = (this.sw & ~this.cw & 0x3f) !== 0;
    return (this.sw & ~(TOP_MASK | 0x8080)) | (this.top << 11) | (pending ? 0x8080 : 0);
  }

  /** The full tag word: 00 valid, 01 zero, 10 special, 11 empty (two bits per physical register). */
  tagWord(): number {
    let t = 0;
    for (let r = 0; r < 8; r++) {
      let tag: number;
      if ((this.empty >> r) & 1) tag = 3;
      else {
        const k = kindOf(this.regs[r]);
        const e = this.regs[r].se & 0x7fff;
        tag = k === Kind.ZERO ? 1 : k === Kind.FINITE && e !== 0 ? 0 : 2;
      }
      t |= tag << (2 * r);
    }
    return t;
  }
}

function bits64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

function addr(lo: number, hi: number, n: number): [number, number] {
  const s = (lo >>> 0) + n;
  return [s | 0, (hi + (s > 0xffffffff ? 1 : 0)) | 0];
}

const states = new WeakMap<Cpu, X87State>();

/** The FPU state of a CPU (for owners: context switches, debuggers, tests). */
export function x87StateOf(cpu: Cpu): X87State {
  const s = states.get(cpu);
  if (!s) throw new Error('CPU without x87 helpers');
  return s;
}

export function createX87Helpers(cpu: Cpu) {
  const st = new X87State();
  states.set(cpu, st);
  const mem = cpu.mem;
  const S = mem.scratch;
  const F = cpu.flags;

  const phys = (i: number): number => (st.top + i) & 7;
  const isEmpty = (i: number): boolean => ((st.empty >> phys(i)) & 1) !== 0;
  const get = (i: number): Ext => st.regs[phys(i)];
  const set = (i: number, v: Ext): void => {
    const r = phys(i);
    st.regs[r] = v;
    st.empty &= ~(1 << r);
  };
  const pop = (): void => {
    st.empty |= 1 << st.top;
    st.top = (st.top + 1) & 7;
  };

  function newEnv(): FpEnv {
    return { rc: (st.cw >> 10) & 3, flags: 0, up: false };
  }

  /** Significand precision from the control word's PC field (arithmetic and fsqrt only). */
  function precision(): number {
    const pc = (st.cw >> 8) & 3;
    return pc === 0 ? 24 : pc === 2 ? 53 : 64;
  }

  /**
   * Commit an instruction's exceptions; C1 is set to `c1`. Invalid operation
   * and divide-by-zero take precedence over the denormal-operand exception.
   */
  function finish(env: FpEnv, c1: boolean): void {
    if (env.flags & (Exc.IE | Exc.ZE)) env.flags &= ~Exc.DE;
    st.sw = (st.sw & ~C1) | (env.flags & 0x7f) | (c1 ? C1 : 0);
  }

  /** Stack underflow (an empty source): IE and SF, C1 = 0, the masked response writes the indefinite. */
  function underflow(env: FpEnv): Ext {
    env.flags |= Exc.IE | Exc.SF;
    env.up = false;
    return INDEFINITE;
  }

  /** Push; on stack overflow (the new top is in use) IE|SF, C1 = 1 and the indefinite is pushed. */
  function push(v: Ext, env: FpEnv): boolean {
    const t = (st.top - 1) & 7;
    let overflow = false;
    if (((st.empty >> t) & 1) === 0) {
      env.flags |= Exc.IE | Exc.SF;
      v = INDEFINITE;
      overflow = true;
    }
    st.top = t;
    st.regs[t] = v;
    st.empty &= ~(1 << t);
    return overflow;
  }

  // ---- memory -------------------------------------------------------------------------

  /** Read a memory operand; `operand`: a source of arithmetic or a compare, not a load (see fromIEEE). */
  function load(kind: number, lo: number, hi: number, env: FpEnv, operand = false): Ext {
    switch (kind) {
      case X87Mem.F32: return fromIEEE(BigInt(mem.ld32(lo, hi) >>> 0), SINGLE, env, operand);
      case X87Mem.F64: { const l = mem.ld64(lo, hi); return fromIEEE(bits64(l, S[0]), DOUBLE, env, operand); }
      case X87Mem.F80: {
        const l = mem.ld64(lo, hi), h = S[0];
        const [lo8, hi8] = addr(lo, hi, 8);
        return fromBits80(l, h, mem.ld16(lo8, hi8));
      }
      case X87Mem.I16: return fromInt(BigInt((mem.ld16(lo, hi) << 16) >> 16));
      case X87Mem.I32: return fromInt(BigInt(mem.ld32(lo, hi)));
      case X87Mem.I64: { const l = mem.ld64(lo, hi); return fromInt(BigInt.asIntN(64, bits64(l, S[0]))); }
      case X87Mem.BCD: return fromBcd(lo, hi);
      default: throw new Error(`x87: bad memory kind ${kind}`);
    }
  }

  function fromBcd(lo: number, hi: number): Ext {
    let v = 0n;
    for (let i = 8; i >= 0; i--) {
      const [a, ah] = addr(lo, hi, i);
      const b = mem.ld8(a, ah);
      v = v * 100n + BigInt((b >> 4) * 10 + (b & 15));
    }
    const [a, ah] = addr(lo, hi, 9);
    const signed = (mem.ld8(a, ah) & 0x80) !== 0;
    const r = fromInt(v);
    return signed ? withSign(r, 1) : r;
  }

  /** Check that [lo, lo+len) is writable, so a multi-part store cannot half-complete. */
  function probeWrite(lo: number, hi: number, len: number): void {
    for (const off of [0, len - 1]) {
      const [a, ah] = addr(lo, hi, off);
      const page = mem.pageAt(a, ah);
      if (!page) throw new PageFault(joinAddress(a, ah), 'write', false);
      if (!(page.perm & Perm.W)) throw new PageFault(joinAddress(a, ah), 'write', true);
    }
  }

  function store80(lo: number, hi: number, v: Ext): void {
    probeWrite(lo, hi, 10);
    const [l, h, se] = toBits80(v);
    mem.st64(lo, hi, l, h);
    const [lo8, hi8] = addr(lo, hi, 8);
    mem.st16(lo8, hi8, se);
  }

  /** Store ST0 (or its masked-underflow indefinite when v is null) in a memory format. */
  function storeValue(kind: number, lo: number, hi: number, v: Ext | null, env: FpEnv, truncate: boolean): void {
    switch (kind) {
      case X87Mem.F32: {
        const b = v ? toIEEE(v, SINGLE, env) : 0xffc00000n;
        mem.st32(lo, hi, Number(b) | 0);
        return;
      }
      case X87Mem.F64: {
        const b = v ? toIEEE(v, DOUBLE, env) : 0xfff8000000000000n;
        mem.st64(lo, hi, Number(b & 0xffffffffn) | 0, Number(b >> 32n) | 0);
        return;
      }
      case X87Mem.F80: store80(lo, hi, v ?? INDEFINITE); return;
      case X87Mem.BCD: storeBcd(lo, hi, v, env); return;
    }
    const bits = kind === X87Mem.I16 ? 16 : kind === X87Mem.I32 ? 32 : 64;
    let r = v ? toInt(v, bits, truncate ? 3 : env.rc, env) : null;
    if (r === null) r = -(1n << BigInt(bits - 1)); // the integer indefinite
    if (bits === 16) mem.st16(lo, hi, Number(r & 0xffffn));
    else if (bits === 32) mem.st32(lo, hi, Number(BigInt.asIntN(32, r)));
    else { const u = BigInt.asUintN(64, r); mem.st64(lo, hi, Number(u & 0xffffffffn) | 0, Number(u >> 32n) | 0); }
  }

  function storeBcd(lo: number, hi: number, v: Ext | null, env: FpEnv): void {
    probeWrite(lo, hi, 10);
    let r = v ? toInt(v, 64, env.rc, env) : null;
    const bytes = new Uint8Array(10);
    if (r !== null && (r >= 10n ** 18n || r <= -(10n ** 18n))) { env.flags |= Exc.IE; r = null; }
    if (r === null) {
      bytes.set([0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff]); // the packed-BCD indefinite
    } else {
      let m = r < 0n ? -r : r;
      for (let i = 0; i < 9; i++) { const d = Number(m % 100n); m /= 100n; bytes[i] = ((d / 10) << 4) | (d % 10); }
      bytes[9] = v && (v.se & 0x8000) ? 0x80 : 0;
    }
    for (let i = 0; i < 10; i++) { const [a, ah] = addr(lo, hi, i); mem.st8(a, ah, bytes[i]); }
  }

  // ---- arithmetic ---------------------------------------------------------------------

  function arith(op: number, a: Ext, b: Ext, env: FpEnv): Ext {
    const p = precision();
    switch (op) {
      case X87Arith.ADD: return add(a, b, false, p, env);
      case X87Arith.MUL: return mul(a, b, p, env);
      case X87Arith.SUB: return add(a, b, true, p, env);
      case X87Arith.SUBR: return add(b, a, true, p, env);
      case X87Arith.DIV: return div(a, b, p, env);
      default: return div(b, a, p, env);
    }
  }

  function setCc(bits: number): void {
    st.sw = (st.sw & ~CC_MASK) | bits;
  }

  function compareResult(c: Cmp): number {
    return c === Cmp.GT ? 0 : c === Cmp.LT ? C0 : c === Cmp.EQ ? C3 : C3 | C2 | C0;
  }

  function toEflags(c: Cmp): void {
    // ZF PF CF: GT 000, LT 001, EQ 100, unordered 111; OF SF AF cleared
    F[0] = c === Cmp.LT || c === Cmp.UN ? 1 : 0;
    F[1] = c === Cmp.UN ? 0 : 1; // F[1] holds a byte whose parity is PF: 0 (even) → PF = 1
    F[3] = c === Cmp.EQ || c === Cmp.UN ? 1 : 0;
    F[2] = 0; F[4] = 0; F[5] = 0;
  }

  function doCompare(a: Ext | null, b: Ext | null, mode: number, env: FpEnv): void {
    let c: Cmp;
    if (a === null || b === null) { underflow(env); c = Cmp.UN; }
    else c = compare(a, b, (mode & X87Cmp.UNORDERED) !== 0, env);
    if (mode & X87Cmp.EFLAGS) toEflags(c);
    else setCc(compareResult(c));
  }

  function readOrNull(i: number): Ext | null {
    return isEmpty(i) ? null : get(i);
  }

  const helpers = {
    /** fld/fild/fbld from memory. */
    x87Load(kind: number, lo: number, hi: number): void {
      const env = newEnv();
      const v = load(kind, lo, hi, env);
      const over = push(v, env);
      finish(env, over);
    },

    /** fld st(i). */
    x87LoadReg(i: number): void {
      const env = newEnv();
      const v = isEmpty(i) ? underflow(env) : get(i);
      const over = push(v, env);
      finish(env, over);
    },

    /** fld1 (0), fldl2t, fldl2e, fldpi, fldlg2, fldln2 (1–5), fldz (6): rounded by RC. */
    x87LoadConst(k: number): void {
      const env = newEnv();
      let v: Ext;
      if (k === 6) v = POS_ZERO;
      else {
        const c = CONSTANTS[k];
        v = roundExt(0, (c.m << 64n) | c.rest, c.exp - 127, 64, env);
        env.flags = 0; // the constants never raise #P
      }
      const over = push(v, env);
      finish(env, over);
    },

    /** fst/fstp/fist/fistp/fisttp/fbstp to memory. */
    x87Store(kind: number, mode: number, lo: number, hi: number): void {
      const env = newEnv();
      let v: Ext | null = null;
      if (isEmpty(0)) underflow(env); else v = get(0);
      if (kind === X87Mem.F80 && v !== null) store80(lo, hi, v);
      else storeValue(kind, lo, hi, v, env, mode === X87Store.TRUNC_POP);
      if (mode !== X87Store.KEEP) pop();
      finish(env, env.up);
    },

    /** fst/fstp st(i). */
    x87StoreReg(i: number, doPop: number): void {
      const env = newEnv();
      const v = isEmpty(0) ? underflow(env) : get(0);
      set(i, v);
      if (doPop) pop();
      finish(env, false);
    },

    /** Register arithmetic: ST(d) ← ST(d) op ST(s), then pop if asked (faddp…). */
    x87Arith(op: number, d: number, s: number, doPop: number): void {
      const env = newEnv();
      const r = isEmpty(d) || isEmpty(s) ? underflow(env) : arith(op, get(d), get(s), env);
      set(d, r);
      if (doPop) pop();
      finish(env, env.up);
    },

    /** ST0 ← ST0 op m32fp/m64fp/m16int/m32int. */
    x87ArithMem(op: number, kind: number, lo: number, hi: number): void {
      const env = newEnv();
      const m = load(kind, lo, hi, env, true);
      const r = isEmpty(0) ? underflow(env) : arith(op, get(0), m, env);
      set(0, r);
      finish(env, env.up);
    },

    /** fcom, fcomp, fcompp, fucom(p)(p), fcomi(p), fucomi(p) against ST(i); pops 0–2 times. */
    x87Compare(i: number, pops: number, mode: number): void {
      const env = newEnv();
      doCompare(readOrNull(0), readOrNull(i), mode, env);
      for (let n = 0; n < pops; n++) pop();
      finish(env, false);
    },

    /** fcom/fcomp/ficom/ficomp with a memory operand. */
    x87CompareMem(kind: number, doPop: number, lo: number, hi: number): void {
      const env = newEnv();
      const m = load(kind, lo, hi, env, true);
      doCompare(readOrNull(0), m, X87Cmp.ORDERED, env);
      if (doPop) pop();
      finish(env, false);
    },

    x87Test(): void {
      const env = newEnv();
      doCompare(readOrNull(0), POS_ZERO, X87Cmp.ORDERED, env);
      finish(env, false);
    },

    x87Examine(): void {
      setCc(examine(get(0), isEmpty(0)));
    },

    x87Unary(op: number): void {
      const env = newEnv();
      let c1: boolean | null = null;
      if (op === X87Unary.CHS || op === X87Unary.ABS) {
        const v = isEmpty(0) ? underflow(env) : op === X87Unary.CHS ? negate(get(0)) : withSign(get(0), 0);
        set(0, v);
        finish(env, false);
        return;
      }
      const needsTwo = op === X87Unary.SCALE || op === X87Unary.PREM || op === X87Unary.PREM1 ||
        op === X87Unary.YL2X || op === X87Unary.YL2XP1 || op === X87Unary.PATAN;
      if (isEmpty(0) || (needsTwo && isEmpty(1))) {
        underflow(env);
        const pushes = op === X87Unary.XTRACT || op === X87Unary.SINCOS || op === X87Unary.PTAN;
        const pops = op === X87Unary.YL2X || op === X87Unary.YL2XP1 || op === X87Unary.PATAN;
        if (pops) { set(1, INDEFINITE); pop(); }
        else {
          set(0, INDEFINITE);
          if (pushes) push(INDEFINITE, env);
        }
        finish(env, false);
        return;
      }
      const x = get(0);
      switch (op) {
        case X87Unary.SQRT: set(0, sqrt(x, precision(), env)); break;
        case X87Unary.RNDINT: set(0, roundToIntegral(x, env.rc, env)); break;
        case X87Unary.SCALE: set(0, scale(x, get(1), env)); break;
        case X87Unary.XTRACT: {
          const [e, s] = extract(x, env);
          set(0, e);
          c1 = push(s, env);
          break;
        }
        case X87Unary.PREM: case X87Unary.PREM1: {
          const r = remainder(x, get(1), op === X87Unary.PREM1, env);
          set(0, r.r);
          if (r.c >= 0) { setCc(r.c); c1 = (r.c & C1) !== 0; }
          break;
        }
        case X87Unary.F2XM1: case X87Unary.SIN: case X87Unary.COS: {
          const r = transcendental1(op, x, env);
          set(0, r.v);
          if (r.c2 !== undefined) setCc((st.sw & ~C2 & CC_MASK) | (r.c2 ? C2 : 0));
          break;
        }
        case X87Unary.PTAN: case X87Unary.SINCOS: {
          const r = transcendental1(op, x, env);
          if (r.c2) { setCc((st.sw & CC_MASK & ~C2) | C2); break; } // out of range: ST0 unchanged
          setCc(st.sw & CC_MASK & ~C2);
          set(0, r.v);
          if (push(r.v2!, env)) c1 = true; // stack overflow; otherwise C1 is the rounding of r.v
          break;
        }
        case X87Unary.YL2X: case X87Unary.YL2XP1: case X87Unary.PATAN: {
          const r = transcendental2(op, x, get(1), env);
          set(1, r);
          pop();
          break;
        }
      }
      finish(env, c1 ?? env.up);
    },

    x87Exchange(i: number): void {
      const env = newEnv();
      const a = isEmpty(0) ? underflow(env) : get(0);
      const b = isEmpty(i) ? underflow(env) : get(i);
      set(0, b);
      set(i, a);
      finish(env, false);
    },

    /** fcmovcc: cond is the evaluated condition. */
    x87CondMove(i: number, cond: number): void {
      const env = newEnv();
      if (isEmpty(0) || isEmpty(i)) {
        underflow(env);
        if (cond) set(0, INDEFINITE);
      } else if (cond) set(0, get(i));
      finish(env, false);
    },

    x87Free(i: number, doPop: number): void {
      st.empty |= 1 << phys(i);
      if (doPop) pop();
    },

    /** fincstp (+1) / fdecstp (−1). */
    x87MoveTop(d: number): void {
      st.top = (st.top + d) & 7;
      st.sw &= ~C1;
    },

    x87Status(): number {
      return st.status();
    },

    x87Control(): number {
      return st.cw;
    },

    x87SetControl(v: number): void {
      st.cw = (v & 0x1f3f) | 0x40;
    },

    x87Init(): void {
      st.reset();
    },

    x87ClearExceptions(): void {
      st.sw &= ~0x80ff;
    },

    /** fnstenv (store) / fldenv: the 28-byte protected-mode environment. */
    x87Env(store: number, lo: number, hi: number): void {
      if (store) {
        probeWrite(lo, hi, 28);
        writeEnv(lo, hi);
        st.cw |= 0x3f; // fnstenv masks every exception afterwards
      } else {
        readEnv(lo, hi);
      }
    },

    /** fnsave (store, then fninit) / frstor: environment plus the eight registers in stack order. */
    x87Save(store: number, lo: number, hi: number): void {
      if (store) {
        probeWrite(lo, hi, 108);
        writeEnv(lo, hi);
        for (let i = 0; i < 8; i++) { const [a, ah] = addr(lo, hi, 28 + 10 * i); store80(a, ah, get(i)); }
        st.reset();
      } else {
        const regs: Ext[] = [];
        for (let i = 0; i < 8; i++) { const [a, ah] = addr(lo, hi, 28 + 10 * i); regs.push(load(X87Mem.F80, a, ah, newEnv())); }
        readEnv(lo, hi);
        for (let i = 0; i < 8; i++) st.regs[phys(i)] = regs[i];
      }
    },

    /** fxsave/fxrstor (wide: the REX.W form with 64-bit FIP/FDP). */
    x87Fxsave(store: number, lo: number, hi: number): void {
      if ((lo & 15) !== 0) throw new GeneralProtection(`fxsave/fxrstor operand not 16-byte aligned at ${hex(joinAddress(lo, hi))}`);
      const at = (off: number): [number, number] => addr(lo, hi, off);
      if (store) {
        probeWrite(lo, hi, 512);
        let abridged = 0;
        for (let r = 0; r < 8; r++) if (!((st.empty >> r) & 1)) abridged |= 1 << r;
        mem.st32(lo, hi, (st.cw & 0xffff) | (st.status() << 16));
        mem.st32(...at(4), abridged); // FTW, reserved, FOP = 0
        mem.st64(...at(8), 0, 0); // FIP (FCS)
        mem.st64(...at(16), 0, 0); // FDP (FDS)
        mem.st32(...at(24), cpu.mxcsr);
        mem.st32(...at(28), MXCSR_WRITABLE);
        for (let i = 0; i < 8; i++) {
          const [l, h, se] = toBits80(get(i));
          mem.st64(...at(32 + 16 * i), l, h);
          mem.st64(...at(40 + 16 * i), se, 0);
        }
        for (let w = 0; w < 64; w++) mem.st32(...at(160 + 4 * w), cpu.xmm[w]);
      } else {
        const cw = mem.ld16(lo, hi), sw = mem.ld16(...at(2)), tag = mem.ld8(...at(4));
        const mxcsr = mem.ld32(...at(24));
        const regs: Ext[] = [];
        for (let i = 0; i < 8; i++) regs.push(load(X87Mem.F80, ...at(32 + 16 * i), newEnv()));
        const xmm = new Int32Array(64);
        for (let w = 0; w < 64; w++) xmm[w] = mem.ld32(...at(160 + 4 * w));
        if ((mxcsr & ~MXCSR_WRITABLE) !== 0) throw new GeneralProtection(`fxrstor: reserved MXCSR bits set in ${hex(mxcsr >>> 0)}`);
        st.cw = (cw & 0x1f3f) | 0x40;
        st.top = (sw >> 11) & 7;
        st.sw = sw & ~TOP_MASK;
        st.empty = ~tag & 0xff;
        for (let i = 0; i < 8; i++) st.regs[phys(i)] = regs[i];
        cpu.mxcsr = mxcsr;
        cpu.xmm.set(xmm);
      }
    },
  };

  function writeEnv(lo: number, hi: number): void {
    const at = (off: number): [number, number] => addr(lo, hi, off);
    mem.st32(lo, hi, st.cw | 0xffff0000);
    mem.st32(...at(4), st.status() | 0xffff0000);
    mem.st32(...at(8), st.tagWord() | 0xffff0000);
    mem.st32(...at(12), 0); // FIP
    mem.st32(...at(16), 0); // FCS, FOP
    mem.st32(...at(20), 0); // FDP
    mem.st32(...at(24), 0xffff0000 | 0); // FDS
  }

  function readEnv(lo: number, hi: number): void {
    const at = (off: number): [number, number] => addr(lo, hi, off);
    const cw = mem.ld16(lo, hi), sw = mem.ld16(...at(4)), tag = mem.ld16(...at(8));
    st.cw = (cw & 0x1f3f) | 0x40;
    st.top = (sw >> 11) & 7;
    st.sw = sw & ~TOP_MASK;
    let empty = 0;
    for (let r = 0; r < 8; r++) if (((tag >> (2 * r)) & 3) === 3) empty |= 1 << r;
    st.empty = empty;
  }

  return helpers;
}
