// The complete dispatch table: mnemonic → emitter, from every family.

import { Mnemonic } from 'iced-x86';
import { EmitFn, EmitTable } from './table';
import { aluEmitters } from './alu';
import { moveEmitters } from './move';
import { stackEmitters } from './stack';
import { controlEmitters } from './control';
import { mulDivEmitters } from './muldiv';
import { shiftEmitters } from './shift';
import { bitEmitters } from './bits';
import { atomicEmitters } from './atomic';
import { stringEmitters } from './string';
import { sseEmitters } from './sse';
import { x87Emitters } from './x87';
import type { Insn } from '../decode';

const integerTable: EmitTable = {
  ...aluEmitters, ...moveEmitters, ...stackEmitters, ...controlEmitters, ...mulDivEmitters,
  ...shiftEmitters, ...bitEmitters, ...atomicEmitters, ...stringEmitters, ...x87Emitters,
};

/** Mnemonics shared by a string instruction and an SSE one (told apart by operands). */
const SHARED_WITH_SSE = new Set<number>([Mnemonic.Movsd, Mnemonic.Cmpsd]);

export function emitterFor(insn: Insn): EmitFn | undefined {
  if (SHARED_WITH_SSE.has(insn.mnemonic) && insn.ops.length > 0) return sseEmitters[insn.mnemonic];
  return integerTable[insn.mnemonic] ?? sseEmitters[insn.mnemonic];
}
