// The wasm tier's control transfers (translate.ts): jumps traced through,
// conditional branches (a side exit, or the loop's way round), and the
// loop's budget check that makes a run stop where the JS block would.

import { FlowControl, Mnemonic } from 'iced-x86';
import { Insn } from '../decode';
import { Op } from './encoder';
import { Unsupported, WasmLayout } from './context';
import { MemoryCode } from './memoryOps';

const LOOP_INSN_LIMIT = 8192; // as compiler.ts

export class ControlCode extends MemoryCode {
  /** `length`: the whole trace's, which the JS block's budget check uses (the round may be shorter). */
  constructor(insns: Insn[], readonly lo: number, readonly hi: number, readonly length: number, L: WasmLayout) {
    super(insns, L);
  }

  /** A control transfer at position j (`last`: it ends the round); false when d is not one. */
  control(d: Insn, j: number, last: boolean): boolean {
    if (d.mnemonic === Mnemonic.Jmp) {
      if (d.ops.length !== 0) throw new Unsupported();
      if (last) this.loopBack();
      return true; // traced through: the next instruction is its target
    }
    if (d.flowControl !== FlowControl.ConditionalBranch) return false;
    if (d.cc === 0 || isRcx(d)) throw new Unsupported();
    if (last) {
      this.condition(d.cc, j);
      this.open(Op.If);
      this.loopBack();
      this.end();
      this.exitTo(j + 1, d.nextLo, d.nextHi);
      return true;
    }
    if (d.targetLo === this.lo && d.targetHi === this.hi) throw new Unsupported();
    this.condition(d.cc, j);
    this.open(Op.If);
    this.exitTo(j + 1, d.targetLo, d.targetHi);
    this.end();
    return true;
  }

  /**
   * Round again if the budget allows, else leave at the block's start. As compiler.ts's loops: another
   * round goes on only if the whole JS trace would still fit the budget, so a run stops where it would in JS.
   */
  private loopBack(): void {
    const c = this.c, n = this.insns.length;
    const limit = Math.max(1, Math.floor(LOOP_INSN_LIMIT / n));
    c.get(this.it).i32(1).op(Op.I32Add).tee(this.it).i32(limit).op(0x48); // i32.lt_s
    c.get(this.base).i32(n + this.length).op(Op.I32Add).i32(0).mem(Op.I32Load, this.L.T + 4).op(0x4c, Op.I32And); // i32.le_s
    this.open(Op.If);
    c.get(this.base).i32(n).op(Op.I32Add).set(this.base);
    c.br(this.nest - this.topNest);
    this.end();
    this.exitTo(n, this.lo, this.hi);
  }
}

function isRcx(d: Insn): boolean {
  return d.mnemonic === Mnemonic.Loop || d.mnemonic === Mnemonic.Loope || d.mnemonic === Mnemonic.Loopne ||
    d.mnemonic === Mnemonic.Jrcxz || d.mnemonic === Mnemonic.Jecxz;
}
