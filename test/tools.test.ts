// Under CI=true every external tool is required: one failing test names each
// missing one (the tests needing it run too, and fail, instead of skipping).
// Locally this lists what is missing and passes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IN_CI, missingTool, TOOLS, Tool } from './tools';

test('the tools the tests need are installed (required under CI=true)', () => {
  const missing = (Object.keys(TOOLS) as Tool[]).map((t) => missingTool(t)).filter((r): r is string => r !== null);
  if (!IN_CI) {
    for (const m of missing) console.log(`# not installed: ${m} — the tests needing it skip`);
    return;
  }
  assert.deepEqual(missing, [], `CI=true and tools are missing:\n  ${missing.join('\n  ')}`);
});

test('under CI=true a missing compiler fails a suite instead of skipping it', () => {
  // a PATH with node and nothing else: no gcc, no musl-gcc
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-nogcc-'));
  try {
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const file = path.join(__dirname, 'kstackwatch', 'config.test.js');
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin };
    delete env.CC; // the default, gcc, which is not on this PATH
    delete env.NODE_TEST_CONTEXT; // a test run of its own, reporting TAP on stdout
    const run = (ci: string) => spawnSync(process.execPath, ['--test', file], { env: { ...env, CI: ci }, encoding: 'utf8', timeout: 300_000 });
    const local = run('false');
    assert.equal(local.status, 0, `without CI a missing gcc skips:\n${local.stdout.slice(-2000)}`);
    assert.match(local.stdout, /# SKIP gcc is not installed/);
    const ci = run('true');
    assert.notEqual(ci.status, 0, 'under CI=true the suite must fail');
    assert.match(ci.stdout, /# fail [1-9]/);
    assert.doesNotMatch(ci.stdout, /# SKIP/);
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
});
