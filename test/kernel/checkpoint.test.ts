// Checkpoints (system/checkpoint.ts) are complete: run N instructions, take
// a checkpoint, run on to the end recording the history; restore it and run
// to the end again — the same history hash and the same final memory; and a
// run that took checkpoints has the same history as one that took none.
// The history hash is historyIndependence.test.ts's: every kernel event in
// order (log lines with time and CPU, corruption reports with their JSON,
// oopses), how the run stopped, each task's pid, comm, state, exit code and
// instruction count, the total instructions and simulated time — plus a
// checksum of every mapped guest page.
//
// Modules: the SDK test module with 20 workers sharing the debug registers
// under KStackWatch (test=4), and Kbuild modules with a delayed work item on
// a kworker (wq_stale), a timer on ksoftirqd (timer_stale) and RCU
// callbacks (rcu_defer), each with KStackWatch armed.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash, Hash } from 'node:crypto';
import { join } from 'node:path';
import { boot } from '../kstackwatch/harness';
import { bootKo, kbuildFolder, kbuildSkip, REPO } from '../kbuild/harness';
import type { Kernel } from '../../simulator/system/kernel';
import type { MachineStop } from '../../simulator/kernel/machine';
import { SystemCheckpoint } from '../../simulator/system/checkpoint';
import { needs } from '../tools';

/** The kernel's events go to whichever hash is current. */
function recorder(k: Kernel): { h: Hash } {
  const cur = { h: createHash('sha256') };
  k.listeners.push((e) => cur.h.update(JSON.stringify(e) + '\n'));
  return cur;
}

function runToEnd(k: Kernel): MachineStop {
  let stop = k.run();
  while (stop.kind === 'halted' || stop.kind === 'slice') stop = k.run();
  return stop;
}

/** Run in slices of `slice` until `insns` have retired (or the run ends). */
function runUntil(k: Kernel, insns: number, slice: number): MachineStop | null {
  while (k.machine.cpu.insnCount < insns) {
    const stop = k.run(Math.min(slice, insns - k.machine.cpu.insnCount));
    if (stop.kind !== 'slice' && stop.kind !== 'halted') return stop;
  }
  return null;
}

/** The rest of the history from now on, hashed; with `every`, a checkpoint is taken each `every` instructions on the way. */
function finish(k: Kernel, cur: { h: Hash }, every?: number): string {
  cur.h = createHash('sha256');
  let stop: MachineStop;
  if (every) {
    let cp: SystemCheckpoint | undefined;
    for (;;) {
      const s = k.run(every);
      if (s.kind !== 'slice' && s.kind !== 'halted') { stop = s; break; }
      cp = SystemCheckpoint.take(k, { previous: cp });
    }
  } else {
    stop = runToEnd(k);
  }
  const m = k.machine;
  const h = cur.h;
  h.update(JSON.stringify(stop) + '\n');
  for (const t of m.tasks) h.update(`${t.pid} ${t.comm} ${t.state} ${t.exitCode} ${t.insns}\n`);
  h.update(`${m.scheduler.insns} ${m.cpu.insnCount} ${m.nowNs()}\n`);
  const img = m.mem.image();
  for (const key of [...img.pages.keys()].sort((a, b) => a - b)) {
    const p = img.pages.get(key)!;
    h.update(`${key} ${p.perm}\n`);
    h.update(p.data);
  }
  return h.digest('hex');
}

/** Checkpoint a third of the way; the history from there, twice via restores, and once in a fresh run that takes checkpoints all along. */
function check(make: () => Kernel, watch: string): { insns: number; tasks: number; corruptions: number } {
  const whole = make();
  whole.ksw.start(watch);
  whole.startInit();
  runToEnd(whole);
  const at = Math.floor(whole.machine.cpu.insnCount / 3);
  const a = make();
  const cur = recorder(a);
  a.ksw.start(watch);
  a.startInit();
  assert.equal(runUntil(a, at, 10_000), null, `the run ended before ${at} instructions`);
  const cp = SystemCheckpoint.take(a);
  assert.equal(cp.insns, a.machine.cpu.insnCount);
  const first = finish(a, cur);
  const result = { insns: a.machine.cpu.insnCount, tasks: a.machine.tasks.length, corruptions: a.ksw.corruptions.length };
  cp.restore();
  assert.equal(a.machine.cpu.insnCount, cp.insns);
  assert.equal(a.machine.nowNs(), cp.timeNs);
  assert.equal(finish(a, cur), first, 'the history after a restore differs');
  cp.restore();
  assert.equal(finish(a, cur), first, 'the history after a second restore of the same checkpoint differs');

  const b = make();
  const curB = recorder(b);
  b.ksw.start(watch);
  b.startInit();
  runUntil(b, at, 10_000);
  assert.equal(finish(b, curB, Math.max(1000, Math.floor(at / 7))), first, 'taking checkpoints changed the history');
  return result;
}

test('checkpoint: test=4 (20 workers sharing the debug registers under KStackWatch) — restore and replay gives the same history', needs('gcc'), () => {
  const r = check(() => boot({ test: 4 }, 3), 'fn=test_mthread_victim');
  assert.ok(r.tasks >= 20, `${r.tasks} tasks`);
  });

const ko = (name: string): string => join(kbuildFolder(join(REPO, 'test/kbuild/modules')), `${name}.ko`);

test('checkpoint: Kbuild wq_stale (delayed work on a kworker, a corruption caught) — restore and replay gives the same history', { skip: kbuildSkip }, () => {
  const r = check(() => bootKo(ko('wq_stale')), 'fn=process_batch');
  assert.ok(r.tasks >= 3, `${r.tasks} tasks`);
});

test('checkpoint: Kbuild timer_stale (a timer on ksoftirqd) — restore and replay gives the same history', { skip: kbuildSkip }, () => {
  check(() => bootKo(ko('timer_stale')), 'fn=compute');
});

test('checkpoint: Kbuild rcu_defer (RCU callbacks) — restore and replay gives the same history', { skip: kbuildSkip }, () => {
  check(() => bootKo(ko('rcu_defer')), 'fn=reader');
});
