// package.json's contributions: the launch schema covers DESIGN.md §3.4,
// and what the manifest points at exists (activation.test.ts checks that
// every contributed command is registered by activate()).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const debuggerEntry = pkg.contributes.debuggers.find((d: { type: string }) => d.type === 'kstackwatch');

test('the launch schema documents every attribute of DESIGN.md §3.4', () => {
  const props = debuggerEntry.configurationAttributes.launch.properties as Record<string, { description?: string; default?: unknown }>;
  for (const name of ['program', 'stackWatch', 'params', 'args', 'cpus', 'seed', 'stopOnEntry', 'stopOnCorruption', 'maxInstructions', 'compiler', 'cflags']) {
    assert.ok(props[name], `missing ${name}`);
    assert.ok(props[name].description && props[name].description!.length > 20, `${name} has a description`);
    assert.ok('default' in props[name], `${name} has a default`);
  }
  assert.equal(props.cpus.default, 4);
  assert.equal(props.stopOnCorruption.default, true);
  assert.deepEqual(debuggerEntry.configurationAttributes.launch.required, ['program']);
});

test('stackWatch accepts the kernel string or structured objects with every key', () => {
  const sw = debuggerEntry.configurationAttributes.launch.properties.stackWatch;
  const [asString, asArray] = sw.anyOf;
  assert.equal(asString.type, 'string');
  // no bundled-example function names as completions: the extension completes the workspace's own (launchCompletion.ts)
  assert.doesNotMatch(JSON.stringify(sw), /"examples":\["fn=test_|"examples":\["test_/);
  const object = asArray.items.anyOf.find((x: { type: string }) => x.type === 'object');
  for (const key of ['fn', 'fo', 'dp', 'mw', 'so', 'wl', 'ac', 'ph', 'var']) assert.ok(object.properties[key]?.description, key);
  assert.deepEqual(object.properties.wl.enum.filter((v: unknown) => typeof v === 'number'), [0, 1, 2, 4, 8]);
});

test('snippets cover canary, sp_offset, depth, local-variable and user-mode configurations', () => {
  const labels = debuggerEntry.configurationSnippets.map((s: { label: string }) => s.label).join('\n');
  for (const kind of ['canary watch', 'sp_offset watch', 'depth watch', 'local-variable watch', 'user-mode program']) assert.match(labels, new RegExp(kind));
  assert.ok(debuggerEntry.initialConfigurations.length > 0);
});

test('activation, breakpoints, trust and the adapter entry', () => {
  for (const e of ['onDebugResolve:kstackwatch', 'onDebugDynamicConfigurations:kstackwatch', 'onLanguage:c']) assert.ok(pkg.activationEvents.includes(e), e);
  assert.deepEqual(pkg.contributes.breakpoints, [{ language: 'c' }]);
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.equal(debuggerEntry.program, './dist/adapter.js');
  assert.equal(pkg.main, './dist/extension.js');
});

// (that every contributed command is registered: activation.test.ts runs activate())
test('every file the manifest names exists', () => {
  const files = [
    ...pkg.contributes.grammars.map((g: { path: string }) => g.path),
    ...pkg.contributes.languages.filter((l: { configuration?: string }) => l.configuration).map((l: { configuration: string }) => l.configuration),
    pkg.contributes.views.debug[0].icon,
  ];
  for (const f of files) assert.ok(fs.existsSync(path.join(ROOT, f)), f);
  assert.ok(pkg.contributes.views.debug.some((v: { id: string; name: string }) => v.id === 'kstackwatch.stackWatches' && v.name === 'Stack Watches'));
});

test('grammars are valid JSON with the scope names the manifest declares', () => {
  for (const g of pkg.contributes.grammars as { scopeName: string; path: string }[]) {
    const grammar = JSON.parse(fs.readFileSync(path.join(ROOT, g.path), 'utf8'));
    assert.equal(grammar.scopeName, g.scopeName);
  }
});

test('the user guide ships in the .vsix and has a command; Compile and Many Seeds stay visible in Restricted Mode to explain', () => {
  assert.ok(pkg.contributes.commands.some((c: { command: string }) => c.command === 'kstackwatch.openGuide'));
  assert.match(fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8'), /^!docs\/guide\.md$/m);
  const palette = pkg.contributes.menus.commandPalette as { command: string; when: string }[];
  for (const id of ['kstackwatch.compile', 'kstackwatch.runSeeds']) {
    // the commands themselves call requireTrust(), which explains and offers Manage Workspace Trust
    assert.doesNotMatch(palette.find((m) => m.command === id)!.when, /isWorkspaceTrusted/, id);
  }
});
