// The configurations the extension writes: F5 without launch.json, the
// dynamic list, the initial launch.json — and that each passes the same
// checks the adapter applies (simulator/debug/launchConfig.ts).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canaryFunction, dynamicConfigurations, INITIAL_CONFIGURATIONS, KSTACKWATCH_TEST_SCENARIOS, launchForEditor, workspacePath } from '../../extension/launchDefaults';
import { checkLaunchStackWatch } from '../../extension/watchConfig';
import { parseLaunchArgs } from '../../simulator/debug/launchConfig';

const ROOT = path.resolve(__dirname, '../../..');
const EXAMPLES = path.join(ROOT, 'examples');
const MODULE = path.join(EXAMPLES, 'kstackwatch/kstackwatch_test.c');
const TEXT = fs.readFileSync(MODULE, 'utf8');
const lineOf = (marker: string) => TEXT.split('\n').findIndex((l) => l.includes(marker));

test('F5 in test_canary_overflow runs scenario 1 with a canary watch on it', () => {
  const c = launchForEditor({ file: MODULE, languageId: 'c', text: TEXT, line: lineOf('WRITE_ONCE(p[i], 0xdeadbeefULL);') }, EXAMPLES);
  assert.equal(typeof c, 'object');
  assert.deepEqual(c, {
    type: 'kstackwatch', request: 'launch', name: 'KStackWatch: kstackwatch_test.c (watch test_canary_overflow)',
    program: '${workspaceFolder}/kstackwatch/kstackwatch_test.c', stackWatch: 'fn=test_canary_overflow', params: { test: 1 },
  });
});

test("F5 in the victim uses the scenario's own watch (a local variable)", () => {
  const c = launchForEditor({ file: MODULE, languageId: 'c', text: TEXT, line: lineOf('buf[i] = 0xdeadbeef + i;') }, EXAMPLES);
  assert.ok(typeof c === 'object');
  assert.equal(c.stackWatch, 'fn=test_mthread_victim var=buf[4]');
  assert.deepEqual(c.params, { test: 3 });
});

test('F5 in an unknown module watches the function at the cursor, and nothing in init', () => {
  const text = '#include <linux/module.h>\nstatic void work(void)\n{\n\tint x = 1;\n}\nstatic int __init m_init(void)\n{\n\twork();\n\treturn 0;\n}\nmodule_init(m_init);\n';
  const inWork = launchForEditor({ file: '/w/m.c', languageId: 'c', text, line: 3 }, '/w');
  assert.ok(typeof inWork === 'object');
  assert.equal(inWork.stackWatch, 'fn=work');
  assert.equal(inWork.params, undefined);
  const inInit = launchForEditor({ file: '/w/m.c', languageId: 'c', text, line: 7 }, '/w');
  assert.ok(typeof inInit === 'object');
  assert.equal(inInit.stackWatch, undefined);
});

test('F5 in a module of a Kbuild folder launches the folder, which the adapter accepts', () => {
  const kbuild = path.join(EXAMPLES, 'kstackwatch-kbuild');
  const file = path.join(kbuild, 'kstackwatch_test.c');
  const c = launchForEditor({ file, languageId: 'c', text: TEXT, line: lineOf('WRITE_ONCE(p[i], 0xdeadbeefULL);'), kbuildFolder: kbuild }, EXAMPLES);
  assert.deepEqual(c, {
    type: 'kstackwatch', request: 'launch', name: 'KStackWatch: kstackwatch_test.c (Kbuild, watch test_canary_overflow)',
    program: '${workspaceFolder}/kstackwatch-kbuild', stackWatch: 'fn=test_canary_overflow', params: { test: 1 },
  });
  const opts = parseLaunchArgs({ ...(c as object), program: kbuild, kernelHeaders: '/usr/src/linux-headers-x', makeArgs: ['V=1'] });
  assert.equal(opts.program, kbuild);
  assert.equal(opts.kernelHeaders, '/usr/src/linux-headers-x');
  assert.deepEqual(opts.makeArgs, ['V=1']);
  // a .ko is launched as it is, like a .o
  const ko = launchForEditor({ file: path.join(kbuild, 'kstackwatch_test.ko'), languageId: 'plaintext', text: '', line: 0 }, EXAMPLES);
  assert.ok(typeof ko === 'object');
  assert.equal(ko.program, '${workspaceFolder}/kstackwatch-kbuild/kstackwatch_test.ko');
  assert.throws(() => parseLaunchArgs({ program: kbuild, kernelHeaders: 3 }), /'kernelHeaders' must be a kernel build directory/);
});

test('dynamic configurations of a Kbuild folder launch the folder, with the example scenarios', () => {
  const kbuild = path.join(EXAMPLES, 'kstackwatch-kbuild');
  const configs = dynamicConfigurations(EXAMPLES, [{ path: path.join(kbuild, 'kstackwatch_test.c'), text: TEXT, kbuildFolder: kbuild }]);
  assert.equal(configs.length, KSTACKWATCH_TEST_SCENARIOS.length);
  assert.ok(configs.every((c) => c.program === '${workspaceFolder}/kstackwatch-kbuild'));
  assert.equal(configs[1].name, 'KStackWatch: kstackwatch_test.c (Kbuild) test1 canary overflow');
  assert.equal(workspacePath(EXAMPLES, EXAMPLES), '${workspaceFolder}');
});

test('F5 refuses what it cannot run, saying why', () => {
  assert.match(String(launchForEditor(undefined)), /Open a C test module/);
  assert.match(String(launchForEditor({ file: '/w/a.py', languageId: 'python', text: '', line: 0 })), /not a C file/);
  assert.match(String(launchForEditor({ file: '/w/u.c', languageId: 'c', text: 'int main(void) { return 0; }', line: 0 })), /not a kernel test module/);
  const user = launchForEditor({ file: '/w/u.c', languageId: 'c', text: 'int main(void) { return 0; }', line: 0, executable: '/w/u' }, '/w');
  assert.ok(typeof user === 'object');
  assert.equal(user.program, '${workspaceFolder}/u');
});

test('dynamic configurations: one per scenario of the example module, plus built user programs', () => {
  const files = [
    { path: MODULE, text: TEXT },
    { path: path.join(EXAMPLES, 'user/hello.c'), text: fs.readFileSync(path.join(EXAMPLES, 'user/hello.c'), 'utf8'), executable: path.join(EXAMPLES, 'user/hello') },
  ];
  const configs = dynamicConfigurations(EXAMPLES, files);
  assert.equal(configs.length, KSTACKWATCH_TEST_SCENARIOS.length + 1);
  assert.deepEqual(configs.map((c) => c.params?.test).slice(0, 6), [0, 1, 2, 3, 4, 5]);
  assert.equal(configs[6].program, '${workspaceFolder}/user/hello');
  for (const c of configs) {
    assert.deepEqual(checkLaunchStackWatch(c.stackWatch).problems, [], c.name);
    const resolved = { ...c, program: String(c.program).replace('${workspaceFolder}', EXAMPLES) };
    assert.doesNotThrow(() => parseLaunchArgs(resolved), c.name);
  }
});

test('the initial launch.json and every configuration the extension writes pass the adapter checks', () => {
  for (const c of INITIAL_CONFIGURATIONS) {
    const stackWatch = String(c.stackWatch ?? '').replace('${command:kstackwatch.functionAtCursor}', 'victim');
    assert.deepEqual(checkLaunchStackWatch(stackWatch).problems, [], c.name);
    assert.doesNotThrow(() => parseLaunchArgs({ ...c, stackWatch, program: MODULE }));
  }
});

test('paths inside the workspace folder are written with ${workspaceFolder}', () => {
  assert.equal(workspacePath('/w', '/w/a/b.c'), '${workspaceFolder}/a/b.c');
  assert.equal(workspacePath('/w', '/elsewhere/b.c'), '/elsewhere/b.c');
  assert.equal(workspacePath(undefined, '/x.c'), '/x.c');
});

test('a module\'s own configuration watches a function of that file with a canary, not its first helper', () => {
  const text = '#include <linux/module.h>\nstatic int helper(int x)\n{\n\treturn x + 1;\n}\nstatic void victim(void)\n{\n\tu64 buf[4] = { 0 };\n\tbarrier_data(buf);\n}\nstatic int __init m_init(void)\n{\n\tvictim();\n\treturn helper(0);\n}\nmodule_init(m_init);\n';
  const [c] = dynamicConfigurations('/w', [{ path: '/w/mod.c', text }]);
  assert.equal(c.program, '${workspaceFolder}/mod.c');
  assert.equal(c.stackWatch, 'fn=victim');
  assert.equal(canaryFunction('static int f(void)\n{\n\treturn 0;\n}\n')?.name, 'f', 'no function with an array: the first one');
});
