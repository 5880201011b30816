// Data movement: mov movzx movsx movsxd lea xchg cmovcc setcc, sign
// extensions (cbw…cqo), bswap, and the flag-register moves.

import { Mnemonic } from 'iced-x86';
import { Emitter, MASK } from './context';
import { EmitTable } from './table';
import { MemOperand, OpKind, UnsupportedOperand } from '../decode';

function mov(e: Emitter): void {
  const [dst, src] = e.insn.ops;
  if (dst.kind === OpKind.Xmm || src.kind === OpKind.Xmm) throw new UnsupportedOperand('mov with xmm');
  e.load(src, 'a', 'ah');
  e.store(dst, 'a', 'ah');
}

function movzx(e: Emitter): void {
  const [dst, src] = e.insn.ops;
  e.emit(`a=${e.readLo(src, src.size)};`);
  e.store(dst, 'a', '0');
}

function signExtendFrom(size: number): string {
  return size === 1 ? '((a<<24)>>24)' : size === 2 ? '((a<<16)>>16)' : '(a|0)';
}

function movsx(e: Emitter): void {
  const [dst, src] = e.insn.ops;
  e.emit(`a=${signExtendFrom(src.size).replace(/a/g, e.readLo(src, src.size))};`);
  if (dst.size < 4) e.emit(`a&=${MASK[dst.size]};`);
  e.store(dst, 'a', '(a>>31)');
}

function lea(e: Emitter): void {
  const [dst, src] = e.insn.ops;
  const m = src as MemOperand;
  e.ea({ ...m, seg: 0 });
  e.store(dst, 'ml', 'mh');
}

function xchg(e: Emitter): void {
  const [x, y] = e.insn.ops;
  e.load(x, 'a', 'ah');
  e.load(y, 'b', 'bh');
  // Memory operand first, so a faulting store leaves the register untouched.
  if (x.kind === OpKind.Mem) { e.store(x, 'b', 'bh'); e.store(y, 'a', 'ah'); }
  else { e.store(y, 'a', 'ah'); e.store(x, 'b', 'bh'); }
}

function cmov(e: Emitter): void {
  const [dst, src] = e.insn.ops;
  e.load(src, 'a', 'ah');
  const cond = e.condition();
  const size = e.insn.opSize;
  const save = new Emitter();
  save.begin(e.insn, e.index, 0);
  save.store(dst, 'a', 'ah', size);
  // A 32-bit cmov zero-extends its destination even when the move is not done.
  const orElse = size === 4 && dst.kind === OpKind.Reg ? `else{R[${2 * dst.reg + 1}]=0;}` : '';
  e.emit(`if${cond}{${save.out.join('')}}${orElse}`);
}

function setcc(e: Emitter): void {
  e.store(e.insn.ops[0], `(${e.condition()}?1:0)`, '0', 1);
}

function bswap(e: Emitter): void {
  const [dst] = e.insn.ops;
  const swap = (v: string) => `(((${v}&255)<<24)|((${v}&65280)<<8)|((${v}>>>8)&65280)|(${v}>>>24))`;
  if (e.insn.opSize === 8) {
    e.load(dst, 'a', 'ah');
    e.emit(`r=${swap('ah')};rh=${swap('a')};`);
  } else {
    e.emit(`a=${e.readLo(dst)};r=${swap('a')};`);
  }
  e.store(dst, 'r', 'rh');
}

const extend: Record<number, string> = {
  [Mnemonic.Cbw]: 'R[0]=(R[0]&-65536)|(((R[0]<<24)>>24)&65535);',
  [Mnemonic.Cwde]: 'R[0]=(R[0]<<16)>>16;R[1]=0;',
  [Mnemonic.Cdqe]: 'R[1]=R[0]>>31;',
  [Mnemonic.Cwd]: 'R[4]=(R[4]&-65536)|(((R[0]<<16)>>31)&65535);',
  [Mnemonic.Cdq]: 'R[4]=R[0]>>31;R[5]=0;',
  [Mnemonic.Cqo]: 'R[4]=R[1]>>31;R[5]=R[4];',
};

/** xlat: AL = [RBX + AL] (32-bit addressing under 67h). */
function xlat(e: Emitter): void {
  if (e.insn.addr32) e.emit(`ml=((R[6]>>>0)+(R[0]&255))|0;mh=0;`);
  else e.emit('t=(R[6]>>>0)+(R[0]&255);ml=t|0;mh=(R[7]+(t/4294967296|0))|0;');
  e.emit('R[0]=(R[0]&-256)|ld8(ml,mh);');
}

export const moveEmitters: EmitTable = {
  [Mnemonic.Xlatb]: xlat,
  [Mnemonic.Mov]: mov,
  [Mnemonic.Movzx]: movzx,
  [Mnemonic.Movsx]: movsx,
  [Mnemonic.Movsxd]: movsx,
  [Mnemonic.Lea]: lea,
  [Mnemonic.Xchg]: xchg,
  [Mnemonic.Cmovo]: cmov, [Mnemonic.Cmovno]: cmov, [Mnemonic.Cmovb]: cmov, [Mnemonic.Cmovae]: cmov,
  [Mnemonic.Cmove]: cmov, [Mnemonic.Cmovne]: cmov, [Mnemonic.Cmovbe]: cmov, [Mnemonic.Cmova]: cmov,
  [Mnemonic.Cmovs]: cmov, [Mnemonic.Cmovns]: cmov, [Mnemonic.Cmovp]: cmov, [Mnemonic.Cmovnp]: cmov,
  [Mnemonic.Cmovl]: cmov, [Mnemonic.Cmovge]: cmov, [Mnemonic.Cmovle]: cmov, [Mnemonic.Cmovg]: cmov,
  [Mnemonic.Seto]: setcc, [Mnemonic.Setno]: setcc, [Mnemonic.Setb]: setcc, [Mnemonic.Setae]: setcc,
  [Mnemonic.Sete]: setcc, [Mnemonic.Setne]: setcc, [Mnemonic.Setbe]: setcc, [Mnemonic.Seta]: setcc,
  [Mnemonic.Sets]: setcc, [Mnemonic.Setns]: setcc, [Mnemonic.Setp]: setcc, [Mnemonic.Setnp]: setcc,
  [Mnemonic.Setl]: setcc, [Mnemonic.Setge]: setcc, [Mnemonic.Setle]: setcc, [Mnemonic.Setg]: setcc,
  [Mnemonic.Bswap]: bswap,
  [Mnemonic.Cbw]: (e) => e.emit(extend[Mnemonic.Cbw]),
  [Mnemonic.Cwde]: (e) => e.emit(extend[Mnemonic.Cwde]),
  [Mnemonic.Cdqe]: (e) => e.emit(extend[Mnemonic.Cdqe]),
  [Mnemonic.Cwd]: (e) => e.emit(extend[Mnemonic.Cwd]),
  [Mnemonic.Cdq]: (e) => e.emit(extend[Mnemonic.Cdq]),
  [Mnemonic.Cqo]: (e) => e.emit(extend[Mnemonic.Cqo]),
  [Mnemonic.Clc]: (e) => e.emit('F[0]=0;'),
  [Mnemonic.Stc]: (e) => e.emit('F[0]=1;'),
  [Mnemonic.Cmc]: (e) => e.emit('F[0]^=1;'),
  [Mnemonic.Cld]: (e) => e.emit('F[6]=0;'),
  [Mnemonic.Std]: (e) => e.emit('F[6]=1;'),
  // IF (bit 9 of the OTHER slot): the kernel's local_irq_disable/enable once .altinstructions are applied.
  // There is no privilege level here and no interrupt to mask; the bit is state that pushf reads back.
  [Mnemonic.Cli]: (e) => e.emit('F[7]&=-513;'),
  [Mnemonic.Sti]: (e) => e.emit('F[7]|=512;'),
  [Mnemonic.Lahf]: (e) => e.emit('R[0]=(R[0]&-65281)|((C.getRflags()&255)<<8);'),
  [Mnemonic.Sahf]: (e) => e.emit('C.setRflags((C.getRflags()&-256)|((R[0]>>8)&213));'),
};
