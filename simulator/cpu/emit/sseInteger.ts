// SSE2 packed integers: logic (also the ps/pd forms: the bits are the same),
// add/sub, compares, unpacks, shuffles and shifts inline where they are word
// operations; byte/word lane arithmetic, saturation, multiplies and packs go
// through helpers/sseInt.ts.

import { Mnemonic } from 'iced-x86';
import { Emitter } from './context';
import { EmitTable } from './table';
import { OpKind } from '../decode';
import { imm8, load128, src128, SRC, xr } from './sseCommon';

/** Emit `X[d+i] = f(X[d+i], source word i)` for the four words. */
function wordwise(e: Emitter, f: (x: string, y: string, i: number) => string): void {
  const [dst, src] = e.insn.ops;
  const d = xr(dst);
  load128(e, src);
  let code = '';
  for (let i = 0; i < 4; i++) code += `X[${d + i}]=${f(`X[${d + i}]`, SRC[i], i)};`;
  e.emit(code);
}

type LogicOp = 'and' | 'or' | 'xor' | 'andn';

function logic(op: LogicOp) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    if (dst.kind === OpKind.Xmm && src.kind === OpKind.Xmm && src.reg === dst.reg) {
      // the zeroing idioms need no read; and/or with itself changes nothing
      const d = 4 * dst.reg;
      if (op === 'xor' || op === 'andn') e.emit(`X[${d}]=0;X[${d + 1}]=0;X[${d + 2}]=0;X[${d + 3}]=0;`);
      return;
    }
    switch (op) {
      case 'and': wordwise(e, (x, y) => `${x}&${y}`); break;
      case 'or': wordwise(e, (x, y) => `${x}|${y}`); break;
      case 'xor': wordwise(e, (x, y) => `${x}^${y}`); break;
      default: wordwise(e, (x, y) => `~${x}&${y}`);
    }
  };
}

// SWAR add/sub on byte and word lanes within a 32-bit word.
const H8 = '0x80808080', L8 = '0x7f7f7f7f', H16 = '0x80008000', L16 = '0x7fff7fff';
const swarAdd = (hi: string, lo: string) => (e: Emitter): void =>
  wordwise(e, (x, y) => `(u=${x},((u&${lo})+(${y}&${lo}))^((u^${y})&${hi}))`);
const swarSub = (hi: string, lo: string) => (e: Emitter): void =>
  wordwise(e, (x, y) => `(u=${x},((u|${hi})-(${y}&${lo}))^((u^~${y})&${hi}))`);

function addSubQ(add: boolean) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    const d = xr(dst);
    load128(e, src);
    for (let q = 0; q < 2; q++) {
      const lo = SRC[2 * q], hi = SRC[2 * q + 1], w = d + 2 * q;
      e.emit(add
        ? `t=(X[${w}]>>>0)+(${lo}>>>0);X[${w + 1}]=(X[${w + 1}]+${hi}+(t>4294967295?1:0))|0;X[${w}]=t|0;`
        : `t=(X[${w}]>>>0)-(${lo}>>>0);X[${w + 1}]=(X[${w + 1}]-${hi}-(t<0?1:0))|0;X[${w}]=t|0;`);
    }
  };
}

/** pcmpeqb: a zero byte of x^y becomes 0xff (SWAR: bit 7 marks zero bytes, then ×255). */
function pcmpeqb(e: Emitter): void {
  wordwise(e, (x, y) => `(u=${x}^${y},u=~(((u&${L8})+${L8})|u|${L8}),(u>>>7)*255)`);
}

function pcmpeqw(e: Emitter): void {
  wordwise(e, (x, y) => `(u=${x}^${y},((u&65535)===0?65535:0)|((u>>>16)===0?-65536:0))`);
}

/** Packed op done by a helper: H.name(d, source words…). */
function helper(name: string) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    const d = xr(dst);
    e.emit(`H.${name}(${d},${src128(e, src)});`);
  };
}

// ---- unpacks and shuffles ---------------------------------------------------

function unpack(kind: 'ldq' | 'hdq' | 'lqdq' | 'hqdq') {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    const d = xr(dst);
    load128(e, src);
    switch (kind) {
      case 'ldq': e.emit(`X[${d + 3}]=ah;X[${d + 2}]=X[${d + 1}];X[${d + 1}]=a;`); break;
      case 'hdq': e.emit(`X[${d}]=X[${d + 2}];X[${d + 1}]=b;X[${d + 2}]=X[${d + 3}];X[${d + 3}]=bh;`); break;
      case 'lqdq': e.emit(`X[${d + 2}]=a;X[${d + 3}]=ah;`); break;
      default: e.emit(`X[${d}]=X[${d + 2}];X[${d + 1}]=X[${d + 3}];X[${d + 2}]=b;X[${d + 3}]=bh;`);
    }
  };
}

/**
 * punpck{l,h}{bw,wd}: interleave the bytes (words) of one half of the
 * destination (snapshot in r rh) with the same half of the source.
 */
function interleave(lane: 8 | 16, half: 0 | 1) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    const d = xr(dst);
    load128(e, src);
    const [s0, s1] = half ? ['b', 'bh'] : ['a', 'ah'];
    e.emit(`r=X[${d + 2 * half}];rh=X[${d + 2 * half + 1}];`);
    const lo = (x: string, y: string): string => lane === 8
      ? `(${x}&255)|((${y}&255)<<8)|((${x}&65280)<<8)|((${y}&65280)<<16)`
      : `(${x}&65535)|(${y}<<16)`;
    const hi = (x: string, y: string): string => lane === 8
      ? `((${x}>>>16)&255)|((${y}>>>8)&65280)|((${x}>>>8)&16711680)|(${y}&-16777216)`
      : `(${x}>>>16)|(${y}&-65536)`;
    e.emit(`X[${d}]=${lo('r', s0)};X[${d + 1}]=${hi('r', s0)};X[${d + 2}]=${lo('rh', s1)};X[${d + 3}]=${hi('rh', s1)};`);
  };
}

function pshufd(e: Emitter): void {
  const [dst, src, im] = e.insn.ops;
  const d = xr(dst), order = imm8(im);
  load128(e, src);
  let code = '';
  for (let i = 0; i < 4; i++) code += `X[${d + i}]=${SRC[(order >> (2 * i)) & 3]};`;
  e.emit(code);
}

function pshufw(high: boolean) {
  return (e: Emitter): void => {
    const [dst, src, im] = e.insn.ops;
    e.emit(`H.pshufw(${xr(dst)},${imm8(im)},${high},${src128(e, src)});`);
  };
}

function shufps(e: Emitter): void {
  const [dst, src, im] = e.insn.ops;
  const d = xr(dst), order = imm8(im);
  load128(e, src);
  const old = ['r', 'rh', 't', 'u'];
  e.emit(`r=X[${d}];rh=X[${d + 1}];t=X[${d + 2}];u=X[${d + 3}];` +
    `X[${d}]=${old[order & 3]};X[${d + 1}]=${old[(order >> 2) & 3]};` +
    `X[${d + 2}]=${SRC[(order >> 4) & 3]};X[${d + 3}]=${SRC[(order >> 6) & 3]};`);
}

function shufpd(e: Emitter): void {
  const [dst, src, im] = e.insn.ops;
  const d = xr(dst), order = imm8(im);
  load128(e, src);
  const lo = d + 2 * (order & 1), hi = 2 * ((order >> 1) & 1);
  e.emit(`r=X[${lo}];rh=X[${lo + 1}];X[${d + 2}]=${SRC[hi]};X[${d + 3}]=${SRC[hi + 1]};X[${d}]=r;X[${d + 1}]=rh;`);
}

// ---- shifts -------------------------------------------------------------------

type ShiftOp = 'sll' | 'srl' | 'sra';

/** Inline code for a shift of every lane of register word index d by the constant n. */
function shiftByConstant(d: number, lane: 16 | 32 | 64, op: ShiftOp, n: number): string {
  const zero = `X[${d}]=0;X[${d + 1}]=0;X[${d + 2}]=0;X[${d + 3}]=0;`;
  if (op === 'sra') n = Math.min(n, lane - 1);
  else if (n >= lane) return zero;
  if (n === 0) return '';
  let code = '';
  if (lane === 64) {
    for (let w = d; w < d + 4; w += 2) {
      if (op === 'sll') {
        code += n < 32 ? `X[${w + 1}]=(X[${w + 1}]<<${n})|(X[${w}]>>>${32 - n});X[${w}]=X[${w}]<<${n};`
          : `X[${w + 1}]=X[${w}]<<${n - 32};X[${w}]=0;`;
      } else {
        code += n < 32 ? `X[${w}]=(X[${w}]>>>${n})|(X[${w + 1}]<<${32 - n});X[${w + 1}]=X[${w + 1}]>>>${n};`
          : `X[${w}]=X[${w + 1}]>>>${n - 32};X[${w + 1}]=0;`;
      }
    }
    return code;
  }
  for (let w = d; w < d + 4; w++) {
    const x = `X[${w}]`;
    if (lane === 32) code += `${x}=${x}${op === 'sll' ? '<<' : op === 'srl' ? '>>>' : '>>'}${n};`;
    else if (op === 'sll') code += `${x}=(${x}<<${n})&${(((0xffff << n) & 0xffff) * 0x10001) | 0};`;
    else if (op === 'srl') code += `${x}=(${x}>>>${n})&${((0xffff >>> n) * 0x10001) | 0};`;
    else code += `u=${x};${x}=((u>>${n})&-65536)|(((u<<16)>>${n})>>>16);`;
  }
  return code;
}

function shift(op: ShiftOp, lane: 16 | 32 | 64) {
  const name = `${{ sll: 'psll', srl: 'psrl', sra: 'psra' }[op]}${{ 16: 'w', 32: 'd', 64: 'q' }[lane]}X`;
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    const d = xr(dst);
    if (src.kind === OpKind.Imm) { e.emit(shiftByConstant(d, lane, op, src.lo & 255)); return; }
    // count: the low qword of an xmm register or of an (aligned) m128
    if (src.kind === OpKind.Xmm) e.emit(`H.${name}(${d},X[${4 * src.reg}],X[${4 * src.reg + 1}]);`);
    else { load128(e, src); e.emit(`H.${name}(${d},a,ah);`); }
  };
}

/** pslldq/psrldq: whole-register byte shifts (word moves inline when n is a multiple of 4). */
function byteShift(left: boolean) {
  return (e: Emitter): void => {
    const [dst, im] = e.insn.ops;
    const d = xr(dst), n = Math.min(imm8(im), 16);
    if (n === 0) return;
    if (n % 4 !== 0) { e.emit(`H.byteShift(${d},${n},${left});`); return; }
    const k = n / 4;
    let code = '';
    if (left) for (let i = 3; i >= 0; i--) code += `X[${d + i}]=${i - k >= 0 ? `X[${d + i - k}]` : '0'};`;
    else for (let i = 0; i < 4; i++) code += `X[${d + i}]=${i + k < 4 ? `X[${d + i + k}]` : '0'};`;
    e.emit(code);
  };
}

export const sseIntegerEmitters: EmitTable = {
  [Mnemonic.Pand]: logic('and'), [Mnemonic.Andps]: logic('and'), [Mnemonic.Andpd]: logic('and'),
  [Mnemonic.Por]: logic('or'), [Mnemonic.Orps]: logic('or'), [Mnemonic.Orpd]: logic('or'),
  [Mnemonic.Pxor]: logic('xor'), [Mnemonic.Xorps]: logic('xor'), [Mnemonic.Xorpd]: logic('xor'),
  [Mnemonic.Pandn]: logic('andn'), [Mnemonic.Andnps]: logic('andn'), [Mnemonic.Andnpd]: logic('andn'),

  [Mnemonic.Paddb]: swarAdd(H8, L8),
  [Mnemonic.Paddw]: swarAdd(H16, L16),
  [Mnemonic.Paddd]: (e) => wordwise(e, (x, y) => `(${x}+${y})|0`),
  [Mnemonic.Paddq]: addSubQ(true),
  [Mnemonic.Psubb]: swarSub(H8, L8),
  [Mnemonic.Psubw]: swarSub(H16, L16),
  [Mnemonic.Psubd]: (e) => wordwise(e, (x, y) => `(${x}-${y})|0`),
  [Mnemonic.Psubq]: addSubQ(false),
  [Mnemonic.Paddsb]: helper('paddsb'), [Mnemonic.Paddsw]: helper('paddsw'),
  [Mnemonic.Paddusb]: helper('paddusb'), [Mnemonic.Paddusw]: helper('paddusw'),
  [Mnemonic.Psubsb]: helper('psubsb'), [Mnemonic.Psubsw]: helper('psubsw'),
  [Mnemonic.Psubusb]: helper('psubusb'), [Mnemonic.Psubusw]: helper('psubusw'),

  [Mnemonic.Pcmpeqb]: pcmpeqb,
  [Mnemonic.Pcmpeqw]: pcmpeqw,
  [Mnemonic.Pcmpeqd]: (e) => wordwise(e, (x, y) => `${x}===${y}?-1:0`),
  [Mnemonic.Pcmpgtb]: helper('pcmpgtb'),
  [Mnemonic.Pcmpgtw]: helper('pcmpgtw'),
  [Mnemonic.Pcmpgtd]: (e) => wordwise(e, (x, y) => `${x}>${y}?-1:0`),

  [Mnemonic.Pminub]: helper('pminub'), [Mnemonic.Pmaxub]: helper('pmaxub'),
  [Mnemonic.Pminsw]: helper('pminsw'), [Mnemonic.Pmaxsw]: helper('pmaxsw'),
  [Mnemonic.Pavgb]: helper('pavgb'), [Mnemonic.Pavgw]: helper('pavgw'),
  [Mnemonic.Pmullw]: helper('pmullw'), [Mnemonic.Pmulhw]: helper('pmulhw'), [Mnemonic.Pmulhuw]: helper('pmulhuw'),
  [Mnemonic.Pmuludq]: helper('pmuludq'), [Mnemonic.Pmaddwd]: helper('pmaddwd'), [Mnemonic.Psadbw]: helper('psadbw'),
  [Mnemonic.Packsswb]: helper('packsswb'), [Mnemonic.Packssdw]: helper('packssdw'), [Mnemonic.Packuswb]: helper('packuswb'),

  [Mnemonic.Punpcklbw]: interleave(8, 0), [Mnemonic.Punpckhbw]: interleave(8, 1),
  [Mnemonic.Punpcklwd]: interleave(16, 0), [Mnemonic.Punpckhwd]: interleave(16, 1),
  [Mnemonic.Punpckldq]: unpack('ldq'), [Mnemonic.Unpcklps]: unpack('ldq'),
  [Mnemonic.Punpckhdq]: unpack('hdq'), [Mnemonic.Unpckhps]: unpack('hdq'),
  [Mnemonic.Punpcklqdq]: unpack('lqdq'), [Mnemonic.Unpcklpd]: unpack('lqdq'),
  [Mnemonic.Punpckhqdq]: unpack('hqdq'), [Mnemonic.Unpckhpd]: unpack('hqdq'),
  [Mnemonic.Pshufd]: pshufd,
  [Mnemonic.Pshuflw]: pshufw(false),
  [Mnemonic.Pshufhw]: pshufw(true),
  [Mnemonic.Shufps]: shufps,
  [Mnemonic.Shufpd]: shufpd,

  [Mnemonic.Psllw]: shift('sll', 16), [Mnemonic.Pslld]: shift('sll', 32), [Mnemonic.Psllq]: shift('sll', 64),
  [Mnemonic.Psrlw]: shift('srl', 16), [Mnemonic.Psrld]: shift('srl', 32), [Mnemonic.Psrlq]: shift('srl', 64),
  [Mnemonic.Psraw]: shift('sra', 16), [Mnemonic.Psrad]: shift('sra', 32),
  [Mnemonic.Pslldq]: byteShift(true),
  [Mnemonic.Psrldq]: byteShift(false),
};
