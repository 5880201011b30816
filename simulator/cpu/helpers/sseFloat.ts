// SSE/SSE2 floating point: scalar and packed arithmetic, min/max, compares
// and conversions, working directly on the XMM register file (Int32Array,
// four little-endian words per register; also viewed as doubles XD and
// singles XF). `d` is always the word index of the destination lane
// (4 × register + lane offset); source operands arrive as int32 words.
//
// Two paths per operation:
//  - fast: plain JS arithmetic. JS numbers are IEEE binary64, so + − × ÷ √
//    on doubles are bit-exact under round-to-nearest, and singles computed in
//    double then rounded with Math.fround are exact too (53 ≥ 2·24+2). It is
//    taken when MXCSR is in the usual state (exceptions masked, round to
//    nearest, no FZ/DAZ) and the operation provably raises no exception flag
//    that is still clear: operands not denormal (or DE already set), result
//    a finite normal number, and the result exact (or PE already set — the
//    exactness tests are TwoSum/Dekker products, used only while PE is clear).
//  - slow: helpers/sseSoft.ts, exact BigInt arithmetic with the whole MXCSR
//    model (rounding control, FZ, DAZ, IE DE ZE OE UE PE, NaN rules).
// An unmasked exception raises #XM (vector 19) before anything is written.
//
// The fast paths are generated per operation (new Function, like the
// blocks themselves) so every helper is one small monomorphic function that
// V8 can inline into the block calling it.

import type { Cpu } from '../cpu';
import { CpuFault, Vector } from '../faults';
import { Q } from './wide';
import { lazyHelper } from './lazy';
import {
  arith32, arith64, compare32, compare64, cvt32to64, cvt32toInt, cvt64to32, cvt64toInt, cvtIntToFloat,
  minMax32, minMax64, Op, OUT, REL_UN,
} from './sseSoft';

/** #XM: a SIMD floating-point exception whose MXCSR mask bit is clear. */
export class SimdFloatingPointException extends CpuFault {
  constructor(readonly flags: number) {
    super(19 as Vector, '#XM', `SIMD floating-point exception (MXCSR flags 0x${flags.toString(16)} unmasked)`);
  }
}

// ---- generated fast paths ------------------------------------------------------------

const MIN_D = '2.2250738585072014e-308', MAX_D = '1.7976931348623157e+308';
const MIN_F = '1.1754943508222875e-38', MAX_F = '3.4028234663852886e+38';
/** MXCSR with all exceptions masked, round to nearest, no FZ/DAZ (flags ignored). */
const PLAIN = '(m&0xffc0)===0x1f80';

type ArithOp = 'add' | 'sub' | 'mul' | 'div' | 'sqrt';
const OP_CODE: Record<ArithOp, Op> = { add: Op.ADD, sub: Op.SUB, mul: Op.MUL, div: Op.DIV, sqrt: Op.SQRT };

function expr(op: ArithOp, x: string, y: string): string {
  return op === 'sqrt' ? `Math.sqrt(${y})` : `${x}${{ add: '+', sub: '-', mul: '*', div: '/' }[op]}${y}`;
}

/** Is a · b exactly p (p = fl(a·b))? Dekker's product, valid away from overflow/underflow. */
function twoProductExact(a: string, b: string, p: string): string {
  return `(${a}<1e290&&${a}>-1e290&&${b}<1e290&&${b}>-1e290&&(${p}>1e-270||${p}<-1e-270)&&` +
    `(c=134217729*${a},ah=c-(c-${a}),al=${a}-ah,c=134217729*${b},bh=c-(c-${b}),bl=${b}-bh,((ah*bh-${p})+ah*bl+al*bh)+al*bl===0))`;
}

/**
 * Exactness test of a lane result (used only while PE is clear), compiled
 * as a function of its own so the fast paths stay small enough for V8 to
 * inline them into the blocks. For singles r0 is the double result before
 * rounding.
 */
function exactSource(op: ArithOp, single: boolean): string {
  let exact: string;
  if (!single) {
    exact = {
      add: '(t=r-x,(x-(r-t))+(y-t)===0)',
      sub: '(t=r-x,(x-(r-t))+(-y-t)===0)',
      mul: twoProductExact('x', 'y', 'r'),
      div: `r*y===x&&${twoProductExact('r', 'y', 'x')}`,
      sqrt: `r*r===y&&${twoProductExact('r', 'r', 'y')}`,
    }[op];
  } else {
    exact = {
      add: 'r===r0&&(t=r0-x,(x-(r0-t))+(y-t)===0)',
      sub: 'r===r0&&(t=r0-x,(x-(r0-t))+(-y-t)===0)',
      mul: 'r===r0',
      div: 'r*y===x',
      sqrt: 'r*r===y',
    }[op];
  }
  return `return function exact${op}${single ? 'F' : 'D'}(x,y,r,r0){let c=0,ah=0,al=0,bh=0,bl=0,t=0;return ${exact};}`;
}

/**
 * The fast-path condition for one lane: result a normal number, operands
 * not denormal unless DE is set, result exact unless PE is set.
 */
function laneOk(op: ArithOp, single: boolean, x: string, y: string, r: string, r0: string): string {
  const MIN = single ? MIN_F : MIN_D, MAX = single ? MAX_F : MAX_D;
  // strictly above the smallest normal: a tiny inexact result can round up to exactly ±MIN (UE)
  const normal = `(${r}>0?${r}>${MIN}&&${r}<=${MAX}:${r}<-${MIN}&&${r}>=-${MAX})`;
  const notDen = (v: string) => `(${v}>=${MIN}||${v}<=-${MIN}||${v}===0)`;
  const dens = op === 'sqrt' ? notDen(y) : `${notDen(x)}&&${notDen(y)}`;
  return `${normal}&&((m&2)!==0||${dens})&&((m&32)!==0||exact(${x},${y},${r},${r0}))`;
}

/** Scalar double: X[d..d+1] = X[d..d+1] op (lo, hi). */
function sdSource(op: ArithOp): string {
  return `return function ${op}sd(d,lo,hi){W[0]=lo;W[1]=hi;const i=d>>1,m=C.mxcsr,x=XD[i],y=D[0],r=${expr(op, 'x', 'y')};` +
    `if(${PLAIN}&&${laneOk(op, false, 'x', 'y', 'r', 'r')}){XD[i]=r;return;}slowSd(${OP_CODE[op]},d,lo,hi);}`;
}

function ssSource(op: ArithOp): string {
  return `return function ${op}ss(d,v){W[0]=v;const m=C.mxcsr,x=XF[d],y=Fl[0],r0=${expr(op, 'x', 'y')},r=Math.fround(r0);` +
    `if(${PLAIN}&&${laneOk(op, true, 'x', 'y', 'r', 'r0')}){XF[d]=r;return;}slowSs(${OP_CODE[op]},d,v);}`;
}

function pdSource(op: ArithOp): string {
  return `return function ${op}pd(d,w0,w1,w2,w3){W[0]=w0;W[1]=w1;W[2]=w2;W[3]=w3;const i=d>>1,m=C.mxcsr;` +
    `const x0=XD[i],y0=D[0],r0=${expr(op, 'x0', 'y0')},x1=XD[i+1],y1=D[1],r1=${expr(op, 'x1', 'y1')};` +
    `if(${PLAIN}&&${laneOk(op, false, 'x0', 'y0', 'r0', 'r0')}&&${laneOk(op, false, 'x1', 'y1', 'r1', 'r1')}){XD[i]=r0;XD[i+1]=r1;return;}` +
    `slowPd(${OP_CODE[op]},d,w0,w1,w2,w3);}`;
}

function psSource(op: ArithOp): string {
  let lanes = '', checks = '', writes = '';
  for (let k = 0; k < 4; k++) {
    lanes += `const x${k}=XF[d+${k}],y${k}=Fl[${k}],q${k}=${expr(op, `x${k}`, `y${k}`)},r${k}=Math.fround(q${k});`;
    checks += `&&${laneOk(op, true, `x${k}`, `y${k}`, `r${k}`, `q${k}`)}`;
    writes += `XF[d+${k}]=r${k};`;
  }
  return `return function ${op}ps(d,w0,w1,w2,w3){W[0]=w0;W[1]=w1;W[2]=w2;W[3]=w3;const m=C.mxcsr;${lanes}` +
    `if(${PLAIN}${checks}){${writes}return;}slowPs(${OP_CODE[op]},d,w0,w1,w2,w3);}`;
}

/** minsd/maxsd fast path: no NaN, no denormal (unless DE set), exceptions masked, no DAZ. */
function minMaxSdSource(max: boolean): string {
  const keep = max ? 'x>y' : 'x<y';
  return `return function ${max ? 'max' : 'min'}sd(d,lo,hi){W[0]=lo;W[1]=hi;const i=d>>1,m=C.mxcsr,x=XD[i],y=D[0];` +
    `if((m&0x1fc0)===0x1f80&&x===x&&y===y&&((m&2)!==0||((x>=${MIN_D}||x<=-${MIN_D}||x===0)&&(y>=${MIN_D}||y<=-${MIN_D}||y===0)))){` +
    `if(!(${keep})){X[d]=lo;X[d+1]=hi;}return;}slowSd(${max ? Op.MAX : Op.MIN},d,lo,hi);}`;
}

function minMaxSsSource(max: boolean): string {
  const keep = max ? 'x>y' : 'x<y';
  return `return function ${max ? 'max' : 'min'}ss(d,v){W[0]=v;const m=C.mxcsr,x=XF[d],y=Fl[0];` +
    `if((m&0x1fc0)===0x1f80&&x===x&&y===y&&((m&2)!==0||((x>=${MIN_F}||x<=-${MIN_F}||x===0)&&(y>=${MIN_F}||y<=-${MIN_F}||y===0)))){` +
    `if(!(${keep}))X[d]=v;return;}slowSs(${max ? Op.MAX : Op.MIN},d,v);}`;
}

// ---- the helpers ------------------------------------------------------------------------

export function createSseFloatHelpers(cpu: Cpu) {
  const X = cpu.xmm;
  // The register file as doubles (lane k of xmm n at 2n+k = word index / 2) and as singles.
  const XD = new Float64Array(X.buffer, X.byteOffset, X.length >> 1);
  const XF = new Float32Array(X.buffer, X.byteOffset, X.length);
  // Scratch for reinterpreting source bits; one view per type over the same bytes.
  const buf = new ArrayBuffer(16);
  const W = new Int32Array(buf);
  const D = new Float64Array(buf);
  const Fl = new Float32Array(buf);
  // Lane results of the slow paths, written only once no unmasked exception is raised.
  const R = new Int32Array(4);

  /** Record raised flags; an unmasked one faults (#XM) before the result is written. */
  function raise(flags: number): void {
    if (flags === 0) return;
    const m = cpu.mxcsr;
    cpu.mxcsr = m | flags;
    if (flags & ~(m >>> 7) & 0x3f) throw new SimdFloatingPointException(flags & ~(m >>> 7) & 0x3f);
  }

  function softD(op: Op, alo: number, ahi: number, blo: number, bhi: number, m: number): number {
    return op === Op.MIN || op === Op.MAX ? minMax64(op === Op.MAX, alo, ahi, blo, bhi, m) : arith64(op, alo, ahi, blo, bhi, m);
  }
  function softF(op: Op, a: number, b: number, m: number): number {
    return op === Op.MIN || op === Op.MAX ? minMax32(op === Op.MAX, a, b, m) : arith32(op, a, b, m);
  }

  function slowSd(op: Op, d: number, lo: number, hi: number): void {
    const flags = softD(op, X[d], X[d + 1], lo, hi, cpu.mxcsr);
    const rlo = OUT[0], rhi = OUT[1];
    raise(flags);
    X[d] = rlo; X[d + 1] = rhi;
  }
  function slowSs(op: Op, d: number, v: number): void {
    const flags = softF(op, X[d], v, cpu.mxcsr);
    const r = OUT[0];
    raise(flags);
    X[d] = r;
  }
  function slowPd(op: Op, d: number, w0: number, w1: number, w2: number, w3: number): void {
    const m = cpu.mxcsr;
    let flags = softD(op, X[d], X[d + 1], w0, w1, m);
    R[0] = OUT[0]; R[1] = OUT[1];
    flags |= softD(op, X[d + 2], X[d + 3], w2, w3, m);
    R[2] = OUT[0]; R[3] = OUT[1];
    raise(flags);
    X[d] = R[0]; X[d + 1] = R[1]; X[d + 2] = R[2]; X[d + 3] = R[3];
  }
  function slowPs(op: Op, d: number, w0: number, w1: number, w2: number, w3: number): void {
    const m = cpu.mxcsr;
    let flags = softF(op, X[d], w0, m); R[0] = OUT[0];
    flags |= softF(op, X[d + 1], w1, m); R[1] = OUT[0];
    flags |= softF(op, X[d + 2], w2, m); R[2] = OUT[0];
    flags |= softF(op, X[d + 3], w3, m); R[3] = OUT[0];
    raise(flags);
    X[d] = R[0]; X[d + 1] = R[1]; X[d + 2] = R[2]; X[d + 3] = R[3];
  }

  type Fn = (...args: number[]) => void;
  // (each made on its first call: lazy.ts)
  const make = (source: () => string, exact?: () => unknown): Fn => lazyHelper(() =>
    new Function('X', 'XD', 'XF', 'W', 'D', 'Fl', 'C', 'slowSd', 'slowSs', 'slowPd', 'slowPs', 'exact', source())(
      X, XD, XF, W, D, Fl, cpu, slowSd, slowSs, slowPd, slowPs, exact?.()) as Fn);

  const arithHelpers: Record<string, Fn> = {};
  for (const op of ['add', 'sub', 'mul', 'div', 'sqrt'] as ArithOp[]) {
    // one exactness function per use, so each call site stays monomorphic
    const exactD = () => new Function(exactSource(op, false))();
    const exactF = () => new Function(exactSource(op, true))();
    arithHelpers[`${op}sd`] = make(() => sdSource(op), exactD);
    arithHelpers[`${op}ss`] = make(() => ssSource(op), exactF);
    arithHelpers[`${op}pd`] = make(() => pdSource(op), exactD);
    arithHelpers[`${op}ps`] = make(() => psSource(op), exactF);
  }
  const minsd = make(() => minMaxSdSource(false)), maxsd = make(() => minMaxSdSource(true));
  const minss = make(() => minMaxSsSource(false)), maxss = make(() => minMaxSsSource(true));
  const minpd = (d: number, w0: number, w1: number, w2: number, w3: number): void => lanesD(Op.MIN, d, w0, w1, w2, w3);
  const maxpd = (d: number, w0: number, w1: number, w2: number, w3: number): void => lanesD(Op.MAX, d, w0, w1, w2, w3);
  const minps = (d: number, w0: number, w1: number, w2: number, w3: number): void => lanesF(Op.MIN, d, w0, w1, w2, w3);
  const maxps = (d: number, w0: number, w1: number, w2: number, w3: number): void => lanesF(Op.MAX, d, w0, w1, w2, w3);

  /** Packed min/max: lane by lane when nothing can raise a flag, else the exact path for all lanes. */
  function lanesD(op: Op, d: number, w0: number, w1: number, w2: number, w3: number): void {
    W[0] = w0; W[1] = w1; W[2] = w2; W[3] = w3;
    const i = d >> 1, m = cpu.mxcsr, x0 = XD[i], y0 = D[0], x1 = XD[i + 1], y1 = D[1];
    if ((m & 0x1fc0) === 0x1f80 && x0 === x0 && y0 === y0 && x1 === x1 && y1 === y1 &&
      ((m & 2) !== 0 || (notDenD(x0) && notDenD(y0) && notDenD(x1) && notDenD(y1)))) {
      const max = op === Op.MAX;
      if (!(max ? x0 > y0 : x0 < y0)) { X[d] = w0; X[d + 1] = w1; }
      if (!(max ? x1 > y1 : x1 < y1)) { X[d + 2] = w2; X[d + 3] = w3; }
      return;
    }
    slowPd(op, d, w0, w1, w2, w3);
  }
  function lanesF(op: Op, d: number, w0: number, w1: number, w2: number, w3: number): void {
    const m = cpu.mxcsr;
    if ((m & 0x1fc0) === 0x1f80 && plainF(w0, m) && plainF(w1, m) && plainF(w2, m) && plainF(w3, m) &&
      plainF(X[d], m) && plainF(X[d + 1], m) && plainF(X[d + 2], m) && plainF(X[d + 3], m)) {
      W[0] = w0; W[1] = w1; W[2] = w2; W[3] = w3;
      const max = op === Op.MAX;
      for (let k = 0; k < 4; k++) {
        const x = XF[d + k], y = Fl[k];
        if (!(max ? x > y : x < y)) X[d + k] = W[k];
      }
      return;
    }
    slowPs(op, d, w0, w1, w2, w3);
  }
  const notDenD = (x: number): boolean => x >= 2.2250738585072014e-308 || x <= -2.2250738585072014e-308 || x === 0;
  /** A single's bits that raise nothing in a compare: not NaN, not denormal unless DE is set. */
  const plainF = (v: number, m: number): boolean => {
    const e = v & 0x7f800000;
    return e === 0x7f800000 ? (v & 0x7fffff) === 0 : e !== 0 || (v & 0x7fffff) === 0 || (m & 2) !== 0;
  };
  const plainD = (hi: number, lo: number, m: number): boolean => {
    const e = hi & 0x7ff00000;
    return e === 0x7ff00000 ? ((hi & 0xfffff) | lo) === 0 : e !== 0 || ((hi & 0xfffff) | lo) === 0 || (m & 2) !== 0;
  };

  // ---- compares ----------------------------------------------------------------------

  /** comisd/ucomisd: returns CF | ZF<<1 | PF<<2 (unordered 7, less 1, equal 2, greater 0). */
  function comis64(xl: number, xh: number, yl: number, yh: number, signaling: boolean): number {
    const m = cpu.mxcsr;
    if ((m & 0x1fc0) === 0x1f80 && plainD(xh, xl, m) && plainD(yh, yl, m)) {
      W[0] = xl; W[1] = xh; W[2] = yl; W[3] = yh;
      const x = D[0], y = D[1];
      return x < y ? 1 : x > y ? 0 : 2;
    }
    const flags = compare64(xl, xh, yl, yh, m, signaling);
    const rel = OUT[0];
    raise(flags);
    return rel === REL_UN ? 7 : rel;
  }
  function comis32(xv: number, yv: number, signaling: boolean): number {
    const m = cpu.mxcsr;
    if ((m & 0x1fc0) === 0x1f80 && plainF(xv, m) && plainF(yv, m)) {
      W[0] = xv; W[1] = yv;
      const x = Fl[0], y = Fl[1];
      return x < y ? 1 : x > y ? 0 : 2;
    }
    const flags = compare32(xv, yv, m, signaling);
    const rel = OUT[0];
    raise(flags);
    return rel === REL_UN ? 7 : rel;
  }
  const comisd = (xl: number, xh: number, yl: number, yh: number): number => comis64(xl, xh, yl, yh, true);
  const ucomisd = (xl: number, xh: number, yl: number, yh: number): number => comis64(xl, xh, yl, yh, false);
  const comiss = (x: number, y: number): number => comis32(x, y, true);
  const ucomiss = (x: number, y: number): number => comis32(x, y, false);

  /** Predicate p (eq lt le unord neq nlt nle ord) on a relation (0 gt, 1 lt, 2 eq, 3 unordered). */
  const PRED: number[] = [
    0b0100, 0b0010, 0b0110, 0b1000, // eq lt le unord: bit (1 << relation)
    0b1011, 0b1101, 0b1001, 0b0111, // neq nlt nle ord
  ];
  /** lt le nlt nle signal on QNaN too. */
  const signalingPred = (p: number): boolean => p === 1 || p === 2 || p === 5 || p === 6;

  function relD(alo: number, ahi: number, blo: number, bhi: number, p: number, m: number): number {
    if ((m & 0x1fc0) === 0x1f80 && plainD(ahi, alo, m) && plainD(bhi, blo, m)) {
      W[0] = alo; W[1] = ahi; W[2] = blo; W[3] = bhi;
      const x = D[0], y = D[1];
      return x < y ? 1 : x > y ? 0 : 2;
    }
    cmpFlags |= compare64(alo, ahi, blo, bhi, m, signalingPred(p));
    return OUT[0];
  }
  function relF(a: number, b: number, p: number, m: number): number {
    if ((m & 0x1fc0) === 0x1f80 && plainF(a, m) && plainF(b, m)) {
      W[0] = a; W[1] = b;
      const x = Fl[0], y = Fl[1];
      return x < y ? 1 : x > y ? 0 : 2;
    }
    cmpFlags |= compare32(a, b, m, signalingPred(p));
    return OUT[0];
  }
  let cmpFlags = 0;
  function cmpsd(d: number, lo: number, hi: number, p: number): void {
    cmpFlags = 0;
    const mask = (PRED[p] >> relD(X[d], X[d + 1], lo, hi, p, cpu.mxcsr)) & 1 ? -1 : 0;
    raise(cmpFlags);
    X[d] = mask; X[d + 1] = mask;
  }
  function cmpss(d: number, v: number, p: number): void {
    cmpFlags = 0;
    const mask = (PRED[p] >> relF(X[d], v, p, cpu.mxcsr)) & 1 ? -1 : 0;
    raise(cmpFlags);
    X[d] = mask;
  }
  function cmppd(d: number, w0: number, w1: number, w2: number, w3: number, p: number): void {
    const m = cpu.mxcsr;
    cmpFlags = 0;
    const m0 = (PRED[p] >> relD(X[d], X[d + 1], w0, w1, p, m)) & 1 ? -1 : 0;
    const m1 = (PRED[p] >> relD(X[d + 2], X[d + 3], w2, w3, p, m)) & 1 ? -1 : 0;
    raise(cmpFlags);
    X[d] = m0; X[d + 1] = m0; X[d + 2] = m1; X[d + 3] = m1;
  }
  function cmpps(d: number, w0: number, w1: number, w2: number, w3: number, p: number): void {
    const m = cpu.mxcsr;
    cmpFlags = 0;
    const m0 = (PRED[p] >> relF(X[d], w0, p, m)) & 1 ? -1 : 0;
    const m1 = (PRED[p] >> relF(X[d + 1], w1, p, m)) & 1 ? -1 : 0;
    const m2 = (PRED[p] >> relF(X[d + 2], w2, p, m)) & 1 ? -1 : 0;
    const m3 = (PRED[p] >> relF(X[d + 3], w3, p, m)) & 1 ? -1 : 0;
    raise(cmpFlags);
    X[d] = m0; X[d + 1] = m1; X[d + 2] = m2; X[d + 3] = m3;
  }

  // ---- conversions ---------------------------------------------------------------------

  /** int64 → nearest single (one rounding: low bits folded into a sticky bit first). */
  function i64ToF(d: number, lo: number, hi: number): void {
    let neg = false;
    if (hi < 0) { neg = true; lo = -lo | 0; hi = (~hi + (lo === 0 ? 1 : 0)) | 0; }
    // |v| = hi:lo unsigned now (for −2^63, hi = 0x80000000 read unsigned)
    const uh = hi >>> 0;
    let v: number;
    if (uh < 0x200000) v = uh * 4294967296 + (lo >>> 0); // < 2^53: exact
    else {
      // ≥ 2^53: a single's round bit is at bit ≥ 29, so bits 0..28 only matter as a sticky bit
      const ul = lo >>> 0;
      const folded = (ul & 0xe0000000) + ((ul & 0x1fffffff) !== 0 ? 0x10000000 : 0);
      v = uh * 4294967296 + (folded >>> 0); // ≤ 36 significant bits: exact
    }
    XF[d] = neg ? -v : v; // the Float32Array store rounds to nearest-even
  }

  /** int64 → double: fast when exact (|v| < 2^53), or under round-to-nearest with PE set and masked. */
  function cvtsi2sd(d: number, lo: number, hi: number): void {
    const m = cpu.mxcsr;
    if ((hi >= -0x200000 && hi < 0x200000) || (m & 0x7020) === 0x1020) { XD[d >> 1] = hi * 4294967296 + (lo >>> 0); return; }
    const flags = cvtIntToFloat(lo, hi, m, true);
    const rlo = OUT[0], rhi = OUT[1];
    raise(flags);
    X[d] = rlo; X[d + 1] = rhi;
  }
  function cvtsi2sd32(d: number, v: number): void { XD[d >> 1] = v; }
  function cvtsi2ss(d: number, lo: number, hi: number): void {
    const m = cpu.mxcsr;
    if ((hi === 0 && lo >>> 0 <= 0x1000000) || (hi === -1 && lo >= -0x1000000) || (m & 0x7020) === 0x1020) { i64ToF(d, lo, hi); return; }
    const flags = cvtIntToFloat(lo, hi, m, false);
    const r = OUT[0];
    raise(flags);
    X[d] = r;
  }
  function cvtsi2ss32(d: number, v: number): void {
    if ((v <= 0x1000000 && v >= -0x1000000) || (cpu.mxcsr & 0x7020) === 0x1020) { XF[d] = v; return; }
    cvtsi2ss(d, v, v >> 31);
  }

  /** Float → integer: fast in range when PE is set or nothing is dropped; else exact (flags, RC). */
  function roundRc(x: number, rc: number): number {
    switch (rc) {
      case 1: return Math.floor(x);
      case 2: return Math.ceil(x);
      case 3: return Math.trunc(x);
      default: {
        const f = Math.floor(x), diff = x - f; // exact for every double
        return diff > 0.5 ? f + 1 : diff < 0.5 ? f : f % 2 === 0 ? f : f + 1;
      }
    }
  }
  function slowToInt(lo: number, hi: number, single: boolean, bits: number, truncate: boolean): number {
    const flags = single ? cvt32toInt(lo, cpu.mxcsr, bits, truncate) : cvt64toInt(lo, hi, cpu.mxcsr, bits, truncate);
    const rlo = OUT[0], rhi = OUT[1];
    raise(flags);
    Q[4] = rhi;
    return rlo;
  }
  /** x (a double) to int32; fast when the result is in range and exact or PE is set. */
  function toI32(x: number, lo: number, hi: number, single: boolean, truncate: boolean): number {
    const m = cpu.mxcsr;
    if ((m & 0x1f80) === 0x1f80 && x >= -2147483648 && x <= 2147483647) {
      const r = truncate ? Math.trunc(x) : roundRc(x, (m >>> 13) & 3);
      if (r === x || (m & 32) !== 0) return r | 0;
    }
    return slowToInt(lo, hi, single, 32, truncate);
  }
  function toI64(x: number, lo: number, hi: number, single: boolean, truncate: boolean): number {
    const m = cpu.mxcsr;
    if ((m & 0x1f80) === 0x1f80 && x >= -9223372036854775808 && x < 9223372036854775808) {
      const r = truncate ? Math.trunc(x) : roundRc(x, (m >>> 13) & 3);
      if ((r === x || (m & 32) !== 0) && r < 9223372036854775808) {
        const h = Math.floor(r / 4294967296);
        Q[4] = h | 0;
        return (r - h * 4294967296) | 0;
      }
    }
    return slowToInt(lo, hi, single, 64, truncate);
  }
  function cvttsd2si32(lo: number, hi: number): number { W[0] = lo; W[1] = hi; return toI32(D[0], lo, hi, false, true); }
  function cvtsd2si32(lo: number, hi: number): number { W[0] = lo; W[1] = hi; return toI32(D[0], lo, hi, false, false); }
  function cvttsd2si64(lo: number, hi: number): number { W[0] = lo; W[1] = hi; return toI64(D[0], lo, hi, false, true); }
  function cvtsd2si64(lo: number, hi: number): number { W[0] = lo; W[1] = hi; return toI64(D[0], lo, hi, false, false); }
  function cvttss2si32(v: number): number { W[0] = v; return toI32(Fl[0], v, 0, true, true); }
  function cvtss2si32(v: number): number { W[0] = v; return toI32(Fl[0], v, 0, true, false); }
  function cvttss2si64(v: number): number { W[0] = v; return toI64(Fl[0], v, 0, true, true); }
  function cvtss2si64(v: number): number { W[0] = v; return toI64(Fl[0], v, 0, true, false); }

  /** double → single lane value in R[k] (flags returned): fast when normal and exact or PE set. */
  function d2f(lo: number, hi: number, m: number, k: number): number {
    if ((m & 0xffc0) === 0x1f80) {
      W[0] = lo; W[1] = hi;
      const x = D[0], r = Math.fround(x);
      if ((r > 0 ? r > 1.1754943508222875e-38 && r <= 3.4028234663852886e+38 : r < -1.1754943508222875e-38 && r >= -3.4028234663852886e+38) &&
        (r === x || (m & 32) !== 0)) {
        Fl[2] = r;
        R[k] = W[2];
        return 0;
      }
    }
    const flags = cvt64to32(lo, hi, m);
    R[k] = OUT[0];
    return flags;
  }
  /** single → double lane in R[2k..2k+1]. */
  function f2d(v: number, m: number, k: number): number {
    if ((m & 0x1fc0) === 0x1f80 && plainF(v, m) && (v & 0x7f800000) !== 0x7f800000) {
      W[0] = v;
      D[1] = Fl[0];
      R[2 * k] = W[2]; R[2 * k + 1] = W[3];
      return 0;
    }
    const flags = cvt32to64(v, m);
    R[2 * k] = OUT[0]; R[2 * k + 1] = OUT[1];
    return flags;
  }
  function cvtsd2ss(d: number, lo: number, hi: number): void {
    const flags = d2f(lo, hi, cpu.mxcsr, 0);
    raise(flags);
    X[d] = R[0];
  }
  function cvtss2sd(d: number, v: number): void {
    const flags = f2d(v, cpu.mxcsr, 0);
    raise(flags);
    X[d] = R[0]; X[d + 1] = R[1];
  }
  function cvtps2pd(d: number, v0: number, v1: number): void {
    const m = cpu.mxcsr;
    const flags = f2d(v0, m, 0) | f2d(v1, m, 1);
    raise(flags);
    X[d] = R[0]; X[d + 1] = R[1]; X[d + 2] = R[2]; X[d + 3] = R[3];
  }
  function cvtpd2ps(d: number, w0: number, w1: number, w2: number, w3: number): void {
    const m = cpu.mxcsr;
    const flags = d2f(w0, w1, m, 0) | d2f(w2, w3, m, 1);
    raise(flags);
    X[d] = R[0]; X[d + 1] = R[1]; X[d + 2] = 0; X[d + 3] = 0;
  }
  function cvtdq2pd(d: number, v0: number, v1: number): void { XD[d >> 1] = v0; XD[(d >> 1) + 1] = v1; }
  function cvtdq2ps(d: number, w0: number, w1: number, w2: number, w3: number): void {
    const m = cpu.mxcsr;
    const small = (v: number): boolean => v <= 0x1000000 && v >= -0x1000000;
    if ((m & 0x7020) === 0x1020 || (small(w0) && small(w1) && small(w2) && small(w3))) {
      XF[d] = w0; XF[d + 1] = w1; XF[d + 2] = w2; XF[d + 3] = w3;
      return;
    }
    let flags = cvtIntToFloat(w0, w0 >> 31, m, false); R[0] = OUT[0];
    flags |= cvtIntToFloat(w1, w1 >> 31, m, false); R[1] = OUT[0];
    flags |= cvtIntToFloat(w2, w2 >> 31, m, false); R[2] = OUT[0];
    flags |= cvtIntToFloat(w3, w3 >> 31, m, false); R[3] = OUT[0];
    raise(flags);
    X[d] = R[0]; X[d + 1] = R[1]; X[d + 2] = R[2]; X[d + 3] = R[3];
  }
  /** One lane of cvt(t)ps2dq / cvt(t)pd2dq into R[k]; flags accumulate in cvtFlags. */
  let cvtFlags = 0;
  function laneToI32(x: number, lo: number, hi: number, single: boolean, truncate: boolean, m: number, k: number): void {
    if ((m & 0x1f80) === 0x1f80 && x >= -2147483648 && x <= 2147483647) {
      const r = truncate ? Math.trunc(x) : roundRc(x, (m >>> 13) & 3);
      if (r === x || (m & 32) !== 0) { R[k] = r; return; }
    }
    cvtFlags |= single ? cvt32toInt(lo, m, 32, truncate) : cvt64toInt(lo, hi, m, 32, truncate);
    R[k] = OUT[0];
  }
  function cvtps2dq(d: number, w0: number, w1: number, w2: number, w3: number, truncate: boolean): void {
    const m = cpu.mxcsr;
    cvtFlags = 0;
    W[0] = w0; W[1] = w1; W[2] = w2; W[3] = w3;
    const x0 = Fl[0], x1 = Fl[1], x2 = Fl[2], x3 = Fl[3];
    laneToI32(x0, w0, 0, true, truncate, m, 0);
    laneToI32(x1, w1, 0, true, truncate, m, 1);
    laneToI32(x2, w2, 0, true, truncate, m, 2);
    laneToI32(x3, w3, 0, true, truncate, m, 3);
    raise(cvtFlags);
    X[d] = R[0]; X[d + 1] = R[1]; X[d + 2] = R[2]; X[d + 3] = R[3];
  }
  function cvtpd2dq(d: number, w0: number, w1: number, w2: number, w3: number, truncate: boolean): void {
    const m = cpu.mxcsr;
    cvtFlags = 0;
    W[0] = w0; W[1] = w1; W[2] = w2; W[3] = w3;
    const x0 = D[0], x1 = D[1];
    laneToI32(x0, w0, w1, false, truncate, m, 0);
    laneToI32(x1, w2, w3, false, truncate, m, 1);
    raise(cvtFlags);
    X[d] = R[0]; X[d + 1] = R[1]; X[d + 2] = 0; X[d + 3] = 0;
  }

  return {
    ...arithHelpers,
    minsd, maxsd, minss, maxss, minpd, maxpd, minps, maxps,
    comisd, ucomisd, comiss, ucomiss, cmpsd, cmpss, cmppd, cmpps,
    cvtsi2sd, cvtsi2sd32, cvtsi2ss, cvtsi2ss32,
    cvttsd2si32, cvtsd2si32, cvttsd2si64, cvtsd2si64, cvttss2si32, cvtss2si32, cvttss2si64, cvtss2si64,
    cvtsd2ss, cvtss2sd, cvtps2pd, cvtpd2ps, cvtdq2pd, cvtdq2ps, cvtps2dq, cvtpd2dq,
  };
}
