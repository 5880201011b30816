// bench --steady arithmetic: the marginal rate between a run and one with
// three times the work, and the fixed cost left in the first run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitSteady, steadyTable } from '../../bench/steady';

test('bench steady: marginal MIPS and fixed cost', () => {
  // 100 M instructions in 1.5 s, 300 M in 2.5 s: 200 M more in 1 s → 200 MIPS; 1 s of the first run is fixed.
  const s = splitSteady({ name: 'p', insns: 100e6, seconds: 1.5, insns3: 300e6, seconds3: 2.5 });
  assert.ok(s);
  assert.equal(Math.round(s.steadyMips), 200);
  assert.equal(s.fixedSeconds.toFixed(3), '1.000'); // 1.5 s − 100 M at 200 MIPS (0.5 s)
});

test('bench steady: a longer run that was not slower gives no figure, not a negative rate', () => {
  assert.equal(splitSteady({ name: 'p', insns: 100e6, seconds: 1, insns3: 300e6, seconds3: 0.9 }), null);
  const lines = steadyTable([{ name: 'p', insns: 100e6, seconds: 1, insns3: 300e6, seconds3: 0.9 }], 'CPU s');
  assert.equal(lines.length, 3);
  assert.match(lines[2], /^\| p +\| +1\.000 \| +0\.900 \| +n\/a \| +n\/a \| +n\/a \|$/);
});
