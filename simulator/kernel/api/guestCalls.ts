// Kernel library functions implemented on the host that call back into the
// module as they run — sort()'s comparator, list_sort()'s, bsearch()'s.
// The implementation is a generator that yields each guest call it needs
// and receives its result (RAX). A yielded call is made as a real call: its
// return address is the host function's own entry (so a call trace reads
// `cmp_fn ← sort ← caller`, as in Linux), pushed 16 bytes below the
// caller's return address to keep the callee's stack ABI-aligned, with the
// shadow call stack told of it. When the comparator returns there, the
// same host function runs again, finds its run by the stack pointer and
// resumes the generator; when the generator finishes, its value is the
// result returned to the original caller. Runs nest (a comparator that
// sorts), one stack of runs per task.

import type { Machine } from '../machine';
import type { HostResult } from '../hostFunctions';
import { Gpr, RegSlot } from '../../cpu/registers';
import { splitAddress } from '../../memory/memory';
import { NO_RETURN } from './util';

/** A call of guest function `fn` with up to six integer arguments. */
export interface GuestCall { fn: bigint; args: bigint[] }

export type CallingImpl = Generator<GuestCall, HostResult, bigint>;

interface Run {
  gen: CallingImpl;
  /** RSP when the pending guest call has returned: how the resumed entry recognises this run. */
  resumeRsp: bigint;
}

const ARG_REGS = [Gpr.RDI, Gpr.RSI, Gpr.RDX, Gpr.RCX, Gpr.R8, Gpr.R9];

/** Define host function `name` whose implementation may call guest functions (`start` reads its arguments at once). */
export function defineCallingHost(m: Machine, name: string, start: () => CallingImpl): bigint {
  const key = `guest-calls:${name}`;
  const entry = m.defineHost(name, () => {
    const t = m.currentTask;
    let runs = t.toolData.get(key) as Run[] | undefined;
    if (!runs) t.toolData.set(key, runs = []);
    const rsp = m.cpu.getReg(Gpr.RSP);
    const top = runs[runs.length - 1];
    let step: IteratorResult<GuestCall, HostResult>;
    try {
      if (top && top.resumeRsp === rsp) {
        m.cpu.setReg(Gpr.RSP, rsp + 8n); // back at the caller's return address
        step = top.gen.next(m.cpu.getReg(Gpr.RAX));
      } else {
        runs.push({ gen: start(), resumeRsp: 0n });
        step = runs[runs.length - 1].gen.next(0n);
      }
    } catch (e) {
      runs.pop(); // a fault in the host part (a bad pointer): the task oopses here
      throw e;
    }
    const run = runs[runs.length - 1];
    if (step.done) { runs.pop(); return step.value; }
    const callerRsp = m.cpu.getReg(Gpr.RSP);
    const sp = callerRsp - 16n;
    m.mem.writeU64(sp, entry, true);
    m.cpu.setReg(Gpr.RSP, sp);
    run.resumeRsp = sp + 8n;
    step.value.args.forEach((a, i) => m.cpu.setReg(ARG_REGS[i], a));
    const [eLo, eHi] = splitAddress(entry);
    const [cLo, cHi] = splitAddress(step.value.fn);
    t.shadow.push(eLo, eHi, cLo, cHi);
    m.cpu.regs[RegSlot.RIP] = cLo;
    m.cpu.regs[RegSlot.RIP + 1] = cHi;
    m.observeCall(t, eLo, eHi, 1); // inside a host function's block: its one instruction retires after it
    return NO_RETURN;
  });
  return entry;
}

/** A guest function's `int` result. */
export const intResult = (rax: bigint): number => Number(BigInt.asIntN(32, rax));
