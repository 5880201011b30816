// The wasm tier's locked instructions (as the JS tier's emit/atomic.ts and
// emit/move.ts xchg): cmpxchg, xadd, xchg with memory, and the `lock`
// prefix on a read-modify-write of memory. Every instruction runs to
// completion before any other CPU is scheduled, so a lock needs no extra
// work: the prefix only says which forms are valid (a memory destination).

import { Mnemonic } from 'iced-x86';
import { Insn, OpKind } from '../../decode';
import { Op } from '../encoder';
import { Unsupported } from '../context';
import { Kind } from '../flags';
import type { MemoryCode } from '../memoryOps';
import { RAX, WasmOpTable } from './table';

/** Mnemonics whose lock prefix the tier takes (on a memory destination; on anything else it is #UD, the JS tier's). */
const LOCKABLE = new Set<Mnemonic>([
  Mnemonic.Add, Mnemonic.Adc, Mnemonic.Sub, Mnemonic.Sbb, Mnemonic.And, Mnemonic.Or, Mnemonic.Xor, Mnemonic.Inc, Mnemonic.Dec,
  Mnemonic.Neg, Mnemonic.Not, Mnemonic.Xchg, Mnemonic.Xadd, Mnemonic.Cmpxchg, Mnemonic.Bts, Mnemonic.Btr, Mnemonic.Btc,
]);

/** Whether the tier translates instruction d's lock prefix (translate.ts). */
export function lockable(d: Insn): boolean {
  return LOCKABLE.has(d.mnemonic) && d.ops.length > 0 && d.ops[0].kind === OpKind.Mem;
}

/**
 * cmpxchg dst, src: flags as `cmp rAX, dst`; equal: dst = src; else rAX = dst — and a memory
 * destination is written back with its own value (the processor always writes: a watch or a
 * read-only page sees the store).
 */
function cmpxchg(t: MemoryCode, d: Insn, j: number): void {
  const c = t.c, [dst, src] = d.ops, w = d.opSize, acc = RAX(w);
  const p = t.producer(Kind.Sub, w);
  t.readDst(dst, w); c.set(t.tb);
  t.read(acc, w); c.set(t.ta);
  c.get(t.ta).get(t.tb).op(Op.I64Sub); t.mask(w); c.set(t.tr);
  const differ = (): void => {
    c.get(t.tr).op(Op.I64Eqz, Op.I32Eqz);
    t.open(Op.If);
    c.get(t.tb); t.writeReg(acc);
    t.end();
  };
  if (dst.kind === OpKind.Mem) {
    t.read(src, w); c.get(t.tb).get(t.tr).op(Op.I64Eqz).op(Op.Select);
    t.writeDst(dst, w, () => { t.produced(j, p); differ(); });
    return;
  }
  if (dst.kind !== OpKind.Reg) throw new Unsupported();
  t.produced(j, p);
  c.get(t.tr).op(Op.I64Eqz);
  t.open(Op.If);
  t.read(src, w); t.writeReg(dst);
  c.op(Op.Else);
  c.get(t.tb); t.writeReg(acc);
  t.end();
}

/** xadd dst, src: dst = dst + src, src = dst's old value, flags as add; for one register both ways the sum wins. */
function xadd(t: MemoryCode, d: Insn, j: number): void {
  const c = t.c, [dst, src] = d.ops, w = d.opSize;
  if (src.kind !== OpKind.Reg) throw new Unsupported();
  const p = t.producer(Kind.Add, w);
  t.readDst(dst, w); c.set(t.ta);
  t.read(src, w); c.set(t.tb);
  c.get(t.ta).get(t.tb).op(Op.I64Add); t.mask(w); c.set(t.tr);
  if (dst.kind === OpKind.Mem) {
    c.get(t.tr);
    t.writeDst(dst, w, () => { t.produced(j, p); c.get(t.ta); t.writeReg(src); });
    return;
  }
  c.get(t.ta); t.writeReg(src);
  c.get(t.tr); t.writeReg(dst);
  t.produced(j, p);
}

/** xchg with memory (either order): memory gets the register, then the register the old value (a store that faults changes neither). */
export function xchgMemory(t: MemoryCode, d: Insn): void {
  const c = t.c, [x, y] = d.ops, w = d.opSize;
  const [m, r] = x.kind === OpKind.Mem ? [x, y] : [y, x];
  if (r.kind !== OpKind.Reg) throw new Unsupported();
  t.readDst(m, w); c.set(t.ta);
  t.read(r, w);
  t.writeDst(m, w, () => { c.get(t.ta); t.writeReg(r); });
}

export const atomicOps: WasmOpTable = {
  [Mnemonic.Cmpxchg]: cmpxchg,
  [Mnemonic.Xadd]: xadd,
};
