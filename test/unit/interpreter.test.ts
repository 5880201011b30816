// A scripting interpreter under `ksw exec`: Lua 5.4 (Debian's static
// liblua5.4.a from liblua5.4-dev with the small main in test/unit/lua/,
// linked with gcc -static) runs a script that loads a module with require
// from a file, and the output, the files it writes and the exit status
// match the native run. (Lua's library is the distribution's build; the
// interpreter built from its C source is Duktape: duktape.test.ts.)

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { nativeWorkspace, runScriptBoth } from './nativeRuns';
import { LIBLUA, skipUnless } from '../tools';

const ROOT = resolve(__dirname, '../../..');
const LUA_DIR = join(ROOT, 'test/unit/lua');
const { build, dir } = nativeWorkspace('ksw-lua-', after);
const skip = skipUnless('gcc', 'liblua5.4');

test('Lua: a script that requires a module runs as natively (stdout, the file it writes, status 3)', { skip }, () => {
  const bin = build('gcc', readFileSync(join(LUA_DIR, 'minilua.c'), 'utf8'), 'minilua', ['-static', '-O2'], [LIBLUA, '-lm', '-ldl']);
  const { native, sim } = runScriptBoth(bin, join(LUA_DIR, 'main.lua'), dir(), 3, 300_000);
  assert.equal(sim.stderr, '');
  assert.equal(sim.stdout, native.stdout.replace(/native\.txt/g, 'sim.txt'));
  assert.equal(sim.status, 3);
  assert.match(sim.stdout, /^module\tlib\/shapes\.lua\n/);
  assert.match(sim.stdout, /read back:\twritten by lua\n/);
});
