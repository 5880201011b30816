// One dispatch table maps each mnemonic to the function that emits its code;
// each instruction family contributes its part (alu.ts, move.ts, …).

import type { Emitter } from './context';

export type EmitFn = (e: Emitter) => void;
export type EmitTable = Partial<Record<number, EmitFn>>;
