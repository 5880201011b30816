// A scripting interpreter under `ksw exec`: Lua 5.4 (Debian's static
// liblua5.4.a from liblua5.4-dev with the small main in test/unit/lua/,
// linked with gcc -static) runs a script that loads a module with require
// from a file, and the output, the files it writes and the exit status
// match the native run. (Lua's library is the distribution's build; the
// interpreter built from its C source is Duktape: duktape.test.ts.) Its
// blocks are more than 8 MB of source, yet its block cache settles: the
// run after the first compiles next to nothing, a run that compiles a few
// blocks does not write the big file again unless the run before compiled
// them too (then it writes them in), and within a few runs one compiles none;
// nor for the V8 code cache of a small script a run added (the first runs
// with the wasm tier on).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { nativeWorkspace, runScriptBoth } from './nativeRuns';
import { countingStore, headerWord, HeaderWord } from './countingStore';
import { LIBLUA, skipUnless } from '../tools';
import { blockCachePath, FileBlockStore } from '../../simulator/cli/blockCache';
import { fewBlocksPath } from '../../simulator/cli/fewBlocks';
import { BlockScript } from '../../simulator/cli/blockScript';
import type { BundleIdentity } from '../../simulator/cli/codeCache';
import { setBlockStore } from '../../simulator/cpu/blockStore';
import { runStaticExecutable } from '../../simulator/user/process';

const ROOT = resolve(__dirname, '../../..');
const LUA_DIR = join(ROOT, 'test/unit/lua');
const { build, dir } = nativeWorkspace('ksw-lua-', after);
const skip = skipUnless('gcc', 'liblua5.4');

const minilua = () => build('gcc', readFileSync(join(LUA_DIR, 'minilua.c'), 'utf8'), 'minilua', ['-static', '-O2'], [LIBLUA, '-lm', '-ldl']);

test('Lua: a script that requires a module runs as natively (stdout, the file it writes, status 3)', { skip }, () => {
  const bin = minilua();
  const { native, sim } = runScriptBoth(bin, join(LUA_DIR, 'main.lua'), dir(), 3, 300_000);
  assert.equal(sim.stderr, '');
  assert.equal(sim.stdout, native.stdout.replace(/native\.txt/g, 'sim.txt'));
  assert.equal(sim.status, 3);
  assert.match(sim.stdout, /^module\tlib\/shapes\.lua\n/);
  assert.match(sim.stdout, /read back:\twritten by lua\n/);
});

test('Lua: its block cache settles — the run after the first compiles (almost) nothing, though its blocks are over 8 MB of source', { skip }, () => {
  const bin = minilua();
  const id: BundleIdentity = { bundle: '/opt/ksw/dist/ksw.js', size: 1000, hash: [0x2468ace0, 0x13579bdf], blocksDir: join(dir(), 'blocks') };
  const file = blockCachePath(id, 'exec', bin);
  const run = (store: FileBlockStore): string => {
    let stdout = '';
    setBlockStore(store);
    try {
      const r = runStaticExecutable(bin, [join(LUA_DIR, 'main.lua'), join(dir(), 'cached.txt')], { stdout: (b) => { stdout += Buffer.from(b).toString('utf8'); } });
      assert.equal(r.exitCode, 3);
    } finally {
      setBlockStore(null);
    }
    return stdout;
  };
  const first = countingStore(file, id);
  const out = run(first.store);
  first.store.save();
  assert.ok(first.puts() > 1000, `blocks compiled on the first run: ${first.puts()}`);
  assert.ok(headerWord(file, HeaderWord.SOURCE_LENGTH) > 8 << 20, `the blocks' source: ${headerWord(file, HeaderWord.SOURCE_LENGTH)} bytes`);
  const second = countingStore(file, id);
  assert.equal(run(second.store), out);
  // (Lua seeds its string hashes with the time, so a few blocks may differ from run to run; a cap that
  // drops part of the working set recompiles thousands)
  assert.ok(second.puts() <= first.puts() / 100, `blocks compiled again on the second run: ${second.puts()} of ${first.puts()}`);
  second.store.save(); // (adds V8's code cache of the scripts it compiled)
  // A run that compiles only a few blocks, none of them left out by the run before, leaves so big a file
  // as it is (blockCache.ts FEW_ADDED_MIN_FILE): writing it costs more than compiling them again. It lists
  // them beside the file (fewBlocks.ts)
  const size = statSync(file).size, mtime = statSync(file).mtimeMs;
  writeFileSync(fewBlocksPath(file), 'a block no run compiled'); // (as if the run before had left out others)
  const third = countingStore(file, id);
  assert.equal(run(third.store), out);
  assert.ok(third.puts() > 0 && third.puts() <= first.puts() / 100, `blocks compiled again on the third run: ${third.puts()} of ${first.puts()}`);
  third.store.save();
  assert.ok(size >= 8 << 20, `the file: ${size} bytes`);
  assert.deepEqual([statSync(file).size, statSync(file).mtimeMs], [size, mtime], 'the file is not written again');
  assert.equal(readFileSync(fewBlocksPath(file), 'latin1').split('\n').length, third.puts(), 'the blocks it left out are listed');
  // The next run compiles them again: it writes them in (once: the list is gone)
  const fourth = countingStore(file, id);
  assert.equal(run(fourth.store), out);
  assert.equal(fourth.puts(), third.puts());
  fourth.store.save();
  assert.notDeepEqual([statSync(file).size, statSync(file).mtimeMs], [size, mtime], 'the file is written again');
  assert.ok(!existsSync(fewBlocksPath(file)), 'the list is gone');
  // and the file settles: the blocks the new ones lead to are written in the same way, and within a few
  // runs one compiles none (Lua 5.4 on this script: 19 blocks, then 3 more, then none)
  const puts: number[] = [];
  for (let n = 0; n < 4 && puts[puts.length - 1] !== 0; n++) {
    const next = countingStore(file, id);
    assert.equal(run(next.store), out);
    next.store.save();
    puts.push(next.puts());
  }
  assert.equal(puts[puts.length - 1], 0, `blocks compiled by the runs after: ${puts}`);
});

test('Lua: a big file is not written again for the V8 code cache of a small script alone (the first runs with the tier on)', { skip }, () => {
  const bin = minilua();
  const id: BundleIdentity = { bundle: '/opt/ksw/dist/ksw.js', size: 1000, hash: [0x2468ace0, 0x13579bdf], blocksDir: join(dir(), 'blocks-tiers') };
  const file = blockCachePath(id, 'exec', bin);
  const stamp = (): number[] => [statSync(file).size, statSync(file).mtimeMs];
  const run = (wasmTier: boolean): void => {
    const { store } = countingStore(file, id);
    setBlockStore(store);
    try {
      const r = runStaticExecutable(bin, [join(ROOT, 'bench/programs/lua.lua')], { wasmTier, stdout: () => {} });
      assert.equal(r.exitCode, 0);
    } finally {
      setBlockStore(null);
    }
    store.save();
  };
  // As the bench runs a program on a fresh cache: the tier off twice (blocks, then their code cache),
  // then on — that run adds the blocks a run with the tier on makes, as a script of their own, source only
  run(false);
  run(false);
  const scripts = headerWord(file, HeaderWord.SCRIPTS);
  run(true);
  assert.ok(headerWord(file, HeaderWord.SCRIPTS) > scripts, 'the first run with the tier on adds a script');
  // The next compiles that script without a code cache: a few milliseconds, against writing the file
  // again (FEW_DATA_PART)
  const compiled = BlockScript.compiled, before = stamp();
  run(true);
  assert.ok(BlockScript.compiled > compiled, 'it compiled a script');
  assert.ok(before[0] >= 8 << 20, `the file: ${before[0]} bytes`);
  assert.deepEqual(stamp(), before, 'the file is not written again');
});
