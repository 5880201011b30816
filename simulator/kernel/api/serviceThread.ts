// Kernel threads whose loop is implemented on the host but whose work is
// guest code: kworkers (workqueues), ksoftirqd (timer callbacks, RCU
// callbacks). The thread's entry is a host function; each time the task
// runs it, the thread's `next()` says what to do — call a guest function
// with one argument (the host function is its return address, so the next
// step comes when the callback returns), sleep until a time, or exit when
// there is nothing left (Linux's idle kworkers also go away; a new one is
// started when work comes, so an idle machine is not a deadlock).
//
// The callback's frame sits on the thread's own stack under a return
// address into the entry, so call traces read
// `work_fn ← worker_thread ← ret_from_fork`, as in Linux.

import type { Machine } from '../machine';
import type { Task } from '../task';
import { Gpr, RegSlot } from '../../cpu/registers';
import { splitAddress } from '../../memory/memory';
import { NO_RETURN, noteWakeup } from './util';

export type ServiceStep =
  | { call: bigint; arg: bigint; done?: () => void }
  | { sleepUntilNs: number; reason: string }
  | { exit: true };

interface ServiceState {
  next: () => ServiceStep;
  running: { done?: () => void } | null;
  baseRsp: bigint | null;
}

const KEY = 'service-thread';

/** Define the host entry function `entryName` of a kind of service thread (once per machine). */
export function defineServiceEntry(m: Machine, entryName: string): bigint {
  const entry = m.defineHost(entryName, () => {
    const t = m.currentTask;
    const st = t.toolData.get(KEY) as ServiceState | undefined;
    if (!st) { m.exitCurrent(0); return NO_RETURN; }
    if (st.running) { const r = st.running; st.running = null; r.done?.(); }
    st.baseRsp ??= m.cpu.getReg(Gpr.RSP);
    m.cpu.setReg(Gpr.RSP, st.baseRsp);
    const step = st.next();
    if ('exit' in step) { m.exitCurrent(0); return NO_RETURN; }
    if ('sleepUntilNs' in step) { m.sleepCurrent(step.sleepUntilNs, step.reason); return NO_RETURN; }
    st.running = step;
    // call step.call(step.arg), returning here; 16 bytes keep the callee's stack ABI-aligned
    const rsp = st.baseRsp - 16n;
    m.mem.writeU64(rsp, entry, true);
    m.cpu.setReg(Gpr.RSP, rsp);
    m.cpu.setReg(Gpr.RDI, step.arg);
    const [eLo, eHi] = splitAddress(entry);
    const [cLo, cHi] = splitAddress(step.call);
    t.shadow.push(eLo, eHi, cLo, cHi);
    m.cpu.regs[RegSlot.RIP] = cLo;
    m.cpu.regs[RegSlot.RIP + 1] = cHi;
    m.observeCall(t, eLo, eHi, 1); // inside a host function's block: its one instruction retires after it
    return NO_RETURN;
  });
  return entry;
}

/** Start a service thread named `comm` running `entry` (from defineServiceEntry), driven by `next`. */
export function startServiceThread(m: Machine, comm: string, entry: bigint, next: () => ServiceStep): Task {
  const t = m.createTask(comm, entry, 0n);
  t.toolData.set(KEY, { next, running: null, baseRsp: null } satisfies ServiceState);
  noteWakeup(m, t);
  m.wake(t);
  return t;
}
