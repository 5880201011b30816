// SSE3, SSSE3, SSE4.1 and SSE4.2 emitters — with POPCNT, LZCNT/TZCNT (bits.ts)
// and CMPXCHG16B (atomic.ts) the x86-64-v2 level. Operand plumbing is shared
// with SSE2 (sseCommon.ts); the lane work is in helpers/sse4.ts. Legacy-SSE
// 128-bit memory operands must be 16-byte aligned except for lddqu and the
// SSE4.2 string compares (pcmp[ei]str[im], implemented here), which the SDM
// exempts. VEX/EVEX (AVX) encodings are a higher level (x86-64-v3) that CPUID
// does not claim; they raise #UD naming that level (isaLevel.ts).

import { Mnemonic } from 'iced-x86';
import { Emitter } from './context';
import { EmitTable } from './table';
import { OpKind, Operand } from '../decode';
import { imm8, load128, mem, setWords, src128, src32, src64, xr } from './sseCommon';
import { sseMoveEmitters } from './sseMove';

/** Packed op done by a helper: H.name(d, source words…). */
function helper(name: string, aligned = true) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    e.emit(`H.${name}(${xr(dst)},${src128(e, src, aligned)});`);
  };
}

/** Packed op with an immediate first: H.name(d, imm, source words…). */
function helperImm(name: string) {
  return (e: Emitter): void => {
    const [dst, src, im] = e.insn.ops;
    const d = xr(dst), imm = imm8(im);
    e.emit(`H.${name}(${d},${imm},${src128(e, src)});`);
  };
}

// ---- SSE3 -----------------------------------------------------------------------

function movdup(pattern: number[]) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    load128(e, src);
    setWords(e, xr(dst), pattern.map((i) => ['a', 'ah', 'b', 'bh'][i]));
  };
}

function movddup(e: Emitter): void {
  const [dst, src] = e.insn.ops;
  const [lo, hi] = src64(e, src).split(',');
  e.emit(`a=${lo};ah=${hi};`);
  setWords(e, xr(dst), ['a', 'ah', 'a', 'ah']);
}

/** lddqu: an unaligned 128-bit load, like movdqu. */
function lddqu(e: Emitter): void {
  const [dst, src] = e.insn.ops;
  load128(e, src, false);
  setWords(e, xr(dst), ['a', 'ah', 'b', 'bh']);
}

// ---- SSE4.1 ----------------------------------------------------------------------

/** pmovsx/pmovzx: the source is the low 8, 4 or 2 bytes of an xmm register or memory. */
function pmovx(from: 1 | 2 | 4, to: 2 | 4 | 8, signed: boolean) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    const bytes = (from * 16) / to;
    let args: string;
    if (src.kind === OpKind.Xmm) args = `X[${4 * src.reg}],X[${4 * src.reg + 1}]`;
    else {
      e.ea(mem(src));
      e.emit(bytes === 8 ? 'a=ld64(ml,mh);ah=S[0];' : bytes === 4 ? 'a=ld32(ml,mh);ah=0;' : 'a=ld16(ml,mh);ah=0;');
      args = 'a,ah';
    }
    e.emit(`H.pmovx(${xr(dst)},${from},${to},${signed},${args});`);
  };
}

function ptest(e: Emitter): void {
  const [dst, src] = e.insn.ops;
  const d = xr(dst);
  load128(e, src);
  const w = ['a', 'ah', 'b', 'bh'];
  const and = w.map((s, i) => `(X[${d + i}]&${s})`).join('|');
  const andn = w.map((s, i) => `(~X[${d + i}]&${s})`).join('|');
  e.flags({ ZF: `((${and})===0?1:0)`, CF: `((${andn})===0?1:0)`, OF: '0', SF: '0', AF: '0', PF: '1' });
}

function blendImm(lane: 4 | 8) {
  return (e: Emitter): void => {
    const [dst, src, im] = e.insn.ops;
    const d = xr(dst), imm = imm8(im);
    load128(e, src);
    const w = ['a', 'ah', 'b', 'bh'];
    let code = '';
    for (let i = 0; i < 4; i++) if ((imm >> (lane === 4 ? i : i >> 1)) & 1) code += `X[${d + i}]=${w[i]};`;
    e.emit(code);
  };
}

function blendv(size: 1 | 4 | 8) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    e.emit(`H.blendv(${xr(dst)},${size},${src128(e, src)});`);
  };
}

function insertps(e: Emitter): void {
  const [dst, src, im] = e.insn.ops;
  const imm = imm8(im);
  // From a register the source dword is imm[7:6]; from memory it is the m32 itself.
  const v = src.kind === OpKind.Xmm ? `X[${4 * src.reg + ((imm >> 6) & 3)}]` : src32(e, src);
  e.emit(`H.insertps(${xr(dst)},${imm},${v});`);
}

/** A 32-bit value to a GPR (zero-extended to 64) or to memory of `size` bytes. */
function storeScalar(e: Emitter, dst: Operand, value: string, size: 1 | 2 | 4): void {
  e.emit(`r=${value};`);
  if (dst.kind === OpKind.Reg) e.store(dst, 'r', '0', 4);
  else e.store(dst, 'r', '0', size);
}

function pextr(size: 1 | 2 | 4 | 8) {
  return (e: Emitter): void => {
    const [dst, src, im] = e.insn.ops;
    const s = xr(src);
    if (size === 8) {
      const w = s + 2 * (imm8(im) & 1);
      e.emit(`r=X[${w}];rh=X[${w + 1}];`);
      e.store(dst, 'r', 'rh', 8);
      return;
    }
    const n = 16 / size, i = imm8(im) & (n - 1);
    const word = `X[${s + ((i * size) >> 2)}]`, shift = ((i * size) & 3) * 8;
    const value = size === 4 ? word : `((${word}>>>${shift})&${size === 1 ? 255 : 65535})`;
    storeScalar(e, dst, value, size);
  };
}

function pextrw(e: Emitter): void {
  if (e.insn.ops[0].kind === OpKind.Mem) pextr(2)(e); // the SSE4.1 form
  else sseMoveEmitters[Mnemonic.Pextrw]!(e);
}

function pinsr(size: 1 | 4 | 8) {
  return (e: Emitter): void => {
    const [dst, src, im] = e.insn.ops;
    const d = xr(dst);
    if (size === 8) {
      const w = d + 2 * (imm8(im) & 1);
      e.load(src, 'a', 'ah', 8);
      e.emit(`X[${w}]=a;X[${w + 1}]=ah;`);
      return;
    }
    e.emit(`a=${e.readLo(src, size)};`);
    if (size === 4) { e.emit(`X[${d + (imm8(im) & 3)}]=a;`); return; }
    const i = imm8(im) & 15, w = d + (i >> 2), shift = (i & 3) * 8;
    e.emit(`X[${w}]=(X[${w}]&${~(255 << shift)})|((a&255)<<${shift});`);
  };
}

function extractps(e: Emitter): void {
  const [dst, src, im] = e.insn.ops;
  storeScalar(e, dst, `X[${xr(src) + (imm8(im) & 3)}]`, 4);
}

function round(kind: 'sd' | 'ss' | 'pd' | 'ps') {
  return (e: Emitter): void => {
    const [dst, src, im] = e.insn.ops;
    const d = xr(dst), imm = imm8(im);
    const args = kind === 'sd' ? src64(e, src) : kind === 'ss' ? src32(e, src) : src128(e, src);
    e.emit(`H.round${kind}(${d},${args},${imm});`);
  };
}

/** movntdqa: an aligned 128-bit load (the non-temporal hint changes nothing here). */
function movntdqa(e: Emitter): void {
  const [dst, src] = e.insn.ops;
  load128(e, src);
  setWords(e, xr(dst), ['a', 'ah', 'b', 'bh']);
}

// ---- SSE4.2 -------------------------------------------------------------------------

function crc32(e: Emitter): void {
  const [dst, src] = e.insn.ops;
  const size = src.size;
  e.load(src, 'a', 'ah', size);
  if (size !== 8) e.emit('ah=0;');
  e.emit(`r=H.crc32(R[${2 * (dst as { reg: number }).reg}],${size},a,ah);`);
  e.store(dst, 'r', '0', dst.size === 8 ? 8 : 4);
}

/**
 * pcmp{e,i}str{i,m}: the helper returns IntRes2 (bits 0-15) with ZF (bit 16)
 * and SF (bit 17); the index goes to ECX (zero-extended), the mask to XMM0.
 */
function pcmpstr(implicit: boolean, index: boolean) {
  return (e: Emitter): void => {
    const [dst, src, im] = e.insn.ops;
    const imm = imm8(im), n = imm & 1 ? 8 : 16;
    const words = src128(e, src, false);
    let la = '0', lb = '0';
    if (!implicit) {
      const wide = e.insn.mnemonic === Mnemonic.Pcmpestri64 || e.insn.mnemonic === Mnemonic.Pcmpestrm64;
      // |RAX| (|EAX| without REX.W) saturates at n: anything that does not fit in int32 is "large".
      la = wide ? '((R[1]===0&&R[0]>=0)||(R[1]===-1&&R[0]<0)?R[0]:65536)' : 'R[0]';
      lb = wide ? '((R[5]===0&&R[4]>=0)||(R[5]===-1&&R[4]<0)?R[4]:65536)' : 'R[4]';
    }
    e.emit(`t=H.pcmpstr(${xr(dst)},${imm},${implicit},${la},${lb},${words});u=t&65535;`);
    if (index) {
      const pick = imm & 0x40 ? `31-Math.clz32(u)` : `31-Math.clz32(u&-u)`;
      e.emit(`R[2]=u===0?${n}:${pick};R[3]=0;`);
    } else if (imm & 0x40) {
      e.emit(`H.pcmpMask(u,${n});`);
    } else {
      e.emit('X[0]=u;X[1]=0;X[2]=0;X[3]=0;');
    }
    e.flags({ CF: '(u!==0?1:0)', ZF: '((t>>>16)&1)', SF: '((t>>>17)&1)', OF: '(u&1)', AF: '0', PF: '1' });
  };
}

export const sse4Emitters: EmitTable = {
  // SSE3
  [Mnemonic.Addsubpd]: helper('addsubpd'), [Mnemonic.Addsubps]: helper('addsubps'),
  [Mnemonic.Haddpd]: helper('haddpd'), [Mnemonic.Haddps]: helper('haddps'),
  [Mnemonic.Hsubpd]: helper('hsubpd'), [Mnemonic.Hsubps]: helper('hsubps'),
  [Mnemonic.Movddup]: movddup,
  [Mnemonic.Movshdup]: movdup([1, 1, 3, 3]),
  [Mnemonic.Movsldup]: movdup([0, 0, 2, 2]),
  [Mnemonic.Lddqu]: lddqu,

  // SSSE3
  [Mnemonic.Pshufb]: helper('pshufb'),
  [Mnemonic.Phaddw]: helper('phaddw'), [Mnemonic.Phaddd]: helper('phaddd'), [Mnemonic.Phaddsw]: helper('phaddsw'),
  [Mnemonic.Phsubw]: helper('phsubw'), [Mnemonic.Phsubd]: helper('phsubd'), [Mnemonic.Phsubsw]: helper('phsubsw'),
  [Mnemonic.Pmaddubsw]: helper('pmaddubsw'), [Mnemonic.Pmulhrsw]: helper('pmulhrsw'),
  [Mnemonic.Psignb]: helper('psignb'), [Mnemonic.Psignw]: helper('psignw'), [Mnemonic.Psignd]: helper('psignd'),
  [Mnemonic.Pabsb]: helper('pabsb'), [Mnemonic.Pabsw]: helper('pabsw'), [Mnemonic.Pabsd]: helper('pabsd'),
  [Mnemonic.Palignr]: helperImm('palignr'),

  // SSE4.1
  [Mnemonic.Pminsb]: helper('pminsb'), [Mnemonic.Pmaxsb]: helper('pmaxsb'),
  [Mnemonic.Pminuw]: helper('pminuw'), [Mnemonic.Pmaxuw]: helper('pmaxuw'),
  [Mnemonic.Pminsd]: helper('pminsd'), [Mnemonic.Pmaxsd]: helper('pmaxsd'),
  [Mnemonic.Pminud]: helper('pminud'), [Mnemonic.Pmaxud]: helper('pmaxud'),
  [Mnemonic.Pmulld]: helper('pmulld'), [Mnemonic.Pmuldq]: helper('pmuldq'),
  [Mnemonic.Pcmpeqq]: helper('pcmpeqq'), [Mnemonic.Packusdw]: helper('packusdw'),
  [Mnemonic.Phminposuw]: helper('phminposuw'),
  [Mnemonic.Dpps]: helperImm('dpps'), [Mnemonic.Dppd]: helperImm('dppd'), [Mnemonic.Mpsadbw]: helperImm('mpsadbw'),
  [Mnemonic.Pmovsxbw]: pmovx(1, 2, true), [Mnemonic.Pmovsxbd]: pmovx(1, 4, true), [Mnemonic.Pmovsxbq]: pmovx(1, 8, true),
  [Mnemonic.Pmovsxwd]: pmovx(2, 4, true), [Mnemonic.Pmovsxwq]: pmovx(2, 8, true), [Mnemonic.Pmovsxdq]: pmovx(4, 8, true),
  [Mnemonic.Pmovzxbw]: pmovx(1, 2, false), [Mnemonic.Pmovzxbd]: pmovx(1, 4, false), [Mnemonic.Pmovzxbq]: pmovx(1, 8, false),
  [Mnemonic.Pmovzxwd]: pmovx(2, 4, false), [Mnemonic.Pmovzxwq]: pmovx(2, 8, false), [Mnemonic.Pmovzxdq]: pmovx(4, 8, false),
  [Mnemonic.Ptest]: ptest,
  [Mnemonic.Pblendw]: helperImm('pblendw'),
  [Mnemonic.Blendps]: blendImm(4), [Mnemonic.Blendpd]: blendImm(8),
  [Mnemonic.Pblendvb]: blendv(1), [Mnemonic.Blendvps]: blendv(4), [Mnemonic.Blendvpd]: blendv(8),
  [Mnemonic.Insertps]: insertps, [Mnemonic.Extractps]: extractps,
  [Mnemonic.Pinsrb]: pinsr(1), [Mnemonic.Pinsrd]: pinsr(4), [Mnemonic.Pinsrq]: pinsr(8),
  [Mnemonic.Pextrb]: pextr(1), [Mnemonic.Pextrd]: pextr(4), [Mnemonic.Pextrq]: pextr(8), [Mnemonic.Pextrw]: pextrw,
  [Mnemonic.Roundsd]: round('sd'), [Mnemonic.Roundss]: round('ss'), [Mnemonic.Roundpd]: round('pd'), [Mnemonic.Roundps]: round('ps'),
  [Mnemonic.Movntdqa]: movntdqa,

  // SSE4.2
  [Mnemonic.Pcmpgtq]: helper('pcmpgtq'),
  [Mnemonic.Crc32]: crc32,
  [Mnemonic.Pcmpestri]: pcmpstr(false, true), [Mnemonic.Pcmpestrm]: pcmpstr(false, false),
  [Mnemonic.Pcmpestri64]: pcmpstr(false, true), [Mnemonic.Pcmpestrm64]: pcmpstr(false, false),
  [Mnemonic.Pcmpistri]: pcmpstr(true, true), [Mnemonic.Pcmpistrm]: pcmpstr(true, false),
};
