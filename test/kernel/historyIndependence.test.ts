// The guest's history does not depend on the debugger: the same module,
// config and seed give the same history whether the machine ran straight
// through or was halted many times (mid-round and mid-quantum, as
// breakpoints, pauses and data breakpoints halt it) and had tasks run one
// instruction at a time (as stepping does). What is hashed: every kernel
// event in order (log lines with their simulated time and CPU, corruption
// reports with their JSON including origin, oopses) — so every task switch
// that shows in a timestamp or an interleaving of lines — then each task's
// pid, state, exit code and instruction count, the total instruction count,
// the simulated time, and a checksum of every task's stack memory.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { boot, frameOffset } from '../kstackwatch/harness';
import type { Kernel } from '../../simulator/system/kernel';
import type { Task } from '../../simulator/kernel/task';
import type { Cpu } from '../../simulator/cpu/cpu';
import { needs } from '../tools';

const opts = needs('gcc');

interface Interruptions { halts: number; steppedInsns: number }

/**
 * Test-only stress: drop every compiled block whenever `n` instructions have
 * run since the last drop (checked where the CPU looks a block up), so code
 * is compiled again from wherever execution is — cut into blocks at other
 * places than in a normal run, as after a checkpoint restore.
 */
function dropCompiledCodeEvery(cpu: Cpu, n: number): void {
  const engine = cpu as unknown as { lookup(lo: number, hi: number): unknown };
  const lookup = engine.lookup.bind(cpu);
  let next = cpu.insnCount + n;
  engine.lookup = (lo: number, hi: number): unknown => {
    if (cpu.insnCount >= next) { cpu.flushCode(); next = cpu.insnCount + n; }
    return lookup(lo, hi);
  };
}

/**
 * Run to the end; with `interrupt`, halt every `haltEvery` calls and step a task for 40 instructions every 5th halt;
 * with `dropCodeEvery`, drop the compiled code that often (dropCompiledCodeEvery).
 */
function history(k: Kernel, watch: string, interrupt: number | null, dropCodeEvery?: number): { hash: string; stops: Interruptions; corruptions: number } {
  const m = k.machine;
  const h = createHash('sha256');
  m.listeners.push((e) => h.update(JSON.stringify(e) + '\n'));
  if (dropCodeEvery !== undefined) dropCompiledCodeEvery(m.cpu, dropCodeEvery);
  k.ksw.start(watch);
  k.startInit();
  const stops: Interruptions = { halts: 0, steppedInsns: 0 };
  if (interrupt !== null) {
    let calls = 0;
    let stepping: Task | null = null;
    let stepsLeft = 0;
    m.hooks.set('callObserver', (task) => {
      if (++calls % interrupt !== 0) return;
      m.halt('debugger');
      if (stops.halts++ % 5 === 0) { stepping = task; stepsLeft = 40; }
    });
    m.hooks.set('debugGate', (task) => {
      if (task !== stepping || stepsLeft <= 0) return 'run';
      stepsLeft--; stops.steppedInsns++;
      return 'step';
    });
  }
  let stop = k.run();
  while (stop.kind === 'halted') stop = k.run();
  h.update(JSON.stringify(stop.kind) + '\n');
  for (const t of m.tasks) {
    h.update(`${t.pid} ${t.comm} ${t.state} ${t.exitCode} ${t.insns}\n`);
    h.update(m.mem.read(t.stackBase, Number(t.stackTop - t.stackBase), true));
  }
  h.update(`${m.scheduler.insns} ${m.nowNs()}\n`);
  return { hash: h.digest('hex'), stops, corruptions: k.ksw.corruptions.length };
}

/** test=3's watch: the victim's slot the buggy thread's overrun reaches. */
function watchFor(k: Kernel): string {
  const index = (frameOffset(k, 'test_mthread_buggy', 'buf') + 8 * 8 - frameOffset(k, 'test_mthread_victim', 'buf')) / 8;
  return `fn=test_mthread_victim var=buf[${index}]`;
}

test('history: a run halted and stepped dozens of times equals the uninterrupted run (test=3, a corruption each loop)', opts, () => {
  const a = boot({ test: 3 }, 7);
  const straight = history(a, watchFor(a), null);
  const b = boot({ test: 3 }, 7);
  const interrupted = history(b, watchFor(b), 5);
  assert.ok(interrupted.stops.halts >= 30, `${interrupted.stops.halts} halts`);
  assert.ok(interrupted.stops.steppedInsns >= 200, `${interrupted.stops.steppedInsns} instructions stepped`);
  assert.ok(straight.corruptions > 0);
  assert.equal(interrupted.corruptions, straight.corruptions);
  assert.equal(interrupted.hash, straight.hash);
});

test('history: test=4 (20 workers, shared debug registers) halted every few calls equals the straight run', opts, () => {
  const watch = 'fn=test_mthread_victim';
  const straight = history(boot({ test: 4 }, 3), watch, null);
  const interrupted = history(boot({ test: 4 }, 3), watch, 3);
  assert.ok(interrupted.stops.halts >= 30, `${interrupted.stops.halts} halts`);
  assert.equal(interrupted.hash, straight.hash);
});

// A looping trace used to overrun its quantum by the instructions after its loop's branch, so where a quantum
// ended (and every timestamp after it: a log line 1 ns off in test=3, seed 1) depended on how code was cut.
test('history: with the compiled code dropped every 7 instructions, test=3, test=5 and test=4 hash the same as the normal runs', opts, () => {
  const scenarios: [Record<string, number>, number, string | null, boolean][] = [
    [{ test: 3 }, 1, null, true], [{ test: 3 }, 7, null, true], [{ test: 5 }, 1, 'fn=test_mthread_buggy', true],
    [{ test: 4 }, 3, 'fn=test_mthread_victim', false],
  ];
  for (const [params, seed, watch, corrupts] of scenarios) {
    const a = boot(params, seed);
    const normal = history(a, watch ?? watchFor(a), null);
    const b = boot(params, seed);
    const cut = history(b, watch ?? watchFor(b), null, 7);
    assert.equal(normal.corruptions > 0, corrupts, `test=${params.test} seed ${seed}: ${normal.corruptions} corruptions`);
    assert.equal(cut.hash, normal.hash, `test=${params.test} seed ${seed}`);
  }
});
