// SSE/SSE2 floating point: scalar (ss/sd) and packed (ps/pd) arithmetic,
// min/max, sqrt, compares (comis/ucomis set flags; cmp* build masks),
// conversions, and ldmxcsr/stmxcsr. The arithmetic itself lives in
// helpers/sseFloat.ts and sseSoft.ts (bit-exact, with the MXCSR rounding
// modes, FZ/DAZ and exception flags); the emitters load operands.
// The bitwise ps/pd forms (andpd for fabs, xorpd for negation) are in
// sseInteger.ts with the other logic ops.

import { Mnemonic } from 'iced-x86';
import { Emitter } from './context';
import { EmitTable } from './table';
import { OpKind, UnsupportedOperand } from '../decode';
import { imm8, mem, src128, src32, src64, xr } from './sseCommon';

/** Scalar double op: H.name(d, lo, hi) with the low qword of xmm/m64. */
function sd(name: string) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    const d = xr(dst);
    e.emit(`H.${name}(${d},${src64(e, src)});`);
  };
}

function ss(name: string) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    const d = xr(dst);
    e.emit(`H.${name}(${d},${src32(e, src)});`);
  };
}

function packed(name: string) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    const d = xr(dst);
    e.emit(`H.${name}(${d},${src128(e, src)});`);
  };
}

/** comisd/ucomisd/comiss/ucomiss: ZF PF CF from the comparison, OF SF AF cleared (comis* signal IE on QNaN). */
function comis(double: boolean, signaling: boolean) {
  const name = `${signaling ? '' : 'u'}comis${double ? 'd' : 's'}`;
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    const d = xr(dst);
    if (double) e.emit(`t=H.${name}(X[${d}],X[${d + 1}],${src64(e, src)});`);
    else e.emit(`t=H.${name}(X[${d}],${src32(e, src)});`);
    // t = CF | ZF<<1 | PF<<2; PF is kept as a "result byte": 0 has even parity (PF=1)
    e.flags({ CF: '(t&1)', ZF: '((t>>1)&1)', PF: '((t>>2)^1)', OF: '0', SF: '0', AF: '0' });
  };
}

/** cmpss/cmpsd/cmpps/cmppd with predicate imm8 (eq lt le unord neq nlt nle ord). */
function cmp(kind: 'ss' | 'sd' | 'ps' | 'pd') {
  return (e: Emitter): void => {
    const [dst, src, im] = e.insn.ops;
    const d = xr(dst), p = imm8(im) & 7;
    const args = kind === 'sd' ? src64(e, src) : kind === 'ss' ? src32(e, src) : src128(e, src);
    e.emit(`H.cmp${kind}(${d},${args},${p});`);
  };
}

// ---- conversions ----------------------------------------------------------------

/** cvtsi2sd/cvtsi2ss xmm, r/m32|r/m64 (the operand size is the integer's). */
function cvtsi2(double: boolean) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    const d = xr(dst);
    if (src.size === 8) {
      e.load(src, 'a', 'ah', 8);
      e.emit(`H.${double ? 'cvtsi2sd' : 'cvtsi2ss'}(${d},a,ah);`);
    } else {
      e.emit(`a=${e.readLo(src, 4)};`);
      e.emit(`H.${double ? 'cvtsi2sd32' : 'cvtsi2ss32'}(${d},a);`);
    }
  };
}

/** cvt(t)sd2si / cvt(t)ss2si r32|r64, xmm/m. */
function cvt2si(from: 'sd' | 'ss', truncate: boolean) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    if (dst.kind !== OpKind.Reg) throw new UnsupportedOperand('cvt2si destination');
    const size = dst.size === 8 ? 8 : 4;
    const name = `cvt${truncate ? 't' : ''}${from}2si${size * 8}`;
    const arg = from === 'sd' ? src64(e, src) : src32(e, src);
    e.emit(`r=H.${name}(${arg});`);
    if (size === 8) e.emit('rh=Q[4];');
    e.store(dst, 'r', 'rh', size);
  };
}

/** Conversions into an xmm register from a 64-bit source (low qword / m64). */
function from64(name: string) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    e.emit(`H.${name}(${xr(dst)},${src64(e, src)});`);
  };
}

function from32(name: string) {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    e.emit(`H.${name}(${xr(dst)},${src32(e, src)});`);
  };
}

function from128(name: string, extra = '') {
  return (e: Emitter): void => {
    const [dst, src] = e.insn.ops;
    e.emit(`H.${name}(${xr(dst)},${src128(e, src)}${extra});`);
  };
}

// ---- MXCSR --------------------------------------------------------------------------

function ldmxcsr(e: Emitter): void {
  e.ea(mem(e.insn.ops[0]));
  e.emit('H.ldmxcsr(ld32(ml,mh));');
}

function stmxcsr(e: Emitter): void {
  e.store(mem(e.insn.ops[0]), 'C.mxcsr', '0', 4);
}

export const sseFloatEmitters: EmitTable = {
  [Mnemonic.Addsd]: sd('addsd'), [Mnemonic.Subsd]: sd('subsd'), [Mnemonic.Mulsd]: sd('mulsd'),
  [Mnemonic.Divsd]: sd('divsd'), [Mnemonic.Minsd]: sd('minsd'), [Mnemonic.Maxsd]: sd('maxsd'),
  [Mnemonic.Sqrtsd]: sd('sqrtsd'),
  [Mnemonic.Addss]: ss('addss'), [Mnemonic.Subss]: ss('subss'), [Mnemonic.Mulss]: ss('mulss'),
  [Mnemonic.Divss]: ss('divss'), [Mnemonic.Minss]: ss('minss'), [Mnemonic.Maxss]: ss('maxss'),
  [Mnemonic.Sqrtss]: ss('sqrtss'),
  [Mnemonic.Addpd]: packed('addpd'), [Mnemonic.Subpd]: packed('subpd'), [Mnemonic.Mulpd]: packed('mulpd'),
  [Mnemonic.Divpd]: packed('divpd'), [Mnemonic.Minpd]: packed('minpd'), [Mnemonic.Maxpd]: packed('maxpd'),
  [Mnemonic.Sqrtpd]: packed('sqrtpd'),
  [Mnemonic.Addps]: packed('addps'), [Mnemonic.Subps]: packed('subps'), [Mnemonic.Mulps]: packed('mulps'),
  [Mnemonic.Divps]: packed('divps'), [Mnemonic.Minps]: packed('minps'), [Mnemonic.Maxps]: packed('maxps'),
  [Mnemonic.Sqrtps]: packed('sqrtps'),

  [Mnemonic.Comisd]: comis(true, true), [Mnemonic.Ucomisd]: comis(true, false),
  [Mnemonic.Comiss]: comis(false, true), [Mnemonic.Ucomiss]: comis(false, false),
  [Mnemonic.Cmpsd]: cmp('sd'), [Mnemonic.Cmpss]: cmp('ss'), [Mnemonic.Cmppd]: cmp('pd'), [Mnemonic.Cmpps]: cmp('ps'),

  [Mnemonic.Cvtsi2sd]: cvtsi2(true),
  [Mnemonic.Cvtsi2ss]: cvtsi2(false),
  [Mnemonic.Cvttsd2si]: cvt2si('sd', true),
  [Mnemonic.Cvtsd2si]: cvt2si('sd', false),
  [Mnemonic.Cvttss2si]: cvt2si('ss', true),
  [Mnemonic.Cvtss2si]: cvt2si('ss', false),
  [Mnemonic.Cvtsd2ss]: from64('cvtsd2ss'),
  [Mnemonic.Cvtss2sd]: from32('cvtss2sd'),
  [Mnemonic.Cvtps2pd]: from64('cvtps2pd'),
  [Mnemonic.Cvtdq2pd]: from64('cvtdq2pd'),
  [Mnemonic.Cvtpd2ps]: from128('cvtpd2ps'),
  [Mnemonic.Cvtdq2ps]: from128('cvtdq2ps'),
  [Mnemonic.Cvtps2dq]: from128('cvtps2dq', ',false'),
  [Mnemonic.Cvttps2dq]: from128('cvtps2dq', ',true'),
  [Mnemonic.Cvtpd2dq]: from128('cvtpd2dq', ',false'),
  [Mnemonic.Cvttpd2dq]: from128('cvtpd2dq', ',true'),

  [Mnemonic.Ldmxcsr]: ldmxcsr,
  [Mnemonic.Stmxcsr]: stmxcsr,
};
