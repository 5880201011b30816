// Guests that go wrong (test/kernel/guests/kt_faults.c), through the command
// line and the library: an oops in one thread while the others finish (the
// JSON oops event: pid, comm, reason, symbol, file and line, stack), BUG_ON,
// a division by zero, deadlocks (ABBA mutexes, a completion nobody
// completes) reported with every blocked task's stack, a hung task, the
// stack protector's panic, panic(), the instruction budget; exit status 3
// for each, as DESIGN.md §3.1 says.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { LogEvent, OopsEvent } from '../../simulator/kernel/events';
import { TaskState } from '../../simulator/kernel/task';
import {
  NEEDS_GCC, SEEDS, all, assertJsonStream, guestObject, indexOf, kswRun, kv, only, paramArgs, runKernel, sourceLine,
} from './harness';

const FILE_RE = /^\/.*\/test\/kernel\/guests\/kt_faults\.c$/;
const HEX_RE = /^0x[1-9a-f][0-9a-f]*$/;
const SYMBOL_RE = (fn: string) => new RegExp(`^${fn}\\+0x[0-9a-f]+/0x[0-9a-f]+$`);
const OBJ = () => guestObject('kt_faults');

function mode(m: number, extra: Record<string, number> = {}): string[] {
  return paramArgs({ mode: m, ...extra });
}

/** A well-formed oops event for a fault in `fn` at `line`, called from `caller` at `callerLine`. */
function checkOops(o: OopsEvent, comm: string, fn: string, line: number, caller: string, callerLine: number): void {
  assert.equal(o.type, 'oops');
  assert.equal(o.comm, comm);
  assert.ok(Number.isInteger(o.pid) && o.pid > 1, `pid ${o.pid}`);
  assert.ok(Number.isInteger(o.cpu) && o.cpu >= 0 && o.cpu < 4, `cpu ${o.cpu}`);
  assert.match(o.ip, HEX_RE, 'ip: lowercase hex without leading zeros');
  assert.match(o.symbol, SYMBOL_RE(fn));
  assert.match(o.file ?? '', FILE_RE, 'file is the absolute source path');
  assert.equal(o.line, line);
  assert.ok(o.stack.length >= 2, 'a call trace');
  assert.equal(o.stack[0].symbol, o.symbol);
  assert.equal(o.stack[0].ip, o.ip);
  assert.equal(o.stack[0].line, line);
  const callerFrame = o.stack.find((f) => f.symbol.startsWith(`${caller}+0x`));
  assert.ok(callerFrame, `${caller} is on the stack: ${o.stack.map((f) => f.symbol).join(' ← ')}`);
  assert.equal(callerFrame.line, callerLine, `${caller}'s line is the call`);
  for (const f of o.stack) assert.match(f.ip, HEX_RE);
}

/** The kernel-style oops text in the log for `o`. */
function checkOopsText(logs: LogEvent[], o: OopsEvent): void {
  const head = indexOf(logs, /^Oops: /);
  assert.equal(logs[head + 1].text, `CPU: ${o.cpu} PID: ${o.pid} Comm: ${o.comm}`);
  assert.ok(logs[head + 2].text.startsWith(`RIP: 0010:${o.symbol} (${o.file}:${o.line})`), logs[head + 2].text);
  assert.equal(logs[head + 3].text, 'Call Trace:');
}

/** "good N" threads printed all their lines, some after the oops. */
function checkGoodThreads(events: (LogEvent | OopsEvent | { type: string })[], ids: number[], lines = 8): void {
  const logs = events.filter((e): e is LogEvent => e.type === 'log');
  const oopsAt = events.findIndex((e) => e.type === 'oops');
  for (const id of ids) {
    const mine = all(logs, new RegExp(`^kt_faults: good ${id} line \\d+$`)).map((e) => Number(e.text.split(' ').pop()));
    assert.deepEqual(mine, Array.from({ length: lines }, (_, i) => i), `good ${id} printed all its lines`);
    only(logs, new RegExp(`good ${id} finished`));
    const last = events.indexOf(only(logs, new RegExp(`good ${id} finished`)));
    if (oopsAt >= 0) assert.ok(last > oopsAt, `good ${id} went on after the oops`);
  }
}

function deadlockBlock(logs: LogEvent[], comm: string): { reason: string; frames: string[] } {
  const i = indexOf(logs, new RegExp(`^INFO: task ${comm}:\\d+ blocked on `));
  const reason = logs[i].text.replace(/^INFO: task \S+ blocked on /, '');
  const frames: string[] = [];
  for (let k = i + 1; k < logs.length && logs[k].text.startsWith('  '); k++) frames.push(logs[k].text.trim());
  return { reason, frames };
}

describe('faults, deadlocks, panics, budget', NEEDS_GCC, () => {
  test('an oops in one thread while the others finish: JSON oops event, exit 3 (seeds 1 2 3 42)', async () => {
    const runs = await Promise.all(SEEDS.map((seed) => kswRun([OBJ(), '--json', '--seed', String(seed), ...mode(0)])));
    runs.forEach((r) => {
      assert.equal(r.status, 3, r.stderr);
      assertJsonStream(r);
      assert.equal(r.oopses.length, 1);
      const o = r.oopses[0];
      checkOops(o, 'kt_crasher', 'store_value', sourceLine('kt_faults', '/* NULL dereference */'),
        'crasher_fn', sourceLine('kt_faults', 'store_value(no_record, 42);'));
      assert.equal(o.pid, kv(only(r.logs, /crasher pid=/).text).pid, 'the oops names the crashing task\'s pid');
      assert.match(o.reason, /page fault|NULL pointer/i);
      assert.match(o.reason, /\b0x0*8\b/, 'the faulting address (offset of the field) is in the reason');
      assert.equal(all(r.logs, /crasher survived/).length, 0);
      checkOopsText(r.logs, o);
      checkGoodThreads(r.events, [1, 2]);
      assert.equal(r.logs[r.logs.length - 1].text, 'kt_faults: exit', 'module_exit still runs once every task is gone');
    });
  });

  test('the library: the oops, the dead task, the rest idle; --panic-on-oops stops everything', () => {
    for (const seed of [1, 42]) {
      const r = runKernel(OBJ(), { seed, params: { mode: 0 } });
      assert.deepEqual(r.stop, { kind: 'idle' });
      assert.equal(r.oopses.length, 1);
      const crasher = r.kernel.machine.tasks.find((t) => t.comm === 'kt_crasher')!;
      assert.equal(crasher.state, TaskState.DEAD);
      assert.equal(r.oopses[0].pid, crasher.pid);
      checkGoodThreads(r.events, [1, 2]);
    }
    const p = runKernel(OBJ(), { params: { mode: 0 }, panicOnOops: true });
    assert.equal(p.stop.kind, 'panic');
    assert.equal(p.oopses.length, 1);
    assert.equal(all(p.logs, /good \d finished/).length, 0, 'nothing runs after the panic');
  });

  test('--panic-on-oops on the command line', async () => {
    const r = await kswRun([OBJ(), '--json', '--panic-on-oops', ...mode(0)]);
    assert.equal(r.status, 3);
    assertJsonStream(r);
    assert.equal(r.oopses.length, 1);
    only(r.logs, /^---\[ end Kernel panic - not syncing: .*\]---$/);
    assert.equal(all(r.logs, /good \d finished|kt_faults: exit/).length, 0);
  });

  test('BUG_ON: "kernel BUG at file:line!", the task oopses, the others finish', async () => {
    const r = await kswRun([OBJ(), '--json', ...mode(5)]);
    assert.equal(r.status, 3);
    assertJsonStream(r);
    assert.equal(r.oopses.length, 1, r.lines.join('\n'));
    const line = sourceLine('kt_faults', '/* BUG_ON fires */');
    const o = r.oopses[0];
    assert.equal(o.comm, 'kt_bug');
    assert.match(o.symbol, SYMBOL_RE('bug_fn'));
    assert.equal(o.line, line);
    assert.match(o.file ?? '', FILE_RE);
    assert.match(o.reason, new RegExp(`kernel BUG at \\S*kt_faults\\.c:${line}!`));
    only(r.logs, new RegExp(`^kernel BUG at \\S*kt_faults\\.c:${line}!$`));
    assert.equal(all(r.logs, /BUG_ON returned/).length, 0);
    checkGoodThreads(r.events, [1]);
    const lib = runKernel(OBJ(), { seed: 3, params: { mode: 5 } });
    assert.deepEqual(lib.stop, { kind: 'idle' });
    assert.equal(lib.oopses.length, 1);
    assert.equal(lib.oopses[0].line, line);
  });

  test('a division by zero oopses the dividing thread (#DE)', async () => {
    const r = await kswRun([OBJ(), '--json', '--seed', '2', ...mode(7)]);
    assert.equal(r.status, 3);
    assertJsonStream(r);
    assert.equal(r.oopses.length, 1);
    checkOops(r.oopses[0], 'kt_divider', 'divide', sourceLine('kt_faults', '/* divide error */'),
      'divider_fn', sourceLine('kt_faults', 'divide(100, zero)'));
    assert.match(r.oopses[0].reason, /divide/i);
    checkGoodThreads(r.events, [1]);
  });

  test('ABBA deadlock on two mutexes: exit 3, both tasks reported with their stacks', async () => {
    const runs = await Promise.all([1, 42].map((seed) => kswRun([OBJ(), '--json', '--seed', String(seed), ...mode(1)])));
    for (const r of runs) {
      assert.equal(r.status, 3);
      assertJsonStream(r);
      assert.equal(r.oopses.length, 0);
      only(r.logs, /^INFO: deadlock: every live task is blocked \(2\)$/);
      const ab = deadlockBlock(r.logs, 'kt_ab'), ba = deadlockBlock(r.logs, 'kt_ba');
      assert.match(ab.reason, /^mutex 0x[0-9a-f]+ \(owner kt_ba\/\d+\)$/);
      assert.match(ba.reason, /^mutex 0x[0-9a-f]+ \(owner kt_ab\/\d+\)$/);
      assert.match(ab.frames[0], /^mutex_lock\+0x0\//);
      assert.ok(ab.frames.some((f) => new RegExp(`^ab_fn\\+0x[0-9a-f]+/0x[0-9a-f]+ \\(kt_faults\\.c:${sourceLine('kt_faults', '/* ab waits here */')}\\)$`).test(f)), ab.frames.join('\n'));
      assert.ok(ba.frames.some((f) => new RegExp(`^ba_fn\\+0x[0-9a-f]+/0x[0-9a-f]+ \\(kt_faults\\.c:${sourceLine('kt_faults', '/* ba waits here */')}\\)$`).test(f)), ba.frames.join('\n'));
      assert.equal(all(r.logs, /got both|kt_faults: exit/).length, 0);
    }
    const lib = runKernel(OBJ(), { seed: 2, params: { mode: 1 } });
    assert.equal(lib.stop.kind, 'deadlock');
    if (lib.stop.kind !== 'deadlock') return;
    assert.ok(!lib.stop.hung);
    assert.deepEqual(lib.stop.tasks.map((t) => t.comm).sort(), ['kt_ab', 'kt_ba']);
    for (const t of lib.stop.tasks) assert.match(t.waitReason, /mutex/);
  });

  test('a completion nobody completes: module_init and a thread blocked forever, exit 3', async () => {
    const r = await kswRun([OBJ(), ...mode(2)]);
    assert.equal(r.status, 3);
    assert.match(r.stdout, /\] INFO: deadlock: every live task is blocked \(2\)\n/);
    assert.match(r.stdout, /\] INFO: task insmod:1 blocked on completion 0x[0-9a-f]+\n/);
    assert.match(r.stdout, new RegExp(`\\]   kt_faults_init\\+0x[0-9a-f]+/0x[0-9a-f]+ \\(kt_faults\\.c:${sourceLine('kt_faults', '/* init blocks here */')}\\)\\n`));
    assert.match(r.stdout, /\] INFO: task kt_waiter:2 blocked on completion 0x[0-9a-f]+\n\[[ .\d]+\]   wait_for_completion\+0x0\//);
    assert.match(r.stdout, new RegExp(`forever_waiter_fn\\+0x[0-9a-f]+/0x[0-9a-f]+ \\(kt_faults\\.c:${sourceLine('kt_faults', '/* waiter blocks here */')}\\)`));
    assert.doesNotMatch(r.stdout, /init returns|kt_faults: exit/);
    const lib = runKernel(OBJ(), { params: { mode: 2 } });
    assert.equal(lib.stop.kind, 'deadlock');
    if (lib.stop.kind === 'deadlock') assert.deepEqual(lib.stop.tasks.map((t) => t.comm).sort(), ['insmod', 'kt_waiter']);
    assert.equal(lib.kernel.initResult, null, 'module_init never returned');
  });

  test('a half-printed line of a task that then deadlocks is not lost', async () => {
    const r = await kswRun([OBJ(), '--json', ...mode(9)]);
    assert.equal(r.status, 3);
    const partial = indexOf(r.logs, /^kt_faults: partial line, then waiting$/);
    assert.ok(partial < indexOf(r.logs, /^INFO: deadlock/));
  });

  test('a task blocked for more than 120 s while others run is a hung task: exit 3', async () => {
    const r = await kswRun([OBJ(), '--json', ...mode(8)]);
    assert.equal(r.status, 3);
    assertJsonStream(r);
    const hung = only(r.logs, /^INFO: hung tasks: blocked for more than 120 seconds \(1\)$/);
    assert.ok(hung.time_ns >= 120e9);
    assert.match(deadlockBlock(r.logs, 'kt_waiter').reason, /^completion /);
    const lib = runKernel(OBJ(), { params: { mode: 8 } });
    assert.deepEqual(lib.stop.kind === 'deadlock' && { hung: lib.stop.hung, tasks: lib.stop.tasks.map((t) => t.comm) },
      { hung: true, tasks: ['kt_waiter'] });
  });

  test('stack protector: an overflowing thread panics with "stack-protector: Kernel stack is corrupted in:"', async () => {
    const runs = await Promise.all(SEEDS.map((seed) => kswRun([OBJ(), '--json', '--seed', String(seed), ...mode(3)])));
    for (const r of runs) {
      assert.equal(r.status, 3);
      assertJsonStream(r);
      const p = only(r.logs, /^Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: /);
      assert.match(p.text, /corrupted in: smash_stack\+0x[0-9a-f]+\/0x[0-9a-f]+$/);
      const i = r.logs.indexOf(p);
      assert.match(r.logs[i + 1].text, /^CPU: \d+ PID: \d+ Comm: kt_smasher$/);
      only(r.logs, /^---\[ end Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: smash_stack\+/);
      assert.equal(all(r.logs, /smasher survived/).length, 0);
      only(r.logs, /smash_stack wrote 64 bytes/);
    }
    const lib = runKernel(OBJ(), { params: { mode: 3 } });
    assert.equal(lib.stop.kind, 'panic');
    if (lib.stop.kind === 'panic') assert.match(lib.stop.reason, /^stack-protector: Kernel stack is corrupted in: smash_stack\+/);
  });

  test('stack protector control: a write that stays inside the buffer does not panic', async () => {
    const r = await kswRun([OBJ(), '--json', ...mode(3, { overflow: 16 })]);
    assert.equal(r.status, 0, r.lines.join('\n'));
    only(r.logs, /smasher survived/);
    assert.equal(all(r.logs, /Kernel panic/).length, 0);
  });

  test('panic(): formatted message, exit 3', async () => {
    const r = await kswRun([OBJ(), '--json', ...mode(6)]);
    assert.equal(r.status, 3);
    only(r.logs, /^Kernel panic - not syncing: kt_faults gives up: code 42$/);
    only(r.logs, /^---\[ end Kernel panic - not syncing: kt_faults gives up: code 42 \]---$/);
    assert.equal(all(r.logs, /init returns/).length, 0);
    const lib = runKernel(OBJ(), { params: { mode: 6 } });
    assert.deepEqual(lib.stop, { kind: 'panic', reason: 'kt_faults gives up: code 42' });
  });

  test('the instruction budget stops an endless loop: exit 3', async () => {
    const r = await kswRun([OBJ(), '--json', '--max-insns', '300000', ...mode(4)]);
    assert.equal(r.status, 3);
    assertJsonStream(r);
    only(r.logs, /instruction budget exhausted/);
    assert.ok(r.exit!.insns >= 300_000 && r.exit!.insns < 301_000, `insns ${r.exit!.insns}`);
    const text = await kswRun([OBJ(), '--max-insns=50000', ...mode(4)]);
    assert.equal(text.status, 3);
    assert.match(text.stdout, /ksw: instruction budget exhausted after \d+ instructions/);
    const lib = runKernel(OBJ(), { params: { mode: 4 }, maxInstructions: 200_000 });
    assert.deepEqual(lib.stop, { kind: 'budget' });
    assert.ok(lib.kernel.machine.insns >= 200_000 && lib.kernel.machine.insns < 201_000);
  });
});
