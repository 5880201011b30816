// The fuzz suite at a small, fixed size (seeded: the same inputs every run):
// every target must give zero crashes and zero hangs, keep the host's memory
// bounded, and answer in clean errors without JS stacks. `npm run fuzz` runs
// the same targets long (test/fuzz/main.ts).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fuzz, formatStats } from './fuzz';
import { ALL_TARGETS, cliRun, configParser, dapAdapter, dapFraming, elfLoader, expressionEvaluator, moduleLoader, Target } from './targets';

const SIZES = new Map<Target, number>([
  [elfLoader, 150], [moduleLoader, 25], [configParser, 300], [expressionEvaluator, 300], [dapFraming, 300], [cliRun, 4], [dapAdapter, 4],
]);
/** Far above what any target needs (a few hundred MiB); the -1e9 disassemble grew to 4.6 GB. */
const MAX_RSS_MIB = 2048;

for (const target of ALL_TARGETS) {
  const why = target.unavailable();
  test(`fuzz: ${target.name}`, { skip: why ?? false }, async () => {
    const s = await fuzz(target, 15, SIZES.get(target) ?? 50);
    console.log(`# ${formatStats(s)}`);
    assert.deepEqual(s.crashes, [], 'no crashes');
    assert.deepEqual(s.hangs, [], 'no hangs');
    assert.ok(s.peakRssMiB < MAX_RSS_MIB, `peak RSS ${s.peakRssMiB} MiB`);
    assert.equal(s.accepted + s.clean, s.tried);
  });
}
