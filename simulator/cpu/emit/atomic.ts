// cmpxchg and xadd. Every instruction runs to completion before any other
// CPU is scheduled, so the `lock` prefix needs no extra work here.

import { Mnemonic } from 'iced-x86';
import { Emitter, MASK } from './context';
import { EmitTable } from './table';
import { MemOperand, OpKind } from '../decode';

function cmpxchg(e: Emitter): void {
  const [dst, src] = e.insn.ops;
  const size = e.insn.opSize;
  e.load(dst, 'a', 'ah');
  e.load(src, 'b', 'bh');
  const acc = { kind: OpKind.Reg as const, reg: 0, size, high8: false };
  e.load(acc, 'u', 'rh');
  // Flags as for `cmp accumulator, dst`.
  e.emit(`H.compareFlags(F,${size},u,rh,a,ah);`);
  const equalStore = new Emitter(); equalStore.begin(e.insn, e.index, 0);
  equalStore.store(dst, 'b', 'bh');
  const differStore = new Emitter(); differStore.begin(e.insn, e.index, 0);
  if (dst.kind === OpKind.Mem) differStore.store(dst, 'a', 'ah'); // the processor always writes back
  differStore.store(acc, 'a', 'ah');
  e.emit(`if(F[3]!==0){${equalStore.out.join('')}}else{${differStore.out.join('')}}`);
  if (dst.kind === OpKind.Mem) e.stores = true;
}

function xadd(e: Emitter): void {
  const [dst, src] = e.insn.ops;
  const size = e.insn.opSize;
  e.load(dst, 'a', 'ah');
  e.load(src, 'b', 'bh');
  if (size === 8) e.emit('t=(a>>>0)+(b>>>0);r=t|0;rh=(ah+bh+(t>4294967295?1:0))|0;');
  else e.emit(`r=(a+b)&${MASK[size]};`);
  e.emit(`H.addFlags(F,${size},a,ah,b,bh);`);
  // Memory first (a faulting store changes nothing); for xadd r,r on one
  // register the sum must win, so the destination is written last.
  if (dst.kind === OpKind.Mem) { e.store(dst, 'r', 'rh'); e.store(src, 'a', 'ah'); }
  else { e.store(src, 'a', 'ah'); e.store(dst, 'r', 'rh'); }
}

/** cmpxchg8b/16b: compare EDX:EAX (RDX:RAX) with memory; store ECX:EBX (RCX:RBX) or load. */
function cmpxchgWide(e: Emitter, wide: boolean): void {
  const m = e.insn.ops[0] as MemOperand;
  e.ea(m);
  e.emit(`H.cmpxchgWide(${wide},ml,mh);`);
  e.stores = true;
}

export const atomicEmitters: EmitTable = {
  [Mnemonic.Cmpxchg8b]: (e) => cmpxchgWide(e, false),
  [Mnemonic.Cmpxchg16b]: (e) => cmpxchgWide(e, true),
  [Mnemonic.Cmpxchg]: cmpxchg,
  [Mnemonic.Xadd]: xadd,
};
