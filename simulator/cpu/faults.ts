// Every architectural exception the simulated CPU can raise is one of these
// typed errors. The CPU stops at the faulting instruction (RIP points at it,
// its effects are not committed) and the owner (user-mode runner, kernel)
// decides what happens: a signal-like exit, an oops, a debugger stop.

import { levelNeeded } from './isaLevel';

export const enum Vector {
  DE = 0, // divide error
  DB = 1, // debug
  BP = 3, // breakpoint (int3)
  UD = 6, // invalid opcode
  GP = 13, // general protection
  PF = 14, // page fault
  XM = 19, // SIMD floating-point exception
}

import { AccessKind, MemoryFault } from '../memory/memory';
import { UserError } from '../errors/userError';

export type { AccessKind } from '../memory/memory';

export function hex(v: bigint | number): string {
  return '0x' + BigInt.asUintN(64, BigInt(v)).toString(16);
}

/** A CPU exception of the guest; escaping to a front end it is the guest's fault (exit 3). */
export class CpuFault extends UserError {
  constructor(readonly vector: Vector, readonly mnemonic: string, message: string) {
    super(message, { kind: 'guest' });
    this.name = 'CpuFault';
  }
  /** Address of the faulting instruction, filled in by the CPU. */
  rip = 0n;
}

export class PageFault extends CpuFault {
  constructor(readonly address: bigint, readonly access: AccessKind, readonly present: boolean) {
    super(Vector.PF, '#PF', `page fault: ${access} at ${hex(address)} (${present ? 'protection violation' : 'not mapped'})`);
  }
}

/** The CPU's view of a fault raised by guest memory: an error of another kind passes unchanged. */
export function asCpuFault(e: unknown): unknown {
  return e instanceof MemoryFault ? new PageFault(e.address, e.access, e.present) : e;
}

export class GeneralProtection extends CpuFault {
  constructor(reason: string) {
    super(Vector.GP, '#GP', `general protection fault: ${reason}`);
  }
}

export class InvalidOpcode extends CpuFault {
  constructor(readonly instruction: string, address: bigint) {
    super(Vector.UD, '#UD', `invalid opcode: unsupported instruction '${instruction}'${levelNeeded(instruction)} at ${hex(address)}`);
    this.rip = address;
  }
}

export class DivideError extends CpuFault {
  constructor() {
    super(Vector.DE, '#DE', 'divide error');
  }
}

export class Breakpoint extends CpuFault {
  constructor() {
    super(Vector.BP, '#BP', 'int3 breakpoint');
  }
}
