// RFLAGS as one number, read from and written to a flag array (the CPU's or
// a saved context's): the one place host code goes through for the
// arithmetic flags, so pending ones (lazyFlags.ts) are computed first.

import { FlagSlot, PARITY_EVEN, RflagsBit, RFLAGS_FIXED } from './registers';
import { PendingSlot, settleFlags } from './lazyFlags';

export function readRflags(F: Int32Array): number {
  settleFlags(F);
  return RFLAGS_FIXED | (F[FlagSlot.CF] ? RflagsBit.CF : 0) | (PARITY_EVEN[F[FlagSlot.PF] & 255] ? RflagsBit.PF : 0) |
    (F[FlagSlot.AF] ? RflagsBit.AF : 0) | (F[FlagSlot.ZF] ? RflagsBit.ZF : 0) | (F[FlagSlot.SF] ? RflagsBit.SF : 0) |
    (F[FlagSlot.OF] ? RflagsBit.OF : 0) | (F[FlagSlot.DF] ? RflagsBit.DF : 0) | F[FlagSlot.OTHER];
}

export function writeRflags(F: Int32Array, v: number): void {
  F[PendingSlot.OP] = 0; // every flag is written: nothing stays pending
  F[FlagSlot.CF] = v & RflagsBit.CF ? 1 : 0;
  F[FlagSlot.PF] = v & RflagsBit.PF ? 0 : 1; // the slot holds a byte whose parity PF stands for (0 even, 1 odd)
  F[FlagSlot.AF] = v & RflagsBit.AF ? 1 : 0;
  F[FlagSlot.ZF] = v & RflagsBit.ZF ? 1 : 0;
  F[FlagSlot.SF] = v & RflagsBit.SF ? 1 : 0;
  F[FlagSlot.OF] = v & RflagsBit.OF ? 1 : 0;
  F[FlagSlot.DF] = v & RflagsBit.DF ? 1 : 0;
  F[FlagSlot.OTHER] = v & (RflagsBit.TF | RflagsBit.IF | RflagsBit.AC | RflagsBit.ID);
}
