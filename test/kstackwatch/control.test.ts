// KStackWatch's run-time control surface: the debugfs `kstackwatch/config`
// file with the series' semantics, driven by a guest module through the
// in-kernel file API (filp_open/kernel_read/kernel_write/filp_close), by
// `ksw run --control "at TIME: CONFIG"`, and by the kstackwatch_test.sh
// equivalent of the series' test script.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { guestObject, kswRun, NEEDS_GCC, ROOT, sourceLine } from '../kernel/harness';
import { Kernel } from '../../simulator/system/kernel';
import { CONTROL_PATH, catControl, echoToControl } from '../../simulator/kstackwatch/controlFile';
import { parseControl, RunArgsError } from '../../simulator/cli/runArgs';
import { boot } from './harness';

const EXAMPLE_O = path.join(ROOT, 'examples/kstackwatch/kstackwatch_test.o');

test('a module drives the config file: read, -EBUSY, errno texts, watch, report, clear', NEEDS_GCC, async () => {
  const r = await kswRun([guestObject('kt_control'), '--json', '--cpus', '2']);
  const lines = r.lines.filter((l) => l.startsWith('kt_control:') || (l.startsWith('kstackwatch:') && !/^kstackwatch: (store|victim|origin|=)/.test(l)));
  assert.deepEqual(lines.slice(0, 17), [
    "kt_control: config reads 'not watching' (13 bytes, pos 13)",
    'kt_control: second open: -16',
    'kstackwatch: failed to register kprobe ret -2',
    'kstackwatch: ksw_stack_init ret: -2',
    "kstackwatch: unknown function 'no_such_function' (not in the loaded module)",
    'kstackwatch: Failed to start watching with -2',
    "kt_control: write 'fn=no_such_function' (19 bytes): -2",
    'kstackwatch: Missing required parameters: function or func_offset',
    'kstackwatch: Failed to parse config -22',
    "kt_control: write 'fo=0x10' (7 bytes): -22",
    "kt_control: write '' (0 bytes): -22",
    'kstackwatch: start watching: fn=kt_victim var=slot[2]',
    "kt_control: write 'fn=kt_victim var=slot[2]' (25 bytes): 25",
    "kt_control: config reads 'fn=kt_victim var=slot[2]' (24 bytes, pos 24)",
    'kt_control: missing file: -2',
    'kstackwatch: config fn=kt_victim var=slot[2]',
    'kt_control: victim slot[2]=0xabcdabcd',
  ]);
  assert.deepEqual(lines.slice(17), [
    'kstackwatch: stop watching: fn=kt_victim var=slot[2]',
    'kstackwatch: config cleared',
    "kt_control: write ' ' (2 bytes): 2",
    "kt_control: config reads 'not watching' (13 bytes, pos 13)",
  ]);
  const c = r.events.find((e) => e.type === 'corruption');
  assert.ok(c && c.type === 'corruption');
  assert.equal(c.writer.comm, 'kt_writer');
  assert.equal(c.writer.line, sourceLine('kt_control', '/* the corrupting store */'));
  assert.equal(r.status, 1);
});

test('the config file from the host: one opener, 128-byte limit, read while watching has no newline', NEEDS_GCC, () => {
  const k: Kernel = boot({ test: 0 });
  const file = k.machine.debugfs.lookup('/sys/kernel/debug/' + CONTROL_PATH)!;
  const held = file.open();
  assert.notEqual(typeof held, 'number');
  assert.equal(file.open(), -16, 'a second opener gets -EBUSY');
  assert.equal(echoToControl(file, 'fn=test_watch_fire'), -16);
  if (typeof held !== 'number') held.release();
  assert.equal(echoToControl(file, 'fn=test_watch_fire ' + 'x'.repeat(120)), -22, '128 bytes or more: -EINVAL');
  assert.equal(echoToControl(file, 'fn=test_watch_fire'), 'fn=test_watch_fire\n'.length);
  assert.equal(catControl(file), 'fn=test_watch_fire');
  assert.equal(echoToControl(file, 'fn=test_canary_overflow'), 'fn=test_canary_overflow\n'.length, 'a write replaces the config');
  assert.equal(k.ksw.active.length, 1);
  assert.equal(catControl(file), 'fn=test_canary_overflow');
  assert.equal(echoToControl(file, ''), 1, 'echo > config clears');
  assert.equal(catControl(file), 'not watching\n');
});

test('ksw run --control writes the config at a simulated time; an empty one clears it', async () => {
  const r = await kswRun([EXAMPLE_O, '--param', 'test=3', '--json',
    '--control', 'at 300ms: fn=test_mthread_victim var=buf[4]', '--control', 'at 2100ms:', '--control=at 2150ms: fn=nosuch']);
  const at = (text: string): number => r.logs.find((e) => e.text === text)?.time_ns ?? -1;
  assert.ok(at('kstackwatch: start watching: fn=test_mthread_victim var=buf[4]') >= 300e6);
  assert.ok(at('kstackwatch: config cleared') >= 2100e6);
  assert.ok(at('kstackwatch: Failed to start watching with -2') >= 2150e6);
  const reports = r.events.filter((e) => e.type === 'corruption');
  assert.ok(reports.length > 0, 'the watch written at 300 ms catches the stale-pointer write');
  for (const c of reports) assert.ok(c.time_ns > 300e6 && c.time_ns < 2100e6);
  assert.equal(r.status, 1);
});

test('--control syntax errors are bad input', () => {
  assert.deepEqual(parseControl('at 50ms: fn=f'), { atNs: 50e6, text: 'fn=f' });
  assert.deepEqual(parseControl('at 1.5s:'), { atNs: 1.5e9, text: '' });
  assert.deepEqual(parseControl('at 200us: fn=f dp=1'), { atNs: 200e3, text: 'fn=f dp=1' });
  assert.throws(() => parseControl('50ms fn=f'), RunArgsError);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/ksw'), 'run', EXAMPLE_O, '--control', 'soon: fn=f'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--control: 'soon: fn=f' is not "at TIME: CONFIG"/);
});

test('kstackwatch_test.sh runs the six scenarios and prints PASS per test', { skip: spawnSync('sh', ['-c', 'true']).status === 0 ? false : 'no sh' }, () => {
  const r = spawnSync('sh', [path.join(ROOT, 'examples/kstackwatch/kstackwatch_test.sh')], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines.map((l) => l.replace(/ \(.*$/, '')), ['test0: PASS', 'test1: PASS', 'test2: PASS', 'test3: PASS', 'test4: PASS', 'test5: PASS']);
  const bad = spawnSync('sh', [path.join(ROOT, 'examples/kstackwatch/kstackwatch_test.sh'), '9'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.equal(bad.stdout.trim(), 'test9: Unknown test number 9');
});
