// fprobes: an entry handler at a function's first instruction and an exit
// handler when it returns. As in Linux, the entry hook replaces the return
// address on the guest stack with `return_to_handler`, a real trampoline in
// kernel text; when the function returns there, the trampoline saves the
// return value on the stack (so its own stack writes are observable, as in
// the kernel), calls the exit handlers and jumps to the original caller.

import { Gpr } from '../cpu/registers';
import { NO_RETURN } from './hostFunctions';
import { joinAddress, splitAddress } from '../memory/memory';
import type { Machine } from './machine';
import type { Task } from './task';
import type { Kprobes } from './kprobes';
import { FTRACE_TRAMPOLINE } from './layout';

export type FprobeHandler = (m: Machine, task: Task) => void;

export interface Fprobe {
  readonly entry?: FprobeHandler;
  readonly exit?: FprobeHandler;
}

interface PendingReturn {
  fprobe: Fprobe;
  /** The original return address, as 32-bit halves. */
  retLo: number;
  retHi: number;
  /**
   * Another fprobe on the same function had already hooked this call: the
   * "original" is the trampoline itself, and unwinding skips this entry.
   */
  chained: boolean;
}

const TRAMPOLINE_AT = FTRACE_TRAMPOLINE;
const [TRAMPOLINE_LO, TRAMPOLINE_HI] = splitAddress(TRAMPOLINE_AT);
const RET_STACK = 'fprobe.retStack';

export class Fprobes {
  readonly trampoline = TRAMPOLINE_AT;
  readonly trampolineSize: number;
  private readonly attached = new Map<Fprobe, { kprobe: { address: bigint; pre: (m: Machine, t: Task) => void } }>();
  /**
   * DR0–DR3 slots (bits) whose #DB handler drops every hit a store of the
   * trampoline makes (KStackWatch's false-positive filter: the trampoline
   * saves registers in the frame that has just returned, the very frame its
   * watch is on). While a task runs the trampoline after a return, the CPU
   * drops those hits itself (Cpu.quietWrites) instead of taking a #DB for
   * each, which the handler would then have dropped.
   */
  quietSlots = 0;

  constructor(private readonly m: Machine, private readonly kprobes: Kprobes) {
    const exitHost = m.defineHost('ftrace_return_to_handler', () => this.returnToHandler());
    const code = trampolineCode(TRAMPOLINE_AT, exitHost);
    this.trampolineSize = code.length;
    m.mem.write(TRAMPOLINE_AT, code, true);
    m.hooks.set('trampolineReturn', () => this.enterTrampoline());
    m.hooks.set('unwindFixup', (task, rets) => {
      const originals = this.pendingReturns(task);
      let next = 0;
      return rets.map((r) => (r === TRAMPOLINE_AT && next < originals.length ? originals[next++] : r));
    });
    m.symbolizers.push((addr) => {
      if (addr >= TRAMPOLINE_AT && addr < TRAMPOLINE_AT + BigInt(code.length)) {
        return { symbol: `return_to_handler+0x${(addr - TRAMPOLINE_AT).toString(16)}/0x${code.length.toString(16)}` };
      }
      return undefined;
    });
  }

  /** Is the address inside the exit trampoline? (KStackWatch's false-positive filter.) */
  /** The same for an address given as 32-bit halves (the #DB fast path). */
  inTrampolineAt(lo: number, hi: number): boolean {
    return hi === TRAMPOLINE_HI && (lo >>> 0) >= (TRAMPOLINE_LO >>> 0) && (lo >>> 0) < (TRAMPOLINE_LO >>> 0) + this.trampolineSize;
  }

  inTrampoline(addr: bigint): boolean {
    return addr >= TRAMPOLINE_AT && addr < TRAMPOLINE_AT + BigInt(this.trampolineSize);
  }

  register(fp: Fprobe, fnStart: bigint, fnSize: number): void {
    const kprobe = { address: fnStart, pre: (_m: Machine, t: Task) => this.onEntry(fp, t) };
    this.kprobes.register(kprobe, fnStart, fnSize);
    this.attached.set(fp, { kprobe });
  }

  unregister(fp: Fprobe): void {
    const a = this.attached.get(fp);
    if (!a) return;
    this.kprobes.unregister(a.kprobe);
    this.attached.delete(fp);
  }

  /** The original return addresses hidden behind the trampoline, innermost first. */
  pendingReturns(task: Task): bigint[] {
    const stack = task.toolData.get(RET_STACK) as PendingReturn[] | undefined;
    return stack ? stack.filter((p) => !p.chained).map((p) => joinAddress(p.retLo, p.retHi)).reverse() : [];
  }

  private onEntry(fp: Fprobe, task: Task): void {
    fp.entry?.(this.m, task);
    if (!fp.exit) return;
    const R = this.m.cpu.regs, mem = this.m.mem;
    const spLo = R[2 * Gpr.RSP], spHi = R[2 * Gpr.RSP + 1];
    const retLo = mem.peek64(spLo, spHi), retHi = mem.scratch[0];
    const stack = this.retStack(task);
    const p = this.spare.pop();
    const chained = retLo === TRAMPOLINE_LO && retHi === TRAMPOLINE_HI;
    if (p) { p.fprobe = fp; p.retLo = retLo; p.retHi = retHi; p.chained = chained; stack.push(p); }
    else stack.push({ fprobe: fp, retLo, retHi, chained });
    mem.poke64(spLo, spHi, TRAMPOLINE_LO, TRAMPOLINE_HI);
    // keep the shadow stack in step: the function now returns to the trampoline
    task.shadow.replaceTopReturn(retLo, retHi, TRAMPOLINE_LO, TRAMPOLINE_HI);
  }

  /** The task's pending returns; the entry and the exit of a call ask for the same task's. */
  private retStack(task: Task): PendingReturn[] {
    if (task === this.lastTask) return this.lastStack!;
    let stack = task.toolData.get(RET_STACK) as PendingReturn[] | undefined;
    if (!stack) task.toolData.set(RET_STACK, stack = []);
    this.lastTask = task; this.lastStack = stack;
    return stack;
  }

  private lastTask: Task | null = null;
  private lastStack: PendingReturn[] | null = null;
  /** Records of returns that came back, reused (an entry and an exit on every probed call). */
  private readonly spare: PendingReturn[] = [];

  /**
   * A return landed at the trampoline: from here to its exit host call the
   * task runs only the trampoline's instructions (the quiet slots are
   * cleared there, and whenever the engine switches tasks, so a task that
   * comes back to the trampoline's rest later takes the #DBs as usual).
   * Not while a debugger's gate is installed: it asks again after every
   * #DB, and what it sees must not depend on this.
   */
  private enterTrampoline(): void {
    if (this.quietSlots !== 0 && this.m.hooks.installed.debugGate === null) this.m.cpu.quietWrites = this.quietSlots;
  }

  /** The exit host call: run the exit handler, hand the original return address back in RAX. */
  private returnToHandler(): typeof NO_RETURN | number {
    const task = this.m.currentTask;
    const top = this.retStack(task).pop();
    if (!top) {
      this.m.cpu.quietWrites = 0;
      this.m.panic('ftrace: return_to_handler without a pending return');
      return 0;
    }
    top.fprobe.exit?.(this.m, task);
    // The trampoline's stores are behind it. Cleared after the exit handler
    // (host code: its memory accesses are not watched): a disarm there that
    // waits (KStackWatch's) keeps the slot muted (Cpu.muted) without a flip.
    this.m.cpu.quietWrites = 0;
    const R = this.m.cpu.regs;
    R[2 * Gpr.RAX] = top.retLo;
    R[2 * Gpr.RAX + 1] = top.retHi;
    this.spare.push(top);
    this.m.returnFromHost();
    return NO_RETURN;
  }
}

/** Machine code of return_to_handler (see the file comment). */
function trampolineCode(at: bigint, exitHost: bigint): Uint8Array {
  const head = [0x48, 0x83, 0xec, 0x18, 0x48, 0x89, 0x04, 0x24, 0x48, 0x89, 0x54, 0x24, 0x08];
  const callAt = at + BigInt(head.length);
  const rel = Number(BigInt.asIntN(32, exitHost - (callAt + 5n)));
  const call = [0xe8, rel & 255, (rel >> 8) & 255, (rel >> 16) & 255, (rel >>> 24) & 255];
  const tail = [0x49, 0x89, 0xc3, 0x48, 0x8b, 0x54, 0x24, 0x08, 0x48, 0x8b, 0x04, 0x24, 0x48, 0x83, 0xc4, 0x18, 0x41, 0xff, 0xe3];
  return Uint8Array.from([...head, ...call, ...tail]);
}

