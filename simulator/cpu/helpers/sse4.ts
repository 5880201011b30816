// SSE3, SSSE3, SSE4.1 and SSE4.2 runtime helpers (x86-64-v2), working in
// place on the XMM file like sseInt.ts: `d` is the destination's word index
// (4n), a source arrives as four int32 words. Float operations that round
// (the horizontal adds, addsub) are built from the exact scalar helpers of
// sseFloat.ts, one lane at a time, so MXCSR rounding, FZ/DAZ and exception
// flags behave exactly as for addsd/addss; the destination is written only
// once every lane succeeded.

import type { Cpu } from '../cpu';
import { SimdFloatingPointException } from './sseFloat';
import { xmmLaneViews } from './sseInt';

type Scalar64 = (d: number, lo: number, hi: number) => void;
type Scalar32 = (d: number, v: number) => void;

/** CRC-32C (Castagnoli, reflected 0x82F63B78) table, for crc32. */
const CRC32C = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function createSse4Helpers(cpu: Cpu, base: Record<string, unknown>) {
  const X = cpu.xmm;
  const { XB, XSB, XW, XSW } = xmmLaneViews(X);

  const srcBuf = new ArrayBuffer(16);
  const S = new Int32Array(srcBuf), SB = new Uint8Array(srcBuf), SSB = new Int8Array(srcBuf);
  const SW = new Uint16Array(srcBuf), SSW = new Int16Array(srcBuf);
  const tmpBuf = new ArrayBuffer(16);
  const T = new Int32Array(tmpBuf), TB = new Uint8Array(tmpBuf), TW = new Uint16Array(tmpBuf), TSW = new Int16Array(tmpBuf);
  const fpBuf = new ArrayBuffer(8);
  const FW = new Int32Array(fpBuf), FD = new Float64Array(fpBuf), FF = new Float32Array(fpBuf);

  const setSrc = (w0: number, w1: number, w2: number, w3: number): void => { S[0] = w0; S[1] = w1; S[2] = w2; S[3] = w3; };
  const copyTmp = (d: number): void => { X[d] = T[0]; X[d + 1] = T[1]; X[d + 2] = T[2]; X[d + 3] = T[3]; };
  const sat16 = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);

  // ---- SSE3 floating point ------------------------------------------------------

  // (called as methods of `base`: each is made on its first call and then takes its stub's place there, lazy.ts)
  const scalars = base as Record<string, Scalar64 & Scalar32>;
  const scalar64 = (name: string): Scalar64 => (d, lo, hi) => scalars[name](d, lo, hi);
  const scalar32 = (name: string): Scalar32 => (d, v) => scalars[name](d, v);
  const addsd = scalar64('addsd'), subsd = scalar64('subsd'), addss = scalar32('addss'), subss = scalar32('subss');
  const mulsd = scalar64('mulsd'), mulss = scalar32('mulss');
  const saved = new Int32Array(4);

  /** Compute lanes with a scalar op on the low lane of `d`, restoring it if one faults. */
  function lanes(d: number, n: number, lane: (k: number) => void): void {
    saved[0] = X[d]; saved[1] = X[d + 1]; saved[2] = X[d + 2]; saved[3] = X[d + 3];
    try {
      for (let k = 0; k < n; k++) lane(k);
    } catch (e) {
      X[d] = saved[0]; X[d + 1] = saved[1]; X[d + 2] = saved[2]; X[d + 3] = saved[3];
      throw e;
    }
    copyTmp(d);
  }
  /** One double lane: T[2k..] = op(x, y) with x, y given as word pairs. */
  function laneD(d: number, k: number, op: Scalar64, xl: number, xh: number, yl: number, yh: number): void {
    X[d] = xl; X[d + 1] = xh;
    op(d, yl, yh);
    T[2 * k] = X[d]; T[2 * k + 1] = X[d + 1];
  }
  function laneF(d: number, k: number, op: Scalar32, x: number, y: number): void {
    X[d] = x;
    op(d, y);
    T[k] = X[d];
  }

  const helpers = {
    haddpd(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      lanes(d, 2, (k) => (k === 0 ? laneD(d, 0, addsd, saved[0], saved[1], saved[2], saved[3]) : laneD(d, 1, addsd, S[0], S[1], S[2], S[3])));
    },
    hsubpd(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      lanes(d, 2, (k) => (k === 0 ? laneD(d, 0, subsd, saved[0], saved[1], saved[2], saved[3]) : laneD(d, 1, subsd, S[0], S[1], S[2], S[3])));
    },
    addsubpd(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      lanes(d, 2, (k) => (k === 0 ? laneD(d, 0, subsd, saved[0], saved[1], S[0], S[1]) : laneD(d, 1, addsd, saved[2], saved[3], S[2], S[3])));
    },
    haddps(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      lanes(d, 4, (k) => (k < 2 ? laneF(d, k, addss, saved[2 * k], saved[2 * k + 1]) : laneF(d, k, addss, S[2 * k - 4], S[2 * k - 3])));
    },
    hsubps(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      lanes(d, 4, (k) => (k < 2 ? laneF(d, k, subss, saved[2 * k], saved[2 * k + 1]) : laneF(d, k, subss, S[2 * k - 4], S[2 * k - 3])));
    },
    addsubps(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      lanes(d, 4, (k) => laneF(d, k, k & 1 ? addss : subss, saved[k], S[k]));
    },

    // ---- SSSE3 ------------------------------------------------------------------

    pshufb(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      const b = 4 * d;
      for (let k = 0; k < 16; k++) TB[k] = SB[k] & 0x80 ? 0 : XB[b + (SB[k] & 15)];
      copyTmp(d);
    },
    /** phadd/phsub w/d/sw: pairs of the destination, then pairs of the source. */
    phaddw(d: number, w0: number, w1: number, w2: number, w3: number): void { horizontal16(d, w0, w1, w2, w3, 0); },
    phsubw(d: number, w0: number, w1: number, w2: number, w3: number): void { horizontal16(d, w0, w1, w2, w3, 1); },
    phaddsw(d: number, w0: number, w1: number, w2: number, w3: number): void { horizontal16(d, w0, w1, w2, w3, 2); },
    phsubsw(d: number, w0: number, w1: number, w2: number, w3: number): void { horizontal16(d, w0, w1, w2, w3, 3); },
    phaddd(d: number, w0: number, w1: number, w2: number, w3: number): void {
      T[0] = (X[d] + X[d + 1]) | 0; T[1] = (X[d + 2] + X[d + 3]) | 0; T[2] = (w0 + w1) | 0; T[3] = (w2 + w3) | 0;
      copyTmp(d);
    },
    phsubd(d: number, w0: number, w1: number, w2: number, w3: number): void {
      T[0] = (X[d] - X[d + 1]) | 0; T[1] = (X[d + 2] - X[d + 3]) | 0; T[2] = (w0 - w1) | 0; T[3] = (w2 - w3) | 0;
      copyTmp(d);
    },
    /** Unsigned destination bytes times signed source bytes, adjacent pairs summed with saturation. */
    pmaddubsw(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      const b = 4 * d;
      for (let k = 0; k < 8; k++) TSW[k] = sat16(XB[b + 2 * k] * SSB[2 * k] + XB[b + 2 * k + 1] * SSB[2 * k + 1]);
      copyTmp(d);
    },
    pmulhrsw(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      const b = 2 * d;
      for (let k = 0; k < 8; k++) XSW[b + k] = ((XSW[b + k] * SSW[k]) >> 14) + 1 >> 1;
    },
    psignb(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      const b = 4 * d;
      for (let k = 0; k < 16; k++) XSB[b + k] = SSB[k] < 0 ? -XSB[b + k] : SSB[k] === 0 ? 0 : XSB[b + k];
    },
    psignw(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      const b = 2 * d;
      for (let k = 0; k < 8; k++) XSW[b + k] = SSW[k] < 0 ? -XSW[b + k] : SSW[k] === 0 ? 0 : XSW[b + k];
    },
    psignd(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      for (let k = 0; k < 4; k++) X[d + k] = S[k] < 0 ? -X[d + k] | 0 : S[k] === 0 ? 0 : X[d + k];
    },
    pabsb(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      for (let k = 0; k < 16; k++) XB[4 * d + k] = Math.abs(SSB[k]);
    },
    pabsw(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      for (let k = 0; k < 8; k++) XW[2 * d + k] = Math.abs(SSW[k]);
    },
    pabsd(d: number, w0: number, w1: number, w2: number, w3: number): void {
      X[d] = Math.abs(w0) | 0; X[d + 1] = Math.abs(w1) | 0; X[d + 2] = Math.abs(w2) | 0; X[d + 3] = Math.abs(w3) | 0;
    },
    /** palignr: the 32-byte destination:source shifted right by imm bytes, low 16 kept. */
    palignr(d: number, imm: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      const b = 4 * d;
      for (let k = 0; k < 16; k++) {
        const i = k + imm;
        TB[k] = i < 16 ? SB[i] : i < 32 ? XB[b + i - 16] : 0;
      }
      copyTmp(d);
    },

    // ---- SSE4.1 -----------------------------------------------------------------

    pminsb(d: number, w0: number, w1: number, w2: number, w3: number): void { bytesSigned(d, w0, w1, w2, w3, false); },
    pmaxsb(d: number, w0: number, w1: number, w2: number, w3: number): void { bytesSigned(d, w0, w1, w2, w3, true); },
    pminuw(d: number, w0: number, w1: number, w2: number, w3: number): void { wordsUnsigned(d, w0, w1, w2, w3, false); },
    pmaxuw(d: number, w0: number, w1: number, w2: number, w3: number): void { wordsUnsigned(d, w0, w1, w2, w3, true); },
    pminsd(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      for (let k = 0; k < 4; k++) if (S[k] < X[d + k]) X[d + k] = S[k];
    },
    pmaxsd(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      for (let k = 0; k < 4; k++) if (S[k] > X[d + k]) X[d + k] = S[k];
    },
    pminud(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      for (let k = 0; k < 4; k++) if (S[k] >>> 0 < X[d + k] >>> 0) X[d + k] = S[k];
    },
    pmaxud(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      for (let k = 0; k < 4; k++) if (S[k] >>> 0 > X[d + k] >>> 0) X[d + k] = S[k];
    },
    pmulld(d: number, w0: number, w1: number, w2: number, w3: number): void {
      X[d] = Math.imul(X[d], w0); X[d + 1] = Math.imul(X[d + 1], w1); X[d + 2] = Math.imul(X[d + 2], w2); X[d + 3] = Math.imul(X[d + 3], w3);
    },
    /** pmuldq: signed 32×32 → 64 of dwords 0 and 2. */
    pmuldq(d: number, w0: number, _w1: number, w2: number): void {
      mulS32(d, X[d], w0);
      mulS32(d + 2, X[d + 2], w2);
    },
    pcmpeqq(d: number, w0: number, w1: number, w2: number, w3: number): void {
      const lo = X[d] === w0 && X[d + 1] === w1 ? -1 : 0, hi = X[d + 2] === w2 && X[d + 3] === w3 ? -1 : 0;
      X[d] = lo; X[d + 1] = lo; X[d + 2] = hi; X[d + 3] = hi;
    },
    pcmpgtq(d: number, w0: number, w1: number, w2: number, w3: number): void {
      const gt = (xl: number, xh: number, yl: number, yh: number): number => (xh > yh || (xh === yh && xl >>> 0 > yl >>> 0) ? -1 : 0);
      const lo = gt(X[d], X[d + 1], w0, w1), hi = gt(X[d + 2], X[d + 3], w2, w3);
      X[d] = lo; X[d + 1] = lo; X[d + 2] = hi; X[d + 3] = hi;
    },
    packusdw(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      const u16 = (v: number): number => (v < 0 ? 0 : v > 65535 ? 65535 : v);
      for (let k = 0; k < 4; k++) { TW[k] = u16(X[d + k]); TW[k + 4] = u16(S[k]); }
      copyTmp(d);
    },
    /** pmovsx/pmovzx: widen the low source lanes (from bytes 1/2/4 to 2/4/8, signed or not). */
    pmovx(d: number, from: number, to: number, signed: boolean, w0: number, w1: number): void {
      S[0] = w0; S[1] = w1;
      const n = 16 / to;
      for (let k = 0; k < n; k++) {
        const v = from === 1 ? (signed ? SSB[k] : SB[k]) : from === 2 ? (signed ? SSW[k] : SW[k]) : signed ? S[k] : S[k] >>> 0;
        if (to === 2) TW[k] = v;
        else if (to === 4) T[k] = v;
        else { T[2 * k] = v; T[2 * k + 1] = v < 0 ? -1 : 0; }
      }
      copyTmp(d);
    },
    pblendw(d: number, imm: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      for (let k = 0; k < 8; k++) if ((imm >> k) & 1) XW[2 * d + k] = SW[k];
    },
    /** pblendvb / blendvps / blendvpd: lanes of `size` bytes whose XMM0 sign bit is set come from the source. */
    blendv(d: number, size: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      for (let k = 0; k < 16; k += size) {
        if (XB[k + size - 1] & 0x80) for (let i = k; i < k + size; i++) XB[4 * d + i] = SB[i];
      }
    },
    /** insertps: source dword (already selected) into dword imm[5:4], then zero the dwords in imm[3:0]. */
    insertps(d: number, imm: number, v: number): void {
      X[d + ((imm >> 4) & 3)] = v;
      for (let k = 0; k < 4; k++) if ((imm >> k) & 1) X[d + k] = 0;
    },
    /**
     * dpps: the products of the lanes selected by imm[7:4] (+0.0 for the
     * others), summed pairwise ((p0+p1)+(p2+p3)), each step rounded like
     * mulss/addss under MXCSR; the sum goes to the lanes imm[3:0] selects,
     * +0.0 elsewhere. An unmasked exception leaves the destination as it was.
     */
    dpps(d: number, imm: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      saved[0] = X[d]; saved[1] = X[d + 1]; saved[2] = X[d + 2]; saved[3] = X[d + 3];
      try {
        for (let k = 0; k < 4; k++) {
          if ((imm >> (4 + k)) & 1) { X[d] = saved[k]; mulss(d, S[k]); T[k] = X[d]; } else T[k] = 0;
        }
        X[d] = T[0]; addss(d, T[1]); const low = X[d];
        X[d] = T[2]; addss(d, T[3]);
        const high = X[d];
        X[d] = low; addss(d, high);
      } catch (e) {
        X[d] = saved[0];
        throw e;
      }
      const sum = X[d];
      for (let k = 0; k < 4; k++) X[d + k] = (imm >> k) & 1 ? sum : 0;
    },
    /** dppd: as dpps for the two double lanes (products imm[5:4], result lanes imm[1:0]). */
    dppd(d: number, imm: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      saved[0] = X[d]; saved[1] = X[d + 1]; saved[2] = X[d + 2]; saved[3] = X[d + 3];
      try {
        for (let k = 0; k < 2; k++) {
          if ((imm >> (4 + k)) & 1) {
            X[d] = saved[2 * k]; X[d + 1] = saved[2 * k + 1];
            mulsd(d, S[2 * k], S[2 * k + 1]);
            T[2 * k] = X[d]; T[2 * k + 1] = X[d + 1];
          } else { T[2 * k] = 0; T[2 * k + 1] = 0; }
        }
        X[d] = T[0]; X[d + 1] = T[1];
        addsd(d, T[2], T[3]);
      } catch (e) {
        X[d] = saved[0]; X[d + 1] = saved[1];
        throw e;
      }
      const lo = X[d], hi = X[d + 1];
      for (let k = 0; k < 2; k++) {
        const on = (imm >> k) & 1;
        X[d + 2 * k] = on ? lo : 0; X[d + 2 * k + 1] = on ? hi : 0;
      }
    },
    /**
     * mpsadbw: eight sums of absolute differences of four bytes — the
     * destination bytes from offset imm[2]·4 + i against the source dword
     * imm[1:0] — as unsigned words.
     */
    mpsadbw(d: number, imm: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      const a = 4 * d + ((imm >> 2) & 1) * 4, b = (imm & 3) * 4;
      for (let i = 0; i < 8; i++) {
        let sum = 0;
        for (let k = 0; k < 4; k++) sum += Math.abs(XB[a + i + k] - SB[b + k]);
        TW[i] = sum;
      }
      copyTmp(d);
    },
    phminposuw(d: number, w0: number, w1: number, w2: number, w3: number): void {
      setSrc(w0, w1, w2, w3);
      let min = SW[0], at = 0;
      for (let k = 1; k < 8; k++) if (SW[k] < min) { min = SW[k]; at = k; }
      X[d] = min | (at << 16); X[d + 1] = 0; X[d + 2] = 0; X[d + 3] = 0;
    },
    roundsd(d: number, lo: number, hi: number, imm: number): void {
      roundLaneD(0, lo, hi, imm);
      commitFlags();
      X[d] = T[0]; X[d + 1] = T[1];
    },
    roundss(d: number, v: number, imm: number): void {
      roundLaneF(0, v, imm);
      commitFlags();
      X[d] = T[0];
    },
    roundpd(d: number, w0: number, w1: number, w2: number, w3: number, imm: number): void {
      roundLaneD(0, w0, w1, imm);
      roundLaneD(1, w2, w3, imm);
      commitFlags();
      copyTmp(d);
    },
    roundps(d: number, w0: number, w1: number, w2: number, w3: number, imm: number): void {
      setSrc(w0, w1, w2, w3);
      for (let k = 0; k < 4; k++) roundLaneF(k, S[k], imm);
      commitFlags();
      copyTmp(d);
    },

    // ---- SSE4.2 -----------------------------------------------------------------

    /** crc32 of `size` bytes of (lo, hi) into the CRC in `crc`; returns the new CRC. */
    crc32(crc: number, size: number, lo: number, hi: number): number {
      let c = crc;
      for (let k = 0; k < size; k++) {
        const byte = (k < 4 ? lo >>> (8 * k) : hi >>> (8 * (k - 4))) & 255;
        c = CRC32C[(c ^ byte) & 255] ^ (c >>> 8);
      }
      return c;
    },
    pcmpstr,
    /** pcmp?strm with imm[6]: each result bit becomes a byte (n = 16) or word (n = 8) mask in XMM0. */
    pcmpMask(res: number, n: number): void {
      for (let k = 0; k < n; k++) {
        const v = (res >> k) & 1 ? 0xffff : 0;
        if (n === 8) XW[k] = v; else XB[k] = v;
      }
    },
  };

  function horizontal16(d: number, w0: number, w1: number, w2: number, w3: number, kind: number): void {
    setSrc(w0, w1, w2, w3);
    const b = 2 * d;
    for (let k = 0; k < 8; k++) {
      const x = k < 4 ? XSW[b + 2 * k] : SSW[2 * k - 8], y = k < 4 ? XSW[b + 2 * k + 1] : SSW[2 * k - 7];
      const v = kind & 1 ? x - y : x + y;
      TSW[k] = kind & 2 ? sat16(v) : v;
    }
    copyTmp(d);
  }
  function bytesSigned(d: number, w0: number, w1: number, w2: number, w3: number, max: boolean): void {
    setSrc(w0, w1, w2, w3);
    const b = 4 * d;
    for (let k = 0; k < 16; k++) if (max ? SSB[k] > XSB[b + k] : SSB[k] < XSB[b + k]) XSB[b + k] = SSB[k];
  }
  function wordsUnsigned(d: number, w0: number, w1: number, w2: number, w3: number, max: boolean): void {
    setSrc(w0, w1, w2, w3);
    const b = 2 * d;
    for (let k = 0; k < 8; k++) if (max ? SW[k] > XW[b + k] : SW[k] < XW[b + k]) XW[b + k] = SW[k];
  }
  /** Signed 32×32 → 64: the unsigned product of the magnitudes (16-bit pieces stay exact), negated if needed. */
  function mulS32(d: number, x: number, y: number): void {
    const ax = Math.abs(x), ay = Math.abs(y);
    const xl = ax & 0xffff, xh = Math.floor(ax / 65536), yl = ay & 0xffff, yh = Math.floor(ay / 65536);
    const ll = xl * yl, lh = xl * yh, hl = xh * yl, hh = xh * yh;
    const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
    let lo = ((mid & 0xffff) << 16) | (ll & 0xffff);
    let hi = (hh + Math.floor(lh / 65536) + Math.floor(hl / 65536) + Math.floor(mid / 65536)) | 0;
    if ((x < 0) !== (y < 0)) {
      lo = (~lo + 1) | 0;
      hi = (~hi + (lo === 0 ? 1 : 0)) | 0;
    }
    X[d] = lo; X[d + 1] = hi;
  }

  // ---- rounding (roundsd/ss/pd/ps) ------------------------------------------------

  /** Flags collected over the lanes of one instruction (written only if none is unmasked). */
  let pendingFlags = 0;
  const isSnan64 = (lo: number, hi: number): boolean => (hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) !== 0 || lo !== 0) && (hi & 0x80000) === 0;
  const isSnan32 = (v: number): boolean => (v & 0x7f800000) === 0x7f800000 && (v & 0x7fffff) !== 0 && (v & 0x400000) === 0;

  /**
   * Round to an integral value: imm[1:0] the mode (nearest-even, down, up,
   * truncate) unless imm[2] selects MXCSR.RC; imm[3] suppresses the
   * precision exception; DAZ makes a denormal input a zero of its sign.
   * Flags go to pendingFlags. (Float32 inputs are exact as doubles and so
   * are their integral values.)
   */
  function roundValue(x: number, imm: number, single: boolean): number {
    const m = cpu.mxcsr;
    if (m & 0x40 && x !== 0 && Math.abs(x) < (single ? 1.1754943508222875e-38 : 2.2250738585072014e-308)) return x < 0 ? -0 : 0;
    const mode = imm & 4 ? (m >> 13) & 3 : imm & 3;
    let r: number;
    if (mode === 1) r = Math.floor(x);
    else if (mode === 2) r = Math.ceil(x);
    else if (mode === 3) r = Math.trunc(x);
    else if (Math.abs(x) >= 4503599627370496) r = x;
    else r = x >= 0 ? (x + 4503599627370496) - 4503599627370496 : (x - 4503599627370496) + 4503599627370496;
    if (r === 0) r = x < 0 || Object.is(x, -0) ? -0 : 0;
    if (r !== x && !(imm & 8)) pendingFlags |= 0x20;
    return r;
  }
  /** Lane k (double) of a rounding into T; a NaN keeps its payload, quieted (an SNaN raises IE). */
  function roundLaneD(k: number, lo: number, hi: number, imm: number): void {
    if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) !== 0 || lo !== 0)) {
      if (isSnan64(lo, hi)) pendingFlags |= 1;
      T[2 * k] = lo; T[2 * k + 1] = hi | 0x80000;
      return;
    }
    FW[0] = lo; FW[1] = hi;
    FD[0] = roundValue(FD[0], imm, false);
    T[2 * k] = FW[0]; T[2 * k + 1] = FW[1];
  }
  function roundLaneF(k: number, v: number, imm: number): void {
    if ((v & 0x7f800000) === 0x7f800000 && (v & 0x7fffff) !== 0) {
      if (isSnan32(v)) pendingFlags |= 1;
      T[k] = v | 0x400000;
      return;
    }
    FW[0] = v;
    FF[0] = roundValue(FF[0], imm, true);
    T[k] = FW[0];
  }
  /** Record the flags of one rounding instruction; an unmasked one faults before any write. */
  function commitFlags(): void {
    const f = pendingFlags;
    pendingFlags = 0;
    if (f === 0) return;
    const m = cpu.mxcsr;
    cpu.mxcsr = m | f;
    if (f & ~(m >>> 7) & 0x3f) throw new SimdFloatingPointException(f & ~(m >>> 7) & 0x3f);
  }

  // ---- pcmpestri / pcmpestrm / pcmpistri / pcmpistrm ------------------------------------

  /** The compared elements of both operands, read once per instruction by their lane type. */
  const elemsA = new Int32Array(16), elemsB = new Int32Array(16);

  /**
   * The SSE4.2 string compare. `d` is xmm1's word index (the "a" operand),
   * the source words are xmm2/m128 ("b"); la/lb are the explicit lengths
   * (ignored when `implicit`). Returns IntRes2 | ZF<<16 | SF<<17 — the
   * caller derives ECX or XMM0 and the flags from it.
   */
  function pcmpstr(d: number, imm: number, implicit: boolean, la: number, lb: number, w0: number, w1: number, w2: number, w3: number): number {
    setSrc(w0, w1, w2, w3);
    const words = (imm & 1) !== 0, signed = (imm & 2) !== 0;
    const n = words ? 8 : 16;
    for (let i = 0; i < n; i++) {
      elemsA[i] = words ? (signed ? XSW[2 * d + i] : XW[2 * d + i]) : signed ? XSB[4 * d + i] : XB[4 * d + i];
      elemsB[i] = words ? (signed ? SSW[i] : SW[i]) : signed ? SSB[i] : SB[i];
    }
    if (implicit) {
      la = n; lb = n;
      for (let i = 0; i < n; i++) if (elemsA[i] === 0) { la = i; break; }
      for (let i = 0; i < n; i++) if (elemsB[i] === 0) { lb = i; break; }
    } else {
      la = Math.min(Math.abs(la), n);
      lb = Math.min(Math.abs(lb), n);
    }
    // IntRes1: each aggregation's OR/AND over BoolRes[j][i] (b element j against a element i), with the
    // validity overrides folded in, so only the pairs that can change the result are compared.
    const agg = (imm >> 2) & 3;
    let res = 0;
    for (let j = 0; j < n; j++) {
      const b = elemsB[j];
      let bit = 0;
      if (agg === 0) { // equal any: an invalid pair is false
        if (j < lb) for (let i = 0; i < la; i++) if (elemsA[i] === b) { bit = 1; break; }
      } else if (agg === 1) { // ranges: a's even element is the lower bound, the odd one the upper; both must be valid
        if (j < lb) for (let i = 0; i + 1 < la; i += 2) if (b >= elemsA[i] && b <= elemsA[i + 1]) { bit = 1; break; }
      } else if (agg === 2) { // equal each: both invalid is true, one invalid false
        bit = j < la && j < lb ? (elemsA[j] === b ? 1 : 0) : j >= la && j >= lb ? 1 : 0;
      } else { // equal ordered: an invalid a element matches anything, an invalid b element nothing
        bit = 1;
        for (let k = 0; k < la && k < n - j; k++) if (j + k >= lb || elemsA[k] !== elemsB[j + k]) { bit = 0; break; }
      }
      res |= bit << j;
    }
    const pol = (imm >> 4) & 3;
    if (pol === 1) res = ~res;
    else if (pol === 3) res ^= (1 << lb) - 1;
    res &= (1 << n) - 1;
    return res | (lb < n ? 1 << 16 : 0) | (la < n ? 1 << 17 : 0);
  }

  return helpers;
}
