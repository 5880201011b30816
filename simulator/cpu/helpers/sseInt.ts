// SSE2 packed-integer operations that are not worth inlining: byte and word
// lanes (saturation, compares, min/max, multiplies, packs), shifts
// by a register count and byte shifts. They work in place on the XMM file
// through typed views over its buffer (byte/word lanes of register n start
// at 16n / 8n; `d` is the destination's word index 4n). Source operands
// arrive as four int32 words and are parked in a scratch register (`S`).
// The host is assumed little-endian, like the guest (checked at start-up).

import type { Cpu } from '../cpu';
import { lazyHelper } from './lazy';

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('SSE helpers need a little-endian host');

const sat8s = (v: number): number => (v > 127 ? 127 : v < -128 ? -128 : v);
const sat8u = (v: number): number => (v > 255 ? 255 : v < 0 ? 0 : v);
const sat16s = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);

/** Byte and word views of the XMM register file (one backing store: lanes alias the dword array). */
export function xmmLaneViews(X: Int32Array | Uint32Array) {
  return {
    XB: new Uint8Array(X.buffer, X.byteOffset, X.length * 4),
    XSB: new Int8Array(X.buffer, X.byteOffset, X.length * 4),
    XW: new Uint16Array(X.buffer, X.byteOffset, X.length * 2),
    XSW: new Int16Array(X.buffer, X.byteOffset, X.length * 2),
  };
}

export function createSseIntHelpers(cpu: Cpu) {
  const X = cpu.xmm;
  const { XB, XSB, XW, XSW } = xmmLaneViews(X);

  const src = new ArrayBuffer(16);
  const S = new Int32Array(src);
  const SB = new Uint8Array(src);
  const SSB = new Int8Array(src);
  const SW = new Uint16Array(src);
  const SSW = new Int16Array(src);
  const tmp = new ArrayBuffer(16);
  const T = new Int32Array(tmp);
  const TB = new Uint8Array(tmp);
  const TW = new Uint16Array(tmp);

  const setSrc = (w0: number, w1: number, w2: number, w3: number): void => {
    S[0] = w0; S[1] = w1; S[2] = w2; S[3] = w3;
  };
  const copyTmp = (d: number): void => { X[d] = T[0]; X[d + 1] = T[1]; X[d + 2] = T[2]; X[d + 3] = T[3]; };

  type Packed = (d: number, w0: number, w1: number, w2: number, w3: number) => void;

  /**
   * A lane-wise op: dst[k] = expr(x = dst[k], y = src[k]) over 16 byte or 8
   * word lanes, through signed or unsigned views. Each op is compiled into a
   * function of its own (like generated blocks), so the lane expression is
   * inlined and every call site stays monomorphic.
   */
  function lanes(width: 8 | 16, signed: boolean, expr: string): Packed {
    const XV = width === 8 ? (signed ? XSB : XB) : (signed ? XSW : XW);
    const SV = width === 8 ? (signed ? SSB : SB) : (signed ? SSW : SW);
    const n = 128 / width, scale = width === 8 ? 4 : 2;
    const body = `return function lanes(d,w0,w1,w2,w3){S[0]=w0;S[1]=w1;S[2]=w2;S[3]=w3;const b=${scale}*d;` +
      `for(let k=0;k<${n};k++){const x=XV[b+k],y=SV[k];let t=0;XV[b+k]=${expr};}};`;
    return lazyHelper(() => new Function('XV', 'SV', 'S', body)(XV, SV, S) as Packed); // (made on its first call: lazy.ts)
  }
  const bytes = (signed: boolean, expr: string): Packed => lanes(8, signed, expr);
  const words = (signed: boolean, expr: string): Packed => lanes(16, signed, expr);
  const SAT8S = '(t=EXPR,t>127?127:t<-128?-128:t)', SAT8U = '(t=EXPR,t>255?255:t<0?0:t)';
  const SAT16S = '(t=EXPR,t>32767?32767:t<-32768?-32768:t)', SAT16U = '(t=EXPR,t>65535?65535:t<0?0:t)';
  const sat = (pattern: string, e: string): string => pattern.replace('EXPR', e);

  // Unsigned views store masks via wraparound (-1 → 0xff / 0xffff).
  const helpers = {
    paddsb: bytes(true, sat(SAT8S, 'x+y')),
    paddusb: bytes(false, sat(SAT8U, 'x+y')),
    psubsb: bytes(true, sat(SAT8S, 'x-y')),
    psubusb: bytes(false, sat(SAT8U, 'x-y')),
    paddsw: words(true, sat(SAT16S, 'x+y')),
    paddusw: words(false, sat(SAT16U, 'x+y')),
    psubsw: words(true, sat(SAT16S, 'x-y')),
    psubusw: words(false, sat(SAT16U, 'x-y')),
    pcmpgtb: bytes(true, 'x>y?-1:0'),
    pcmpgtw: words(true, 'x>y?-1:0'),
    pminub: bytes(false, 'x<y?x:y'),
    pmaxub: bytes(false, 'x>y?x:y'),
    pminsw: words(true, 'x<y?x:y'),
    pmaxsw: words(true, 'x>y?x:y'),
    pavgb: bytes(false, '(x+y+1)>>1'),
    pavgw: words(false, '(x+y+1)>>1'),
    pmullw: words(false, 'Math.imul(x,y)'),
    pmulhw: words(true, '(x*y)>>16'),
    pmulhuw: words(false, '(x*y)>>>16'),

    /** pmuludq: unsigned 32×32 → 64 of the even dwords (source words 1 and 3 are unused). */
    pmuludq(d: number, w0: number, _w1: number, w2: number): void {
      mulU32(d, X[d], w0);
      mulU32(d + 2, X[d + 2], w2);
    },
    pmaddwd(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      const b = 2 * d;
      for (let k = 0; k < 4; k++) X[d + k] = (XSW[b + 2 * k] * SSW[2 * k] + XSW[b + 2 * k + 1] * SSW[2 * k + 1]) | 0;
    },
    psadbw(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      const b = 4 * d;
      for (let q = 0; q < 2; q++) {
        let sum = 0;
        for (let k = 8 * q; k < 8 * q + 8; k++) sum += Math.abs(XB[b + k] - SB[k]);
        X[d + 2 * q] = sum; X[d + 2 * q + 1] = 0;
      }
    },

    // packs: low half from the destination, high half from the source
    packsswb(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      const b = 2 * d;
      for (let k = 0; k < 8; k++) { TB[k] = sat8s(XSW[b + k]); TB[k + 8] = sat8s(SSW[k]); }
      copyTmp(d);
    },
    packuswb(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      const b = 2 * d;
      for (let k = 0; k < 8; k++) { TB[k] = sat8u(XSW[b + k]); TB[k + 8] = sat8u(SSW[k]); }
      copyTmp(d);
    },
    packssdw(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      for (let k = 0; k < 4; k++) { TW[k] = sat16s(X[d + k]); TW[k + 4] = sat16s(S[k]); }
      copyTmp(d);
    },

    /** pshuflw (high = false) / pshufhw: shuffle four words of one half, copy the other. */
    pshufw(d: number, imm: number, high: boolean, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      const o = high ? 4 : 0, b = 2 * d;
      X[d] = w0; X[d + 1] = w1; X[d + 2] = w2; X[d + 3] = w3;
      for (let k = 0; k < 4; k++) XW[b + o + k] = SW[o + ((imm >> (2 * k)) & 3)];
    },

    // shifts by a count held in a 64-bit source (lo, hi): counts ≥ lane width clear (or fill with the sign)
    psllwX(d: number, lo: number, hi: number): void { shiftW(d, countOf(lo, hi), 0); },
    psrlwX(d: number, lo: number, hi: number): void { shiftW(d, countOf(lo, hi), 1); },
    psrawX(d: number, lo: number, hi: number): void { shiftW(d, countOf(lo, hi), 2); },
    pslldX(d: number, lo: number, hi: number): void { shiftD(d, countOf(lo, hi), 0); },
    psrldX(d: number, lo: number, hi: number): void { shiftD(d, countOf(lo, hi), 1); },
    psradX(d: number, lo: number, hi: number): void { shiftD(d, countOf(lo, hi), 2); },
    psllqX(d: number, lo: number, hi: number): void { shiftQ(d, countOf(lo, hi), true); shiftQ(d + 2, countOf(lo, hi), true); },
    psrlqX(d: number, lo: number, hi: number): void { shiftQ(d, countOf(lo, hi), false); shiftQ(d + 2, countOf(lo, hi), false); },

    /** pslldq (left = true) / psrldq by n bytes. */
    byteShift(d: number, n: number, left: boolean): void {
      const b = 4 * d;
      if (n > 16) n = 16;
      for (let k = 0; k < 16; k++) {
        const from = left ? k - n : k + n;
        TB[k] = from >= 0 && from < 16 ? XB[b + from] : 0;
      }
      copyTmp(d);
    },

    /**
     * maskmovdqu: store the bytes of xmm d selected by the sign bits of xmm s
     * at [RDI], byte by byte (a fault part-way leaves the earlier bytes written).
     */
    maskmovdqu(d: number, s: number): void {
      const mem = cpu.mem, R = cpu.regs;
      const lo = R[14], hi = R[15];
      for (let k = 0; k < 16; k++) {
        if (XB[4 * s + k] & 0x80) {
          const sum = (lo >>> 0) + k;
          mem.st8(sum | 0, (hi + (sum > 0xffffffff ? 1 : 0)) | 0, XB[4 * d + k]);
        }
      }
    },
  };

  function mulU32(d: number, x: number, y: number): void {
    const xl = x & 0xffff, xh = x >>> 16, yl = y & 0xffff, yh = y >>> 16;
    const ll = xl * yl, lh = xl * yh, hl = xh * yl, hh = xh * yh;
    const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
    X[d] = ((mid & 0xffff) << 16) | (ll & 0xffff);
    X[d + 1] = (hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
  }

  const countOf = (lo: number, hi: number): number => (hi !== 0 || lo >>> 0 > 255 ? 255 : lo >>> 0);

  /** kind 0 = left, 1 = logical right, 2 = arithmetic right; 16-bit lanes. */
  function shiftW(d: number, n: number, kind: number): void {
    const b = 2 * d;
    if (kind === 2) {
      if (n > 15) n = 15;
      for (let k = 0; k < 8; k++) XSW[b + k] = XSW[b + k] >> n;
    } else if (n > 15) {
      X[d] = 0; X[d + 1] = 0; X[d + 2] = 0; X[d + 3] = 0;
    } else {
      for (let k = 0; k < 8; k++) XW[b + k] = kind === 0 ? XW[b + k] << n : XW[b + k] >>> n;
    }
  }
  function shiftD(d: number, n: number, kind: number): void {
    if (kind === 2) {
      if (n > 31) n = 31;
      for (let k = 0; k < 4; k++) X[d + k] = X[d + k] >> n;
    } else if (n > 31) {
      X[d] = 0; X[d + 1] = 0; X[d + 2] = 0; X[d + 3] = 0;
    } else {
      for (let k = 0; k < 4; k++) X[d + k] = kind === 0 ? X[d + k] << n : X[d + k] >>> n;
    }
  }
  function shiftQ(d: number, n: number, left: boolean): void {
    const lo = X[d], hi = X[d + 1];
    if (n > 63) { X[d] = 0; X[d + 1] = 0; return; }
    if (n === 0) return;
    if (left) {
      if (n < 32) { X[d] = lo << n; X[d + 1] = (hi << n) | (lo >>> (32 - n)); }
      else { X[d] = 0; X[d + 1] = lo << (n - 32); }
    } else if (n < 32) { X[d] = (lo >>> n) | (hi << (32 - n)); X[d + 1] = hi >>> n; }
    else { X[d] = hi >>> (n - 32); X[d + 1] = 0; }
  }

  return helpers;
}
