// A scripting interpreter built from source under `ksw exec`: Duktape 1.3.0
// (its C source as npm's duktape@0.3.0 ships it, cached by
// scripts/install-sources.sh) with the small main in test/unit/duktape/,
// built with musl-gcc -O2 -static. It runs main.js, which loads a module
// file through require() (Duktape.modSearch reading lib/shapes.js), writes,
// reads back and removes a file, and exits 3: the output, the file and the
// status match the same binary run natively.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { differences, nativeWorkspace, runScriptBoth } from './nativeRuns';
import { DUKTAPE_SRC, skipUnless } from '../tools';

const ROOT = resolve(__dirname, '../../..');
const DUK_DIR = join(ROOT, 'test/unit/duktape');
const { build, dir } = nativeWorkspace('ksw-duktape-', after);
const skip = skipUnless('musl-gcc', 'duktape-source');

test('Duktape from source: a script that requires a module file runs as natively (stdout, the file it writes, status 3)', { skip }, () => {
  const bin = build(process.env.MUSL_GCC || 'musl-gcc', readFileSync(join(DUK_DIR, 'dukmain.c'), 'utf8'), 'dukmain',
    ['-static', '-O2', '-std=c99', `-I${DUKTAPE_SRC}`], [join(DUKTAPE_SRC, 'duktape.c'), '-lm']);
  const { native, sim } = runScriptBoth(bin, join(DUK_DIR, 'main.js'), dir(), 3, 600_000);
  assert.equal(sim.stderr, '');
  const expected = native.stdout;
  assert.equal(sim.stdout, expected, differences(expected, sim.stdout));
  assert.equal(sim.status, 3);
  assert.match(sim.stdout, /^module lib\/shapes cached true loads 1\n/);
  assert.match(sim.stdout, /\nread back: written by duktape\nremoved true\n/);
  assert.match(sim.stdout, /\nversion 10300\n$/);
  assert.ok(!existsSync(join(dir(), 'sim.txt')), 'the script removed the file it wrote');
});
