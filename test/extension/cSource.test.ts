// The C scanner behind CodeLens, F5-at-cursor and "watch local variable".

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { arrayElementChoices, blankCommentsAndStrings, checkWatchAgainstSource, findFunctions, functionAtLine, isKernelModuleSource, localVariableAt, watchableFunctions } from '../../extension/cSource';

const ROOT = path.resolve(__dirname, '../../..');
const SCENARIOS = fs.readFileSync(path.join(ROOT, 'examples/kstackwatch/kstackwatch_test.c'), 'utf8');
const lineOf = (text: string, marker: string) => text.split('\n').findIndex((l) => l.includes(marker));

test('finds every function definition of the example module, not calls or prototypes', () => {
  const names = findFunctions(SCENARIOS).map((f) => f.name);
  assert.deepEqual(names, [
    'test_watch_fire', 'test_canary_overflow', 'test_recursive_depth', 'test_mthread_buggy', 'test_mthread_victim',
    'test_mthread_worker', 'test_mthread_corrupt', 'test_mthread_corrupting', 'test_mthread_case', 'kstackwatch_test_init', 'kstackwatch_test_exit',
  ]);
  const victim = findFunctions(SCENARIOS).find((f) => f.name === 'test_mthread_victim')!;
  assert.equal(victim.line, lineOf(SCENARIOS, 'static noinline void test_mthread_victim('));
});

test('init/exit functions are not offered for watching', () => {
  const names = watchableFunctions(SCENARIOS).map((f) => f.name);
  assert.ok(!names.includes('kstackwatch_test_init'));
  assert.ok(!names.includes('kstackwatch_test_exit'));
  assert.ok(names.includes('test_mthread_victim'));
});

test('comments, strings and preprocessor lines do not confuse it', () => {
  const text = [
    '#define WRAP(x) static int x(void) { return 0; }',
    '/* int fake(void) { } */',
    'static const char *s = "int nope(void) {";',
    'static int table[] = { 1, 2 };',
    'int real(int a,',
    '         int b)',
    '{',
    '\tif (a) { return b; }',
    '\treturn a; // }',
    '}',
  ].join('\n');
  const fns = findFunctions(text);
  assert.deepEqual(fns.map((f) => f.name), ['real']);
  assert.equal(fns[0].line, 4);
  assert.equal(fns[0].bodyEndLine, 9);
  assert.equal(blankCommentsAndStrings('a /* b */ "c"').length, 'a /* b */ "c"'.length);
});

test('the function at a line covers its signature and body', () => {
  const fns = findFunctions(SCENARIOS);
  assert.equal(functionAtLine(fns, lineOf(SCENARIOS, 'WRITE_ONCE(p[i], 0xdeadbeefULL);'))?.name, 'test_canary_overflow');
  assert.equal(functionAtLine(fns, lineOf(SCENARIOS, 'static noinline void test_canary_overflow'))?.name, 'test_canary_overflow');
  assert.equal(functionAtLine(fns, 0), undefined);
});

test('the local variable under the cursor, with a constant index when there is one', () => {
  const line = lineOf(SCENARIOS, 'if (READ_ONCE(buf[i]) != 0xdeadbeef + i)');
  const col = SCENARIOS.split('\n')[line].indexOf('buf[i]') + 1;
  assert.deepEqual(localVariableAt(SCENARIOS, line, col), { function: 'test_mthread_victim', variable: 'buf' });
  const text = 'static void f(int n)\n{\n\tunsigned long buf[8];\n\tbuf[4] = n;\n}\n';
  assert.deepEqual(localVariableAt(text, 3, 2), { function: 'f', variable: 'buf[4]' });
  assert.deepEqual(localVariableAt(text, 3, 10), { function: 'f', variable: 'n' });
});

test('on an array declaration the [N] is the size: an element that exists is watched, never table[16]', () => {
  const text = 'static void g(void)\n{\n\tu64 table[16];\n\tunsigned long a = 1, pair[2] = { 0 };\n\ttable[3] = a;\n\tbarrier_data(table);\n}\n';
  assert.deepEqual(localVariableAt(text, 2, 6), { function: 'g', variable: 'table[0]', arrayLength: 16 });
  assert.deepEqual(localVariableAt(text, 3, 23), { function: 'g', variable: 'pair[0]', arrayLength: 2 });
  assert.deepEqual(localVariableAt(text, 4, 2), { function: 'g', variable: 'table[3]' }, 'a use with an index is that element');
  const choices = arrayElementChoices('table', 16).map((c) => c.label);
  assert.deepEqual(choices.slice(0, 3), ['table[15]', 'table[0]', 'table[1]']);
  assert.equal(choices.length, 16);
  assert.ok(!choices.includes('table[16]'));
  assert.deepEqual(arrayElementChoices('one', 1).map((c) => c.label), ['one[0]']);
});

test('a global or a position outside functions is not a local variable', () => {
  const line = lineOf(SCENARIOS, 'node->ptr = buf;');
  const text = 'static int counter;\nstatic void f(void)\n{\n\tcounter++;\n}\n';
  assert.match(String(localVariableAt(text, 3, 2)), /not a local variable/);
  assert.match(String(localVariableAt(SCENARIOS, 0, 0)), /not inside a function/);
  assert.equal(typeof localVariableAt(SCENARIOS, line, SCENARIOS.split('\n')[line].indexOf('buf')), 'object');
});

test('a kernel module is told from a user program', () => {
  assert.ok(isKernelModuleSource(SCENARIOS));
  assert.ok(!isKernelModuleSource(fs.readFileSync(path.join(ROOT, 'examples/user/hello.c'), 'utf8')));
});

test('a watch is checked against the module source when it is entered', () => {
  const text = 'static void g(void)\n{\n\tu64 table[16];\n\ttable[3] = 1;\n\tbarrier_data(table);\n}\nstatic void h(int n)\n{\n}\n';
  assert.equal(checkWatchAgainstSource('fn=g var=table[15]', text, 'm.c'), undefined);
  assert.equal(checkWatchAgainstSource('fn=g', text, 'm.c'), undefined);
  assert.deepEqual(checkWatchAgainstSource('fn=g var=table[16]', text, 'm.c'), { severity: 'error', message: 'table[16] does not exist: table has 16 elements (0–15)' });
  assert.deepEqual(checkWatchAgainstSource('fn=g var=tabel', text, 'm.c'), { severity: 'warning', message: "g() declares no local 'tabel' in m.c" });
  const missing = checkWatchAgainstSource('fn=nope', text, 'm.c');
  assert.equal(missing?.severity, 'warning');
  assert.match(missing!.message, /^m\.c defines no function 'nope'/);
  assert.match(checkWatchAgainstSource('fn=gg', text, 'm.c')!.message, /did you mean 'g'/);
});
