// docs/guide.md cannot go stale: every line of its ```sh blocks is run here
// exactly as written (from the repository root, `ksw` on PATH as
// `node bin/ksw`), and must end with the exit status its `# exit N`
// comment states (0 when there is none), with no JavaScript stack on stderr.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { skipUnless } from '../tools';

const ROOT = path.resolve(__dirname, '../../..');
const GUIDE = fs.readFileSync(path.join(ROOT, 'docs/guide.md'), 'utf8');

/** The shell commands of the guide with their expected exit status. */
export function guideCommands(markdown: string): { command: string; status: number }[] {
  const out: { command: string; status: number }[] = [];
  for (const block of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block[1].split('\n')) {
      if (!line.trim() || line.trim().startsWith('#')) continue;
      const m = /^(.*?)\s+#\s*exit (\d+)\s*$/.exec(line);
      out.push(m ? { command: m[1], status: Number(m[2]) } : { command: line.replace(/\s+#.*$/, ''), status: 0 });
    }
  }
  return out;
}

const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-guide-'));
fs.writeFileSync(path.join(bin, 'ksw'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, 'bin/ksw')}" "$@"\n`, { mode: 0o755 });
process.on('exit', () => fs.rmSync(bin, { recursive: true, force: true }));

test('the guide has shell commands, linked from the README', () => {
  assert.ok(guideCommands(GUIDE).length >= 10);
  assert.match(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'), /\]\(docs\/guide\.md\)/);
});

for (const { command, status } of guideCommands(GUIDE)) {
  const skip = command.startsWith('objdump') ? skipUnless('objdump') : false;
  test(`guide: ${command}`, { skip }, () => {
    const r = spawnSync('sh', ['-c', command], {
      cwd: ROOT, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20,
      env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
    });
    assert.equal(r.status, status, `exit status of: ${command}\n${r.stderr.slice(-2000)}`);
    assert.doesNotMatch(r.stderr, /\n\s+at .*\.js:\d+/, 'no JavaScript stack');
    assert.ok(r.stdout.length > 0 || r.stderr.length > 0, 'it printed something');
  });
}
