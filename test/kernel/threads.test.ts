// Kernel threads end to end (guest: test/kernel/guests/kt_threads.c), through
// the command line and the library, under several seeds: threads really run
// side by side on different CPUs, kthread_run/kthread_create/wake_up_process/
// kthread_stop/kthread_should_stop/kthread_exit with their exit codes, task
// names and pids, and module_exit running only once every thread is done.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { LogEvent } from '../../simulator/kernel/events';
import { TaskState } from '../../simulator/kernel/task';
import {
  NEEDS_GCC, SEEDS, all, assertJsonStream, guestObject, guestSource, indexOf, kswRun, kv, logSignature, only,
  paramArgs, runKernel,
} from './harness';

const EINTR = 4;

/** Everything kt_threads prints, checked for `nthreads` workers on `cpus` CPUs. */
function checkThreads(logs: LogEvent[], nthreads: number, cpus: number): void {
  const init = kv(only(logs, /kt_threads: init pid=/).text);
  assert.equal(init.pid, 1);
  assert.equal(init.comm, 'insmod');
  assert.equal(init.cpus, cpus);

  const pids = new Set<number>();
  const barrierCpus: number[] = [];
  for (let id = 0; id < nthreads; id++) {
    const start = kv(only(logs, new RegExp(`worker ${id} start `)).text);
    assert.equal(start.comm, `kt_worker/${id}`, 'current->comm is the kthread_run name');
    assert.notEqual(start.pid, 1);
    pids.add(start.pid as number);

    const barrier = only(logs, new RegExp(`worker ${id} barrier `));
    const b = kv(barrier.text);
    assert.equal(b.cpu, b.task_cpu, 'smp_processor_id() == task_cpu(current)');
    assert.equal(b.cpu, barrier.cpu, 'the CPU the guest reports is the CPU the log event names');
    barrierCpus.push(b.cpu as number);

    const steps = all(logs, new RegExp(`worker ${id} step `));
    assert.deepEqual(steps.map((e) => Number(/step (\d+)/.exec(e.text)![1])), [0, 1, 2], `worker ${id} printed each of its steps once, in order`);
    for (const s of steps) assert.equal(kv(s.text).cpu, s.cpu, `worker ${id}: printk's CPU is the running CPU`);
    assert.ok(only(logs, new RegExp(`kthread_stop\\(worker ${id}\\) = `)).text.endsWith(` = ${100 + id}`),
      'kthread_stop returns the thread function\'s result');
  }
  assert.equal(pids.size, nthreads, 'every thread has its own pid');
  if (nthreads <= cpus) {
    assert.equal(new Set(barrierCpus).size, nthreads, `workers running at the same time are on different CPUs: ${barrierCpus}`);
  }
  for (const c of barrierCpus) assert.ok(c >= 0 && c < cpus);

  const looper = only(logs, /kthread_stop\(looper\) = /).text;
  assert.match(looper, /= 77 loops_ok=1$/, 'the looper ran until kthread_should_stop() and returned 77');
  assert.ok(indexOf(logs, /looper saw kthread_should_stop/) < indexOf(logs, /kthread_stop\(looper\)/));
  assert.match(only(logs, /kthread_stop\(exiter\)/).text, /= -42$/, 'kthread_exit(-42) from a nested function');
  assert.equal(all(logs, /exiter: kthread_exit returned/).length, 0);
  assert.match(only(logs, /created kt_never/).text, /state=0$/);
  assert.match(only(logs, /kthread_stop\(never woken\)/).text, new RegExp(`= -${EINTR} never_ran=0$`),
    'a thread stopped before it was ever woken returns -EINTR without running');
  assert.equal(all(logs, /never_fn ran/).length, 0);
  assert.match(only(logs, /wake_up_process = /).text, /= 1$/);
  assert.match(only(logs, /kthread_stop\(woken\)/).text, /= 9$/);
  assert.ok(indexOf(logs, /woken thread runs as kt_woken$/) < indexOf(logs, /kthread_stop\(woken\)/));
  assert.match(only(logs, /long name/).text, /long name 'kt_a_very_long_' len=15$/, 'comm holds 15 characters');
  only(logs, /woken thread runs as kt_a_very_long_$/);

  // module_exit: after every detached thread has finished, in an rmmod task, last.
  const exit = only(logs, /kt_threads: exit /);
  assert.deepEqual(kv(exit.text), { detached_done: 3, comm: 'rmmod' });
  assert.equal(logs[logs.length - 1], exit, 'module_exit prints the last line');
  const detached = all(logs, /detached \d done/);
  assert.equal(detached.length, 3);
  const initReturns = indexOf(logs, /init returns with 3 detached threads running/);
  for (const d of detached) {
    assert.ok(logs.indexOf(d) > initReturns, 'detached threads outlive module_init');
    assert.ok(d.time_ns <= exit.time_ns);
  }
}

describe('kernel threads', NEEDS_GCC, () => {
  test('ksw run --json, seeds 1 2 3 42: threads on different CPUs, exit codes, module_exit last', async () => {
    const obj = guestObject('kt_threads');
    const runs = await Promise.all(SEEDS.map((seed) => kswRun([obj, '--json', '--seed', String(seed)])));
    runs.forEach((r, i) => {
      assert.equal(r.status, 0, `seed ${SEEDS[i]}: ${r.stderr}\n${r.lines.join('\n')}`);
      assertJsonStream(r);
      assert.equal(r.stderr, '');
      assert.equal(r.oopses.length, 0);
      checkThreads(r.logs, 4, 4);
    });
    const signatures = runs.map((r) => JSON.stringify(logSignature(r.logs)));
    assert.ok(new Set(signatures).size > 1, 'different seeds give different interleavings');
  });

  test('the library, seeds 1 2 3 42: same log, task states and exit codes', () => {
    const obj = guestObject('kt_threads');
    for (const seed of SEEDS) {
      const r = runKernel(obj, { seed });
      assert.deepEqual(r.stop, { kind: 'idle' }, `seed ${seed}`);
      assert.equal(r.kernel.phase, 'done');
      assert.equal(r.kernel.initResult, 0);
      checkThreads(r.logs, 4, 4);
      const tasks = r.kernel.machine.tasks;
      for (const t of tasks) assert.equal(t.state, TaskState.DEAD, `${t.comm} has exited`);
      const code = (comm: string) => {
        const t = tasks.filter((x) => x.comm === comm);
        assert.equal(t.length, 1, comm);
        return t[0].exitCode;
      };
      for (let i = 0; i < 4; i++) assert.equal(code(`kt_worker/${i}`), 100 + i);
      assert.equal(code('kt_looper'), 77);
      assert.equal(code('kt_exiter'), -42);
      assert.equal(code('kt_never'), -EINTR);
      assert.equal(code('kt_woken'), 9);
      assert.equal(tasks[0].comm, 'insmod');
      assert.equal(tasks[tasks.length - 1].comm, 'rmmod');
      const cpusUsed = new Set(r.logs.filter((e) => /worker \d step/.test(e.text)).map((e) => e.cpu));
      assert.ok(cpusUsed.size >= 2, 'workers ran on several CPUs');
    }
  });

  test('same seed, same history: CLI and library agree, and a second CLI run is identical', async () => {
    const obj = guestObject('kt_threads');
    const [a, b] = await Promise.all([kswRun([obj, '--json', '--seed', '42']), kswRun([obj, '--json', '--seed', '42'])]);
    assert.equal(a.stdout, b.stdout);
    const lib = runKernel(obj, { seed: 42 });
    assert.deepEqual(logSignature(lib.logs), logSignature(a.logs));
    assert.equal(a.exit!.insns, lib.kernel.machine.insns);
  });

  test('ksw run FILE.c compiles the module; --cpus 2 --param nthreads=2', async () => {
    const r = await kswRun([guestSource('kt_threads'), '--json', '--cpus', '2', ...paramArgs({ nthreads: 2 })]);
    assert.equal(r.status, 0, r.stderr);
    assertJsonStream(r);
    checkThreads(r.logs, 2, 2);
    for (const e of r.logs) assert.ok(e.cpu < 2, `only CPUs 0 and 1 exist: ${JSON.stringify(e)}`);
  });

  test('text output: kernel log lines with timestamps', async () => {
    const r = await kswRun([guestObject('kt_threads'), '--seed', '3']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    for (const l of lines) assert.match(l, /^\[ *\d+\.\d{6}\] /, `timestamped: ${l}`);
    assert.match(lines[0], /^\[ {4}0\.0{6}\] kt_threads: init pid=1 comm=insmod cpus=4$/);
    assert.match(lines[lines.length - 1], /\] kt_threads: exit detached_done=3 comm=rmmod$/);
  });

  test('one CPU, three busy threads: spinning threads are preempted so all reach the barrier', () => {
    const r = runKernel(guestObject('kt_threads'), { cpus: 1, params: { nthreads: 3 }, maxInstructions: 50_000_000 });
    assert.deepEqual(r.stop, { kind: 'idle' });
    checkThreads(r.logs, 3, 1);
    for (const e of r.logs) assert.equal(e.cpu, 0);
  });
});
