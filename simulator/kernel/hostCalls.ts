// The host-call ABI: how a kernel function implemented on the host is
// entered from guest code and returns to it. A call to a host function's
// stub runs its implementation; the implementation reads its arguments
// (SysV: rdi rsi rdx rcx r8 r9, then the stack), its result goes to RAX and
// the stub "returns" by popping the return address, unless it answers
// NO_RETURN (it has set RIP itself, or the task does not continue).

import type { Cpu } from '../cpu/cpu';
import type { Memory } from '../memory/memory';
import { Gpr, RegSlot } from '../cpu/registers';
import { HostFunctionTable, HostResult, NO_RETURN } from './hostFunctions';

const ARG_REGS = [Gpr.RDI, Gpr.RSI, Gpr.RDX, Gpr.RCX, Gpr.R8, Gpr.R9];

export class HostCalls {
  readonly table = new HostFunctionTable();

  constructor(private readonly cpu: Cpu, private readonly mem: Memory) {
    cpu.hostFunctions = [];
  }

  /** Register a kernel function implemented on the host; returns its address. */
  define(name: string, impl: () => HostResult): bigint {
    const address = this.table.add(name, impl);
    const index = this.table.get(name)!.index;
    this.cpu.hostFunctions[index] = () => this.call(impl);
    return address;
  }

  private call(impl: () => HostResult): void {
    const result = impl();
    if (result === NO_RETURN) return;
    const R = this.cpu.regs;
    if (typeof result === 'number' && Number.isSafeInteger(result)) {
      // a JS number result: 64-bit two's complement without BigInt
      R[2 * Gpr.RAX] = result | 0;
      R[2 * Gpr.RAX + 1] = Math.floor(result / 4294967296) | 0;
    } else if (result !== undefined) {
      const v = typeof result === 'bigint' ? result : typeof result === 'boolean' ? (result ? 1n : 0n) : BigInt(Math.trunc(result));
      this.cpu.setReg(Gpr.RAX, v);
    }
    this.returnToCaller();
  }

  /** Pop the return address (as the host function's `ret`). */
  returnToCaller(): void {
    const R = this.cpu.regs;
    const spLo = R[2 * Gpr.RSP], spHi = R[2 * Gpr.RSP + 1];
    R[RegSlot.RIP] = this.mem.ld64(spLo, spHi);
    R[RegSlot.RIP + 1] = this.mem.scratch[0];
    const t = (spLo >>> 0) + 8;
    R[2 * Gpr.RSP] = t | 0;
    R[2 * Gpr.RSP + 1] = (spHi + (t > 0xffffffff ? 1 : 0)) | 0;
    this.cpu.onRet?.();
  }

  /** Argument n (0-based) of the current host call. */
  arg(n: number): bigint {
    if (n < 6) return this.cpu.getReg(ARG_REGS[n]);
    return this.mem.readU64(this.cpu.getReg(Gpr.RSP) + BigInt(8 * (n - 5)));
  }
}
