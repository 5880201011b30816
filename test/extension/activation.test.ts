// Every command package.json contributes is registered by the extension's
// activate() — run here against a recording stand-in for the `vscode` module
// (any API returns another stand-in; registerCommand records its id), so a
// command contributed but never registered, or registered under a typo,
// fails; an id string that merely appears somewhere in the source does not
// count.

import Module = require('node:module');
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const registered: string[] = [];

/** A value that is every API at once: callable, constructible, any property another such value. */
function anything(name: string): unknown {
  const cache = new Map<PropertyKey, unknown>();
  const target = function stub(): void { /* stand-in */ };
  return new Proxy(target, {
    get(_t, key) {
      if (key === 'then') return undefined; // not a promise: `await` on it returns it
      if (key === Symbol.toPrimitive) return () => '';
      if (key === Symbol.iterator) return function* none(): Generator<never> { /* empty */ };
      if (key === 'dispose') return () => undefined;
      if (name === 'vscode.commands' && (key === 'registerCommand' || key === 'registerTextEditorCommand')) {
        return (id: string) => { registered.push(id); return { dispose() {} }; };
      }
      if (!cache.has(key)) cache.set(key, anything(`${name}.${String(key)}`));
      return cache.get(key);
    },
    apply: () => anything(`${name}()`),
    construct: () => anything(`new ${name}`) as object,
  });
}

// a plain object (esbuild's import * copies own properties) with every name the extension uses
const vscode: Record<string, unknown> = {};
for (const f of fs.readdirSync(path.join(ROOT, 'extension')).filter((n) => n.endsWith('.ts'))) {
  for (const m of fs.readFileSync(path.join(ROOT, 'extension', f), 'utf8').matchAll(/\bvscode\.([A-Za-z]+)/g)) vscode[m[1]] ??= anything(`vscode.${m[1]}`);
}
const mod = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
const original = mod._load;
mod._load = function load(request: string, parent: unknown, isMain: boolean): unknown {
  return request === 'vscode' ? vscode : original.call(this, request, parent, isMain);
};

test('activate() registers every command package.json contributes, and nothing it does not', async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ext = require('../../extension/extension') as { activate(context: unknown): unknown };
  const memento = { get: () => undefined, update: async () => undefined, keys: () => [] };
  const context = {
    subscriptions: [] as unknown[], extensionPath: ROOT, extensionUri: anything('extensionUri'),
    workspaceState: memento, globalState: { ...memento, setKeysForSync: () => undefined },
    storagePath: undefined, globalStoragePath: ROOT, logPath: ROOT, asAbsolutePath: (p: string) => path.join(ROOT, p),
  };
  await ext.activate(context);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const contributed = (pkg.contributes.commands as { command: string }[]).map((c) => c.command).sort();
  const ours = registered.filter((id) => id.startsWith('kstackwatch.')).sort();
  for (const id of contributed) assert.ok(ours.includes(id), `${id} is contributed but activate() does not register it`);
  assert.equal(new Set(ours).size, ours.length, 'no command is registered twice');
  console.log(`# activate() registered ${ours.length} kstackwatch.* commands; package.json contributes ${contributed.length}`);
  assert.ok(context.subscriptions.length > 0, 'registrations are disposed with the extension');
});
