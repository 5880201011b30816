// The wasm tier's bit instructions (as emit/bits.ts, emit/move.ts and
// helpers/arith.ts bitScan): bt/bts/btr/btc on a register or on a bit
// string in memory, bsf/bsr/tzcnt/lzcnt/popcnt, bswap, and xchg of two
// registers (xchg with memory: atomic.ts).

import { Mnemonic } from 'iced-x86';
import { Insn, MemOperand, OpKind } from '../../decode';
import { I64, Op } from '../encoder';
import { Unsupported } from '../context';
import { Kind } from '../flags';
import type { MemoryCode } from '../memoryOps';
import { WasmOpTable } from './table';
import { xchgMemory } from './atomic';

const enum BitAction { Test, Set, Reset, Complement }

/**
 * bt dst, offset (and bts/btr/btc): CF = the selected bit, which the others then set, clear or flip.
 * A register offset on a memory operand addresses a bit string: the word at ea + (offset >> log2(bits)) ·
 * size, the offset sign-extended; any other offset is masked to the operand's width.
 */
function bitTest(t: MemoryCode, d: Insn, j: number, action: BitAction): void {
  const c = t.c, [dst, src] = d.ops, w = d.opSize, bits = w * 8;
  if (w === 1) throw new Unsupported();
  const p = t.producer(Kind.BitTest, w), n = t.local(I64);
  t.read(src, w); c.i64(bits - 1, 0).op(Op.I64And).set(n);
  if (dst.kind === OpKind.Mem) {
    t.address(dst as MemOperand);
    if (src.kind === OpKind.Reg) {
      t.read(src, w); t.signExtend(w);
      c.i64(Math.log2(bits), 0).op(Op.I64ShrS).i64(Math.log2(w), 0).op(Op.I64Shl, Op.I64Add);
    }
    c.tee(t.ma);
    t.load(w);
  } else t.read(dst, w);
  c.set(t.ta);
  c.get(t.ta).get(n).op(Op.I64ShrU).i64(1, 0).op(Op.I64And).set(t.tr);
  if (action !== BitAction.Test) {
    c.get(t.ta).i64(1, 0).get(n).op(Op.I64Shl);
    if (action === BitAction.Set) c.op(Op.I64Or);
    else if (action === BitAction.Reset) c.i64(-1, -1).op(Op.I64Xor, Op.I64And);
    else c.op(Op.I64Xor);
    t.writeDst(dst, w, () => t.produced(j, p)); // (a memory destination's address is in ma)
  } else t.produced(j, p);
}

const enum Scan { Bsf, Bsr, Tzcnt, Lzcnt, Popcnt }

/** bsf/bsr (a zero source leaves the destination as it was; ZF says so), tzcnt/lzcnt (a zero source counts the width; CF says so), popcnt. */
function scan(t: MemoryCode, d: Insn, j: number, kind: Scan): void {
  const c = t.c, [dst, src] = d.ops, w = d.opSize, bits = w * 8;
  if (dst.kind !== OpKind.Reg) throw new Unsupported();
  const p = t.producer(kind <= Scan.Bsr ? Kind.BitScan : kind === Scan.Popcnt ? Kind.Popcnt : Kind.ZeroCount, w);
  t.read(src, w); c.set(p.a); // (zero-extended)
  switch (kind) {
    case Scan.Bsf: c.get(p.a).op(Op.I64Ctz); break;
    case Scan.Bsr: c.i64(63, 0).get(p.a).op(Op.I64Clz, Op.I64Sub); break;
    // (a bit just above the width: a zero source counts the width)
    case Scan.Tzcnt: c.get(p.a); if (w < 8) c.i64(bits === 32 ? 0 : 2 ** bits, bits === 32 ? 1 : 0).op(Op.I64Or); c.op(Op.I64Ctz); break;
    case Scan.Lzcnt: c.get(p.a).op(Op.I64Clz); if (w < 8) c.i64(64 - bits, 0).op(Op.I64Sub); break;
    default: c.get(p.a).op(Op.I64Popcnt);
  }
  c.set(p.r);
  if (kind <= Scan.Bsr) {
    // the destination unchanged when the source is 0 — all 64 bits, as the JS tier leaves it
    const g = t.reg(dst.reg);
    c.get(p.r).get(g);
    if (w === 2) c.i64(0xffff, 0).op(Op.I64And);
    c.get(p.a).op(Op.I64Eqz, Op.I32Eqz, Op.Select);
    if (w === 4) { c.set(g); t.written.add(dst.reg); } else t.writeReg(dst);
    c.get(p.a).set(p.r); // (BitScan's ZF: the source was 0)
  } else {
    c.get(p.r); t.writeReg(dst);
  }
  t.producers[j] = p;
}

/** bswap reg: bytes reversed (32 or 64 bits), by swapping neighbouring bytes, then 16-bit halves, then (64) 32-bit halves. */
function bswap(t: MemoryCode, d: Insn): void {
  const c = t.c, dst = d.ops[0], w = d.opSize, v = t.local(I64);
  if (dst.kind !== OpKind.Reg || (w !== 4 && w !== 8)) throw new Unsupported();
  const swap = (by: number, mlo: number, mhi: number): void => {
    c.get(v).i64(by, 0).op(Op.I64ShrU).i64(mlo, mhi).op(Op.I64And);
    c.get(v).i64(mlo, mhi).op(Op.I64And).i64(by, 0).op(Op.I64Shl, Op.I64Or).set(v);
  };
  t.read(dst, w); c.set(v);
  swap(8, 0x00ff00ff, w === 8 ? 0x00ff00ff : 0);
  swap(16, 0x0000ffff, w === 8 ? 0x0000ffff : 0);
  c.get(v);
  if (w === 8) c.i64(32, 0).op(Op.I64Rotl);
  t.writeReg(dst);
}

/** xchg reg, reg (with memory: atomic.ts). */
function xchg(t: MemoryCode, d: Insn): void {
  const c = t.c, [x, y] = d.ops, w = d.opSize;
  if (x.kind === OpKind.Mem || y.kind === OpKind.Mem) { xchgMemory(t, d); return; }
  if (x.kind !== OpKind.Reg || y.kind !== OpKind.Reg) throw new Unsupported();
  t.read(x, w); c.set(t.ta);
  t.read(y, w); c.set(t.tb);
  c.get(t.ta); t.writeReg(y);
  c.get(t.tb); t.writeReg(x);
}

export const bitOps: WasmOpTable = {
  [Mnemonic.Bt]: (t, d, j) => bitTest(t, d, j, BitAction.Test),
  [Mnemonic.Bts]: (t, d, j) => bitTest(t, d, j, BitAction.Set),
  [Mnemonic.Btr]: (t, d, j) => bitTest(t, d, j, BitAction.Reset),
  [Mnemonic.Btc]: (t, d, j) => bitTest(t, d, j, BitAction.Complement),
  [Mnemonic.Bsf]: (t, d, j) => scan(t, d, j, Scan.Bsf),
  [Mnemonic.Bsr]: (t, d, j) => scan(t, d, j, Scan.Bsr),
  [Mnemonic.Tzcnt]: (t, d, j) => scan(t, d, j, Scan.Tzcnt),
  [Mnemonic.Lzcnt]: (t, d, j) => scan(t, d, j, Scan.Lzcnt),
  [Mnemonic.Popcnt]: (t, d, j) => scan(t, d, j, Scan.Popcnt),
  [Mnemonic.Bswap]: bswap,
  [Mnemonic.Xchg]: xchg,
};
