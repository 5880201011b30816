// The stack-watch config: the kernel's v7/v8 parser, the control file, and
// what we refuse up front (exit status 2 on the command line).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseConfig, parseU16, KswConfigError, watchesCanary } from '../../simulator/kstackwatch/config';
import { boot, moduleObject } from './harness';
import { needs } from '../tools';

const KSW = resolve(__dirname, '../../../bin/ksw');
const opts = needs('gcc');

test('numbers are kstrtou16 base 0: decimal, 0x hex, leading-0 octal', () => {
  assert.equal(parseU16('64'), 64);
  assert.equal(parseU16('0x4c'), 0x4c);
  assert.equal(parseU16('010'), 8);
  assert.equal(parseU16('0'), 0);
  assert.equal(parseU16('65535'), 65535);
  assert.equal(parseU16('65536'), null);
  assert.equal(parseU16('08'), null);
  assert.equal(parseU16('-1'), null);
  assert.equal(parseU16('x'), null);
});

test('long and short keys, tokens split on space, tab and newline, first = splits', () => {
  const { config, warnings } = parseConfig('func_name=victim\tfunc_offset=0x4c\ndepth=2 max_watch=3 sp_offset=64 watch_len=8');
  assert.deepEqual(warnings, []);
  assert.equal(config.funcName, 'victim');
  assert.equal(config.funcOffset, 0x4c);
  assert.equal(config.depth, 2);
  assert.equal(config.maxWatch, 3);
  assert.equal(config.spOffset, 64);
  assert.equal(config.watchLen, 8);
  const short = parseConfig('fn=victim fo=0x4c dp=2 mw=3 so=64 wl=8 ac=1 ph=1').config;
  assert.equal(short.autoCanary, true);
  assert.equal(short.panicHit, true);
  assert.equal(parseConfig('fn=a=b').config.funcName, 'a=b');
});

test('the kernel\'s parser (a guest\'s debugfs write): empty tokens and tokens without = are skipped; unknown keys and bad numbers warn and parsing goes on', () => {
  const { config, warnings } = parseConfig('  fn=victim  junk  foo=1 so=zz wl=8 ', { strict: false });
  assert.equal(config.funcName, 'victim');
  assert.equal(config.watchLen, 8);
  assert.deepEqual(warnings, ['unsupported param foo=1', 'unsupported param so=zz']);
});

test('a user\'s config (strict, the default): known keys with bad values, bare tokens and control characters are refused with the reason', () => {
  assert.throws(() => parseConfig('fn=victim so=-8 wl=8'), new KswConfigError('so=-8: not a number from 0 to 65535 (decimal, 0x hex or 0-prefixed octal)'));
  assert.throws(() => parseConfig('fn=victim so=0x10000'), /so=0x10000: not a number from 0 to 65535/);
  assert.throws(() => parseConfig('fn=victim wl='), new KswConfigError('wl=: no value (a number from 0 to 65535)'));
  assert.throws(() => parseConfig('fn=victim ac=yes'), /ac=yes: not a number/);
  assert.throws(() => parseConfig('fn=victim BOGUS'), new KswConfigError("'BOGUS' is not a key=value setting (e.g. fn=NAME so=64 wl=8)"));
  assert.throws(() => parseConfig('fn=vic\x1b[2Jtim'), new KswConfigError('the config contains the control character \\x1b at position 6'));
  assert.throws(() => parseConfig('fn=victim foo=\x07'), /control character \\x07/);
});

test('CRLF line ends are tolerated in both modes; warnings escape control characters', () => {
  assert.equal(parseConfig('fn=victim wl=8\r\n').config.funcName, 'victim');
  assert.equal(parseConfig('fn=victim\r\nwl=8\r\n').config.watchLen, 8);
  assert.equal(parseConfig('fn=victim\r', { strict: false }).config.funcName, 'victim');
  assert.deepEqual(parseConfig('fn=victim fo\x1b=1', { strict: false }).warnings, ['unsupported param fo\\x1b=1']);
});

test('missing fn and input of 128 characters or more are refused', () => {
  assert.throws(() => parseConfig('fo=0x10 wl=8'), KswConfigError);
  assert.throws(() => parseConfig('fn=' + 'x'.repeat(125)), /limit is 127/);
  assert.doesNotThrow(() => parseConfig('fn=' + 'x'.repeat(124)));
});

test('wl=0 or ac=1 watches the canary; fo may be omitted; var= is ours', () => {
  assert.equal(watchesCanary(parseConfig('fn=f').config), true);
  assert.equal(watchesCanary(parseConfig('fn=f wl=8 ac=1').config), true);
  assert.equal(watchesCanary(parseConfig('fn=f wl=8').config), false);
  assert.equal(parseConfig('fn=f').config.funcOffset, null);
  assert.equal(parseConfig('fn=f var=buf[4]').config.varName, 'buf[4]');
});

test('the control file: not watching, start watching, config cleared, stop watching', opts, () => {
  const k = boot({ test: 0 });
  const logs: string[] = [];
  k.machine.listeners.push((e) => { if (e.type === 'log') logs.push(e.text); });
  assert.equal(k.ksw.readControl(), 'not watching\n');
  k.ksw.writeControl('fn=test_watch_fire so=8 wl=8');
  assert.equal(k.ksw.readControl(), 'fn=test_watch_fire so=8 wl=8');
  k.ksw.writeControl('fn=test_recursive_depth dp=3 so=8 wl=8');
  assert.equal(k.ksw.readControl(), 'fn=test_recursive_depth dp=3 so=8 wl=8');
  k.ksw.writeControl('  \n');
  assert.equal(k.ksw.readControl(), 'not watching\n');
  assert.deepEqual(logs, [
    'kstackwatch: start watching: fn=test_watch_fire so=8 wl=8',
    'kstackwatch: stop watching: fn=test_watch_fire so=8 wl=8',
    'kstackwatch: start watching: fn=test_recursive_depth dp=3 so=8 wl=8',
    'kstackwatch: stop watching: fn=test_recursive_depth dp=3 so=8 wl=8',
    'kstackwatch: config cleared',
  ]);
});

function kswRun(watch: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [KSW, 'run', moduleObject(), '--param', 'test=0', '--watch', watch], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const refused: [string, string, RegExp][] = [
  ['no fn', 'fo=0x10 wl=8', /Missing required parameters: function/],
  ['unknown function', 'fn=no_such_function', /unknown function 'no_such_function'/],
  ['mid-instruction offset', 'fn=test_recursive_depth fo=0x3 so=8 wl=8', /fo=0x3 is not an instruction boundary in test_recursive_depth/],
  ['bad length', 'fn=test_watch_fire so=8 wl=3', /wl=3: a watch length must be 1, 2, 4 or 8/],
  ['misaligned slot', 'fn=test_watch_fire so=4 wl=8', /so=0x4 is not aligned to wl=8/],
  ['offset past the end', 'fn=test_watch_fire fo=0x4000', /past the end of test_watch_fire/],
  ['unknown local', 'fn=test_watch_fire var=nothing', /has no local variable 'nothing'/],
  ['a negative sp_offset', 'fn=test_watch_fire so=-8 wl=8', /so=-8: not a number from 0 to 65535/],
  ['an sp_offset over 16 bits', 'fn=test_watch_fire so=0x10000 wl=8', /so=0x10000: not a number from 0 to 65535/],
  ['an empty watch_len', 'fn=test_watch_fire wl=', /wl=: no value/],
  ['a bare token', 'fn=test_watch_fire BOGUS', /'BOGUS' is not a key=value setting/],
  ['a control character, escaped in the message', 'fn=test_watch_fire\x1b[31m', /control character \\x1b at position 18/],
  ['a whole array wider than a debug register', 'fn=test_watch_fire var=buffer', /var=buffer: 'buffer' is \d+ bytes \(.*\); a debug register watches 1, 2, 4 or 8 bytes: name an element, e.g. var=buffer\[4\]/],
  ['index out of bounds', 'fn=test_watch_fire var=buffer[32]', /index 32 is out of bounds/],
  ['too long', 'fn=test_watch_fire ' + 'x'.repeat(120), /limit is 127/],
];

for (const [what, config, reason] of refused) {
  test(`ksw run refuses a config up front (${what}): exit 2, one line`, opts, () => {
    const r = kswRun(config);
    assert.equal(r.status, 2, r.stderr + r.stdout);
    assert.match(r.stderr, reason);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no JavaScript stack trace');
  });
}

test('a config with CRLF line ends runs like the same config without them', opts, () => {
  const r = kswRun('fn=test_watch_fire so=8 wl=8\r\n');
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /kstackwatch: start watching: fn=test_watch_fire so=8 wl=8\n/);
});

test('an unknown key warns and the run goes on', opts, () => {
  const r = kswRun('fn=test_watch_fire foo=1 so=8 wl=8');
  assert.match(r.stdout, /kstackwatch: unsupported param foo=1/);
  assert.match(r.stdout, /kstackwatch: start watching: fn=test_watch_fire foo=1 so=8 wl=8/);
  assert.match(r.stdout, /exit of test_watch_fire/);
  assert.equal(r.status, 1, 'the buffer initialisation writes the watched slot');
});
