// KStackWatch's disarm on the running CPU, with every other CPU idle, waits
// while the CPU goes on with its task (WatchPool.disarm/afterQuantum/settle):
// the slot keeps pointing at the frame that returned while the CPU drops its
// hits, as the handler does for a disarmed watchpoint, and a loop calling the
// watched function re-arms the same slot at the same frame before then
// without re-pointing anything — also across the ends of quanta the CPU goes
// on from. What anyone can look at must not show it: whenever the engine lets
// go of the CPU (a switch, a stop) and at every halt, each CPU's debug
// registers are exactly those of an immediate disarm. Real module (bench/kstackwatch/
// overhead.c) on 4 CPUs; the history tests (test/kernel/historyIndependence)
// compare whole runs with and without these shortcuts (a debugger's gate
// turns them off).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../../simulator/system/kernel';
import { StackProbe } from '../../simulator/kstackwatch/stack';
import type { PerCpu } from '../../simulator/kernel/machine';
import { overheadModule } from './overheadModule';

const CALLS = 400;

test('a disarm waits while the CPU goes on with its task; the debug registers are exact whenever the engine lets go of it and at every halt', () => {
  const k = new Kernel({ cpus: 4, seed: 5, maxInstructions: 1e9 });
  k.load(overheadModule());
  k.setParam('calls', String(CALLS));
  const w = k.ksw.start('fn=watched');
  const m = k.machine;
  const dummy = m.percpu[0].debug.dr[0]; // every slot parked on the dummy
  /** The registers an immediate disarm leaves: an armed watchpoint's slot on its target, a free one parked and off. */
  const exact = (pc: PerCpu, where: string): void => {
    for (const wp of k.ksw.watchpoints) {
      const slot = wp.bp.slot, on = ((pc.debug.dr7 >> (2 * slot)) & 3) !== 0;
      assert.equal(on, wp.armed, `${where}: CPU ${pc.index} slot ${slot} enabled iff armed`);
      assert.equal(pc.debug.dr[slot], wp.armed ? wp.address : dummy, `${where}: CPU ${pc.index} slot ${slot} target`);
    }
    assert.equal(m.cpu.disarmedWrites, 0, `${where}: nothing left dropped quietly`);
  };
  let quanta = 0, unloads = 0;
  m.hooks.afterQuantum.push(() => { quanta++; });
  m.hooks.beforeUnload.push(() => { if (m.runningCpu !== null) exact(m.runningCpu, `unload ${++unloads}`); });
  // Re-pointing the watched slot on the running CPU: an arm that finds its disarm pending at the same frame does not
  let repointed = 0;
  const program = k.hw.program.bind(k.hw);
  k.hw.program = (pc, bp, attr) => { if (pc === m.runningCpu) repointed++; program(pc, bp, attr); };
  // The deferral itself: right after an exit on the running CPU, the slot still points at the frame.
  const proto = StackProbe.prototype as unknown as { onFunctionExit(this: StackProbe, ...a: unknown[]): void };
  const orig = proto.onFunctionExit;
  let deferred = 0;
  proto.onFunctionExit = function (this: StackProbe, ...a: unknown[]) {
    const wp = k.ksw.watchpoints.find((x) => x.armed);
    orig.apply(this, a);
    if (wp && !wp.armed && m.runningCpu!.debug.dr[wp.bp.slot] === wp.address) deferred++;
  };
  // A debugger halting the machine every 7th call, on the function's entry (the previous call's disarm pending).
  let calls = 0;
  k.kprobes.register({ address: w.fn.address, pre: () => { if (++calls % 7 === 0) m.halt('debugger'); } }, w.fn.address, w.fn.size);
  let halts = 0;
  let stop;
  try {
    k.startInit();
    for (stop = k.run(); stop.kind === 'halted'; stop = k.run()) {
      halts++;
      m.ipis.deliverIdle(); // the debugger's view: the idle CPUs take what they owe
      for (const pc of m.percpu) exact(pc, `halt ${halts}`);
    }
  } finally {
    proto.onFunctionExit = orig;
  }
  assert.equal(stop.kind, 'idle');
  assert.equal(k.ksw.corruptions.length, 0, 'the next call\'s prologue storing the canary into the pending slot is not reported');
  assert.ok(halts >= CALLS / 7 - 1, `${halts} halts`);
  assert.ok(quanta > 100, `${quanta} quanta`);
  assert.ok(unloads > 10, `${unloads} unloads`);
  assert.ok(deferred > CALLS / 2, `${deferred} of ${CALLS} disarms waited`);
  // (each halt settles the pending disarm and the next call arms again: two each; the quanta's ends add none)
  assert.ok(repointed <= 2 * halts + 8, `the slot was re-pointed ${repointed} times in ${CALLS} calls, ${halts} halts, ${quanta} quanta`);
});
