// Integer arithmetic and logic: add adc sub sbb cmp and or xor test inc dec
// neg not. Each is emitted inline, with its flags computed only when live.

import { Mnemonic } from 'iced-x86';
import { Emitter, MASK } from './context';
import { EmitTable } from './table';
import { LazyKind, lazyOp } from '../lazyFlags';

type ArithKind = 'add' | 'adc' | 'sub' | 'sbb';

function arith(e: Emitter, kind: ArithKind, writeBack: boolean): void {
  const [dst, src] = e.insn.ops;
  const size = e.insn.opSize;
  const isAdd = kind === 'add' || kind === 'adc';
  const carryIn = kind === 'adc' ? '+F[0]' : kind === 'sbb' ? '-F[0]' : '';
  e.load(dst, 'a', 'ah', size);
  e.load(src, 'b', 'bh', size);
  let CF: string, OF: string, calc: string;
  if (size === 8 && carryIn === '') {
    // int32 operations only: the carry (borrow) out of the low halves is an unsigned compare
    if (isAdd) {
      calc = 'r=(a+b)|0;u=(r>>>0)<(a>>>0)?1:0;rh=(ah+bh+u)|0;';
      CF = '((u===1?(rh>>>0)<=(ah>>>0):(rh>>>0)<(ah>>>0))?1:0)';
      OF = '((((ah^rh)&(bh^rh))>>>31))';
    } else {
      calc = 'r=(a-b)|0;u=(a>>>0)<(b>>>0)?1:0;rh=(ah-bh-u)|0;';
      CF = '((u===1?(ah>>>0)<=(bh>>>0):(ah>>>0)<(bh>>>0))?1:0)';
      OF = '((((ah^bh)&(ah^rh))>>>31))';
    }
  } else if (size === 8) {
    if (isAdd) {
      calc = `t=(a>>>0)+(b>>>0)${carryIn};r=t|0;u=(ah>>>0)+(bh>>>0)+(t>4294967295?1:0);rh=u|0;`;
      CF = '(u>4294967295?1:0)';
      OF = '((((ah^rh)&(bh^rh))>>>31))';
    } else {
      calc = `t=(a>>>0)-(b>>>0)${carryIn};r=t|0;u=(ah>>>0)-(bh>>>0)-(t<0?1:0);rh=u|0;`;
      CF = '(u<0?1:0)';
      OF = '((((ah^bh)&(ah^rh))>>>31))';
    }
  } else if (size === 4 && carryIn === '') {
    calc = isAdd ? 'r=(a+b)|0;' : 'r=(a-b)|0;';
    CF = isAdd ? '((r>>>0)<(a>>>0)?1:0)' : '((a>>>0)<(b>>>0)?1:0)';
    OF = isAdd ? '(((a^r)&(b^r))>>>31)' : '(((a^b)&(a^r))>>>31)';
  } else if (size === 4) {
    calc = isAdd ? `t=(a>>>0)+(b>>>0)${carryIn};r=t|0;` : `t=(a>>>0)-(b>>>0)${carryIn};r=t|0;`;
    CF = isAdd ? '(t>4294967295?1:0)' : '(t<0?1:0)';
    OF = isAdd ? '(((a^r)&(b^r))>>>31)' : '(((a^b)&(a^r))>>>31)';
  } else {
    const w = size * 8, m = MASK[size];
    calc = isAdd ? `t=a+b${carryIn};r=t&${m};` : `t=a-b${carryIn};r=t&${m};`;
    CF = isAdd ? `(t>${m}?1:0)` : '(t<0?1:0)';
    OF = isAdd ? `((((a^r)&(b^r))>>${w - 1})&1)` : `((((a^b)&(a^r))>>${w - 1})&1)`;
  }
  e.emit(calc);
  if (writeBack) e.store(dst, 'r', 'rh', size);
  if (e.fuseProducer) e.emit('fa=a;fah=ah;fb=b;fbh=bh;');
  // (adc/sbb read CF: their flags are never left pending)
  const inputs = size === 8 ? ['a', 'ah', 'b', 'bh'] : ['a', '0', 'b'];
  const lazy = carryIn === '' ? { op: lazyOp(isAdd ? LazyKind.ADD : LazyKind.SUB, size), inputs } : undefined;
  e.flags({ CF, OF, AF: '(((a^b^r)>>4)&1)', ...e.resultFlags(size) }, calc, lazy);
}

type LogicKind = '&' | '|' | '^';

function logic(e: Emitter, op: LogicKind, writeBack: boolean): void {
  const [dst, src] = e.insn.ops;
  const size = e.insn.opSize;
  if (size === 8) {
    e.load(dst, 'a', 'ah', size);
    e.load(src, 'b', 'bh', size);
    e.emit(`r=a${op}b;rh=ah${op}bh;`);
  } else {
    // xor reg,reg (the zeroing idiom) needs no read
    e.emit(`r=${e.readLo(dst, size)}${op}${e.readLo(src, size)};`);
  }
  if (writeBack) e.store(dst, 'r', 'rh', size);
  if (e.fuseProducer) e.emit('fr=r;frh=rh;');
  const lazy = { op: lazyOp(LazyKind.LOGIC, size), inputs: size === 8 ? ['r', 'rh'] : ['r'] };
  e.flags({ CF: '0', OF: '0', AF: '0', ...e.resultFlags(size) }, undefined, lazy);
}

function incDec(e: Emitter, inc: boolean): void {
  const [dst] = e.insn.ops;
  const size = e.insn.opSize;
  e.load(dst, 'a', 'ah', size);
  let OF: string;
  if (size === 8) {
    e.emit(inc ? 'r=(a+1)|0;rh=(ah+(r===0?1:0))|0;' : 'r=(a-1)|0;rh=(ah-(a===0?1:0))|0;');
    OF = inc ? '((rh===-2147483648&&r===0)?1:0)' : '((ah===-2147483648&&a===0)?1:0)';
  } else if (size === 4) {
    e.emit(inc ? 'r=(a+1)|0;' : 'r=(a-1)|0;');
    OF = inc ? '(r===-2147483648?1:0)' : '(a===-2147483648?1:0)';
  } else {
    const m = MASK[size], sign = size === 1 ? 0x80 : 0x8000;
    e.emit(inc ? `r=(a+1)&${m};` : `r=(a-1)&${m};`);
    OF = inc ? `(r===${sign}?1:0)` : `(a===${sign}?1:0)`;
  }
  e.store(dst, 'r', 'rh', size);
  e.flags({ OF, AF: inc ? '((r&15)===0?1:0)' : '((a&15)===0?1:0)', ...e.resultFlags(size) });
}

function neg(e: Emitter): void {
  const [dst] = e.insn.ops;
  const size = e.insn.opSize;
  e.load(dst, 'a', 'ah', size);
  let CF: string, OF: string;
  if (size === 8) {
    e.emit('r=(-a)|0;rh=(-ah-(a!==0?1:0))|0;');
    CF = '((a|ah)!==0?1:0)';
    OF = '((ah===-2147483648&&a===0)?1:0)';
  } else {
    const m = MASK[size];
    e.emit(`r=(-a)&${m};`);
    CF = '(a!==0?1:0)';
    OF = size === 4 ? '(a===-2147483648?1:0)' : `(a===${size === 1 ? 0x80 : 0x8000}?1:0)`;
  }
  e.store(dst, 'r', 'rh', size);
  const lazy = { op: lazyOp(LazyKind.NEG, size), inputs: size === 8 ? ['a', 'ah'] : ['a'] };
  e.flags({ CF, OF, AF: '((a&15)!==0?1:0)', ...e.resultFlags(size) }, undefined, lazy);
}

function not(e: Emitter): void {
  const [dst] = e.insn.ops;
  const size = e.insn.opSize;
  e.load(dst, 'a', 'ah', size);
  e.emit(size === 8 ? 'r=~a;rh=~ah;' : `r=~a&${MASK[size]};`);
  e.store(dst, 'r', 'rh', size);
}

export const aluEmitters: EmitTable = {
  [Mnemonic.Add]: (e) => arith(e, 'add', true),
  [Mnemonic.Adc]: (e) => arith(e, 'adc', true),
  [Mnemonic.Sub]: (e) => arith(e, 'sub', true),
  [Mnemonic.Sbb]: (e) => arith(e, 'sbb', true),
  [Mnemonic.Cmp]: (e) => arith(e, 'sub', false),
  [Mnemonic.And]: (e) => logic(e, '&', true),
  [Mnemonic.Or]: (e) => logic(e, '|', true),
  [Mnemonic.Xor]: (e) => logic(e, '^', true),
  [Mnemonic.Test]: (e) => logic(e, '&', false),
  [Mnemonic.Inc]: (e) => incDec(e, true),
  [Mnemonic.Dec]: (e) => incDec(e, false),
  [Mnemonic.Neg]: neg,
  [Mnemonic.Not]: not,
};
