// The watch pool (the kernel's watch.c): hardware breakpoints allocated when
// watching starts, parked on a dummy address, handed out lock-free (a simple
// free list here: the simulator runs one CPU step at a time), and re-pointed
// on the local CPU at once and on the others by asynchronous IPIs.

import type { Machine } from '../kernel/machine';
import type { HwBreakpoint, HwBreakpointHit, HwBreakpoints } from '../kernel/hwBreakpoint';
import { HwBreakpointError, HwBreakpointAttr } from '../kernel/hwBreakpoint';
import type { PerCpu } from '../kernel/machine';
import { splitAddress } from '../memory/memory';

/** The IPI key per debug-register slot: a newer request for the slot replaces a pending one. */
const IPI_KEYS = ['hw-breakpoint:0', 'hw-breakpoint:1', 'hw-breakpoint:2', 'hw-breakpoint:3'];

export interface Watchpoint {
  readonly bp: HwBreakpoint;
  /** What it watches while armed. */
  address: bigint;
  length: 1 | 2 | 4 | 8;
  armed: boolean;
  /** Value of the watched bytes when armed / after the last hit (for "old" in reports), as 32-bit halves. */
  lastLo: number;
  lastHi: number;
  /** Set by the owner when arming: describes the victim (for reports and the UI). */
  owner: unknown;
  /**
   * Its armed attributes, one object re-pointed from call to call (no
   * allocation per arm). A pending IPI may hold it: it then programs the
   * newest target, as a newer request for the slot replaces a pending one.
   */
  readonly armedAttr: { address: bigint; length: 1 | 2 | 4 | 8; kind: 'w'; lo: number; hi: number };
}

export class WatchPool {
  readonly all: Watchpoint[] = [];
  /**
   * The free watchpoints, a stack: freeList, then topFree on top when not
   * null. A loop of watched calls puts its watchpoint back and takes it
   * again (resume) on every call: kept in a field, that touches no array.
   */
  private readonly freeList: Watchpoint[] = [];
  private topFree: Watchpoint | null = null;
  /** Calls that found no free watchpoint (the kernel silently skips them; we count). */
  misses = 0;

  constructor(private readonly m: Machine, private readonly hw: HwBreakpoints, private readonly dummy: bigint) {
    this.parked = { address: dummy, length: 8, kind: 'w', disabled: true };
    this.idleStale = new Int32Array(m.percpu.length);
    m.hotplug.callbacks.push(this.hotplug);
  }

  /**
   * Idle CPUs are re-pointed lazily (see program): per CPU, a bit for each
   * slot whose newest target it has not taken yet, and per slot that target (parkedSlots).
   */
  private readonly idleStale: Int32Array;
  /**
   * Slots (bits) whose newest target is the dummy (parked); the others'
   * is their watchpoint's armed attributes. A bit, not the attributes
   * object in an array: a watched call re-points it twice (disarm, rearm),
   * and an object store is a write barrier and two more cache lines.
   */
  private parkedSlots = 0;
  /**
   * A CPU coming online points every slot at the dummy (the kernel's cpuhp
   * callback): nothing stale to take. Deferred disarms are carried out
   * first: a re-arm that finds its disarm still pending re-points nothing,
   * and this CPU, with no stale bit, would never take that target.
   */
  private readonly hotplug = { online: (pc: PerCpu) => { this.settle(); this.idleStale[pc.index] = 0; this.waitable = 0; } };

  /**
   * Allocate `max` breakpoints, or as many as the debug registers allow when
   * max is 0. Returns how many were allocated (0 → the caller fails with EBUSY).
   * `ignored`: a hit the owner filters before any work (the exit trampoline's
   * store), tested before the hit is built.
   */
  allocate(max: number, onHit: (wp: Watchpoint, hit: HwBreakpointHit) => void, ignored: () => boolean = () => false): number {
    let n = 0;
    const [dummyLo, dummyHi] = splitAddress(this.dummy);
    while (max === 0 || n < max) {
      let bp: HwBreakpoint;
      try {
        const wpRef: { wp?: Watchpoint } = {};
        bp = this.hw.registerWide({ address: this.dummy, length: 8, kind: 'w', disabled: true }, (hit) => {
          if (wpRef.wp && wpRef.wp.armed) onHit(wpRef.wp, hit);
        }, () => !wpRef.wp || !wpRef.wp.armed || ignored());
        const wp: Watchpoint = {
          bp, address: this.dummy, length: 8, armed: false, lastLo: 0, lastHi: 0, owner: null,
          armedAttr: { address: this.dummy, length: 8, kind: 'w', lo: dummyLo, hi: dummyHi },
        };
        wpRef.wp = wp;
        this.all.push(wp);
        this.pushFree(wp);
        n++;
      } catch (e) {
        if (e instanceof HwBreakpointError && e.errno === 'ENOSPC') break;
        throw e;
      }
    }
    return n;
  }

  release(): void {
    this.settle();
    for (const wp of this.all) this.hw.unregister(wp.bp);
    this.all.length = 0;
    this.freeList.length = 0;
    this.topFree = null;
    this.ipis.clear();
    this.idleStale.fill(0);
    const cbs = this.m.hotplug.callbacks, i = cbs.indexOf(this.hotplug);
    if (i >= 0) cbs.splice(i, 1);
  }

  get(): Watchpoint | null {
    const top = this.topFree;
    if (top !== null) { this.topFree = null; return top; }
    const wp = this.freeList.pop();
    if (!wp) { this.misses++; return null; }
    return wp;
  }

  put(wp: Watchpoint): void {
    wp.owner = null;
    this.pushFree(wp);
  }

  private pushFree(wp: Watchpoint): void {
    if (this.topFree !== null) this.freeList.push(this.topFree);
    this.topFree = wp;
  }

  /** The debug-register slots the pool's breakpoints hold (bits; a guest breakpoint keeps its slot). */
  get slotMask(): number {
    let mask = 0;
    for (const wp of this.all) mask |= 1 << wp.bp.slot;
    return mask;
  }

  get inUse(): number {
    return this.all.length - this.freeList.length - (this.topFree !== null ? 1 : 0);
  }

  /**
   * Point the watchpoint at [address, address+length) on every online CPU.
   * `lo`/`hi` are the address's 32-bit halves when the caller has them:
   * arming runs on every watched call, and splitting a BigInt costs more
   * than the rest of it; `valueLo`/`valueHi` the 8 bytes there when it has
   * just read them (the canary).
   */
  arm(wp: Watchpoint, address: bigint, length: 1 | 2 | 4 | 8, lo?: number, hi?: number, valueLo?: number, valueHi?: number): void {
    wp.address = address;
    wp.length = length;
    wp.armed = true;
    if (lo === undefined || hi === undefined) [lo, hi] = splitAddress(address);
    if (valueLo === undefined || valueHi === undefined) { valueLo = this.m.mem.peek64(lo, hi); valueHi = this.m.mem.scratch[0]; }
    wp.lastLo = valueLo;
    wp.lastHi = valueHi;
    const attr = wp.armedAttr;
    const slot = wp.bp.slot, bit = 1 << slot;
    if ((this.deferred & bit) !== 0) {
      // its disarm was never carried out: the running CPU's slot still watches
      // attr, and every other CPU takes the slot's target when it next runs (halves: no BigInt compare)
      if (attr.lo === lo && attr.hi === hi && attr.length === length) { this.rearm(wp, valueLo, valueHi); return; }
      this.deferred &= ~bit;
      this.m.cpu.disarmedWrites &= ~bit;
    }
    attr.address = address;
    attr.lo = lo;
    attr.hi = hi;
    attr.length = length;
    this.program(wp, attr);
  }

  /**
   * Arm wp again at the target it watched when its disarm was deferred
   * (disarm), that disarm still waiting: a loop's next call at the same
   * frame. The running CPU's slot still watches the target and every other
   * CPU takes the slot's target when it next runs, so only the bookkeeping
   * flips back — what get() and arm() do for it, without finding anything.
   * False (nothing done) unless wp is the free watchpoint get() would hand
   * out, its disarm waits and it watched [lo, lo+length) of the window hi;
   * `valueLo`/`valueHi`: the bytes there now.
   */
  resume(wp: Watchpoint, lo: number, hi: number, length: 1 | 2 | 4 | 8, valueLo: number, valueHi: number): boolean {
    const attr = wp.armedAttr;
    if ((this.deferred & (1 << wp.bp.slot)) === 0 || attr.lo !== lo || attr.hi !== hi || attr.length !== length) return false;
    if (!this.takeFree(wp)) return false;
    this.rearm(wp, valueLo, valueHi);
    return true;
  }

  /** Take wp off the free stack if it is on top (what get() would hand out); false otherwise. */
  private takeFree(wp: Watchpoint): boolean {
    if (this.topFree === wp) { this.topFree = null; return true; }
    const free = this.freeList;
    if (this.topFree !== null || free[free.length - 1] !== wp) return false;
    free.pop();
    return true;
  }

  /**
   * arm()'s deferred same-target path: wp's disarm still waits and it
   * watches its armed target again; nothing is re-pointed. Apart from arm,
   * as mayWait's slow half is apart from it: what a watched call runs stays
   * under TurboFan's inlining limit (v8Tuning.ts), so it is inlined into the
   * probe handlers instead of a call into cold code each.
   */
  private rearm(wp: Watchpoint, valueLo: number, valueHi: number): void {
    const attr = wp.armedAttr, slot = wp.bp.slot;
    wp.address = attr.address;
    wp.length = attr.length;
    wp.armed = true;
    wp.lastLo = valueLo;
    wp.lastHi = valueHi;
    this.deferred &= ~(1 << slot);
    this.m.cpu.disarmedWrites &= ~(1 << slot);
    this.parkedSlots &= ~(1 << slot);
  }

  /**
   * Park the watchpoint. On the running CPU with every other CPU idle (they
   * take the slot's newest target when they next run), the re-pointing
   * waits for the end of the quantum or the engine letting go of the CPU
   * (settle), and the CPU drops the slot's hits meanwhile (disarmedWrites),
   * which is what the hit handler does for a disarmed watchpoint: a loop
   * calling the watched function re-arms the same slot at the same frame
   * before then, and neither the disarm nor that arm re-points anything.
   */
  disarm(wp: Watchpoint): void {
    wp.armed = false;
    if (this.mayDefer(wp)) {
      const bit = 1 << wp.bp.slot;
      this.deferred |= bit;
      this.m.cpu.disarmedWrites |= bit;
      this.parkedSlots |= bit;
      return;
    }
    this.program(wp, this.parked);
  }

  /** Slots (bits) whose disarm waits for settle(): parked for everyone but the running CPU. */
  private deferred = 0;

  /** May wp's disarm wait (see disarm)? Not while a debugger steps the machine: its gate looks between instructions. */
  private mayDefer(wp: Watchpoint): boolean {
    return this.mayWait(1 << wp.bp.slot);
  }

  /** May the disarms of these slots (bits) wait: the running CPU the only one with a task, every other online one owing them their target? */
  private mayWait(bits: number): boolean {
    return (this.waitable & bits) === bits || this.mayWaitNow(bits);
  }

  private mayWaitNow(bits: number): boolean {
    const local = this.m.runningCpu;
    if (local === null || this.m.cpu.debug !== local.debug || this.m.hooks.installed.debugGate !== null) return false;
    const cpus = this.m.percpu, stale = this.idleStale;
    for (let n = 0; n < cpus.length; n++) {
      const pc = cpus[n];
      if (pc !== local && pc.online && (pc.current !== null || (stale[n] & bits) !== bits)) return false;
    }
    this.waitable |= bits;
    return true;
  }

  /**
   * Slots (bits) mayWait said yes for in this quantum: what it looks at — the
   * running CPU, the other CPUs' tasks and online states, a debugger's gate,
   * the idle CPUs' stale bits — stays as it is until the quantum ends or the
   * engine lets go of the CPU (afterQuantum, settle), a slot is re-pointed
   * (program) or an idle CPU takes its target (the IPI). A loop of watched
   * calls asks on every return.
   */
  private waitable = 0;

  /**
   * A quantum's end: the deferred disarms wait on while they may (the
   * running CPU goes on with its task and nobody else runs). Carried out
   * then, every watched call of a loop re-pointed its slot twice per
   * quantum end — at four CPUs' short quanta, one call in 12. The engine
   * letting go of the CPU (a switch, a stop, a checkpoint's slice end)
   * still settles them (beforeUnload).
   */
  afterQuantum(): void {
    this.waitable = 0;
    if (this.deferred !== 0 && !this.mayWait(this.deferred)) this.settle();
  }

  /**
   * Carry out the deferred disarms: at the end of every quantum and before
   * the engine lets go of the CPU (a switch, a stop), so the registers are
   * exact wherever anyone can look, and no other CPU runs meanwhile.
   */
  settle(): void {
    this.waitable = 0;
    const d = this.deferred;
    if (d === 0) return;
    this.deferred = 0;
    this.m.cpu.disarmedWrites &= ~d;
    for (const wp of this.all) if ((d & (1 << wp.bp.slot)) !== 0) this.program(wp, this.parked);
  }

  /** Where a free watchpoint points: the dummy, disabled. */
  private readonly parked: { address: bigint; length: 8; kind: 'w'; disabled: true };

  /** The value a watchpoint recorded (when armed or at its last hit), masked to its length. */
  lastValue(wp: Watchpoint): bigint {
    const v = (BigInt(wp.lastHi >>> 0) << 32n) | BigInt(wp.lastLo >>> 0);
    return wp.length === 8 ? v : v & ((1n << BigInt(8 * wp.length)) - 1n);
  }

  /** Current value of the watched bytes (a kernel read: not seen by the watchpoint). */
  read(address: bigint, length: number): bigint {
    const [lo, hi] = splitAddress(address);
    const low = this.m.mem.peek64(lo, hi);
    const v = (BigInt(this.m.mem.scratch[0] >>> 0) << 32n) | BigInt(low >>> 0);
    return length === 8 ? v : v & ((1n << BigInt(8 * length)) - 1n);
  }

  /**
   * The IPI that programs `wp` on `pc` with `attr`: made once per CPU and
   * target (a watchpoint's armed attributes are one reused object, parked is
   * another), since arming and disarming on every watched call would
   * otherwise allocate a closure per busy CPU each time. `attr` null: the
   * lazy update of an idle CPU, which takes the slot's newest target.
   */
  private ipiFor(pc: PerCpu, wp: Watchpoint, attr: HwBreakpointAttr | null): () => void {
    let fns = this.ipis.get(wp);
    if (!fns) this.ipis.set(wp, fns = []);
    const k = 3 * pc.index + (attr === null ? 2 : attr === this.parked ? 0 : 1);
    return fns[k] ??= attr !== null ? () => this.hw.program(pc, wp.bp, attr) : () => {
      this.waitable = 0;
      const bit = 1 << wp.bp.slot;
      if (!(this.idleStale[pc.index] & bit)) return; // came online meanwhile: it points at the dummy
      this.idleStale[pc.index] &= ~bit;
      this.hw.program(pc, wp.bp, (this.parkedSlots & bit) !== 0 ? this.parked : wp.armedAttr);
    };
  }

  private readonly ipis = new Map<Watchpoint, (() => void)[]>();

  private program(wp: Watchpoint, attr: Watchpoint['armedAttr'] | WatchPool['parked']): void {
    // From a probe handler a CPU is running: it is updated at once, the others by IPI.
    // With the machine stopped (a debugger changing watches) every CPU is updated directly.
    const local = this.m.runningCpu;
    const slot = wp.bp.slot, bit = 1 << slot;
    this.waitable = 0;
    // (attr is wp's armed attributes or parked: arm, disarm and settle are the callers)
    this.parkedSlots = attr === this.parked ? this.parkedSlots | bit : this.parkedSlots & ~bit;
    if (local) this.hw.program(local, wp.bp, attr); // attributes were validated when the config started
    const cpus = this.m.percpu, stale = this.idleStale;
    for (let n = 0; n < cpus.length; n++) {
      const pc = cpus[n];
      // the common case first: an idle CPU that already owes this slot its newest target (below)
      if (pc.current === null && (stale[n] & bit) !== 0 && local !== null) continue;
      if (pc === local || !pc.online) continue;
      if (!local) {
        this.idleStale[pc.index] &= ~bit;
        this.hw.program(pc, wp.bp, attr);
      } else if (!pc.current) {
        // An idle CPU runs no code that could hit the watch: it takes the
        // slot's newest target when it next runs a task (the IPI waits for
        // that), instead of being re-pointed on every arm and disarm. Once
        // queued, later arms and disarms only move the target.
        if (this.idleStale[pc.index] & bit) continue;
        this.idleStale[pc.index] |= bit;
        this.m.ipis.send(pc.index, this.ipiFor(pc, wp, null), IPI_KEYS[slot], true);
      } else {
        // A busy one takes an asynchronous IPI at its next instruction
        // boundary — a newer request for the same slot replaces a pending one.
        this.idleStale[pc.index] &= ~bit;
        this.m.ipis.send(pc.index, this.ipiFor(pc, wp, attr), IPI_KEYS[slot]);
      }
    }
  }
}
