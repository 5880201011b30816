// The hw_breakpoint layer's slots shared by the guest and the debugger: a
// debugger's (yielding) watchpoint never takes a slot the guest would get,
// so the guest's history is the same with or without it — it moves to
// another free slot, or waits parked, and arms in the next slot the guest
// frees.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DEFAULT_OPTIONS, Machine } from '../../simulator/kernel/machine';
import { HwBreakpointError, HwBreakpoints } from '../../simulator/kernel/hwBreakpoint';

const attr = (address: bigint): { address: bigint; length: 8; kind: 'w' } => ({ address, length: 8, kind: 'w' });
const none = (): void => undefined;

test('guest breakpoints get the slots they would get without the debugger\'s; the debugger\'s move, wait and re-arm', () => {
  const m = new Machine({ ...DEFAULT_OPTIONS, cpus: 2 });
  const hw = new HwBreakpoints(m);
  const dbg = hw.registerYielding(attr(0x1000n), none);
  assert.equal(dbg.slot, 0);
  // the guest's first breakpoint takes DR0 as it would alone; the debugger's moves to DR1
  const g0 = hw.registerWide(attr(0x2000n), none);
  assert.equal(g0.slot, 0);
  assert.equal(dbg.slot, 1);
  assert.equal(m.percpu[1].debug.dr[1], 0x1000n, 'programmed on every CPU in its new slot');
  const g1 = hw.registerWide(attr(0x2008n), none);
  const g2 = hw.registerWide(attr(0x2010n), none);
  assert.deepEqual([g1.slot, g2.slot, dbg.slot], [1, 2, 3]);
  // the fourth: the debugger's gives it up and waits
  const g3 = hw.registerWide(attr(0x2018n), none);
  assert.equal(g3.slot, 3);
  assert.equal(dbg.slot, -1);
  assert.throws(() => hw.registerWide(attr(0x2020n), none), (e: unknown) => e instanceof HwBreakpointError && e.errno === 'ENOSPC');
  // a second debugger watchpoint waits behind the first
  const dbg2 = hw.registerYielding(attr(0x1008n), none);
  assert.equal(dbg2.slot, -1);
  // the guest frees DR2: the first waiting one arms there
  hw.unregister(g2);
  assert.equal(dbg.slot, 2);
  assert.equal(m.percpu[0].debug.dr[2], 0x1000n);
  assert.equal(dbg2.slot, -1);
  // a waiting one can be removed; removing an armed one lets the next waiting one in
  hw.unregister(dbg);
  assert.equal(dbg2.slot, 2);
  hw.unregister(dbg2);
  assert.equal(hw.registerWide(attr(0x2030n), none).slot, 2);
});
