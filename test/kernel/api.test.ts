// The single-task kernel APIs end to end (guest: test/kernel/guests/kt_misc.c),
// through the command line and the library: module parameters (int, bool,
// charp, long, uint; bad values and unknown names are bad input),
// kmalloc/kzalloc/krealloc/kfree, snprintf/scnprintf and strings, seeded
// get_random_u32 (same seed, same numbers; other seeds, other numbers),
// printk formats and levels and pr_cont, dump_stack, WARN_ON/WARN_ON_ONCE
// (the task goes on), module_init failing (module_exit does not run).

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { LogEvent } from '../../simulator/kernel/events';
import { KernelInputError } from '../../simulator/system/kernel';
import {
  NEEDS_GCC, SEEDS, all, assertJsonStream, guestObject, indexOf, kswRun, kv, only, paramArgs, runKernel, sourceLine,
} from './harness';

const SOURCE_RE = /\/test\/kernel\/guests\/kt_misc\.c$/;

function checkParams(logs: LogEvent[], expected: string): void {
  assert.equal(only(logs, /kt_misc: params /).text, `kt_misc: params ${expected}`);
}

function checkSlabAndStrings(logs: LogEvent[]): void {
  assert.deepEqual(kv(only(logs, /slab kzalloc_zero=/).text),
    { kzalloc_zero: 1, distinct: 1, p_intact: 1, q_intact: 1, ksize_ok: 1 });
  assert.deepEqual(kv(only(logs, /slab krealloc/).text), { kept: 1 });
  assert.deepEqual(kv(only(logs, /slab many/).text), { aligned: 1, no_overlap: 1, zero_size: 1 },
    '64 live blocks are 8-byte aligned and disjoint; freed space is reused safely; kmalloc(0) is ZERO_SIZE_PTR');
  assert.equal(only(logs, /snprintf n=/).text, 'kt_misc: snprintf n=17 buf=abcdefghij-1234 len=15',
    'snprintf returns the untruncated length and NUL-terminates');
  assert.equal(only(logs, /snprintf null/).text, 'kt_misc: snprintf null n=5');
  assert.equal(only(logs, /scnprintf/).text, 'kt_misc: scnprintf n=15');
  assert.equal(only(logs, /snprintf widths/).text, 'kt_misc: snprintf widths n=35 [   42|42   |00042|abc|0000beef|+7]');
  assert.equal(only(logs, /strings strcmp/).text,
    'kt_misc: strings strcmp=1 strncmp=0 strchr=llo strstr=haystack memcmp=0 strlen=6');
}

function randomLines(logs: LogEvent[]): string[] {
  const r = all(logs, /kt_misc: random /).map((e) => e.text);
  assert.equal(r.length, 2);
  assert.match(r[0], /^kt_misc: random [0-9a-f]{8} [0-9a-f]{8} [0-9a-f]{8} [0-9a-f]{8}$/);
  const below = /^kt_misc: random below10 ((?:\d+ ){8})in_range=1$/.exec(r[1]);
  assert.ok(below, r[1]);
  for (const v of below[1].trim().split(' ').map(Number)) assert.ok(v >= 0 && v < 10);
  return r;
}

function checkPrintk(logs: LogEvent[]): void {
  const text = (re: RegExp) => only(logs, re).text;
  assert.equal(text(/fmt d=/),
    'kt_misc: fmt d=-42 u=4000000000 x=beef X=BEEF lx=deadbeefcafe llx=123456789abcdef0 c=Z s=hello pct=%');
  assert.equal(text(/fmt ld=/),
    'kt_misc: fmt ld=-1234567890123 lld=-9000000000000000000 lu=18446744073709551615 hhx=ff null=(null)');
  const p = /^kt_misc: fmt p=([0-9a-f]{16}) px=([0-9a-f]{16}) lx=([0-9a-f]+)$/.exec(text(/fmt p=/));
  assert.ok(p, 'pointers print as 16 hex digits');
  assert.equal(p[1], p[2], '%p prints the address itself (no hashing), like %px');
  assert.equal(p[2], p[3].padStart(16, '0'));
  assert.match(text(/fmt pS=/), /^kt_misc: fmt pS=kt_misc_target\+0x0\/0x[0-9a-f]+ ps=kt_misc_target off=kt_misc_target\+0x5\/0x[0-9a-f]+$/);
  assert.equal(text(/printk n=/), 'kt_misc: printk n=22', 'printk returns the length without the level prefix');
  only(logs, /^printk returns length$/);

  const levels: [string, number][] = [
    ['emerg', 0], ['alert', 1], ['crit', 2], ['err', 3], ['warn', 4], ['notice', 5], ['info', 6],
  ];
  for (const [name, level] of levels) assert.equal(only(logs, new RegExp(`^kt_misc: level ${name}$`)).level, level, name);
  assert.equal(only(logs, /^level default$/).level, 4, 'printk without a level: the default message loglevel (4)');
  assert.equal(only(logs, /^level debug$/).level, 7, 'KERN_DEBUG');
  assert.equal(all(logs, /compiled out/).length, 0, 'pr_debug prints nothing without DEBUG');
  const cont = only(logs, /cont part1/);
  assert.equal(cont.text, 'kt_misc: cont part1 part2 part3', 'pr_cont continues the line');
  assert.equal(cont.level, 6);
  const two = indexOf(logs, /^kt_misc: two$/);
  assert.equal(logs[two + 1].text, 'lines', 'one printk with two newlines gives two lines');
}

function checkDumpStack(logs: LogEvent[]): void {
  const start = indexOf(logs, /dump_stack from kt_misc_show_stack follows/);
  const end = indexOf(logs, /kt_misc: dump_stack returned/);
  const block = logs.slice(start + 1, end);
  const head = /^CPU: (\d+) PID: 1 Comm: insmod$/.exec(block[0]?.text ?? '');
  assert.ok(head, `dump_stack header: ${block[0]?.text}`);
  assert.equal(Number(head[1]), block[0].cpu, 'dump_stack names the CPU it runs on');
  assert.deepEqual(block.slice(1, 3).map((e) => e.text), ['Call Trace:', ' <TASK>']);
  assert.equal(block[block.length - 1].text, ' </TASK>');
  const frames = block.slice(3, -1).map((e) => e.text);
  const show = frames.findIndex((f) => f.startsWith(' kt_misc_show_stack+0x'));
  const init = frames.findIndex((f) => f.startsWith(' kt_misc_init+0x'));
  assert.ok(show >= 0 && init > show, `caller frames, innermost first:\n${frames.join('\n')}`);
  const line = /\((\/.*):(\d+)\)$/.exec(frames[show]);
  assert.ok(line, `frame with file:line: ${frames[show]}`);
  assert.match(line[1], SOURCE_RE);
  assert.equal(Number(line[2]), sourceLine('kt_misc', '\tdump_stack();'));
  assert.match(frames[init], new RegExp(`:${sourceLine('kt_misc', '\tkt_misc_show_stack();')}\\)$`));
}

function checkWarnings(logs: LogEvent[]): void {
  const warnings = all(logs, /^WARNING: /);
  const expect = [sourceLine('kt_misc', '/* the warning */'), sourceLine('kt_misc', '/* warns once */')];
  assert.equal(warnings.length, 2, `WARN_ON fires once, WARN_ON(false) never, WARN_ON_ONCE once in three:\n${warnings.map((e) => e.text).join('\n')}`);
  warnings.forEach((w, i) => {
    const m = /^WARNING: CPU: (\d+) PID: 1 at (\S*kt_misc\.c):(\d+) kt_misc_init\+0x[0-9a-f]+\/0x[0-9a-f]+$/.exec(w.text);
    assert.ok(m, w.text);
    assert.equal(Number(m[1]), w.cpu);
    assert.equal(Number(m[3]), expect[i], 'the WARN_ON line');
    assert.equal(w.level, 4);
  });
  const first = logs.indexOf(warnings[0]);
  assert.ok(indexOf(logs, /WARN_ON returned true/) > first, 'WARN_ON evaluates to its condition; the task goes on');
  assert.ok(indexOf(logs, /after WARN_ON/) > logs.indexOf(warnings[1]));
  only(logs, /kt_misc: init done/);
}

describe('single-task kernel APIs', NEEDS_GCC, () => {
  test('ksw run --json: defaults, seeds 1 2 3 42; random numbers follow the seed', async () => {
    const obj = guestObject('kt_misc');
    const runs = await Promise.all([...SEEDS, 1].map((seed) => kswRun([obj, '--json', '--seed', String(seed)])));
    const randoms = runs.map((r, i) => {
      assert.equal(r.status, 0, `seed ${[...SEEDS, 1][i]}: ${r.stderr}`);
      assertJsonStream(r);
      checkParams(r.logs, 'count=3 verbose=0 name=default big=-1 mask=0x10');
      checkSlabAndStrings(r.logs);
      checkPrintk(r.logs);
      checkDumpStack(r.logs);
      assert.equal(all(r.logs, /WARNING/).length, 0);
      assert.equal(r.logs[r.logs.length - 1].text, 'kt_misc: exit comm=rmmod');
      return randomLines(r.logs).join('\n');
    });
    assert.equal(randoms[4], randoms[0], 'seed 1 twice: the same random numbers');
    assert.equal(new Set(randoms.slice(0, 4)).size, 4, 'seeds 1, 2, 3, 42: different random numbers');
  });

  test('the library: same results; %p and %pS agree with the module\'s symbols; get_random_u32 follows the seed', () => {
    const obj = guestObject('kt_misc');
    const randoms: string[] = [];
    for (const seed of [...SEEDS, 42]) {
      const r = runKernel(obj, { seed });
      assert.deepEqual(r.stop, { kind: 'idle' });
      assert.equal(r.kernel.initResult, 0);
      checkSlabAndStrings(r.logs);
      checkPrintk(r.logs);
      checkDumpStack(r.logs);
      randoms.push(randomLines(r.logs).join('\n'));
      const mod = r.kernel.module!;
      const data = mod.symbol('some_data')!;
      assert.match(only(r.logs, /fmt p=/).text, new RegExp(`p=${data.address.toString(16).padStart(16, '0')} `), '%p of &some_data');
      const target = mod.symbol('kt_misc_target')!;
      assert.match(only(r.logs, /fmt pS=/).text,
        new RegExp(`pS=kt_misc_target\\+0x0/0x${target.size.toString(16)} .*off=kt_misc_target\\+0x5/0x${target.size.toString(16)}$`));
    }
    assert.equal(randoms[4], randoms[3], 'seed 42 twice');
    assert.equal(new Set(randoms.slice(0, 4)).size, 4);
  });

  test('module parameters: int, bool, charp, long, uint from the command line', async () => {
    const obj = guestObject('kt_misc');
    const [a, b] = await Promise.all([
      kswRun([obj, '--json', ...paramArgs({ count: 7, verbose: 'y', name: 'hello_world', big: -9000000000, mask: '0x20' })]),
      kswRun([obj, '--json', '--param', 'verbose=1', '--param', 'count=010', '--param', 'name=with spaces, commas=and equals']),
    ]);
    assert.equal(a.status, 0, a.stderr);
    checkParams(a.logs, 'count=7 verbose=1 name=hello_world big=-9000000000 mask=0x20');
    assert.equal(b.status, 0, b.stderr);
    checkParams(b.logs, 'count=8 verbose=1 name=with spaces, commas=and equals big=-1 mask=0x10');
  });

  test('module parameters through the library: bool spellings, limits of each type', () => {
    const obj = guestObject('kt_misc');
    const cases: [Record<string, string>, string][] = [
      [{ verbose: 'Y' }, 'count=3 verbose=1 name=default big=-1 mask=0x10'],
      [{ verbose: 'n', count: '-2147483648' }, 'count=-2147483648 verbose=0 name=default big=-1 mask=0x10'],
      [{ verbose: 'N', count: '2147483647', mask: '4294967295' }, 'count=2147483647 verbose=0 name=default big=-1 mask=0xffffffff'],
      [{ verbose: '0', big: '9223372036854775807', name: '' }, 'count=3 verbose=0 name= big=9223372036854775807 mask=0x10'],
    ];
    for (const [params, expected] of cases) {
      const r = runKernel(obj, { params });
      assert.deepEqual(r.stop, { kind: 'idle' });
      checkParams(r.logs, expected);
    }
    const bad: Record<string, string>[] = [
      { nosuch: '1' }, { count: 'abc' }, { count: '' }, { count: '12abc' }, { verbose: 'maybe' },
      { count: '2147483648' }, { count: '4294967297' }, { mask: '-1' }, { big: '99999999999999999999' },
    ];
    for (const params of bad) {
      assert.throws(() => runKernel(obj, { params }), KernelInputError, JSON.stringify(params));
    }
  });

  test('bad parameters on the command line: exit 2, one line naming the parameter', async () => {
    const obj = guestObject('kt_misc');
    const cases: [string[], RegExp][] = [
      [['--param', 'nosuch=1'], /nosuch/],
      [['--param', 'count=abc'], /count.*abc/],
      [['--param', 'verbose=maybe'], /verbose.*maybe/],
      [['--param', 'count=4294967297'], /count.*4294967297/],
      [['--param', 'mask=-1'], /mask.*-1/],
      [['--param', 'count'], /--param/],
    ];
    const runs = await Promise.all(cases.map(([args]) => kswRun([obj, '--json', ...args])));
    runs.forEach((r, i) => {
      const [args, re] = cases[i];
      assert.equal(r.status, 2, `${args.join(' ')}: status`);
      assert.equal(r.stdout, '', 'nothing ran: no events');
      const first = r.stderr.split('\n')[0];
      assert.match(first, re, `${args.join(' ')}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at |Error:/, 'no host stack trace');
      if (args[1] !== 'count') assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
    });
  });

  test('WARN_ON and WARN_ON_ONCE report and the task goes on (CLI and library)', async () => {
    const obj = guestObject('kt_misc');
    const r = await kswRun([obj, '--json', ...paramArgs({ warn: 1 })]);
    assert.equal(r.status, 0, 'a warning is not a failure');
    assertJsonStream(r);
    assert.equal(r.oopses.length, 0);
    checkWarnings(r.logs);
    for (const seed of [2, 42]) {
      const lib = runKernel(obj, { seed, params: { warn: 1 } });
      assert.deepEqual(lib.stop, { kind: 'idle' });
      assert.equal(lib.oopses.length, 0);
      checkWarnings(lib.logs);
    }
  });

  test('module_init returning an error: exit 3, the error in the log, no module_exit', async () => {
    const obj = guestObject('kt_misc');
    const r = await kswRun([obj, '--json', ...paramArgs({ fail: 12 })]);
    assert.equal(r.status, 3);
    assertJsonStream(r);
    only(r.logs, /kt_misc: init fails with -12/);
    const err = only(r.logs, /could not insert module/);
    assert.match(err.text, /-12\b/);
    assert.ok(err.level <= 3);
    assert.equal(all(r.logs, /kt_misc: exit/).length, 0, 'module_exit does not run after a failed init');
    assert.equal(all(r.logs, /slab/).length, 0);

    const lib = runKernel(obj, { params: { fail: 12 } });
    assert.equal(lib.kernel.initResult, -12);
    assert.equal(lib.kernel.phase, 'done');
    assert.equal(all(lib.logs, /kt_misc: exit/).length, 0);
    assert.ok(!lib.kernel.machine.tasks.some((t) => t.comm === 'rmmod'));
  });
});
