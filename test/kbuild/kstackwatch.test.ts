// The bundled KStackWatch test module built two ways — by Kbuild against
// the distribution's kernel headers (examples/kstackwatch-kbuild, loaded as
// an unmodified .ko) and with the SDK (ksw cc) — gives the same KStackWatch
// results in each of the six scenarios: the same victim function and depth,
// the same writer function, source line and task.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { bootKo, kbuildFolder, kbuildSkip, offsetOfLineIn, REPO } from './harness';
import { boot, lineOf, run, frameOffset, ScenarioRun } from '../kstackwatch/harness';
import type { Kernel } from '../../simulator/system/kernel';

const opts = { skip: kbuildSkip };
const ko = (): string => join(kbuildFolder(join(REPO, 'examples/kstackwatch-kbuild')), 'kstackwatch_test.ko');

const offsetOfLine = (k: Kernel, fn: string, text: string): number => offsetOfLineIn(k, 'kstackwatch_test.c', fn, lineOf(text));
const fnOf = (s: string): string => s.split('+')[0];

/** What a scenario's reports say, independent of addresses and of how many times the race was hit. */
function summary(r: ScenarioRun): string[] {
  const out = new Set<string>();
  for (const c of r.corruptions) {
    out.add(`victim=${c.watch.function} depth=${c.watch.depth} canary=${c.watch.canary} writer=${fnOf(c.writer.symbol)}:${c.writer.line} comm=${c.writer.comm} new=${c.new}`);
  }
  return [...out].sort();
}

function victimIndexOverBuggy(k: Kernel, slot: number): number {
  return (frameOffset(k, 'test_mthread_buggy', 'buf') + 8 * slot - frameOffset(k, 'test_mthread_victim', 'buf')) / 8;
}

/** Each scenario: its parameters and its watches for a given build (offsets come from that build's DWARF). */
const SCENARIOS: { name: string; params: Record<string, number>; watches: (k: Kernel, kbuild: boolean) => string[]; stop: string }[] = [
  { name: 'test0 watch_fire', params: { test: 0 }, stop: 'idle',
    watches: (k) => [`fn=test_watch_fire fo=0x${offsetOfLine(k, 'test_watch_fire', 'ksw_watch_show();').toString(16)} so=8 wl=8`] },
  { name: 'test1 canary_overflow', params: { test: 1 }, stop: 'panic', watches: () => ['fn=test_canary_overflow'] },
  // The SDK build's config; Kbuild's CONFIG_INIT_STACK_ALL_ZERO zeroes `buffer` after the prologue (a real
  // write KStackWatch reports), so that build is armed after the zeroing, where gcc keeps buffer[0] at the
  // stack pointer.
  { name: 'test2 recursive_depth', params: { test: 2 }, stop: 'idle',
    watches: (k, kbuild) => [kbuild
      ? `fn=test_recursive_depth fo=0x${offsetOfLine(k, 'test_recursive_depth', 'if (depth >= MAX_DEPTH)').toString(16)} dp=3 so=0 wl=8`
      : 'fn=test_recursive_depth dp=3 so=8 wl=8'] },
  { name: 'test3 silent corruption', params: { test: 3 }, stop: 'idle',
    watches: (k) => [`fn=test_mthread_victim var=buf[${victimIndexOverBuggy(k, 8)}]`] },
  { name: 'test4 20 workers', params: { test: 4, bug: 50 }, stop: 'idle',
    watches: (k) => [`fn=test_mthread_victim var=buf[${victimIndexOverBuggy(k, 8)}]`] },
  { name: 'test5 prologue corruption', params: { test: 5, bug: 100 }, stop: 'deadlock', watches: () => ['fn=test_mthread_victim var=buf[0]'] },
];

for (const s of SCENARIOS) {
  test(`Kbuild .ko ${s.name}: the same report as the SDK build`, opts, () => {
    const kk = bootKo(ko(), s.params);
    const kbuild = run(kk, s.watches(kk, true));
    const ks = boot(s.params);
    const sdk = run(ks, s.watches(ks, false));
    assert.ok(kbuild.corruptions.length >= 1, kbuild.logs.join('\n'));
    assert.deepEqual(summary(kbuild), summary(sdk));
    assert.equal(kbuild.stop.kind, s.stop, kbuild.logs.join('\n'));
    for (const c of kbuild.corruptions) if (c.writer.line) assert.match(c.writer.file ?? '', /kstackwatch_test\.c$/);
  });
}

test('Kbuild .ko: the clean variant of test3 reports nothing and every victim is happy', opts, () => {
  const k = bootKo(ko(), { test: 3, bug: 0 });
  const r = run(k, [`fn=test_mthread_victim var=buf[${victimIndexOverBuggy(k, 8)}]`, 'fn=test_mthread_victim']);
  assert.equal(r.corruptions.length, 0, r.logs.join('\n'));
  assert.equal(r.logs.filter((l) => /victim\[0\]\[\d+\]: happy/.test(l)).length, 20);
  assert.equal(r.stop.kind, 'idle');
});

test('Kbuild .ko: __fentry__ calls are NOPed and return thunks patched back to ret at load', opts, () => {
  const k = bootKo(ko());
  const mod = k.module!;
  const fn = mod.symbol('test_watch_fire')!;
  // the first instruction is the 5-byte NOP where `call __fentry__` was
  assert.deepEqual([...k.machine.mem.read(fn.address, 5)], [0x0f, 0x1f, 0x44, 0x00, 0x00]);
  assert.deepEqual(mod.params.map((p) => `${p.name}:${p.type}:${p.size}`), ['bug:int:4', 'test:int:4']);
  assert.equal(mod.modinfo.get('license')?.[0], 'GPL');
  assert.equal(mod.name, 'kstackwatch_test');
  assert.ok(lineOf('WRITE_ONCE(p[i], 0xdeadbeefULL)') > 0);
});
