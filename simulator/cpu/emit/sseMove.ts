// SSE/SSE2 data movement: 128-bit moves (aligned and unaligned, including
// the non-temporal ones), movq/movd between xmm, GPRs and memory, the scalar
// movss/movsd, the half-register moves (movlps/movhps/movlpd/movhpd,
// movhlps/movlhps), sign-mask extraction (movmskps/movmskpd/pmovmskb),
// pextrw/pinsrw, movnti and maskmovdqu.

import { Mnemonic } from 'iced-x86';
import { Emitter } from './context';
import { EmitTable } from './table';
import { OpKind, UnsupportedOperand } from '../decode';
import { imm8, load128, mem, setWords, SRC, store128, words, xr } from './sseCommon';

/** movdqa/movdqu/movaps/movups/movapd/movupd/movnt*: 128-bit copy. */
function mov128(aligned: boolean) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    if (dst.kind === OpKind.Xmm) {
      const d = 4 * dst.reg;
      if (src.kind === OpKind.Xmm) {
        if (src.reg !== dst.reg) setWords(e, d, words(4 * src.reg));
        return;
      }
      load128(e, src, aligned);
      setWords(e, d, SRC);
      return;
    }
    store128(e, dst, words(xr(src)), aligned);
  };
}

function movq(e: Emitter): void {
  const [dst, src] = e.insn.ops;
  if (dst.kind === OpKind.Xmm) {
    const d = 4 * dst.reg;
    switch (src.kind) {
      case OpKind.Reg: e.emit(`X[${d}]=R[${2 * src.reg}];X[${d + 1}]=R[${2 * src.reg + 1}];`); break;
      case OpKind.Xmm: e.emit(`X[${d}]=X[${4 * src.reg}];X[${d + 1}]=X[${4 * src.reg + 1}];`); break;
      default: e.ea(mem(src)); e.emit(`a=ld64(ml,mh);X[${d}]=a;X[${d + 1}]=S[0];`);
    }
    e.emit(`X[${d + 2}]=0;X[${d + 3}]=0;`);
    return;
  }
  const s = xr(src);
  e.store(dst, `X[${s}]`, `X[${s + 1}]`, 8);
}

function movd(e: Emitter): void {
  const [dst, src] = e.insn.ops;
  if (dst.kind === OpKind.Xmm) {
    const d = 4 * dst.reg;
    if (src.kind === OpKind.Xmm) throw new UnsupportedOperand('movd xmm, xmm');
    e.emit(`X[${d}]=${e.readLo(src, 4)};X[${d + 1}]=0;X[${d + 2}]=0;X[${d + 3}]=0;`);
    return;
  }
  e.store(dst, `X[${xr(src)}]`, '0', 4);
}

/** movss/movsd (`n` words): memory → xmm zeroes the rest, xmm → xmm merges. */
function movScalar(n: 1 | 2) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    if (dst.kind === OpKind.Xmm) {
      const d = 4 * dst.reg;
      if (src.kind === OpKind.Xmm) {
        const s = 4 * src.reg;
        e.emit(n === 1 ? `X[${d}]=X[${s}];` : `X[${d}]=X[${s}];X[${d + 1}]=X[${s + 1}];`);
        return;
      }
      e.ea(mem(src));
      if (n === 1) e.emit(`X[${d}]=ld32(ml,mh);X[${d + 1}]=0;`);
      else e.emit(`a=ld64(ml,mh);X[${d}]=a;X[${d + 1}]=S[0];`);
      e.emit(`X[${d + 2}]=0;X[${d + 3}]=0;`);
      return;
    }
    const s = xr(src);
    if (n === 1) e.store(dst, `X[${s}]`, '0', 4);
    else e.store(dst, `X[${s}]`, `X[${s + 1}]`, 8);
  };
}

/** movlps/movlpd (half 0) and movhps/movhpd (half 1): one qword of xmm ↔ m64. */
function movHalf(half: 0 | 1) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    if (dst.kind === OpKind.Xmm) {
      const d = 4 * dst.reg + 2 * half;
      e.ea(mem(src));
      e.emit(`a=ld64(ml,mh);X[${d}]=a;X[${d + 1}]=S[0];`);
      return;
    }
    const s = xr(src) + 2 * half;
    e.store(dst, `X[${s}]`, `X[${s + 1}]`, 8);
  };
}

/** movhlps (dst low ← src high) / movlhps (dst high ← src low). */
function movRegHalves(fromHalf: 0 | 1, toHalf: 0 | 1) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    const d = xr(dst) + 2 * toHalf, s = xr(src) + 2 * fromHalf;
    e.emit(`a=X[${s}];ah=X[${s + 1}];X[${d}]=a;X[${d + 1}]=ah;`);
  };
}

function maskTo(e: Emitter, expr: string): void {
  const dst = e.insn.ops[0];
  e.store(dst, expr, '0', dst.size === 8 ? 8 : 4);
}

function movmskps(e: Emitter): void {
  const s = xr(e.insn.ops[1]);
  maskTo(e, `((X[${s}]>>>31)|((X[${s + 1}]>>>31)<<1)|((X[${s + 2}]>>>31)<<2)|((X[${s + 3}]>>>31)<<3))`);
}

function movmskpd(e: Emitter): void {
  const s = xr(e.insn.ops[1]);
  maskTo(e, `((X[${s + 1}]>>>31)|((X[${s + 3}]>>>31)<<1))`);
}

function pmovmskb(e: Emitter): void {
  const s = xr(e.insn.ops[1]);
  const parts: string[] = [];
  for (let i = 0; i < 4; i++) {
    const v = `X[${s + i}]`;
    // sign bits of the word's bytes (bits 7, 15, 23, 31) → bits 4i..4i+3
    parts.push(`((((${v}>>>7)&1)|((${v}>>>14)&2)|((${v}>>>21)&4)|((${v}>>>28)&8))<<${4 * i})`);
  }
  maskTo(e, `(${parts.join('|')})`);
}

function pextrw(e: Emitter): void {
  const [dst, src, im] = e.insn.ops;
  const i = imm8(im) & 7, s = xr(src);
  if (dst.kind !== OpKind.Reg) throw new UnsupportedOperand('pextrw to memory is SSE4.1');
  maskTo(e, `((X[${s + (i >> 1)}]>>>${16 * (i & 1)})&65535)`);
}

function pinsrw(e: Emitter): void {
  const [dst, src, im] = e.insn.ops;
  const i = imm8(im) & 7, w = xr(dst) + (i >> 1);
  e.emit(`a=${e.readLo(src, 2)};`);
  e.emit(i & 1 ? `X[${w}]=(X[${w}]&65535)|(a<<16);` : `X[${w}]=(X[${w}]&-65536)|(a&65535);`);
}

function movnti(e: Emitter): void {
  const [dst, src] = e.insn.ops;
  e.load(src, 'a', 'ah', src.size);
  e.store(dst, 'a', 'ah', src.size);
}

function maskmovdqu(e: Emitter): void {
  const [dst, src] = e.insn.ops;
  e.emit(`H.maskmovdqu(${xr(dst)},${xr(src)});`);
  e.stores = true;
}

export const sseMoveEmitters: EmitTable = {
  [Mnemonic.Movdqa]: mov128(true),
  [Mnemonic.Movaps]: mov128(true),
  [Mnemonic.Movapd]: mov128(true),
  [Mnemonic.Movntdq]: mov128(true),
  [Mnemonic.Movntps]: mov128(true),
  [Mnemonic.Movntpd]: mov128(true),
  [Mnemonic.Movdqu]: mov128(false),
  [Mnemonic.Movups]: mov128(false),
  [Mnemonic.Movupd]: mov128(false),
  [Mnemonic.Movq]: movq,
  [Mnemonic.Movd]: movd,
  [Mnemonic.Movss]: movScalar(1),
  [Mnemonic.Movsd]: movScalar(2),
  [Mnemonic.Movlps]: movHalf(0),
  [Mnemonic.Movlpd]: movHalf(0),
  [Mnemonic.Movhps]: movHalf(1),
  [Mnemonic.Movhpd]: movHalf(1),
  [Mnemonic.Movhlps]: movRegHalves(1, 0),
  [Mnemonic.Movlhps]: movRegHalves(0, 1),
  [Mnemonic.Movmskps]: movmskps,
  [Mnemonic.Movmskpd]: movmskpd,
  [Mnemonic.Pmovmskb]: pmovmskb,
  [Mnemonic.Pextrw]: pextrw,
  [Mnemonic.Pinsrw]: pinsrw,
  [Mnemonic.Movnti]: movnti,
  [Mnemonic.Maskmovdqu]: maskmovdqu,
};
