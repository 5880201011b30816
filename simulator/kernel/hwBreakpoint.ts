// The hw_breakpoint layer over DR0–DR3: wide breakpoints take the same slot
// on every online CPU (register_wide_hw_breakpoint), can be re-pointed on the
// local CPU only (modify_wide_hw_breakpoint_local), and deliver #DB to their
// handler with the trapping CPU and task. No free slot → ENOSPC.
//
// A debugger's watchpoints (the simulator's data breakpoints, not the
// guest's) *yield*: the guest gets exactly the slots it would get without
// them — a guest registration takes the first slot no guest breakpoint
// holds, moving a yielding one to another free slot, or parking it when none
// is left — and a parked one takes the next slot the guest frees. So the
// guest's history (which slots it gets, when it meets ENOSPC) does not depend
// on the debugger, and whether a debugger watch is armed at a point of
// history is the same however the machine got there.

import { BreakType, DebugRegisters } from '../cpu/debugRegisters';
import { RegSlot } from '../cpu/registers';
import { joinAddress } from '../memory/memory';
import type { Machine, PerCpu } from './machine';
import type { Task } from './task';
import { UserError } from '../errors/userError';

export type HwBreakpointKind = 'w' | 'rw' | 'x';

export interface HwBreakpointAttr {
  address: bigint;
  length: 1 | 2 | 4 | 8;
  kind: HwBreakpointKind;
  /** A disabled breakpoint keeps its slot but does not fire. */
  disabled?: boolean;
}

export interface HwBreakpointHit {
  readonly bp: HwBreakpoint;
  readonly pc: PerCpu;
  readonly task: Task;
  /** Address the CPU trapped at (after the writing instruction). */
  readonly trapIp: bigint;
}

/** A #DB delivery; the trap address becomes a BigInt only if a handler asks (most hits are filtered). */
class Hit implements HwBreakpointHit {
  constructor(readonly bp: HwBreakpoint, readonly pc: PerCpu, readonly task: Task,
    private readonly ipLo: number, private readonly ipHi: number) {}

  get trapIp(): bigint {
    return joinAddress(this.ipLo, this.ipHi);
  }
}

export interface HwBreakpoint {
  /** The debug register it is in; -1 for a yielding breakpoint parked without one. */
  readonly slot: number;
  attr: HwBreakpointAttr;
  readonly handler: (hit: HwBreakpointHit) => void;
  /**
   * A test run before the hit is built: true when the handler would return
   * at once. KStackWatch's exit trampoline stores into the frame it watches
   * on every watched return, and such a hit needs no HwBreakpointHit.
   */
  readonly ignores?: () => boolean;
  /** A debugger's breakpoint, which gives its slot up to the guest's. */
  readonly yields?: boolean;
  /** A parked yielding breakpoint got a slot again: it watches from here on (what it watches may have changed meanwhile). */
  readonly armed?: () => void;
}

/** The registry's own view: the slot moves when a yielding breakpoint is moved or parked. */
type Registered = { -readonly [K in keyof HwBreakpoint]: HwBreakpoint[K] };

export class HwBreakpointError extends UserError {
  constructor(readonly errno: string, message: string) {
    super(message);
  }
}

/** The DR7 type of a kind (compares, not a keyed lookup: KStackWatch re-points a slot on every watched call). */
function breakType(kind: HwBreakpointKind): BreakType {
  return kind === 'w' ? BreakType.WRITE : kind === 'rw' ? BreakType.READ_WRITE : BreakType.EXECUTE;
}

export function validateAttr(attr: HwBreakpointAttr): void {
  if (![1, 2, 4, 8].includes(attr.length)) throw new HwBreakpointError('EINVAL', `length ${attr.length} is not 1, 2, 4 or 8`);
  if (attr.address % BigInt(attr.length) !== 0n) {
    throw new HwBreakpointError('EINVAL', `address 0x${attr.address.toString(16)} is not aligned to its length ${attr.length}`);
  }
  if (attr.kind === 'x' && attr.length !== 1) throw new HwBreakpointError('EINVAL', 'execute breakpoints have length 1');
}

export class HwBreakpoints {
  private readonly slots: (Registered | null)[] = [null, null, null, null];
  /** Yielding breakpoints without a slot, oldest first: the next freed slot goes to the first. */
  private readonly parked: Registered[] = [];

  constructor(private readonly m: Machine) {
    m.hooks.set('debugTrap', (pc, dr6) => this.onDebug(pc, dr6));
    m.hotplug.callbacks.push({ online: (pc) => this.reinstall(pc) });
  }

  /** Slots in use (for the UI and the KStackWatch pool size). */
  get used(): number {
    return this.slots.filter((s) => s !== null).length;
  }

  get free(): number {
    return 4 - this.used;
  }

  registerWide(attr: HwBreakpointAttr, handler: (hit: HwBreakpointHit) => void, ignores?: () => boolean): HwBreakpoint {
    validateAttr(attr);
    // the first slot no guest breakpoint holds: the one it would get if the debugger held none
    const slot = this.slots.findIndex((b) => b === null || b.yields);
    if (slot < 0) throw new HwBreakpointError('ENOSPC', 'no free debug register');
    const displaced = this.slots[slot];
    const bp: Registered = { slot, attr: { ...attr }, handler, ignores };
    this.install(bp, slot);
    if (displaced) {
      const free = this.slots.indexOf(null);
      if (free >= 0) this.install(displaced, free);
      else { displaced.slot = -1; this.parked.push(displaced); }
    }
    return bp;
  }

  /**
   * A debugger's breakpoint: in the first free slot, else parked (slot -1)
   * until the guest frees one. Never takes a slot from the guest.
   */
  registerYielding(attr: HwBreakpointAttr, handler: (hit: HwBreakpointHit) => void, armed?: () => void): HwBreakpoint {
    validateAttr(attr);
    const bp: Registered = { slot: -1, attr: { ...attr }, handler, yields: true, armed };
    const free = this.slots.indexOf(null);
    if (free >= 0) this.install(bp, free); else this.parked.push(bp);
    return bp;
  }

  /** Put `bp` in `slot` on every online CPU. */
  private install(bp: Registered, slot: number): void {
    bp.slot = slot;
    this.slots[slot] = bp;
    for (const pc of this.m.percpu) if (pc.online) this.program(pc, bp, bp.attr);
  }

  /** Change the breakpoint on the CPU that is running now only. */
  modifyLocal(bp: HwBreakpoint, attr: HwBreakpointAttr): void {
    validateAttr(attr);
    this.program(this.m.currentCpu, bp, attr);
  }

  /** Program a CPU's slot (on that CPU: call it via ipis.send for remote CPUs). */
  program(pc: PerCpu, bp: HwBreakpoint, attr: HwBreakpointAttr): void {
    const d = pc.debug;
    d.dr[bp.slot] = attr.address;
    d.dr7 &= ~DebugRegisters.controlMask(bp.slot);
    if (!attr.disabled) d.dr7 |= DebugRegisters.control(bp.slot, breakType(attr.kind), attr.length);
    if (this.m.cpu.debug === d) this.m.cpu.applyDebugSlot(bp.slot);
  }

  unregister(bp: HwBreakpoint): void {
    const parked = this.parked.indexOf(bp as Registered);
    if (parked >= 0) { this.parked.splice(parked, 1); return; }
    if (bp.slot < 0 || this.slots[bp.slot] !== bp) return;
    const slot = bp.slot;
    this.slots[slot] = null;
    for (const pc of this.m.percpu) this.program(pc, bp, { ...bp.attr, disabled: true });
    const next = this.parked.shift();
    if (next) { this.install(next, slot); next.armed?.(); }
  }

  private reinstall(pc: PerCpu): void {
    for (const bp of this.slots) if (bp) this.program(pc, bp, bp.attr);
  }

  private onDebug(pc: PerCpu, dr6: number): void {
    const task = this.m.currentTask;
    const R = this.m.cpu.regs;
    const ipLo = R[RegSlot.RIP], ipHi = R[RegSlot.RIP + 1];
    pc.debug.dr6 &= ~0xf;
    for (let i = 0; i < 4; i++) {
      const bp = this.slots[i];
      if ((dr6 & (1 << i)) && bp && !bp.ignores?.()) bp.handler(new Hit(bp, pc, task, ipLo, ipHi));
    }
  }
}
