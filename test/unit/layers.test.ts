// The layering check (scripts/check-layers.mjs) passes on the repository, and
// on a fixture tree it reports an upward import, a sideways one, a folder in
// no layer and a cycle between folders — so a green run means something.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const SCRIPT = path.join(ROOT, 'scripts/check-layers.mjs');

function runCheck(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
}

test('the repository: every import goes down the layers, no cycle between folders', () => {
  const r = runCheck();
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^layers: ok \(\d+ imports between folders, no cycles\)$/m);
});

test('a fixture with an upward import, a sideways one, an unplaced folder and a cycle: each reported, exit 1', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-layers-'));
  try {
    const file = (rel: string, text: string): void => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    };
    file('simulator/memory/memory.ts', "import { decode } from '../cpu/decode';\nexport const m = decode;\n");
    file('simulator/cpu/decode.ts', "import type { M } from '../memory/memory';\nexport const decode = 1 as unknown as M;\n");
    file('simulator/debug/runtime.ts', "import { run } from '../cli/run';\nexport const r = run;\n");
    file('simulator/cli/run.ts', 'export const run = 1;\n');
    file('simulator/nowhere/x.ts', 'export const x = 1;\n');
    const r = runCheck('--root', dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /simulator\/memory\/memory\.ts: imports '\.\.\/cpu\/decode' — simulator\/memory may not import simulator\/cpu \(upward\)/);
    assert.match(r.stderr, /simulator\/debug\/runtime\.ts: imports '\.\.\/cli\/run' — simulator\/debug may not import simulator\/cli \(same layer\)/);
    assert.match(r.stderr, /simulator\/nowhere: not in the layers/);
    assert.match(r.stderr, /import cycle between folders: simulator\/cpu ↔ simulator\/memory/);
    assert.match(r.stderr, /layers: 4 problem\(s\)/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
