// Bit tests (bt bts btr btc) and scans/counts (bsf bsr tzcnt lzcnt popcnt).

import { Mnemonic } from 'iced-x86';
import { Emitter } from './context';
import { EmitTable } from './table';
import { MemOperand, OpKind } from '../decode';

/** 0 = test only, 1 = set, 2 = reset, 3 = complement. */
function bitTest(e: Emitter, action: number): void {
  const [dst, src] = e.insn.ops;
  const size = e.insn.opSize;
  const bits = size * 8;
  if (dst.kind === OpKind.Mem && src.kind === OpKind.Reg) {
    // A register bit offset addresses memory beyond the operand: the word at
    // ea + (offset >> log2(bits)) * size, sign-extended offset.
    e.ea(dst as MemOperand);
    const off = size === 8 ? `R[${2 * src.reg}]` : size === 4 ? `R[${2 * src.reg}]` : `((R[${2 * src.reg}]<<16)>>16)`;
    const offHi = size === 8 ? `R[${2 * src.reg + 1}]` : `(${off}>>31)`;
    e.emit(`u=${off}&${bits - 1};t=(ml>>>0)+Math.floor((${offHi}*4294967296+(${off}>>>0))/${bits})*${size};` +
      'ml=t|0;mh=(mh+Math.floor(t/4294967296))|0;');
  } else {
    e.emit(`u=${e.readLo(src, size)}&${bits - 1};`);
  }
  e.load(dst, 'a', 'ah');
  e.emit(size === 8 ? 'F[0]=u<32?(a>>>u)&1:(ah>>>(u-32))&1;' : 'F[0]=(a>>>u)&1;');
  if (action === 0) return;
  const op = action === 1 ? '|' : action === 2 ? '&~' : '^';
  if (size === 8) e.emit(`if(u<32){r=a${op}(1<<u);rh=ah;}else{r=a;rh=ah${op}(1<<(u-32));}`);
  else e.emit(`r=a${op}(1<<u);`);
  e.store(dst, 'r', 'rh');
}

function scan(e: Emitter, kind: number): void {
  const [dst, src] = e.insn.ops;
  e.load(src, 'a', 'ah');
  e.emit(`r=H.bitScan(F,${kind},${e.insn.opSize},a,ah);rh=0;`);
  const save = new Emitter();
  save.begin(e.insn, e.index, 0);
  save.store(dst, 'r', 'rh');
  // bsf/bsr leave the destination unchanged when the source is zero.
  if (kind <= 1) e.emit(`if(F[3]===0){${save.out.join('')}}`);
  else e.emit(save.out.join(''));
}

export const bitEmitters: EmitTable = {
  [Mnemonic.Bt]: (e) => bitTest(e, 0),
  [Mnemonic.Bts]: (e) => bitTest(e, 1),
  [Mnemonic.Btr]: (e) => bitTest(e, 2),
  [Mnemonic.Btc]: (e) => bitTest(e, 3),
  [Mnemonic.Bsf]: (e) => scan(e, 0),
  [Mnemonic.Bsr]: (e) => scan(e, 1),
  [Mnemonic.Tzcnt]: (e) => scan(e, 2),
  [Mnemonic.Lzcnt]: (e) => scan(e, 3),
  [Mnemonic.Popcnt]: (e) => scan(e, 4),
};
