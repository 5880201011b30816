// CPU hotplug: CPUs going offline and online, at once or at a scheduled
// simulated time (ksw run --hotplug), with callbacks like the kernel's
// cpuhp_setup_state for the layers that keep per-CPU state (debug registers).

import type { Machine } from './machine';
import type { PerCpu } from './percpu';

export interface HotplugCallback {
  online?: (pc: PerCpu) => void;
  offline?: (pc: PerCpu) => void;
}

export class Hotplug {
  /** Called with the CPU going online/offline. */
  readonly callbacks: HotplugCallback[] = [];
  private readonly due: { atNs: number; cpu: number; online: boolean }[] = [];

  constructor(private readonly m: Machine) {}

  /** Take a CPU offline or online at a simulated time. */
  schedule(atNs: number, cpu: number, online: boolean): void {
    if (cpu < 0 || cpu >= this.m.percpu.length) throw new RangeError(`no CPU ${cpu}`);
    this.due.push({ atNs, cpu, online });
    this.due.sort((a, b) => a.atNs - b.atNs);
  }

  /** When the next scheduled event is due (Infinity: none). */
  get nextDueNs(): number {
    return this.due[0]?.atNs ?? Infinity;
  }

  /** Apply the events due by `nowNs`. */
  applyDue(nowNs: number): void {
    while (this.due.length > 0 && this.due[0].atNs <= nowNs) {
      const h = this.due.shift()!;
      this.setOnline(h.cpu, h.online);
    }
  }

  setOnline(index: number, online: boolean): void {
    const m = this.m;
    const pc = m.percpu[index];
    if (pc.online === online) return;
    if (!online) {
      if (m.percpu.filter((p) => p.online).length === 1) return; // the last CPU stays
      for (const cb of this.callbacks) cb.offline?.(pc);
      m.scheduler.evict(pc);
      pc.online = false;
      m.log(6, `smpboot: CPU ${index} is now offline`);
    } else {
      pc.online = true;
      m.log(6, `smpboot: Booting Node 0 Processor ${index}`);
      for (const cb of this.callbacks) cb.online?.(pc);
    }
  }
}
