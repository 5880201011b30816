// mul imul div idiv: one-operand forms call helpers on the accumulator pair;
// two/three-operand imul is inline when its flags are dead.

import { Mnemonic } from 'iced-x86';
import { Emitter, MASK } from './context';
import { EmitTable } from './table';
import { FlagBit } from '../decode';

function oneOperand(e: Emitter, helper: string): void {
  e.load(e.insn.ops[0], 'b', 'bh');
  e.emit(e.accumulatorCall(`H.${helper}(R,${helper.endsWith('mul1') ? 'F,' : ''}${e.insn.opSize},b,bh);`));
}

function imul(e: Emitter): void {
  const ops = e.insn.ops;
  if (ops.length === 1) { oneOperand(e, 'imul1'); return; }
  const [dst, s1, s2] = ops.length === 3 ? ops : [ops[0], ops[0], ops[1]];
  const size = e.insn.opSize;
  e.load(s1, 'a', 'ah');
  e.load(s2, 'b', 'bh');
  const flagsLive = e.needs(FlagBit.CF | FlagBit.OF);
  if (size === 4 && !flagsLive) e.emit('r=Math.imul(a,b);');
  else if (size === 8 && !flagsLive) e.emit('r=H.mulLo64(a,ah,b,bh);rh=Q[1];');
  else e.emit(`r=H.imulN(F,${size},a,ah,b,bh);rh=Q[4];`);
  if (size < 4) e.emit(`r&=${MASK[size]};`);
  e.store(dst, 'r', 'rh');
}

export const mulDivEmitters: EmitTable = {
  [Mnemonic.Mul]: (e) => oneOperand(e, 'mul1'),
  [Mnemonic.Imul]: imul,
  [Mnemonic.Div]: (e) => oneOperand(e, 'div1'),
  [Mnemonic.Idiv]: (e) => oneOperand(e, 'idiv1'),
};
