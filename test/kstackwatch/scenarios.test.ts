// The seed series' scenarios (test=0…5) run on the simulated kernel, each
// asserting the report: victim function and depth, writer function, source
// line and task. Clean variants assert that nothing is reported.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boot, run, lineOf, offsetOfLine, frameOffset } from './harness';
import type { CorruptionEvent } from '../../simulator/kstackwatch/events';
import { needs } from '../tools';

const opts = needs('gcc');

function fnOf(symbol: string): string {
  return symbol.split('+')[0];
}

function assertWriter(c: CorruptionEvent, fn: string, line: number, comm: string | RegExp): void {
  assert.equal(fnOf(c.writer.symbol), fn, `writer ${c.writer.symbol}`);
  assert.equal(c.writer.line, line, `writer line of ${c.writer.symbol}`);
  assert.match(c.writer.file ?? '', /kstackwatch_test\.c$/);
  if (typeof comm === 'string') assert.equal(c.writer.comm, comm); else assert.match(c.writer.comm, comm);
  assert.notEqual(c.writer.ip, c.writer.trap_ip, 'the store and the trap address differ (trap is after the store)');
}

/** For test3-5: which element of the victim's buf lies where the buggy frame's buf[k] was. */
function victimIndexOverBuggy(kernel: ReturnType<typeof boot>, k: number): number {
  const buggy = frameOffset(kernel, 'test_mthread_buggy', 'buf');
  const victim = frameOffset(kernel, 'test_mthread_victim', 'buf');
  return (buggy + 8 * k - victim) / 8;
}

test('test0 watch_fire: ksw_watch_fire writes the watched slot at once', opts, () => {
  const k = boot({ test: 0 });
  const fo = offsetOfLine(k, 'test_watch_fire', 'pr_info("entry of');
  const r = run(k, [`fn=test_watch_fire fo=0x${fo.toString(16)} so=8 wl=8`]);
  assert.equal(r.corruptions.length, 1, r.logs.join('\n'));
  const c = r.corruptions[0];
  assert.equal(c.watch.function, 'test_watch_fire');
  assert.equal(c.watch.depth, 0);
  assert.equal(c.writer.symbol.split('+')[0], 'ksw_watch_fire');
  assert.equal(fnOf(c.writer.stack[1].symbol), 'test_watch_fire', 'called from the watched function');
  assert.equal(c.writer.comm, 'insmod');
  assert.equal(c.new, '0x42');
  assert.ok(r.logs.includes('kstackwatch: watch triggered immediately'));
  assert.ok(r.logs.some((l) => l.startsWith('kstackwatch: watch target bp_addr: 0x')));
  assert.equal(r.stop.kind, 'idle');
});

test('test1 canary_overflow: the overflowing store hits the canary, then the stack protector panics', opts, () => {
  const r = run(boot({ test: 1 }), ['fn=test_canary_overflow']);
  assert.equal(r.corruptions.length, 1, r.logs.join('\n'));
  const c = r.corruptions[0];
  assert.equal(c.watch.function, 'test_canary_overflow');
  assert.equal(c.watch.canary, true);
  assert.equal(c.new, '0xdeadbeef');
  assertWriter(c, 'test_canary_overflow', lineOf('WRITE_ONCE(p[i], 0xdeadbeefULL)'), 'insmod');
  // An overflow inside the frame itself, not a stale pointer: no earlier frame held the canary's slot.
  assert.equal(c.origin, null);
  assert.ok(r.logs.includes(`kstackwatch: origin ${c.watch.addr} was in no earlier frame`));
  assert.ok(r.logs.some((l) => l.includes('stack-protector: Kernel stack is corrupted in: test_canary_overflow')), r.logs.join('\n'));
  assert.equal(r.stop.kind, 'panic');
});

test('test2 recursive_depth: only the call at depth 3 is watched and reported', opts, () => {
  const r = run(boot({ test: 2 }), ['fn=test_recursive_depth dp=3 so=8 wl=8']);
  assert.equal(r.corruptions.length, 1, r.logs.join('\n'));
  const c = r.corruptions[0];
  assert.equal(c.watch.function, 'test_recursive_depth');
  assert.equal(c.watch.depth, 3);
  assert.equal(c.new, '0x3', 'depth 3 writes its own depth into buffer[0]');
  assertWriter(c, 'test_recursive_depth', lineOf('WRITE_ONCE(buffer[0], depth)'), 'insmod');
  const recursion = c.writer.stack.filter((f) => fnOf(f.symbol) === 'test_recursive_depth').length;
  assert.equal(recursion, 4, 'depths 0..3 are on the writer stack');
});

test('test2 clean: a depth that is never reached reports nothing', opts, () => {
  const r = run(boot({ test: 2 }), ['fn=test_recursive_depth dp=7 so=8 wl=8']);
  assert.equal(r.corruptions.length, 0);
  assert.equal(r.stop.kind, 'idle');
});

test('test3 silent corruption: the corrupting thread is caught writing into the victim frame', opts, () => {
  const k = boot({ test: 3 });
  const index = victimIndexOverBuggy(k, 8);
  const r = run(k, [`fn=test_mthread_victim var=buf[${index}]`]);
  assert.ok(r.corruptions.length >= 1, r.logs.join('\n'));
  const unhappy = r.logs.filter((l) => /victim\[0\]\[\d+\]: unhappy/.test(l));
  assert.equal(r.corruptions.length, unhappy.length, 'one report per corrupted victim call');
  for (const c of r.corruptions) {
    assert.equal(c.watch.function, 'test_mthread_victim');
    assert.equal(c.watch.comm, 'worker_0');
    assert.equal(c.new, '0xabcdabcd');
    assertWriter(c, 'test_mthread_corrupt', lineOf('WRITE_ONCE(node->ptr[i], 0xabcdabcd)'), 'corrupting');
    assert.equal(fnOf(c.writer.stack[1].symbol), 'test_mthread_corrupting');
    // The stale pointer's target: the buggy call's buf[8], in the same worker, returned before the store.
    assert.ok(c.origin, 'an origin');
    assert.deepEqual({ ...c.origin, returned_ns: 0 }, { function: 'test_mthread_buggy', variable: 'buf[8]', pid: c.watch.pid, comm: 'worker_0', returned_ns: 0 });
    assert.ok(c.origin.returned_ns > 0 && c.origin.returned_ns < c.time_ns, `returned at ${c.origin.returned_ns}, stored at ${c.time_ns}`);
  }
  assert.equal(r.logs.filter((l) => /^kstackwatch: origin 0x[0-9a-f]+ was buf\[8\] of test_mthread_buggy pid \d+ \(worker_0\), returned at \d+ ns$/.test(l)).length,
    r.corruptions.length, 'one origin line per report');
});

test('test3 clean: with no early return the victim frame is never written by anyone else', opts, () => {
  const k = boot({ test: 3, bug: 0 });
  const r = run(k, [`fn=test_mthread_victim var=buf[${victimIndexOverBuggy(k, 8)}]`, 'fn=test_mthread_victim']);
  assert.equal(r.corruptions.length, 0, r.logs.join('\n'));
  assert.equal(r.logs.filter((l) => l.includes('happy')).length, 20);
  assert.equal(r.stop.kind, 'idle');
});

test('a watched frame whose stack area is reused after it returns is not reported', opts, () => {
  // buggy's frame is watched (its canary); after buggy returns, the victim
  // reuses that stack area legitimately — the exit handler has disarmed.
  const r = run(boot({ test: 3, bug: 0 }), ['fn=test_mthread_buggy']);
  assert.equal(r.corruptions.length, 0, r.logs.join('\n'));
});

test('test4: 20 workers share the four debug registers; every report names the corrupting thread', opts, () => {
  const k = boot({ test: 4, bug: 50 });
  const r = run(k, [`fn=test_mthread_victim var=buf[${victimIndexOverBuggy(k, 8)}]`]);
  assert.ok(r.corruptions.length >= 1, r.logs.join('\n'));
  // the corrupted victim calls (one loop per worker), from the guest's own check
  const corrupted = new Set(r.logs.map((l) => /^victim\[(\d+)\]\[0\]: unhappy/.exec(l)?.[1]).filter((w) => w !== undefined).map((w) => `worker_${w}`));
  const reported = r.corruptions.map((c) => c.watch.comm);
  assert.equal(new Set(reported).size, reported.length, 'at most one report per corrupted call');
  for (const c of r.corruptions) {
    assert.ok(corrupted.has(c.watch.comm), `${c.watch.comm} was reported but its victim call found its buf intact`);
    assert.equal(c.watch.function, 'test_mthread_victim');
    assert.equal(c.new, '0xabcdabcd');
    assertWriter(c, 'test_mthread_corrupt', lineOf('WRITE_ONCE(node->ptr[i], 0xabcdabcd)'), 'corrupting');
    assert.equal(fnOf(c.writer.stack[1].symbol), 'test_mthread_corrupting');
    assert.ok(c.origin, 'an origin');
    assert.deepEqual({ ...c.origin, returned_ns: 0 }, { function: 'test_mthread_buggy', variable: 'buf[8]', pid: c.watch.pid, comm: c.watch.comm, returned_ns: 0 });
  }
  // a corrupted call without a report is one that found no free debug register (a pool miss), never a silent one
  const unreported = [...corrupted].filter((w) => !reported.includes(w));
  assert.ok(k.ksw.misses > 0, '20 workers and four debug registers: some calls are not watched');
  assert.ok(unreported.length <= k.ksw.misses, `${unreported.join(', ')} corrupted and not reported, but only ${k.ksw.misses} pool misses`);
  assert.equal(reported.length + unreported.length, corrupted.size);
  console.log(`# test4: ${corrupted.size} corrupted victim calls, ${reported.length} reported, ${k.ksw.misses} pool misses`);
  assert.ok(k.ksw.watchpoints.length === 4, 'mw=0 takes every free debug register');
});

test('test5 prologue corruption: writes from 3 words before the stale buffer are caught; the victim then crashes', opts, () => {
  const k = boot({ test: 5, bug: 100 });
  const r = run(k, ['fn=test_mthread_victim var=buf[0]']);
  assert.ok(r.corruptions.length >= 1, r.logs.join('\n'));
  const c = r.corruptions[0];
  assert.equal(c.watch.function, 'test_mthread_victim');
  assertWriter(c, 'test_mthread_corrupt', lineOf('WRITE_ONCE(node->ptr[i], 0xabcdabcd)'), 'corrupting');
  // The victim's buf[0] was a lower element of the buggy call's buf, whose address leaked.
  const over = (frameOffset(k, 'test_mthread_victim', 'buf') - frameOffset(k, 'test_mthread_buggy', 'buf')) / 8;
  assert.equal(c.origin?.function, 'test_mthread_buggy');
  assert.equal(c.origin?.variable, `buf[${over}]`);
  assert.equal(c.origin?.comm, 'worker_0');
  // The writes below the stale buffer also smash the return address of the
  // victim's pending call: it oopses, and insmod waits forever (hung task).
  const oops = r.events.find((e) => e.type === 'oops');
  assert.ok(oops && oops.type === 'oops' && oops.comm === 'worker_0', 'the victim oopses');
  assert.equal(r.stop.kind, 'deadlock');
});

test('the same seed gives the same history; another seed may differ', opts, () => {
  const once = (seed: number) => {
    const k = boot({ test: 3 }, seed);
    const r = run(k, [`fn=test_mthread_victim var=buf[${victimIndexOverBuggy(k, 8)}]`]);
    return JSON.stringify({ c: r.corruptions, insns: k.machine.insns, logs: r.logs });
  };
  assert.equal(once(7), once(7));
});

test('two configs on the same function share the registers and both report', opts, () => {
  const r = run(boot({ test: 1 }), ['fn=test_canary_overflow', 'fn=test_canary_overflow so=8 wl=8']);
  const configs = r.corruptions.map((c) => c.config).sort();
  assert.deepEqual(configs, ['fn=test_canary_overflow', 'fn=test_canary_overflow so=8 wl=8'], r.logs.join('\n'));
  for (const c of r.corruptions) {
    assertWriter(c, 'test_canary_overflow', lineOf('WRITE_ONCE(p[i], 0xdeadbeefULL)'), 'insmod');
    assert.equal(fnOf(c.writer.stack[1].symbol), 'kstackwatch_test_init', 'the unwinder sees through both exit hooks');
  }
});
