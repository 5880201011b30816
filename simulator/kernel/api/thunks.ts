// The instrumentation and mitigation entry points a Kbuild module calls
// (x86-64): `call __fentry__` at every function entry (ftrace; the module
// loader NOPs the call sites listed in __mcount_loc, as the kernel does at
// boot, so this only runs for a site that was not listed), the return thunk
// `jmp __x86_return_thunk` that CONFIG_RETHUNK puts in place of `ret` (the
// loader patches the sites in .return_sites back to `ret`), and the
// retpoline thunks `__x86_indirect_thunk_<reg>` an indirect call or jump
// goes through (CONFIG_RETPOLINE): each jumps to the address in its register.

import type { Machine } from '../machine';
import { Gpr, RegSlot } from '../../cpu/registers';
import { NO_RETURN } from './util';

const THUNK_REGS: [string, Gpr][] = [
  ['rax', Gpr.RAX], ['rcx', Gpr.RCX], ['rdx', Gpr.RDX], ['rbx', Gpr.RBX], ['rsp', Gpr.RSP], ['rbp', Gpr.RBP],
  ['rsi', Gpr.RSI], ['rdi', Gpr.RDI], ['r8', Gpr.R8], ['r9', Gpr.R9], ['r10', Gpr.R10], ['r11', Gpr.R11],
  ['r12', Gpr.R12], ['r13', Gpr.R13], ['r14', Gpr.R14], ['r15', Gpr.R15],
];

export function registerThunks(m: Machine): void {
  // Called: returns to the traced function. Nothing traces through it (fprobes use kprobes).
  m.defineHost('__fentry__', () => undefined);
  // Jumped to in place of `ret`: a host function's return pops the caller's return address.
  m.defineHost('__x86_return_thunk', () => undefined);
  for (const [name, reg] of THUNK_REGS) {
    m.defineHost(`__x86_indirect_thunk_${name}`, () => {
      const R = m.cpu.regs;
      R[RegSlot.RIP] = R[2 * reg];
      R[RegSlot.RIP + 1] = R[2 * reg + 1];
      return NO_RETURN;
    });
  }
}
