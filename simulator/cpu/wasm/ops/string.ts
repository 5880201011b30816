// The wasm tier's string instructions (as helpers/string.ts): movs, stos and
// lods of every width, cld/std, movs and stos also under rep (musl's memcpy and
// memset; without them a trace that calls either left wasm at the call).
// One element per round through the TLB (memoryOps.ts); RSI/RDI step by
// the element's size, backwards when DF is set. A rep instruction counts
// as one instruction however many elements it moves. After each element a
// pending trap (a watched or code page's store) leaves: with RIP on the
// instruction, not retired, while RCX is not 0 (it resumes where it
// stopped), else after it. A fault leaves RCX, RSI and RDI as far as they
// got, as the JS helper's do.

import { Mnemonic } from 'iced-x86';
import { Insn, OpKind } from '../../decode';
import { FlagSlot, Gpr } from '../../registers';
import { I64, Op } from '../encoder';
import { Import, Unsupported } from '../context';
import type { MemoryCode } from '../memoryOps';
import { each, RAX, WasmOpTable } from './table';

const enum Kind { Movs, Stos, Lods }

function stringOp(t: MemoryCode, d: Insn, kind: Kind): void {
  // (movsd with xmm operands is SSE; stos and lods list rAX; a 67h prefix computes addresses in 32 bits)
  if (d.ops.some((o) => o.kind !== OpKind.Reg) || d.addr32 || d.repne || (d.rep && kind === Kind.Lods)) throw new Unsupported();
  const c = t.c, w = d.opSize;
  const rsi = t.reg(Gpr.RSI), rdi = t.reg(Gpr.RDI), rcx = t.reg(Gpr.RCX), step = t.local(I64);
  c.i64(-w, -1).i64(w, 0).i32(0).mem(Op.I32Load, t.L.F + 4 * FlagSlot.DF).op(Op.Select).set(step);
  const advance = (r: number): void => { c.get(r).get(step).op(Op.I64Add).set(r); t.written.add(r === rsi ? Gpr.RSI : Gpr.RDI); };
  const element = (trapHere: boolean): void => {
    if (kind === Kind.Lods) { c.get(rsi); t.load(w); t.writeReg(RAX(w)); advance(rsi); return; }
    if (kind === Kind.Movs) { c.get(rsi); t.load(w); } else t.read(RAX(w), w);
    c.set(t.v).get(rdi);
    t.store(w, () => {
      if (kind === Kind.Movs) advance(rsi);
      advance(rdi);
      if (d.rep) { c.get(rcx).i64(1, 0).op(Op.I64Sub).set(rcx); t.written.add(Gpr.RCX); }
    }, trapHere ? null : false);
  };
  if (!d.rep) { element(true); return; }
  t.open(Op.Block);
  const done = t.nest;
  t.open(Op.Loop);
  const round = t.nest;
  c.get(rcx).op(Op.I64Eqz).brIf(t.nest - done);
  element(false);
  c.i32(0).mem(Op.I32Load, t.L.T);
  t.open(Op.If);
  c.i32(d.ipLo).i32(d.ipHi).call(Import.TrapAt);
  c.get(rcx).op(Op.I64Eqz);
  t.open(Op.If);
  t.exitTo(t.k + 1, d.nextLo, d.nextHi);
  t.end();
  t.exitTo(t.k, d.ipLo, d.ipHi);
  t.end();
  c.br(t.nest - round);
  t.end();
  t.end();
}

export const stringOps: WasmOpTable = {
  ...each([Mnemonic.Movsb, Mnemonic.Movsw, Mnemonic.Movsd, Mnemonic.Movsq], (t, d) => stringOp(t, d, Kind.Movs)),
  ...each([Mnemonic.Stosb, Mnemonic.Stosw, Mnemonic.Stosd, Mnemonic.Stosq], (t, d) => stringOp(t, d, Kind.Stos)),
  ...each([Mnemonic.Lodsb, Mnemonic.Lodsw, Mnemonic.Lodsd, Mnemonic.Lodsq], (t, d) => stringOp(t, d, Kind.Lods)),
  // the direction flag (F's DF slot, which no lazy flag covers)
  [Mnemonic.Cld]: (t) => { t.c.i32(0).i32(0).mem(Op.I32Store, t.L.F + 4 * FlagSlot.DF); },
  [Mnemonic.Std]: (t) => { t.c.i32(0).i32(1).mem(Op.I32Store, t.L.F + 4 * FlagSlot.DF); },
};

/** The mnemonics a rep prefix may come with (translate.ts declines it on anything else). */
export const REPEATABLE = new Set<Mnemonic>([
  Mnemonic.Movsb, Mnemonic.Movsw, Mnemonic.Movsd, Mnemonic.Movsq, Mnemonic.Stosb, Mnemonic.Stosw, Mnemonic.Stosd, Mnemonic.Stosq,
]);
