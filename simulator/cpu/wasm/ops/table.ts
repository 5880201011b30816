// What an instruction family's translations look like (ops/index.ts joins
// the tables): one function per mnemonic, given the translation state and
// the instruction at position j of the trace. Throw Unsupported for a form
// the family does not cover — the block then stays JS.

import type { Mnemonic } from 'iced-x86';
import { Insn, Operand, OpKind } from '../../decode';
import type { MemoryCode } from '../memoryOps';

export type WasmOp = (t: MemoryCode, d: Insn, j: number) => void;
export type WasmOpTable = Partial<Record<Mnemonic, WasmOp>>;

/** The same translation under several mnemonics. */
export function each(mnemonics: Mnemonic[], op: WasmOp): WasmOpTable {
  const table: WasmOpTable = {};
  for (const m of mnemonics) table[m] = op;
  return table;
}

/** rAX (RAX, EAX, AX or AL) — or another register — as an operand of width w. */
export function RAX(w: number, reg = 0): Operand {
  return { kind: OpKind.Reg, reg, size: w, high8: false };
}
