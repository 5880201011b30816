// Lock contention and atomics end to end (guest: test/kernel/guests/kt_locks.c),
// through the command line and the library, under several seeds: four
// threads doing read-delay-write updates of one counter under a spinlock or
// a mutex end with the exact count, never two inside at once, with real
// contention; without a lock the run still ends cleanly (lost updates are
// possible, not asserted); atomics give exact results. The critical
// sections, run one at a time, add up in simulated time, and no thread's
// clock goes backwards.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { LogEvent } from '../../simulator/kernel/events';
import { NEEDS_GCC, SEEDS, assertJsonStream, guestObject, kswRun, kv, num, only, paramArgs, runKernel } from './harness';

const SPIN = 0, MUTEX = 1, NONE = 2, ATOMICS = 3;
const MODES = [SPIN, MUTEX, NONE, ATOMICS];
const NAMES = ['spinlock', 'mutex', 'no lock', 'atomics'];

function checkLocks(logs: LogEvent[], mode: number, nthreads = 4, iters = 150): void {
  const n = nthreads * iters;
  assert.deepEqual(kv(only(logs, /kt_locks: mode=/).text), { mode, threads: nthreads, iters });
  assert.equal(num(logs, /clock_backwards=/, 'clock_backwards'), 0, 'ktime_get_ns never goes backwards in a thread');
  if (mode === ATOMICS) {
    const a = kv(only(logs, /atomic inc=/).text);
    assert.deepEqual(a, {
      inc: n, add: 2 * n, a64: 2 ** 40 + 3 * n, long: 5 * n, cas: n, dec_and_test_hits: 1, refs: 0,
    }, 'atomic_inc, atomic_add_return, atomic64_add, atomic_long_fetch_add, cmpxchg loops, atomic_dec_and_test');
    assert.deepEqual(kv(only(logs, /xchg sum=/).text), { sum: n - 1, slot: 1 }, 'every xchg saw the previous one');
    return;
  }
  const c = kv(only(logs, /counter=/).text);
  assert.equal(c.expected, n);
  if (mode === NONE) {
    // Lost updates are possible without a lock; only sanity is asserted.
    assert.ok((c.counter as number) >= iters && (c.counter as number) <= n, `counter=${c.counter}`);
    return;
  }
  assert.equal(c.counter, n, `${NAMES[mode]}: no update lost`);
  assert.equal(c.max_inside, 1, `${NAMES[mode]}: one thread at a time in the critical section`);
  assert.ok((c.contended as number) > 0, `${NAMES[mode]}: the lock was contended (trylock failed ${c.contended} times)`);
  assert.deepEqual(kv(only(logs, /locked=/).text), {
    locked: '0/0', preempt_seen: mode === SPIN ? n : 0,
  }, 'locks are free at the end; preemption is off while a spinlock is held');
  const t = kv(only(logs, /time serial_ns=/).text);
  assert.ok((t.span_ns as number) >= (t.serial_ns as number),
    `${NAMES[mode]}: critical sections run one after the other in simulated time (${t.serial_ns} ns of them in ${t.span_ns} ns)`);
  assert.ok((t.serial_ns as number) >= n * 50, 'each critical section took at least its ndelay');
  if (mode === MUTEX) {
    const sleeps = nthreads * Array.from({ length: iters }, (_, i) => i).filter((i) => i % 40 === 7).length;
    assert.ok((t.span_ns as number) >= sleeps * 1_000_000, `msleep(1) while holding the mutex, ${sleeps} times`);
  }
}

describe('lock contention and atomics', NEEDS_GCC, () => {
  test('ksw run --json: every mode under seeds 1 and 42', async () => {
    const obj = guestObject('kt_locks');
    const jobs = MODES.flatMap((mode) => [1, 42].map((seed) => ({ mode, seed })));
    const runs = await Promise.all(jobs.map(({ mode, seed }) =>
      kswRun([obj, '--json', '--seed', String(seed), ...paramArgs({ mode })])));
    runs.forEach((r, i) => {
      const { mode, seed } = jobs[i];
      assert.equal(r.status, 0, `${NAMES[mode]} seed ${seed}: ${r.stderr}`);
      assertJsonStream(r);
      assert.equal(r.oopses.length, 0);
      checkLocks(r.logs, mode);
      assert.equal(num(r.logs, /cpus_used=/, 'cpus_used'), 4, 'the threads ran on all four CPUs');
    });
  });

  test('the library: every mode under seeds 1 2 3 42, with 2 and 3 CPUs too', () => {
    const obj = guestObject('kt_locks');
    for (const mode of MODES) {
      for (const seed of SEEDS) {
        const r = runKernel(obj, { seed, params: { mode } });
        assert.deepEqual(r.stop, { kind: 'idle' }, `${NAMES[mode]} seed ${seed}`);
        checkLocks(r.logs, mode);
      }
      for (const cpus of [2, 3]) {
        const r = runKernel(obj, { seed: 7, cpus, params: { mode, nthreads: 5, iters: 60 } });
        assert.deepEqual(r.stop, { kind: 'idle' }, `${NAMES[mode]} on ${cpus} CPUs`);
        checkLocks(r.logs, mode, 5, 60);
      }
    }
  });

  test('a lock-protected run is reproducible: same seed, same log', () => {
    const obj = guestObject('kt_locks');
    const once = () => runKernel(obj, { seed: 42, params: { mode: MUTEX } }).logs.map((e) => `${e.time_ns} ${e.cpu} ${e.text}`);
    assert.deepEqual(once(), once());
  });
});
