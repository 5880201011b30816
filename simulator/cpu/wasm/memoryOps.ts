// The wasm tier's operands (translate.ts): registers in i64 locals (x86's
// partial-register rules on writes), immediates, and memory through the
// guest's TLBs — the hit path inline on the module's memory, the memory's
// accessors on a miss (imports), a fault or a watched store leaving the code
// exactly as a JS block does.

import { MemOperand, Operand, OpKind } from '../decode';
import { I64, i64StoreOp, Op } from './encoder';
import { FAULT_BIT, Import, storeMissImport, Unsupported } from './context';
import { FlagCode } from './flags';
import { Gpr, RegSlot } from '../registers';

/** MemOperand.seg of fs: and gs: (decode.ts). */
const SEG_FS = 4, SEG_GS = 5;

export class MemoryCode extends FlagCode {
  /** Push operand `op` read at width w, zero-extended to i64. */
  read(op: Operand, w: number): void {
    const c = this.c;
    switch (op.kind) {
      case OpKind.Reg:
        c.get(this.reg(op.reg));
        if (op.size === 1 && op.high8) c.i64(8, 0).op(Op.I64ShrU);
        this.mask(w);
        return;
      case OpKind.Imm: {
        c.i64(op.lo, op.hi);
        this.mask(w);
        return;
      }
      case OpKind.Mem:
        this.address(op);
        this.load(w);
        return;
      default: throw new Unsupported();
    }
  }

  /** Write the i64 on the stack to register operand `op` (x86 rules: 32-bit writes zero-extend, narrower ones merge). */
  writeReg(op: Operand): void {
    if (op.kind !== OpKind.Reg) throw new Unsupported();
    const c = this.c, g = this.reg(op.reg);
    this.written.add(op.reg);
    if (op.size === 8) { c.set(g); return; }
    if (op.size === 4) { this.mask(4); c.set(g); return; }
    const [mlo, shift] = op.size === 2 ? [0xffff, 0] : op.high8 ? [0xff00, 8] : [0xff, 0];
    this.mask(op.size);
    if (shift) c.i64(shift, 0).op(Op.I64Shl);
    c.get(g).i64(~mlo, -1).op(Op.I64And, Op.I64Or).set(g);
  }

  /** Push a destination operand's value; a memory destination's address stays in `ma` for writeDst. */
  readDst(op: Operand, w: number): void {
    if (op.kind !== OpKind.Mem) { this.read(op, w); return; }
    this.address(op);
    this.c.tee(this.ma);
    this.load(w);
  }

  /**
   * Write the i64 on the stack to a destination operand (a store may leave the block). `after`:
   * the rest of the instruction's work — its producer's locals (flags.ts produced) — done once
   * the store has not faulted and before a watched store's trap leaves with the flags it made.
   */
  writeDst(op: Operand, w: number, after: () => void = () => {}): void {
    if (op.kind !== OpKind.Mem) { this.writeReg(op); after(); return; }
    this.c.set(this.v).get(this.ma);
    this.store(w, after);
  }

  /** Push the effective address of a memory operand (i64): fs:/gs: add their base (R, as arch_prctl left it). */
  address(m: MemOperand): void {
    if (m.addr32) throw new Unsupported();
    const c = this.c;
    c.i64(m.dispLo, m.dispHi);
    if (m.base >= 0) c.get(this.reg(m.base)).op(Op.I64Add);
    if (m.index >= 0) {
      c.get(this.reg(m.index));
      if (m.scale > 1) c.i64(Math.log2(m.scale), 0).op(Op.I64Shl);
      c.op(Op.I64Add);
    }
    if (m.seg === SEG_FS || m.seg === SEG_GS) c.i32(0).mem(Op.I64Load, this.L.R + 4 * (m.seg === SEG_FS ? RegSlot.FS_BASE : RegSlot.GS_BASE)).op(Op.I64Add);
    else if (m.seg !== 0) throw new Unsupported();
  }

  /**
   * Push whether the TLB at byte offset `tlb` maps all w bytes at the address on the stack
   * (memory.ts rTlb): the slot of the address's page holds the page of its last byte — one
   * i64 compare; an access crossing into the next page misses. Leaves the address in ad, its
   * low word in lo32 and the slot's byte offset in s.
   */
  private tlbHit(tlb: number, w: number): void {
    const c = this.c;
    this.slotWord(tlb);
    c.get(this.ad);
    if (w > 1) c.i64(w - 1, 0).op(Op.I64Add);
    c.i64(-4096, -1).op(Op.I64And, Op.I64Eq);
  }

  /**
   * Push whether the write TLB lets the w-byte store at the address on the stack through
   * inline: on the slot's page and below its watched range (memory/wasmWriteTlb.ts), ad + K
   * <u 4097 - w — one add where tlbHit masks, so an armed canary's frame stores stay inline.
   * Leaves ad, lo32 and s as tlbHit does.
   */
  private writeHit(w: number): void {
    this.slotWord(this.L.wTlb);
    this.c.get(this.ad).op(Op.I64Add).i64(4097 - w, 0).op(Op.I64LtU);
  }

  /** Push the first i64 of the TLB slot (at byte offset `tlb`) of the address on the stack; leaves the address in ad, its low word in lo32, the slot's byte offset in s. */
  private slotWord(tlb: number): void {
    const c = this.c;
    c.tee(this.ad).op(Op.I32WrapI64).tee(this.lo32);
    c.i32(8).op(Op.I32ShrU).i32(0xfff0).op(Op.I32And).tee(this.s).mem(Op.I64Load, tlb);
  }

  /** Push the hit's byte in the memory (i32): lo32 + the slot's addend. */
  private hitAddress(tlb: number): void {
    this.c.get(this.s).mem(Op.I32Load, tlb + 8).get(this.lo32).op(Op.I32Add);
  }

  /** Store w bytes of local v at the hit's byte. */
  private hitStore(w: number): void {
    this.hitAddress(this.L.wTlb);
    this.c.get(this.v).mem(i64StoreOp(w), 0);
  }

  /** Leave at instruction k because the import just called faulted (blockFault set RIP). */
  faultCheck(): void {
    const c = this.c;
    c.i32(0).mem(Op.I32Load, this.L.T).i32(FAULT_BIT).op(Op.I32And);
    this.open(Op.If);
    this.faultExit();
    this.end();
  }

  /** Leave before instruction k, whose access faulted (blockFault set RIP). */
  private faultExit(): void {
    this.c.i32(this.k).set(this.xn).i32(1).set(this.xfault);
    this.exitAt.add(this.k);
    this.brExit();
  }

  /** The address on the stack → the w-byte value there, zero-extended (i64). */
  load(w: number): void {
    const c = this.c, L = this.L, insn = this.insns[this.k];
    this.tlbHit(L.rTlb, w);
    c.hint(true);
    this.open(Op.If, I64);
    this.hitAddress(L.rTlb);
    c.mem(w === 8 ? Op.I64Load : w === 4 ? Op.I64Load32U : w === 2 ? Op.I64Load16U : Op.I64Load8U, 0);
    c.op(Op.Else);
    c.i32(w).get(this.ad).i32(insn.ipLo).i32(insn.ipHi).call(Import.LoadMiss).set(this.t);
    this.faultCheck();
    c.get(this.t);
    this.end();
  }

  /**
   * Store the i64 in local v, w bytes, at the address on the stack. `after`: the rest of the
   * instruction's work (a push's RSP update…), done before a watched or code page's trap leaves
   * for `to` (default: the next instruction) — a fault leaves before it, the instruction undone.
   * `to` false: the caller checks the trap bits itself (a rep string instruction, after each element).
   * A miss calls the store's miss path (missPaths.ts: a watched page's store outside its range
   * stays in wasm there), which says whether it faulted or trapped.
   */
  store(w: number, after: () => void = () => {}, to: [number, number] | number | null | false = null): void {
    const c = this.c, insn = this.insns[this.k], st = this.st;
    this.writeHit(w);
    // Not hinted: a store at or above a page's watched range (an armed canary's stack page:
    // the caller's frame) misses; hinting the hit would make its call deferred code, and
    // KStackWatch's armed calls pay for the spills there.
    this.open(Op.If);
    this.hitStore(w);
    after();
    c.op(Op.Else);
    c.get(this.ad).get(this.v).i32(insn.ipLo).i32(insn.ipHi).call(storeMissImport(w)).tee(st);
    c.i32(FAULT_BIT).op(Op.I32And);
    this.open(Op.If);
    this.faultExit();
    this.end();
    after();
    // a watched or code page: leave after the store, as the JS blocks do (trapAt was called)
    if (to !== false) {
      c.get(st);
      this.open(Op.If);
      if (typeof to === 'number') this.exitVia(this.k + 1, to);
      else { const [lo, hi] = to ?? [insn.nextLo, insn.nextHi]; this.exitTo(this.k + 1, lo, hi); }
      this.end();
    }
    this.end();
  }

  /**
   * Push the i64 in local v (8 bytes): the store, then RSP −= 8 and `after` (a call's hook) —
   * as the JS tier's push64, RSP moves only once the store has not faulted.
   */
  push(after: () => void = () => {}, to: [number, number] | number | null = null): void {
    const c = this.c, rsp = this.reg(Gpr.RSP);
    this.written.add(Gpr.RSP);
    c.get(rsp).i64(8, 0).op(Op.I64Sub);
    this.store(8, () => { c.get(rsp).i64(8, 0).op(Op.I64Sub).set(rsp); after(); }, to);
  }

  /** Pop 8 bytes into local `into`, then RSP += 8 + extra (a load that faults leaves RSP as it was). */
  pop(into: number, extra = 0): void {
    const c = this.c, rsp = this.reg(Gpr.RSP);
    this.written.add(Gpr.RSP);
    c.get(rsp);
    this.load(8);
    c.set(into);
    c.get(rsp).i64(8 + extra, 0).op(Op.I64Add).set(rsp);
  }

  /** Leave for `to` (an address, or the i64 local holding it) after the instruction under way when a trap bit is set (C.trapInsn: this instruction). */
  trapExit(to: [number, number] | number): void {
    const c = this.c, insn = this.insns[this.k];
    c.i32(0).mem(Op.I32Load, this.L.T);
    this.open(Op.If);
    c.i32(insn.ipLo).i32(insn.ipHi).call(Import.TrapAt);
    if (typeof to === 'number') this.exitVia(this.k + 1, to); else this.exitTo(this.k + 1, to[0], to[1]);
    this.end();
  }
}
