// The CPU state a thread keeps while it is off a CPU: general registers
// (with RIP and the FS/GS bases), arithmetic flags and SSE registers, in
// the CPU's own layout (registers.ts) so a switch is three array copies.
// A kernel Task and a user GuestThread both are one.

import { FlagSlot, RegSlot, XMM_COUNT } from './registers';

/** The arrays a CPU engine and a saved context share the layout of. */
export interface RegisterFile {
  readonly regs: Int32Array;
  readonly flags: Int32Array;
  readonly xmm: Int32Array;
}

export class SavedContext implements RegisterFile {
  readonly regs = new Int32Array(RegSlot.COUNT);
  readonly flags = new Int32Array(FlagSlot.COUNT);
  readonly xmm = new Int32Array(XMM_COUNT * 4);

  /** Take the CPU's state (switching this thread out). */
  saveFrom(cpu: RegisterFile): void {
    this.regs.set(cpu.regs);
    this.flags.set(cpu.flags);
    this.xmm.set(cpu.xmm);
  }

  /** Put this state on the CPU (switching this thread in). */
  loadInto(cpu: RegisterFile): void {
    cpu.regs.set(this.regs);
    cpu.flags.set(this.flags);
    cpu.xmm.set(this.xmm);
  }
}
