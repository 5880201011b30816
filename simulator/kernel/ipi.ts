// Inter-processor interrupts: a function queued for a CPU runs there at its
// next instruction boundary, with that CPU's task loaded in the engine
// (smp_call_function_single, asynchronous).

import type { Scheduler } from './scheduler';
import type { PerCpu } from './percpu';

export class Ipis {
  /** Functions queued per CPU, in sending order. */
  private readonly queues = new Map<number, Map<string, () => void>>();
  private seq = 0;

  constructor(private readonly percpu: readonly PerCpu[], private readonly scheduler: Scheduler) {}

  /**
   * Run `fn` on CPU `index` at its next instruction boundary. On the running
   * CPU it runs at once; on an idle one too, unless `deferIfIdle` (the sender
   * is happy for it to wait until the CPU runs a task again). A newer request
   * with the same `key` supersedes a pending one (re-arming the same slot).
   */
  send(index: number, fn: () => void, key?: string, deferIfIdle = false): void {
    const pc = this.percpu[index];
    if (this.scheduler.runningCpu === pc || (!pc.current && !deferIfIdle)) { fn(); return; }
    let q = this.queues.get(index);
    if (!q) this.queues.set(index, q = new Map());
    if (key !== undefined) q.delete(key); // re-insert at the end: keeps delivery in sending order
    q.set(key ?? `#${this.seq++}`, fn);
  }

  /**
   * Run what waits for the idle CPUs (requests sent with `deferIfIdle`): the
   * machine is stopped and someone is about to look at their state.
   */
  deliverIdle(): void {
    for (const pc of this.percpu) if (!pc.current) this.deliver(pc);
  }

  /** Run what is queued for pc (its task has just been loaded). */
  deliver(pc: PerCpu): void {
    const q = this.queues.get(pc.index);
    if (!q || q.size === 0) return;
    this.queues.delete(pc.index);
    for (const fn of q.values()) fn();
  }
}
