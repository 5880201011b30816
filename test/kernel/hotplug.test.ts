// CPU hotplug while threads run (guest: test/kernel/guests/kt_hotplug.c),
// through the command line (--hotplug CPU@MS:off|on) and the library: the
// machine goes on, nothing runs on the offline CPU, threads migrate, every
// thread finishes all its rounds, the CPU is used again once back online.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { KernelEvent, LogEvent } from '../../simulator/kernel/events';
import type { Task } from '../../simulator/kernel/task';
import { Kernel } from '../../simulator/system/kernel';
import { NEEDS_GCC, SEEDS, all, assertJsonStream, guestObject, indexOf, kswRun, kv, only, paramArgs } from './harness';

const MS = 1_000_000;
const OFFLINE = /^smpboot: CPU 1 is now offline$/;
const ONLINE = /^smpboot: Booting Node 0 Processor 1$/;
const ROUND = /^kt_hotplug: t(\d+) round (\d+) cpu=(\d+) online=(\d+)$/;

function checkHotplug(logs: LogEvent[], offMs: number, onMs: number, nthreads = 4, rounds = 30, atAnyTime = false): void {
  const off = indexOf(logs, OFFLINE), on = indexOf(logs, ONLINE);
  assert.equal(all(logs, OFFLINE).length, 1);
  assert.equal(all(logs, ONLINE).length, 1);
  // Scheduled hotplug events happen at the first round boundary at or after their time.
  const slack = atAnyTime ? 1_000_000 : 10_000;
  assert.ok(logs[off].time_ns >= offMs * MS && logs[off].time_ns < offMs * MS + slack, `offline at ${logs[off].time_ns}`);
  assert.ok(logs[on].time_ns >= onMs * MS && logs[on].time_ns < onMs * MS + slack, `online at ${logs[on].time_ns}`);
  let usedAfter = false;
  logs.forEach((e, i) => {
    const m = ROUND.exec(e.text);
    if (i > off && i < on) {
      assert.notEqual(e.cpu, 1, `nothing runs on the offline CPU: ${e.text} @${e.time_ns}`);
      if (m) {
        assert.notEqual(Number(m[3]), 1);
        assert.equal(Number(m[4]), 3, `num_online_cpus() while CPU 1 is off: ${e.text}`);
      }
    } else if (m) {
      assert.equal(Number(m[4]), 4, `num_online_cpus(): ${e.text}`);
      if (i > on && Number(m[3]) === 1) usedAfter = true;
    }
    if (m) assert.equal(Number(m[3]), e.cpu, 'smp_processor_id() is the CPU the log names');
  });
  assert.ok(usedAfter, 'CPU 1 runs threads again once it is back online');
  for (let t = 0; t < nthreads; t++) {
    const r = all(logs, new RegExp(`^kt_hotplug: t${t} round `)).map((e) => Number(ROUND.exec(e.text)![2]));
    assert.deepEqual(r, Array.from({ length: rounds }, (_, i) => i), `t${t} did every round once`);
    assert.equal(kv(only(logs, new RegExp(`t${t} finished`)).text).rounds, rounds);
  }
  only(logs, new RegExp(`all ${nthreads} threads finished, online=4 possible=4`));
  assert.equal(logs[logs.length - 1].text, 'kt_hotplug: exit');
}

describe('CPU hotplug', NEEDS_GCC, () => {
  test('ksw run --hotplug 1@5:off --hotplug 1@12:on, seeds 1 2 3 42: the machine goes on', async () => {
    const obj = guestObject('kt_hotplug');
    const runs = await Promise.all(SEEDS.map((seed) =>
      kswRun([obj, '--json', '--seed', String(seed), ...paramArgs({ rounds: 20 }), '--hotplug', '1@5:off', '--hotplug=1@12:on'])));
    for (const r of runs) {
      assert.equal(r.status, 0, r.stderr);
      assertJsonStream(r);
      checkHotplug(r.logs, 5, 12, 4, 20);
    }
  });

  test('the library: setCpuOnline() while a thread runs on that CPU: it migrates and finishes', () => {
    for (const seed of SEEDS) {
      const k = new Kernel({ cpus: 4, seed, maxInstructions: 500_000_000 });
      const events: KernelEvent[] = [];
      k.machine.listeners.push((e) => events.push(e));
      k.load(guestObject('kt_hotplug'));
      k.setParam('rounds', '12');
      const offlined: (string | undefined)[] = [];
      k.machine.hotplug.callbacks.push({ offline: (pc) => offlined.push(pc.current?.comm), online: (pc) => offlined.push(`online ${pc.index}`) });
      k.startInit();
      // Run in small slices; once past 3 ms, take CPU 1 offline the first time a thread is on it.
      let victim: Task | null = null;
      let stop = k.run(500);
      while (stop.kind === 'slice') {
        const now = k.machine.nowNs();
        if (!victim && now >= 3 * MS && k.machine.percpu[1].current) {
          victim = k.machine.percpu[1].current;
          k.machine.hotplug.setOnline(1, false);
        }
        if (victim && k.machine.percpu[1].online === false && now >= 8 * MS) k.machine.hotplug.setOnline(1, true);
        stop = k.run(500);
      }
      assert.deepEqual(stop, { kind: 'idle' }, `seed ${seed}`);
      const logs = events.filter((e): e is LogEvent => e.type === 'log');
      const t = victim as Task | null;
      assert.ok(t, `seed ${seed}: a thread was on CPU 1`);
      assert.deepEqual(offlined, [t.comm, 'online 1'], 'hotplug callbacks see the CPU going (with its task) and coming back');
      checkHotplug(logs, 3, 8, 4, 12, true);
      assert.match(t.comm, /^kt_hp\/\d$/);
      const id = t.comm.split('/')[1];
      const off = indexOf(logs, OFFLINE);
      const later = logs.slice(off + 1).filter((e) => e.text.startsWith(`kt_hotplug: t${id} `));
      assert.ok(later.length > 0, 'it ran again');
      assert.ok(later.some((e) => e.time_ns < 8 * MS), 'elsewhere, before CPU 1 came back');
      assert.equal(t.exitCode, 0);
      assert.ok(k.machine.percpu.every((p) => p.online));
    }
  });

  test('taking every CPU offline leaves the last one running', async () => {
    const r = await kswRun([guestObject('kt_hotplug'), '--json', ...paramArgs({ rounds: 8 }),
      '--hotplug', '0@2:off', '--hotplug', '1@2:off', '--hotplug', '2@2:off', '--hotplug', '3@2:off', '--hotplug', '0@6:on']);
    assert.equal(r.status, 0, r.stderr);
    assertJsonStream(r);
    assert.equal(all(r.logs, /is now offline/).length, 3, 'three go offline, the last CPU stays');
    const rounds = r.logs.filter((e) => ROUND.test(e.text));
    const alone = rounds.filter((e) => e.time_ns > 2.1 * MS && e.time_ns < 6 * MS);
    assert.ok(alone.length > 0);
    for (const e of alone) {
      assert.equal(e.cpu, 3, e.text);
      assert.match(e.text, /online=1$/);
    }
    only(r.logs, /all 4 threads finished, online=2 possible=4/);
  });

  test('bad --hotplug arguments: exit 2', async () => {
    const obj = guestObject('kt_hotplug');
    const runs = await Promise.all([
      kswRun([obj, '--hotplug', '7@5:off']),
      kswRun([obj, '--hotplug', '1@soon:off']),
      kswRun([obj, '--cpus', '2', '--hotplug', '2@1:off']),
    ]);
    for (const r of runs) {
      assert.equal(r.status, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr.split('\n')[0], /--hotplug/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });
});
