// The DebugConfigurationProvider with a stand-in `vscode`: F5 without a
// launch.json, the checks before a launch, Workspace Trust.

import './vscodeStub';
import { test, beforeEach } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { answers, calls, editorAt, reset, state } from './vscodeStub';
import { KswConfigurationProvider, functionAtCursor } from '../../extension/debugProvider';
import { INITIAL_CONFIGURATIONS } from '../../extension/launchDefaults';

const ROOT = path.resolve(__dirname, '../../..');
const EXAMPLES = path.join(ROOT, 'examples');
const MODULE = path.join(EXAMPLES, 'kstackwatch/kstackwatch_test.c');
const TEXT = fs.readFileSync(MODULE, 'utf8');
const line = (marker: string) => TEXT.split('\n').findIndex((l) => l.includes(marker));
const folder = { uri: { fsPath: EXAMPLES }, name: 'examples', index: 0 };
const log = { appendLine: (_: string) => undefined } as never;

type Provider = KswConfigurationProvider & {
  resolveDebugConfiguration(f: unknown, c: Record<string, unknown>): unknown;
  resolveDebugConfigurationWithSubstitutedVariables(f: unknown, c: Record<string, unknown>): Promise<Record<string, unknown> | undefined>;
};
const provider = () => new KswConfigurationProvider(log) as Provider;

beforeEach(reset);

test('F5 with no launch.json on a C module: compile it and watch the function at the cursor', () => {
  state.editor = editorAt(MODULE, TEXT, line('WRITE_ONCE(p[i], 0xdeadbeefULL);'));
  const c = provider().resolveDebugConfiguration(folder, {}) as Record<string, unknown>;
  assert.equal(c.type, 'kstackwatch');
  assert.equal(c.program, '${workspaceFolder}/kstackwatch/kstackwatch_test.c');
  assert.equal(c.stackWatch, 'fn=test_canary_overflow');
  assert.deepEqual(c.params, { test: 1 });
});

const KBUILD = path.join(EXAMPLES, 'kstackwatch-kbuild');
const KBUILD_MODULE = path.join(KBUILD, 'kstackwatch_test.c');

test('F5 with no launch.json on a source of a Kbuild folder: launch the folder (built with Kbuild), watching the function at the cursor', () => {
  state.editor = editorAt(KBUILD_MODULE, TEXT, line('WRITE_ONCE(p[i], 0xdeadbeefULL);'));
  const c = provider().resolveDebugConfiguration(folder, {}) as Record<string, unknown>;
  assert.equal(c.program, '${workspaceFolder}/kstackwatch-kbuild');
  assert.equal(c.name, 'KStackWatch: kstackwatch_test.c (Kbuild, watch test_canary_overflow)');
  assert.equal(c.stackWatch, 'fn=test_canary_overflow');
  assert.deepEqual(c.params, { test: 1 });
});

test('F5 with no editor open in a workspace that is a Kbuild folder launches that folder', () => {
  const kbuildFolder = { uri: { fsPath: KBUILD }, name: 'kstackwatch-kbuild', index: 0 };
  const c = provider().resolveDebugConfiguration(kbuildFolder, {}) as Record<string, unknown>;
  assert.deepEqual(c, { type: 'kstackwatch', request: 'launch', name: 'KStackWatch: kstackwatch-kbuild (Kbuild)', program: '${workspaceFolder}' });
});

test('a .ko of a Kbuild folder that is not built yet may be launched (the adapter builds it); another missing program may not', async () => {
  const ko = await provider().resolveDebugConfigurationWithSubstitutedVariables(folder, {
    type: 'kstackwatch', request: 'launch', name: 'ko', program: path.join(KBUILD, 'not_built_yet.ko'),
  });
  assert.equal(ko?.program, path.join(KBUILD, 'not_built_yet.ko'));
  const missing = await provider().resolveDebugConfigurationWithSubstitutedVariables(folder, {
    type: 'kstackwatch', request: 'launch', name: 'o', program: path.join(KBUILD, 'not_built_yet.o'),
  });
  assert.equal(missing, undefined);
  assert.match(calls.error[0], /not_built_yet\.o does not exist/);
});

test('F5 with nothing runnable open says why and starts nothing', () => {
  assert.equal(provider().resolveDebugConfiguration(folder, {}), undefined);
  assert.match(calls.info[0], /Open a C test module/);
});

test('a launch.json configuration without program is refused with a message', () => {
  assert.equal(provider().resolveDebugConfiguration(folder, { type: 'kstackwatch', request: 'launch', name: 'x' }), undefined);
  assert.match(calls.error[0], /has no "program"/);
});

test('in Restricted Mode nothing is compiled or run, and the user is told why', () => {
  state.trusted = false;
  state.editor = editorAt(MODULE, TEXT, line('WRITE_ONCE(p[i], 0xdeadbeefULL);'));
  assert.equal(provider().resolveDebugConfiguration(folder, {}), undefined);
  assert.match(calls.warning.join('\n'), /Restricted Mode: it would compile this workspace's C files/);
});

test('an invalid stack watch stops the launch with the offending token, before anything is compiled', async () => {
  const r = await provider().resolveDebugConfigurationWithSubstitutedVariables(folder, {
    type: 'kstackwatch', request: 'launch', name: 'bad', program: MODULE, stackWatch: ['fn=a', 'fn=test_mthread_victim so=4 wl=8'],
  });
  assert.equal(r, undefined);
  assert.equal(calls.error.length, 1);
  assert.match(calls.error[0], /stackWatch\[1\] "fn=test_mthread_victim so=4 wl=8" at 'so=4': .*not aligned/);
});

test('a key the kernel would skip asks first; "Run Anyway" launches', async () => {
  const config = { type: 'kstackwatch', request: 'launch', name: 'typo', program: MODULE, stackWatch: 'fn=test_canary_overflow wlen=8' };
  assert.equal(await provider().resolveDebugConfigurationWithSubstitutedVariables(folder, { ...config }), undefined);
  assert.match(calls.warning[0], /unknown key 'wlen'.*did you mean 'wl'/);
  answers.warning = 'Run Anyway';
  const r = await provider().resolveDebugConfigurationWithSubstitutedVariables(folder, { ...config });
  assert.equal(r?.stackWatch, 'fn=test_canary_overflow wlen=8');
});

test('a valid configuration passes, with cwd set to the folder', async () => {
  const r = await provider().resolveDebugConfigurationWithSubstitutedVariables(folder, {
    type: 'kstackwatch', request: 'launch', name: 'ok', program: MODULE, stackWatch: [{ fn: 'test_mthread_victim', var: 'buf[4]' }],
  });
  assert.equal(r?.cwd, EXAMPLES);
  assert.deepEqual(calls.error, []);
});

test('a missing program is reported before the adapter starts', async () => {
  const r = await provider().resolveDebugConfigurationWithSubstitutedVariables(folder, { type: 'kstackwatch', request: 'launch', name: 'x', program: '/nope/missing.c' });
  assert.equal(r, undefined);
  assert.match(calls.error[0], /does not exist/);
});

test('${command:kstackwatch.functionAtCursor} is the function around the cursor', () => {
  state.editor = editorAt(MODULE, TEXT, line('buf[i] = 0xdeadbeef + i;'));
  assert.equal(functionAtCursor(), 'test_mthread_victim');
  state.editor = editorAt(MODULE, TEXT, 0);
  assert.equal(functionAtCursor(), undefined);
  assert.match(calls.error[0], /put the cursor inside a C function/);
});

test('"create a launch.json file": the manifest\'s editor-driven configuration once, then the provider\'s', async () => {
  const configs = await provider().provideDebugConfigurations(undefined);
  // VS Code writes the manifest's initialConfigurations, then what the provider returns
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8'));
  const initial = manifest.contributes.debuggers[0].initialConfigurations;
  assert.deepEqual(initial, INITIAL_CONFIGURATIONS, 'the manifest and the code agree');
  const written = [...initial, ...configs];
  assert.equal(written[0].program, '${file}');
  assert.equal(written[0].stackWatch, 'fn=${command:kstackwatch.functionAtCursor}');
  const names = written.map((c: { name: string }) => c.name);
  assert.equal(new Set(names).size, names.length, `no configuration twice: ${names.join(', ')}`);
});
