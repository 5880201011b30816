// Stack instructions: push pop leave enter pushfq popfq.

import { Mnemonic } from 'iced-x86';
import { Emitter, storeCall } from './context';
import { EmitTable } from './table';
import { OpKind, UnsupportedOperand } from '../decode';

/** ml/mh = RSP - n (the new stack top). */
export function rspMinus(n: number): string {
  return `ml=(R[8]-${n})|0;mh=(R[9]-((R[8]>>>0)<${n}?1:0))|0;`;
}

/** RSP += n (a carry into the high half is an unsigned compare: int32 operations only). */
function rspPlus(n: number): string {
  return `t=(R[8]+${n})|0;R[8]=t;R[9]=(R[9]+((t>>>0)<${n}?1:0))|0;`;
}

/** Store a value at RSP-8 and move RSP there (push of a 64-bit value). */
export function push64(e: Emitter, lo: string, hi: string): void {
  e.emit(`${rspMinus(8)}${storeCall(8, lo, hi)}R[8]=ml;R[9]=mh;`);
  e.stores = true;
}

/** Load [RSP] into a/ah and RSP += 8 + extra. */
export function pop64(e: Emitter, extra = 0): void {
  e.emit(`${e.load64('a', 'ah', 'R[8]', 'R[9]')}${rspPlus(8 + extra)}`);
}

function push(e: Emitter): void {
  const [src] = e.insn.ops;
  const size = e.insn.opSize === 2 ? 2 : 8;
  if (src.kind === OpKind.Imm) {
    if (size === 2) { e.emit(`${rspMinus(2)}${storeCall(2, String(src.lo & 0xffff), '0')}R[8]=ml;R[9]=mh;`); e.stores = true; return; }
    push64(e, String(src.lo | 0), String(src.hi | 0));
    return;
  }
  e.load(src, 'a', 'ah', size);
  if (size === 2) { e.emit(`${rspMinus(2)}${storeCall(2, 'a', '0')}R[8]=ml;R[9]=mh;`); e.stores = true; return; }
  push64(e, 'a', 'ah');
}

function pop(e: Emitter): void {
  const [dst] = e.insn.ops;
  if (e.insn.opSize === 2) {
    e.emit(`a=ld16(R[8],R[9]);${rspPlus(2)}`);
    e.store(dst, 'a', '0', 2);
    return;
  }
  pop64(e);
  e.store(dst, 'a', 'ah', 8);
}

function leave(e: Emitter): void {
  e.emit(`${e.load64('a', 'ah', 'R[10]', 'R[11]')}t=(R[10]+8)|0;R[8]=t;R[9]=(R[11]+((t>>>0)<8?1:0))|0;R[10]=a;R[11]=ah;`);
}

function enter(e: Emitter): void {
  const [size, level] = e.insn.ops;
  if (size.kind !== OpKind.Imm || level.kind !== OpKind.Imm) throw new UnsupportedOperand('enter operands');
  if ((level.lo & 31) !== 0) {
    e.emit(`H.enterNested(${size.lo & 0xffff},${level.lo & 31});`);
    e.stores = true;
    return;
  }
  push64(e, 'R[10]', 'R[11]');
  const n = size.lo & 0xffff;
  e.emit(`R[10]=R[8];R[11]=R[9];t=R[8];R[8]=(t-${n})|0;R[9]=(R[9]-((t>>>0)<${n}?1:0))|0;`);
}

export const stackEmitters: EmitTable = {
  [Mnemonic.Push]: push,
  [Mnemonic.Pop]: pop,
  [Mnemonic.Leave]: leave,
  [Mnemonic.Enter]: enter,
  [Mnemonic.Pushfq]: (e) => push64(e, 'C.getRflags()', '0'),
  [Mnemonic.Popfq]: (e) => { pop64(e); e.emit('C.setRflags(a);'); },
};
