// Arming and disarming re-point the watch's debug register on the running
// CPU at once, on busy CPUs by IPI, and on idle CPUs lazily: an idle CPU runs
// no code that could hit the watch, so it takes the slot's newest target when
// it next runs a task (or when the debugger shows the registers), instead of
// being re-programmed on every watched call. Real module (bench/kstackwatch/
// overhead.c) on 4 CPUs, 2000 watched calls on one of them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../../simulator/system/kernel';
import { Memory } from '../../simulator/memory/memory';
import { overheadModule, runWithProbeLook } from './overheadModule';

test('idle CPUs take the newest watch target lazily; the local CPU is re-pointed at once', () => {
  const k = new Kernel({ cpus: 4, seed: 1, maxInstructions: 1e9 });
  k.load(overheadModule());
  k.setParam('calls', '2000');
  k.ksw.start('fn=watched');
  const dummy = k.machine.percpu[0].debug.dr[0]; // the pool holds every slot, all parked on the dummy
  let checked = 0;
  const stop = runWithProbeLook(k, () => {
    const m = k.machine;
    const wp = k.ksw.watchpoints.find((w) => w.armed);
    if (!wp || checked >= 3) return;
    const slot = wp.bp.slot;
    const local = m.runningCpu!;
    assert.equal(local.debug.dr[slot], wp.address, 'the running CPU watches the frame at once');
    const idle = m.percpu.filter((pc) => pc !== local && !pc.current);
    assert.ok(idle.length > 0, 'the other CPUs are idle');
    // Every call is armed and disarmed; the idle CPUs have not been re-pointed since the first arm.
    if (checked > 0) for (const pc of idle) assert.notEqual(pc.debug.dr[slot], wp.address);
    checked++;
  });
  assert.equal(stop.kind, 'idle');
  assert.equal(checked, 3);
  assert.equal(k.ksw.corruptions.length, 0, 'the exit trampoline\'s stores stay filtered');
  // The debugger's view makes the idle CPUs take what they owe: the watch is parked everywhere.
  k.machine.ipis.deliverIdle();
  for (const pc of k.machine.percpu) for (let slot = 0; slot < 4; slot++) {
    assert.equal(pc.debug.dr[slot], dummy, `CPU ${pc.index} points the slot at the dummy`);
    assert.equal((pc.debug.dr7 >> (2 * slot)) & 3, 0, `CPU ${pc.index}: the parked slot is disabled`);
  }
});

test('a write watch removed from a page that holds two keeps the other one watched', () => {
  const m = new Memory(1 << 22);
  m.map(0x7000n, 0x1000, 3);
  const hits: number[] = [];
  m.observer = { watchedAccess: (lo: number) => { hits.push(lo); }, codeWritten: () => {} } as unknown as Memory['observer'];
  for (const first of [0x7100, 0x7200]) {
    m.adjustWatch(0x7100, 0, 8, true, false, +1);
    m.adjustWatch(0x7200, 0, 8, true, false, +1);
    m.adjustWatch(first, 0, 8, true, false, -1);
    const other = first === 0x7100 ? 0x7200 : 0x7100;
    hits.length = 0;
    m.st64(first, 0, 1, 0); // the guest's store path (writeU64 is the kernel's, unwatched)
    m.st64(other, 0, 2, 0);
    assert.deepEqual(hits, [other], `only the remaining watch at 0x${other.toString(16)} sees stores`);
    m.adjustWatch(other, 0, 8, true, false, -1);
  }
});
