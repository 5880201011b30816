// Completions and sleeps on simulated time end to end (guest:
// test/kernel/guests/kt_sync.c), through the command line and the library,
// under several seeds: complete/complete_all/wait_for_completion(_timeout)
// (a timeout that expires and one that does not), try_wait_for_completion,
// completion_done, reinit_completion; msleep/usleep_range/udelay/ndelay/
// mdelay measured with ktime_get_ns and jiffies and against the log's own
// timestamps; sleeping threads sleep side by side.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { LogEvent } from '../../simulator/kernel/events';
import {
  NEEDS_GCC, SEEDS, assertJsonStream, guestObject, indexOf, kswRun, kv, num, only, paramArgs, runKernel,
} from './harness';

const MS = 1_000_000;
const INITIAL_JIFFIES = 4294667296; // (unsigned long)(unsigned int)(-300 * HZ)

function checkSync(logs: LogEvent[], sleepMs = 10): void {
  // complete(): the waiter is released by it, not before.
  assert.ok(num(logs, /one_waiter woke/, 'waited_ns') >= 3 * MS, 'the waiter waited for the msleep(3) before complete()');
  const completing = indexOf(logs, /completing c_one/);
  const woke = indexOf(logs, /one_waiter woke/);
  assert.ok(completing < woke, 'woken after complete()');
  assert.ok(logs[woke].time_ns >= logs[completing].time_ns);

  // complete_all(): all three waiters, and later waits, go through.
  assert.equal(num(logs, /released before complete_all/, 'complete_all'), 0);
  const before = indexOf(logs, /released before complete_all/);
  for (let i = 0; i < 3; i++) assert.ok(indexOf(logs, new RegExp(`all_waiter ${i} released`)) > before);
  const ca = kv(only(logs, /complete_all released=/).text);
  assert.equal(ca.released, 3);
  assert.equal(ca.done, 1, 'completion_done() after complete_all()');
  assert.ok((ca.rewait_ns as number) < 10_000, `waits after complete_all() return at once (${ca.rewait_ns} ns)`);

  // A timeout that expires: 0, after about 5 jiffies (a jiffy is 1 ms).
  const exp = kv(only(logs, /timeout expired/).text);
  assert.equal(exp.left, 0, 'an expired wait_for_completion_timeout returns 0');
  assert.equal(exp.done, 0);
  assert.ok((exp.elapsed_ns as number) > 4 * MS && (exp.elapsed_ns as number) <= 6 * MS,
    `waited the 5 jiffies (timer at a jiffy boundary): ${exp.elapsed_ns} ns`);

  // A timed wait completed after 2 ms: the jiffies left.
  const ok = kv(only(logs, /timeout completed/).text);
  const elapsed = ok.elapsed_ns as number, left = ok.left as number;
  assert.ok(elapsed >= 2 * MS && elapsed < 5 * MS, `completed after the completer's msleep(2): ${elapsed} ns`);
  assert.ok(left >= 1 && left <= 50, `left=${left}`);
  assert.ok(left >= 50 - Math.ceil(elapsed / MS) - 1, `left=${left} after ${elapsed} ns of 50 jiffies`);
  assert.ok(indexOf(logs, /late_completer completes/) < indexOf(logs, /timeout completed/));

  // complete() counts.
  assert.deepEqual(kv(only(logs, /count done=/).text), { done: 1, try1: 1, try2: 0, done_after: 0 });
  assert.deepEqual(kv(only(logs, /reinit done=/).text), { done: 0 });

  // Time.
  const j0 = num(logs, /jiffies_start=/, 'jiffies_start');
  assert.ok(j0 >= INITIAL_JIFFIES && j0 < INITIAL_JIFFIES + 1000, `jiffies starts at INITIAL_JIFFIES: ${j0}`);
  const ms = kv(only(logs, /after msleep/).text);
  assert.ok((ms.elapsed_ns as number) >= sleepMs * MS, `msleep(${sleepMs}) slept ${ms.elapsed_ns} ns`);
  assert.ok((ms.elapsed_ns as number) <= (sleepMs + 2) * MS, `msleep(${sleepMs}) did not oversleep: ${ms.elapsed_ns} ns`);
  assert.ok((ms.jiffies as number) >= sleepMs && (ms.jiffies as number) <= sleepMs + 2, `jiffies advanced by ${ms.jiffies}`);
  const logDelta = only(logs, /after msleep/).time_ns - only(logs, /before msleep/).time_ns;
  assert.ok(logDelta >= sleepMs * MS, `the log timestamps advance by the sleep: ${logDelta} ns`);

  const us = num(logs, /after usleep_range\(300, 500\)/, 'elapsed_ns');
  assert.ok(us >= 300_000 && us <= 550_000, `usleep_range(300, 500) slept ${us} ns`);
  const usLog = only(logs, /after usleep_range/).time_ns - only(logs, /before usleep_range/).time_ns;
  assert.ok(usLog >= 300_000, `log timestamps advance by the usleep_range: ${usLog}`);
  assert.ok(num(logs, /udelay\(40\)/, 'elapsed_ns') >= 40_000);
  assert.ok(num(logs, /ndelay\(700\)/, 'elapsed_ns') >= 700);
  assert.ok(num(logs, /mdelay\(2\)/, 'elapsed_ns') >= 2 * MS);
  assert.equal(num(logs, /ktime monotonic=/, 'monotonic'), 1);
  const now = only(logs, /now ktime_ns=/);
  const k = kv(now.text).ktime_ns as number;
  assert.ok(Math.abs(now.time_ns - k) < 1000, `the log's clock is ktime's clock: event ${now.time_ns}, ktime ${k}`);

  // Four threads sleeping 20 ms at the same time take 20 ms, not 80.
  const par = num(logs, /parallel sleepers/, 'elapsed_ns');
  assert.ok(par >= 20 * MS && par < 30 * MS, `parallel sleepers took ${par} ns`);

  assert.equal(logs[logs.length - 1].text, 'kt_sync: exit');
}

describe('completions and sleeps', NEEDS_GCC, () => {
  test('ksw run --json, seeds 1 2 3 42', async () => {
    const obj = guestObject('kt_sync');
    const runs = await Promise.all(SEEDS.map((seed) => kswRun([obj, '--json', '--seed', String(seed)])));
    runs.forEach((r, i) => {
      assert.equal(r.status, 0, `seed ${SEEDS[i]}: ${r.stderr}`);
      assertJsonStream(r);
      checkSync(r.logs);
      assert.ok(r.exit!.time_ns >= 43 * MS, `the run took the simulated time its sleeps add up to (${r.exit!.time_ns} ns)`);
    });
  });

  test('the library, seeds 1 2 3 42, and a longer msleep via a module parameter', () => {
    const obj = guestObject('kt_sync');
    for (const seed of SEEDS) {
      const r = runKernel(obj, { seed });
      assert.deepEqual(r.stop, { kind: 'idle' }, `seed ${seed}`);
      checkSync(r.logs);
    }
    const r = runKernel(obj, { seed: 5, params: { sleep_ms: 37 } });
    assert.deepEqual(r.stop, { kind: 'idle' });
    checkSync(r.logs, 37);
  });

  test('text output: the printed timestamps advance by the sleep', async () => {
    const r = await kswRun([guestObject('kt_sync'), '--seed', '2', ...paramArgs({ sleep_ms: 250 })]);
    assert.equal(r.status, 0, r.stderr);
    const stamp = (re: RegExp): number => {
      const hits = r.stdout.split('\n').filter((l) => re.test(l));
      assert.equal(hits.length, 1, `one line matches ${re}`);
      const m = /^\[ *(\d+)\.(\d{6})\] /.exec(hits[0]);
      assert.ok(m, `timestamped: ${hits[0]}`);
      return Number(m[1]) * 1e6 + Number(m[2]);
    };
    const us = stamp(/before msleep\(250\)/);
    const after = stamp(/after msleep\(250\)/);
    assert.ok(after - us >= 250_000 && after - us <= 252_000, `timestamps ${us} µs → ${after} µs`);
  });
});
