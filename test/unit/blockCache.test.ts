// The block cache (simulator/cli/blockCache.ts, cpu/blockStore.ts): a run of
// a real musl program stores its blocks; the next run of it takes every
// block from the file, compiles nothing new but the few blocks a wasm
// trace's forward skip reaches (WARM_EXTRA; the run after: nothing), and behaves exactly as a run
// without the cache (the first run stores the blocks' source, the second
// V8's code cache of them). A rebuilt program at the same path runs its new code
// (the blocks whose bytes changed are compiled again, kept beside the old
// ones, and the file keeps the V8 code cache of the code it had); a file made by
// another bundle, or damaged, is not used. Through bin/ksw: a second
// `ksw exec` prints the same, KSW_NO_CODE_CACHE=1 leaves no cache.

import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileBlockStore, blockCachePath, blockFileRegions } from '../../simulator/cli/blockCache';
import type { BundleIdentity } from '../../simulator/cli/codeCache';
import { BlockCode, blockKey, setBlockStore } from '../../simulator/cpu/blockStore';
import { countingStore, headerWord, HeaderWord } from './countingStore';
import { runStaticExecutable } from '../../simulator/user/process';
import { skipUnless } from '../tools';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin/ksw');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-blockcache-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Loops, calls through a table, 64-bit arithmetic and printf: blocks of every tier. */
const PROGRAM = `
#include <stdio.h>
#include <stdint.h>
static uint64_t mix(uint64_t x) { x ^= x << 13; x ^= x >> 7; return x ^ (x << 17); }
static uint64_t twice(uint64_t x) { return 2 * x + K; }
static uint64_t (*const ops[])(uint64_t) = { mix, twice };
int main(void) {
  uint64_t h = 1;
  for (int i = 0; i < 200; i++) h = ops[i % 2](h) + (uint64_t)i;
  printf("h=%llu k=%d\\n", (unsigned long long)h, K);
  return (int)(h & 7);
}
`;

function build(k: number, out: string): void {
  const src = path.join(tmp, `prog${k}.c`);
  fs.writeFileSync(src, PROGRAM);
  const r = spawnSync(process.env.MUSL_GCC || 'musl-gcc', ['-static', '-O1', `-DK=${k}`, '-o', out, src], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

function native(file: string): { status: number | null; stdout: string } {
  const r = spawnSync(file, [], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout };
}

/** Run in-process with `store` as the block store (null: none); output, status, instructions. */
function run(file: string, store: FileBlockStore | null): { status: number; stdout: string; insns: number } {
  let stdout = '';
  setBlockStore(store);
  try {
    const r = runStaticExecutable(file, [], { stdout: (b) => { stdout += Buffer.from(b).toString('utf8'); } });
    return { status: r.exitCode, stdout, insns: r.insns };
  } finally {
    setBlockStore(null);
  }
}

/** The length of the V8 code cache in a block cache file (its header's eighth word after the magic). */
function v8DataLength(file: string): number {
  return headerWord(file, HeaderWord.DATA_LENGTH);
}

/**
 * Blocks the first warm run may still compile. The cold run ends before its traces' wasm is
 * compiled (their batch, wasm/batch.ts), so each JS trace leaves at its conditional branches; a warm
 * run takes the stored translations at once, and a trace's wasm skips forward inside it past where
 * its JS left (wasm/control.ts) — here printf's `test al,al; je` over its movaps of the vector
 * registers — to the trace's end, a block the cold run never needed. The run after compiles nothing.
 */
const WARM_EXTRA = 2;

const ID: BundleIdentity = { bundle: '/opt/ksw/dist/ksw.js', size: 1000, hash: [0x12345678, 0x9abcdef0], blocksDir: path.join(tmp, 'blocks') };

test('a second run takes every block from the file and runs exactly as without it', { skip: skipUnless('musl-gcc') }, () => {
  const prog = path.join(tmp, 'same');
  build(1, prog);
  const expected = native(prog);
  const plain = run(prog, null);
  assert.deepEqual({ status: plain.status, stdout: plain.stdout }, expected);
  const file = blockCachePath(ID, 'exec', prog);
  const first = countingStore(file, ID);
  assert.deepEqual(run(prog, first.store), plain);
  assert.ok(first.puts() > 20, `blocks compiled on the first run: ${first.puts()}`);
  first.store.save();
  assert.deepEqual(fs.readdirSync(ID.blocksDir), [path.basename(file)], 'one file, no temporary left');

  assert.equal(v8DataLength(file), 0, 'the first run writes the blocks as source only');

  const second = countingStore(file, ID);
  assert.equal(second.store.storedCount, first.puts());
  assert.deepEqual(run(prog, second.store), plain, 'same output, status and instruction count');
  assert.ok(second.puts() <= WARM_EXTRA, `the second run compiles only what a wasm trace's forward skip reaches: ${second.puts()} blocks`);
  second.store.save();
  assert.ok(v8DataLength(file) > 0, 'the second run adds V8\'s code cache of the blocks');

  const third = countingStore(file, ID);
  assert.deepEqual(run(prog, third.store), plain);
  assert.equal(third.puts(), 0);
  third.store.save(); // (V8's code cache of the second run's WARM_EXTRA blocks, if it compiled any)
  const fourth = countingStore(file, ID);
  assert.deepEqual(run(prog, fourth.store), plain);
  assert.equal(fourth.puts(), 0);
  const mtime = fs.statSync(file).mtimeMs;
  fourth.store.save();
  assert.equal(fs.statSync(file).mtimeMs, mtime, 'nothing new: the file is not rewritten');
});

test('a rebuilt program at the same path runs its new code: changed blocks are compiled again', { skip: skipUnless('musl-gcc') }, () => {
  const prog = path.join(tmp, 'rebuilt');
  build(1, prog);
  const file = blockCachePath(ID, 'exec', prog);
  const first = new FileBlockStore(file, ID);
  run(prog, first);
  first.save();
  build(3, prog);
  const expected = native(prog);
  assert.match(expected.stdout, /k=3/);
  const second = countingStore(file, ID);
  const r = run(prog, second.store);
  assert.deepEqual({ status: r.status, stdout: r.stdout }, expected);
  assert.ok(second.puts() > 0, 'the blocks whose bytes changed were compiled');
  second.store.save();
  // (added as a script of their own: the file's script keeps its source, and the V8 code cache this run made of it)
  assert.ok(v8DataLength(file) > 0, 'the run that compiled blocks wrote V8\'s code cache of the script it read');
  const third = countingStore(file, ID);
  assert.deepEqual(run(prog, third.store), r);
  assert.ok(third.puts() <= WARM_EXTRA, `the new blocks' first warm run compiles only what a wasm trace's forward skip reaches: ${third.puts()}`);
  third.store.save();
  const fourth = countingStore(file, ID);
  assert.deepEqual(run(prog, fourth.store), r);
  assert.equal(fourth.puts(), 0, 'the file now holds the new blocks');
  build(1, prog);
  const back = countingStore(file, ID);
  const again = run(prog, back.store);
  assert.deepEqual({ status: again.status, stdout: again.stdout }, native(prog));
  assert.equal(back.puts(), 0, 'the first build\'s blocks are still there, beside the second\'s');
});

test('a file made by another bundle, or damaged, is not used; the run is the same', { skip: skipUnless('musl-gcc') }, () => {
  const prog = path.join(tmp, 'damaged');
  build(2, prog);
  const plain = run(prog, null);
  const file = blockCachePath(ID, 'exec', prog);
  const first = new FileBlockStore(file, ID);
  run(prog, first);
  first.save();
  const other: BundleIdentity = { ...ID, hash: [ID.hash[0], ID.hash[1] ^ 1] };
  assert.equal(new FileBlockStore(file, other).storedCount, 0, 'another bundle');
  assert.equal(new FileBlockStore(file, { ...ID, size: ID.size + 1 }).storedCount, 0, 'another bundle length');
  const bytes = fs.readFileSync(file);
  // (in the part read at load; one in a part read later costs only that part: blockCacheLazy.test.ts)
  const { eagerEnd } = blockFileRegions(bytes)!;
  for (const at of [60, Math.floor(eagerEnd / 2), eagerEnd - 1]) {
    const damaged = Buffer.from(bytes);
    damaged[at] ^= 0x40;
    fs.writeFileSync(file, damaged);
    const store = countingStore(file, ID);
    assert.equal(store.store.storedCount, 0, `byte ${at} flipped`);
    assert.deepEqual(run(prog, store.store), plain);
  }
  fs.writeFileSync(file, bytes.subarray(0, 100));
  assert.equal(new FileBlockStore(file, ID).storedCount, 0, 'truncated');
});

test('bin/ksw: a second ksw exec uses the cache and prints the same; KSW_NO_CODE_CACHE=1 leaves none', { skip: skipUnless('musl-gcc') }, () => {
  const prog = path.join(tmp, 'viabin');
  build(1, prog);
  const expected = native(prog);
  const xdg = path.join(tmp, 'xdg');
  const ksw = (env: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync(process.execPath, [BIN, 'exec', prog], { encoding: 'utf8', env: { PATH: process.env.PATH, XDG_CACHE_HOME: xdg, ...env } });
    return { status: r.status, stdout: r.stdout };
  };
  const blocks = path.join(xdg, 'kstackwatch-studio', 'blocks');
  assert.deepEqual(ksw({ KSW_NO_CODE_CACHE: '1' }), expected);
  assert.ok(!fs.existsSync(blocks), 'no block cache without the code cache');
  assert.deepEqual(ksw(), expected);
  const files = fs.readdirSync(blocks);
  assert.equal(files.length, 1);
  assert.match(files[0], /^exec-[0-9a-f]{8}\.bin$/);
  assert.deepEqual(ksw(), expected); // adds V8's code cache (and the blocks a wasm trace's forward skip reaches: WARM_EXTRA)
  assert.deepEqual(ksw(), expected); // (V8's code cache of those)
  const written = fs.statSync(path.join(blocks, files[0])).mtimeMs;
  assert.deepEqual(ksw(), expected);
  assert.equal(fs.statSync(path.join(blocks, files[0])).mtimeMs, written, 'every block came from the file: not rewritten');
});

test('bin/ksw run: a watch armed midway (--control) catches the same corruption with a warm cache — kernel pages stay right in the file', () => {
  // The probe's int3 is written into kernel text at 300 ms; it must reach
  // blocks that came from the file. Their page keys (about 2^52 for kernel
  // addresses) were once truncated to int32 there, so the second run ran
  // the stale, unprobed code and caught nothing.
  const module = path.join(ROOT, 'examples/kstackwatch/kstackwatch_test.o');
  const xdg = path.join(tmp, 'xdg-run');
  const ksw = () => {
    const r = spawnSync(process.execPath, [BIN, 'run', module, '--param', 'test=3', '--json',
      '--control', 'at 300ms: fn=test_mthread_victim var=buf[4]', '--control', 'at 2100ms:'],
    { encoding: 'utf8', env: { PATH: process.env.PATH, XDG_CACHE_HOME: xdg } });
    return { status: r.status, events: r.stdout };
  };
  const cold = ksw();
  assert.ok(fs.readdirSync(path.join(xdg, 'kstackwatch-studio', 'blocks')).length > 0, 'the first run wrote its blocks');
  assert.equal(cold.status, 1);
  assert.match(cold.events, /"type":"corruption"/);
  assert.deepEqual(ksw(), cold, 'the warm run is the same history');
});

test('each run that compiles blocks adds a script of them; past the limit those are made one again, the first kept with their code cache; every block keeps its own code', () => {
  const file = path.join(tmp, 'scripts.bin');
  // (synthetic blocks: a body that returns its number, so a factory taken from the wrong script or place shows)
  const key = (n: number) => blockKey({ lo: 0x1000 + 16 * n, hi: 0, maxInsns: 64, trace: n % 3 === 0, hooked: false });
  const code = (n: number): BlockCode => ({ reads: { fetches: [0x1000 + 16 * n, 0, 1], bytes: [n & 0xff], asked: [] }, body: `return ${n};`, ips: [0x1000 + 16 * n, 0], pages: [1], length: 1 });
  for (let round = 0; round < 12; round++) {
    const store = new FileBlockStore(file, ID);
    assert.equal(store.storedCount, 2 * round, `round ${round}: blocks read`);
    // (odd rounds as a run with the wasm tier on: the traces' factories are compiled alone)
    if (round % 2 === 1) store.functionsFor([]);
    for (let n = 0; n < 2 * round; n++) {
      const [stored] = store.get(key(n));
      assert.equal(stored.factory()(), n, `round ${round}: block ${n}'s code`);
    }
    store.put(key(2 * round), code(2 * round));
    store.put(key(2 * round + 1), code(2 * round + 1));
    store.save();
    const scripts = headerWord(file, HeaderWord.SCRIPTS);
    assert.ok(scripts >= 1 && scripts <= 8, `round ${round}: ${scripts} scripts`);
    // (from the second round the first scripts have a code cache: a full file keeps them, and makes only the added ones one again)
    if (round > 0) assert.ok(v8DataLength(file) > 0, `round ${round}: the first scripts' code cache kept`);
  }
});
