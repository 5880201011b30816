// What the editor says about a corruption or an oops.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  asCorruption, corruptionAfterText, corruptionHover, corruptionMessage, corruptionReport, CorruptionJson, firstSourceFrame,
  functionOf, oopsFromException, originLines, panicVictim, timestamp, victimAfterText,
} from '../../extension/reports';

const C: CorruptionJson = {
  type: 'corruption', time_ns: 1211001715, config: 'fn=test_mthread_victim var=buf[4]',
  watch: { addr: '0xffffc9000000edd8', len: 8, function: 'test_mthread_victim', offset: '0x2d', depth: 0, pid: 3, comm: 'worker_0', cpu: 1, canary: false },
  writer: {
    pid: 2, comm: 'corrupting', cpu: 3, ip: '0xffffffffa0000091', symbol: 'test_mthread_corrupt+0x31/0x3b', file: '/w/kstackwatch_test.c', line: 171, trap_ip: '0xffffffffa0000095',
    stack: [
      { symbol: 'test_mthread_corrupt+0x31/0x3b', file: '/w/kstackwatch_test.c', line: 171, ip: '0xffffffffa0000091' },
      { symbol: 'test_mthread_corrupting+0x8f/0xe7', file: '/w/kstackwatch_test.c', line: 194, ip: '0xffffffffa00004df' },
      { symbol: 'ret_from_fork+0x0/0x10', ip: '0xffffffff81000000' },
    ],
  },
  old: '0xdeadbef3', new: '0xabcdabcd',
};

test('the after-text names the new value, the victim, the writer task and its CPU', () => {
  assert.equal(corruptionAfterText(C), '  ⚠ wrote 0xabcdabcd over 0xdeadbef3 — 8-byte slot of test_mthread_victim() [worker_0 pid 3, depth 0] · by corrupting (pid 2) on CPU 3');
  // a writer thread named "writer" is not doubled into "writer writer"
  assert.doesNotMatch(corruptionAfterText({ ...C, writer: { ...C.writer, comm: 'writer' } }), /writer writer/);
  assert.match(victimAfterText(C), /watched by "fn=test_mthread_victim var=buf\[4\]".*worker_0 pid 3 on CPU 1, smashed by corrupting/);
});

test('the Problems message and the hover carry the whole story', () => {
  assert.equal(corruptionMessage(C), 'Stack corruption: corrupting (pid 2, CPU 3) wrote 0xabcdabcd into the watched stack slot of test_mthread_victim() of worker_0 (pid 3, depth 0) at 0xffffc9000000edd8; was 0xdeadbef3');
  const hover = corruptionHover(C);
  assert.match(hover, /\*\*writer\*\* corrupting \(pid 2\) on CPU 3/);
  assert.match(hover, /```kstackwatch-log\n/);
  assert.match(hover, / test_mthread_corrupting\+0x8f\/0xe7 \(kstackwatch_test\.c:194\)/);
  assert.match(corruptionHover(C, 'the kernel text'), /```kstackwatch-log\nthe kernel text\n```/);
  assert.match(corruptionReport(C), /Call Trace:/);
});

test('event bodies are checked before use', () => {
  assert.equal(asCorruption(null), null);
  assert.equal(asCorruption({ type: 'corruption' }), null);
  assert.equal(asCorruption(JSON.parse(JSON.stringify(C)))?.writer.line, 171);
});

test('small helpers', () => {
  assert.equal(functionOf('test_mthread_corrupt+0x31/0x3b'), 'test_mthread_corrupt');
  assert.equal(timestamp(1211001715), '[    1.211001]');
  assert.equal(firstSourceFrame([{ symbol: '0xabcdabcd' }, { symbol: 'f+0x1/0x2', file: '/a.c', line: 3 }])?.line, 3);
});

test("an oops is rebuilt from the adapter's exception info", () => {
  const o = oopsFromException('Oops in worker_0 (pid 3) at test_mthread_buggy (kstackwatch_test.c:124): page fault: execute at 0xabcdabcd (not mapped)', 'BUG: …',
    '0xabcdabcd\ntest_mthread_buggy+0xc7/0x110 (/w/kstackwatch_test.c:124)\ntest_mthread_worker+0x21/0x52 (/w/kstackwatch_test.c:158)');
  assert.equal(o.comm, 'worker_0');
  assert.equal(o.pid, 3);
  assert.equal(o.reason, 'page fault: execute at 0xabcdabcd (not mapped)');
  assert.equal(o.file, '/w/kstackwatch_test.c');
  assert.equal(o.line, 124);
  assert.equal(o.stack.length, 3);
});

test('the victim a stack-protector panic names (for the one-click watch after F5 without one)', () => {
  assert.equal(panicVictim('Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: test_canary_overflow+0x87/0x87'), 'test_canary_overflow');
  assert.equal(panicVictim('stack-protector: Kernel stack is corrupted in: victim.constprop.0+0x20/0x40'), 'victim');
  assert.equal(panicVictim('Kernel panic - not syncing: Stack corruption detected'), undefined);
  assert.equal(panicVictim(undefined), undefined);
});

test('the hover names the origin of the written address with a link back in time (issue 11 contract), and tolerates its absence', () => {
  const origin = { function: 'remember_scratch', variable: 'scratch[3]', pid: 1, comm: 'insmod', returned_ns: 1234567 };
  const hover = corruptionHover({ ...C, origin });
  assert.match(hover, /\*\*origin\*\* the address was `scratch\[3\]` of remember_scratch\(\) of insmod \(pid 1\) until it returned at \[ {4}0\.001234\]/);
  assert.ok(hover.includes(`[go back to that frame's last moment](command:kstackwatch.goToOriginTime?${encodeURIComponent(JSON.stringify([{ function: 'remember_scratch', pid: 1, returned_ns: 1234567 }]))})`));
  assert.doesNotMatch(corruptionHover({ ...C, origin: null }), /origin/);
  assert.doesNotMatch(corruptionHover(C), /origin/);
  assert.deepEqual(originLines(undefined), []);
});
