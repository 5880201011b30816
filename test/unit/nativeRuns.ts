// Running one static binary natively and under `ksw exec` (the SSE and x87
// tests compare the two).

import assert from 'node:assert/strict';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const kswBin = join(root, 'bin/ksw');
const kswBundle = join(root, 'dist/ksw.js');

export function describeRun(r: SpawnSyncReturns<string>): string {
  if (r.error) return `error ${r.error.message}`;
  if (r.signal) return `killed by ${r.signal}`;
  return `exit status ${r.status}`;
}

/** The first few differing lines, for a readable failure. */
export function differences(expected: string, actual: string, max = 8): string {
  const e = expected.split('\n'), a = actual.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(e.length, a.length) && out.length < max; i++) {
    if (e[i] !== a[i]) out.push(`line ${i + 1}:\n  native: ${e[i] ?? '<end>'}\n  ksw:    ${a[i] ?? '<end>'}`);
  }
  return out.join('\n');
}

/** Run natively and under `ksw exec`; both must finish with the same exit status. */
export function runBoth(bin: string): { native: SpawnSyncReturns<string>; sim: SpawnSyncReturns<string> } {
  assert.ok(existsSync(kswBundle), `${kswBundle} is missing: run \`node scripts/build.mjs\` first`);
  const opts = { encoding: 'utf8' as const, input: '', maxBuffer: 256 << 20 };
  const native = spawnSync(bin, [], { ...opts, timeout: 60_000 });
  assert.ok(!native.error && !native.signal, `native run failed: ${describeRun(native)}`);
  const sim = spawnSync(process.execPath, [kswBin, 'exec', bin], { ...opts, cwd: root, timeout: 600_000 });
  assert.ok(!sim.error && !sim.signal, `ksw exec did not finish: ${describeRun(sim)}\n${sim.stderr}`);
  assert.equal(sim.status, native.status, `exit status differs; ksw stderr:\n${sim.stderr}`);
  return { native, sim };
}
