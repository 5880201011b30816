// The corruption report as the kernel prints it, line by line: the banner,
// the config, dump_stack()'s header, <#DB> frames with +off/size, the
// interrupted context (RIP: 0010:… at the instruction after the store, the
// code bytes, RSP/EFLAGS and the registers), <TASK> from the interrupted
// function's caller, our store/victim/origin lines, the End banner; and the panic
// texts of panic_hit (v8) and panic_on_catch (v7).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { boot, lineOf, moduleObject, run } from './harness';
import { REPORT_BEGIN, REPORT_END } from '../../simulator/kstackwatch/report';

const opts = { skip: (() => { try { moduleObject(); return false; } catch (e) { return (e as Error).message; } })() };

function reportOf(logs: string[]): string[] {
  const begin = logs.indexOf(REPORT_BEGIN);
  assert.ok(begin >= 0, 'a report was printed');
  return logs.slice(begin, logs.indexOf(REPORT_END, begin) + 1);
}

test('scenario 3: RIP after the store, registers in <#DB>, <TASK> from the caller', opts, () => {
  const r = run(boot({ test: 3 }), ['fn=test_mthread_victim var=buf[4]']);
  const lines = reportOf(r.logs);
  const c = r.corruptions[0];
  assert.equal(lines[1], 'kstackwatch: config fn=test_mthread_victim var=buf[4]');
  assert.match(lines[2], /^CPU: \d UID: 0 PID: \d+ Comm: corrupting Not tainted 6\.17\.0-ksw #1 PREEMPT\(voluntary\)$/);
  assert.equal(lines[4], 'Call Trace:');
  assert.equal(lines[5], ' <#DB>');
  const db = lines.slice(6, lines.findIndex((l) => l.startsWith('RIP: ')));
  assert.equal(db[0], ' dump_stack_lvl+0x5d/0x80');
  assert.equal(db[db.length - 1], ' asm_exc_debug+0x1e/0x40');
  for (const f of db) assert.match(f, /^ [a-z_]+\+0x[0-9a-f]+\/0x[0-9a-f]+$/, 'every <#DB> frame has +off/size');
  const rip = lines.findIndex((l) => l.startsWith('RIP: '));
  // x86 data breakpoints trap after the write: RIP is the instruction after the store.
  const store = parseInt(/\+0x([0-9a-f]+)\//.exec(c.writer.symbol)![1], 16);
  const trapOff = parseInt(/\+0x([0-9a-f]+)\//.exec(lines[rip])![1], 16);
  assert.match(lines[rip], /^RIP: 0010:test_mthread_corrupt\+0x[0-9a-f]+\/0x[0-9a-f]+$/);
  assert.ok(BigInt(c.writer.trap_ip) > BigInt(c.writer.ip));
  assert.equal(trapOff, store + Number(BigInt(c.writer.trap_ip) - BigInt(c.writer.ip)));
  assert.match(lines[rip + 1], /^Code: ([0-9a-f]{2} ){42}<[0-9a-f]{2}>( [0-9a-f]{2}){20}$/);
  assert.match(lines[rip + 2], /^RSP: 0018:ffffc9[0-9a-f]{10} EFLAGS: [0-9a-f]{8}$/);
  assert.match(lines[rip + 3], /^RAX: [0-9a-f]{16} RBX: [0-9a-f]{16} RCX: [0-9a-f]{16}$/);
  assert.match(lines[rip + 7], /^R13: [0-9a-f]{16} R14: [0-9a-f]{16} R15: [0-9a-f]{16}$/);
  assert.match(lines[rip + 4], /RSI: 00000000abcdabcd/, 'the stored value is in the register the store used');
  assert.deepEqual(lines.slice(rip + 8, rip + 10), [' </#DB>', ' <TASK>']);
  const task = lines.slice(rip + 10, lines.indexOf(' </TASK>'));
  assert.match(task[0], /^ test_mthread_corrupting\+0x[0-9a-f]+\/0x[0-9a-f]+$/, 'the interrupted function is on the RIP line, not repeated');
  assert.equal(task[task.length - 1], ' ret_from_fork+0x0/0x10');
  assert.match(lines[lines.length - 4], new RegExp(`^kstackwatch: store test_mthread_corrupt\\+0x[0-9a-f]+/0x[0-9a-f]+ at 0x[0-9a-f]+ kstackwatch_test.c:${lineOf('WRITE_ONCE(node->ptr[i], 0xabcdabcd)')}`));
  assert.match(lines[lines.length - 3], /^kstackwatch: victim test_mthread_victim depth 0 pid \d+ \(worker_0\) slot 0x[0-9a-f]+ len 8$/);
  // buf[4] of the victim lies where the buggy call's buf[8] was: the stale pointer's target.
  assert.match(lines[lines.length - 2], /^kstackwatch: origin 0x[0-9a-f]+ was buf\[8\] of test_mthread_buggy pid \d+ \(worker_0\), returned at \d+ ns$/);
  assert.equal(lines[lines.length - 1], REPORT_END);
});

test('scenario 0: a host-implemented writer is named once, on the RIP line', opts, () => {
  const r = run(boot({ test: 0 }), ['fn=test_watch_fire']);
  const lines = reportOf(r.logs);
  assert.ok(lines.includes('RIP: 0010:ksw_watch_fire+0x0/0x10'));
  const task = lines.slice(lines.indexOf(' <TASK>') + 1, lines.indexOf(' </TASK>'));
  assert.deepEqual(task.map((l) => l.replace(/\+.*/, '')), [' test_watch_fire', ' kstackwatch_test_init', ' ret_from_fork']);
});

test('panic_hit (v8) and panic_on_catch (v7) panic with "Stack corruption detected"', opts, () => {
  const a = run(boot({ test: 1 }), ['fn=test_canary_overflow ph=1']);
  assert.deepEqual(a.stop, { kind: 'panic', reason: 'Stack corruption detected' });
  assert.ok(a.logs.includes('Kernel panic - not syncing: Stack corruption detected'));
  const k = boot({ test: 1 });
  k.setParam('kstackwatch.panic_on_catch', 'Y');
  const b = run(k, ['fn=test_canary_overflow']);
  assert.deepEqual(b.stop, { kind: 'panic', reason: 'Stack corruption detected' });
  assert.equal(b.corruptions.length, 1);
  assert.throws(() => boot({}).setParam('kstackwatch.panic_on_hit', '1'), /unknown module parameter 'kstackwatch.panic_on_hit' \(known: kstackwatch.panic_on_catch\)/);
});

test('a probe that cannot resolve its target prints the reason, then the errno', opts, () => {
  // so past the end of the stack: the kernel's "invalid stack addr" then "failed to prepare watch target: -22".
  const r = run(boot({ test: 1 }), ['fn=test_canary_overflow so=0x7ff8 wl=8']);
  const i = r.logs.findIndex((l) => l.startsWith('kstackwatch: invalid stack addr:0x'));
  assert.ok(i >= 0, r.logs.join('\n'));
  assert.match(r.logs[i], /^kstackwatch: invalid stack addr:0x[0-9a-f]+ len :8$/);
  assert.equal(r.logs[i + 1], 'kstackwatch: failed to prepare watch target: -22');
});
