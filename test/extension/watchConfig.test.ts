// Stack-watch config validation as the editor does it: the offending token
// is named and located, the kernel's own parser has the last word.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { checkKswDocument, checkLaunchStackWatch, checkWatchLine, describeProblem, kswLineContent, parseWatch, suggestKey, validateWatchInput } from '../../extension/watchConfig';

const errors = (line: string) => checkWatchLine(line).filter((p) => p.severity === 'error');
const warnings = (line: string) => checkWatchLine(line).filter((p) => p.severity === 'warning');

test('valid configs of the kernel series and our extensions have no problems', () => {
  for (const line of [
    'fn=test_mthread_victim fo=0x4c so=64 wl=8', 'func_name=victim func_offset=0x10 depth=2 max_watch=1 sp_offset=8 watch_len=8',
    'fn=test_canary_overflow', 'fn=test_mthread_victim var=buf[4]', 'fn=f ac=1 ph=0', 'fn=f so=010 wl=8', 'fn=foo.isra.0',
  ]) assert.deepEqual(checkWatchLine(line), [], line);
});

test('a bad number is an error located on its token', () => {
  const line = 'fn=victim wl=x so=8';
  const [p] = errors(line);
  assert.equal(p.token, 'wl=x');
  assert.equal(line.slice(p.start, p.end), 'wl=x');
  assert.match(p.message, /'x' is not a number/);
});

test('a number above u16 is refused, like kstrtou16', () => {
  assert.equal(errors('fn=f so=65536 wl=8')[0].token, 'so=65536');
  assert.deepEqual(errors('fn=f so=65528 wl=8'), []);
});

test('watch lengths other than 0, 1, 2, 4, 8 are errors; so must be aligned to wl', () => {
  assert.equal(errors('fn=f wl=3')[0].token, 'wl=3');
  const [misaligned] = errors('fn=f so=4 wl=8');
  assert.equal(misaligned.token, 'so=4');
  assert.match(misaligned.message, /not aligned/);
});

test('a missing fn is an error for the whole line', () => {
  const [p] = errors('so=8 wl=8');
  assert.equal(p.token, '');
  assert.match(p.message, /missing required key 'fn'/);
  assert.equal(p.end, 'so=8 wl=8'.length);
});

test('unknown keys warn (the kernel skips them) and suggest the key meant', () => {
  const [p] = warnings('fn=f wlen=8');
  assert.equal(p.token, 'wlen=8');
  assert.match(p.message, /unknown key 'wlen'.*did you mean 'wl'/);
  assert.equal(suggestKey('deph'), 'depth');
  assert.equal(suggestKey('zzzzzz'), undefined);
  assert.equal(errors('fn=f wlen=8').length, 0);
});

test('a token without = and a repeated key warn', () => {
  assert.match(warnings('fn=f oops')[0].message, /not a key=value pair/);
  assert.match(warnings('fn=f dp=1 depth=2')[0].message, /'depth=2' overrides 'dp=1'/);
});

test('a var must name a variable or an array element', () => {
  assert.deepEqual(errors('fn=f var=buf[12]'), []);
  assert.equal(errors('fn=f var=buf[i]')[0].token, 'var=buf[i]');
});

test('the kernel parser still refuses a config of 128 characters or more', () => {
  const line = 'fn=' + 'a'.repeat(130);
  assert.ok(errors(line).some((p) => /limit is 127/.test(p.message)));
});

test('parseWatch returns the kernel config of a valid line and null for an invalid one', () => {
  const c = parseWatch('fn=victim fo=0x4c so=64 wl=8');
  assert.equal(c?.funcName, 'victim');
  assert.equal(c?.funcOffset, 0x4c);
  assert.equal(c?.spOffset, 64);
  assert.equal(parseWatch('fn=victim wl=9'), null);
});

test('launch stackWatch: strings and objects become config lines, problems say where', () => {
  const ok = checkLaunchStackWatch(['fn=a', { fn: 'b', so: 8, wl: 8 }, { function: 'c', variable: 'buf[4]' }]);
  assert.deepEqual(ok.problems, []);
  assert.deepEqual(ok.configs, ['fn=a', 'fn=b so=8 wl=8', 'fn=c var=buf[4]']);
  assert.deepEqual(checkLaunchStackWatch('fn=a dp=2').configs, ['fn=a dp=2']);
  assert.deepEqual(checkLaunchStackWatch(undefined), { configs: [], problems: [] });

  const bad = checkLaunchStackWatch(['fn=a', 'fn=b wl=5']);
  assert.equal(bad.problems.length, 1);
  assert.equal(bad.problems[0].where, 'stackWatch[1]');
  assert.equal(describeProblem(bad.problems[0]), `stackWatch[1] "fn=b wl=5" at 'wl=5': 'wl=5': a watch length must be 1, 2, 4 or 8 (0 = the canary)`);

  const noFn = checkLaunchStackWatch({ so: 8 });
  assert.match(noFn.problems[0].message, /'function' is required/);
  const unknown = checkLaunchStackWatch([{ fn: 'a', length: 8 }]);
  assert.match(unknown.problems[0].message, /unknown key 'length'/);
  assert.match(checkLaunchStackWatch([42]).problems[0].message, /config string or an object/);
  assert.match(checkLaunchStackWatch('  ').problems[0].message, /empty config/);
});

test('.ksw documents: comments and blank lines are skipped, problems keep their line and column', () => {
  const doc = '# watches for test3\n\nfn=test_mthread_victim var=buf[4]   # the victim\n  fn=x wl=7\n';
  const entries = checkKswDocument(doc);
  assert.equal(entries.length, 2);
  assert.equal(entries[0].line, 2);
  assert.deepEqual(entries[0].problems, []);
  assert.equal(entries[1].line, 3);
  assert.equal(entries[1].offset, 2);
  const p = entries[1].problems[0];
  assert.equal('  fn=x wl=7'.slice(entries[1].offset + p.start, entries[1].offset + p.end), 'wl=7');
  assert.equal(kswLineContent('   # only a comment'), null);
});

test('the input box names the offending token once, errors before warnings', () => {
  assert.equal(validateWatchInput('fn=test_mthread_victim var=buf[4]'), undefined);
  assert.equal(validateWatchInput('fn=f wl=x'), "'wl=x': 'x' is not a number from 0 to 65535 (decimal, 0x hex or 0 octal)");
  assert.equal(validateWatchInput('fn=f wlen=8 wl=3'), "'wl=3': a watch length must be 1, 2, 4 or 8 (0 = the canary)");
  assert.match(validateWatchInput('fn=f wlen=8') ?? '', /^Warning: 'wlen=8': unknown key/);
  assert.match(validateWatchInput('') ?? 'none', /none/);
  assert.match(validateWatchInput('wl=8') ?? '', /missing required key 'fn'/);
});
