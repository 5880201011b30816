// The wasm tier's translations in the block cache (cpu/wasm/tier.ts,
// cli/blockCache.ts): a run of wasmTier/loops.c (gcc -O2, hot integer loops)
// with the tier on stores each loop block's wasm function beside its JS; the
// next run takes blocks and translations from the file, and behaves exactly
// as the cold run (output, status, instruction count, every register and
// RFLAGS, also when stopped midway). Its stored wasm runs from a block's
// first entry (wasm/storedModules.ts), where the cold run's block ran its JS
// while its batch waited — so it may leave at an exit the cold run never
// took (a trace's wasm stops at its first instruction outside the subset)
// and compile the block there; from the run after, no run starts the
// instruction decoder.
// A translation that no longer makes a function is made again and stored in
// its place (the tier compiles several to a module: the others are used as
// they are); a file without translations (a run with the tier off) gets
// them from the first run with it on.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { blockCachePath, FileBlockStore } from '../../simulator/cli/blockCache';
import { BlockScript } from '../../simulator/cli/blockScript';
import { countingStore } from './countingStore';
import type { BundleIdentity } from '../../simulator/cli/codeCache';
import { BlockCode, setBlockStore, StoredTranslation } from '../../simulator/cpu/blockStore';
import { BlockCompiler } from '../../simulator/cpu/compiler';
import { wasmTierStats } from '../../simulator/cpu/wasm/tier';
import { WAIT_BELOW } from '../../simulator/cpu/wasm/storedModules';
import { ElfFile } from '../../simulator/elf/elfFile';
import { UserProcess } from '../../simulator/user/process';
import { skipUnless } from '../tools';

const skip = skipUnless('musl-gcc');
const SOURCE = path.join(__dirname, '..', '..', '..', 'test', 'unit', 'wasmTier', 'loops.c');
const SMALL_SOURCE = path.join(__dirname, '..', '..', '..', 'test', 'unit', 'wasmTier', 'small.c');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-wasmcache-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const ID: BundleIdentity = { bundle: '/opt/ksw/dist/ksw.js', size: 2000, hash: [0x2468ace0, 0x13579bdf], blocksDir: path.join(tmp, 'blocks') };
let exe = '', small = '';

before(() => {
  if (skip) return;
  exe = path.join(tmp, 'loops');
  small = path.join(tmp, 'small');
  for (const [out, source] of [[exe, SOURCE], [small, SMALL_SOURCE]]) {
    const cc = spawnSync(process.env.MUSL_GCC || 'musl-gcc', ['-static', '-O2', '-fno-tree-vectorize', '-o', out, source], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
  }
});

interface Outcome { out: string; insns: number; exitCode?: number; regs: string; rflags: number }

/** Run with `store` as the block store (null: none); what it did, and how many decoders and stored translations it used. */
function run(store: FileBlockStore | null, wasmTier: boolean, maxInstructions?: number, argv = [exe]): { outcome: Outcome; decoders: number; fromStore: number; modules: number } {
  const chunks: Uint8Array[] = [];
  const decoders = BlockCompiler.decodersStarted, fromStore = wasmTierStats.fromStore, modules = wasmTierStats.modules;
  setBlockStore(store);
  try {
    const p = new UserProcess(ElfFile.parse(fs.readFileSync(argv[0])), argv, argv[0], {
      wasmTier, maxInstructions, stdout: (b) => chunks.push(Uint8Array.from(b)), stderr: () => undefined,
    });
    const r = p.run();
    const regs = Array.from(p.cpu.regs.subarray(0, 34), (v) => (v >>> 0).toString(16)).join(' ');
    return {
      outcome: { out: Buffer.concat(chunks).toString('utf8'), insns: r.insns, exitCode: r.exitCode, regs, rflags: p.cpu.getRflags() },
      decoders: BlockCompiler.decodersStarted - decoders, fromStore: wasmTierStats.fromStore - fromStore,
      modules: wasmTierStats.modules - modules,
    };
  } finally {
    setBlockStore(null);
  }
}

/**
 * A run that stores the blocks a run from the store's wasm meets beyond the
 * cold run's (see the top): the same run as `plain`, no new translation.
 */
function settle(file: string, plain: Outcome, argv = [exe]): void {
  const s = counting(file);
  assert.deepEqual(run(s.store, true, undefined, argv).outcome, plain, 'settling run');
  assert.equal(s.added(), 0, 'settling run: a translation made again');
  s.store.save();
}

/** A store that counts the translations added to it, optionally passing on others instead. */
function counting(file: string, change?: (t: StoredTranslation) => StoredTranslation): { store: FileBlockStore; added: () => number } {
  const store = new FileBlockStore(file, ID);
  let n = 0;
  const add = store.addTranslation.bind(store);
  store.addTranslation = (code: BlockCode, t: StoredTranslation) => { n++; add(code, change ? change(t) : t); };
  return { store, added: () => n };
}

test('a warm run takes the loops\' wasm from the block cache: no decoder, the same run as a cold one', { skip }, () => {
  const file = blockCachePath(ID, 'exec', `${exe}-warm`);
  const cold = run(null, true);
  const first = counting(file);
  assert.deepEqual(run(first.store, true).outcome, cold.outcome);
  assert.ok(first.added() >= 8, `translations stored: ${first.added()}`);
  first.store.save();
  settle(file, cold.outcome);

  for (const round of ['second', 'third']) {
    const warm = counting(file);
    const scripts = BlockScript.compiledWasm, sources = BlockScript.wasmSourcesMade;
    const r = run(warm.store, true);
    // (the stored wasm ran from the blocks' first entries: the factories of their JS were never compiled, nor their source read)
    assert.equal(BlockScript.compiledWasm - scripts, 0, `${round} run: scripts of stored wasm blocks' factories compiled`);
    assert.equal(BlockScript.wasmSourcesMade - sources, 0, `${round} run: sources of stored wasm blocks' factories made strings`);
    assert.deepEqual(r.outcome, cold.outcome, `${round} run`);
    assert.equal(r.decoders, 0, `${round} run: the decoder was started`);
    assert.ok(r.fromStore >= 8, `${round} run: translations from the store: ${r.fromStore}`);
    assert.equal(warm.added(), 0);
    warm.store.save(); // (the second adds V8's code cache)
  }

  // stopped midway (in a loop, at a side exit, at the fault), a warm run is the cold one
  const total = cold.outcome.insns;
  for (let i = 0; i < 6; i++) {
    const n = Math.floor((total * (i + 0.5)) / 6) + 37 * i;
    const warm = run(new FileBlockStore(file, ID), true, n);
    assert.deepEqual(warm.outcome, run(null, true, n).outcome, `after ${n} of ${total} instructions`);
  }
});

test('a stored translation that no longer makes a module is made again and stored in its place', { skip }, () => {
  const file = blockCachePath(ID, 'exec', `${exe}-damaged`);
  const plain = run(null, true).outcome;
  // the first run stores every module cut short: valid file, no valid module
  const first = counting(file, (t) => ({ layout: t.layout, bytes: t.bytes.subarray(0, Math.max(0, t.bytes.length - 3)) }));
  assert.deepEqual(run(first.store, true).outcome, plain);
  first.store.save();
  const second = counting(file);
  const r = run(second.store, true);
  assert.deepEqual(r.outcome, plain);
  assert.equal(r.fromStore, 0, 'no damaged module was used');
  assert.ok(second.added() >= 8, 'the translations were made again');
  second.store.save();
  settle(file, plain);
  const third = run(new FileBlockStore(file, ID), true);
  assert.deepEqual(third.outcome, plain);
  assert.equal(third.decoders, 0, 'the new translations replaced the damaged ones');
});

test('one damaged function in a stored batch: the others are used as stored, it alone is made again', { skip }, () => {
  const file = blockCachePath(ID, 'exec', `${exe}-one-damaged`);
  const plain = run(null, true).outcome;
  let n = 0;
  // the first run stores the third translation cut short, the others whole
  const first = counting(file, (t) => (++n === 3 ? { layout: t.layout, bytes: t.bytes.subarray(0, t.bytes.length - 3) } : t));
  assert.deepEqual(run(first.store, true).outcome, plain);
  assert.ok(first.added() >= 8);
  first.store.save();
  const second = counting(file);
  const r = run(second.store, true);
  assert.deepEqual(r.outcome, plain);
  assert.equal(second.added(), 1, 'only the damaged translation was made again');
  assert.ok(r.fromStore >= 8, `translations from the store: ${r.fromStore}`);
  second.store.save();
  settle(file, plain);
  const third = run(new FileBlockStore(file, ID), true);
  assert.deepEqual(third.outcome, plain);
  assert.equal(third.decoders, 0, 'the new translation replaced the damaged one');
});

test('a file written with the tier off gets the translations from the first run with it on', { skip }, () => {
  const file = blockCachePath(ID, 'exec', `${exe}-off`);
  const plain = run(null, false).outcome;
  const off = new FileBlockStore(file, ID);
  assert.equal(run(off, false).outcome.out, plain.out);
  off.save();
  const on = counting(file);
  const r = run(on.store, true);
  assert.equal(r.outcome.out, plain.out);
  assert.ok(on.added() >= 8, 'the loops were translated');
  on.store.save();
  // (the tier-off run kept the traces' factories apart; this run only added scripts: the JS blocks' script has its code cache now)
  assert.ok(fs.readFileSync(file).readUInt32LE(8 + 4 * 7) > 0, 'V8\'s code cache of the JS blocks written by the first run with the tier on');
  settle(file, r.outcome);
  const scripts = BlockScript.compiledWasm;
  const again = run(new FileBlockStore(file, ID), true);
  assert.equal(again.outcome.out, plain.out);
  assert.equal(again.decoders, 0);
  assert.equal(BlockScript.compiledWasm, scripts, 'the traces\' factories were not compiled');
  // (an address the file has a trace of is hot from its first entry, cpu.ts findBlock: the tier-off run's
  // JS traces leave where the tier-on runs' wasm did not, and may reach an address that turns hot only now —
  // at most a block or two; the run after compiles nothing)
  const offAgain = countingStore(file, ID);
  assert.deepEqual(run(offAgain.store, false).outcome, plain, 'the tier off ignores the translations');
  assert.ok(offAgain.puts() <= 2, `the tier-off run compiled ${offAgain.puts()} blocks`);
  offAgain.store.save();
  const offSettled = run(new FileBlockStore(file, ID), false);
  assert.deepEqual(offSettled.outcome, plain);
  assert.equal(offSettled.decoders, 0);
});

test('a store of a few translations makes its module only after its blocks ran a while: a short run makes none', { skip }, () => {
  const file = blockCachePath(ID, 'exec', `${small}-wait`);
  const long = [small, '30000'], short = [small];
  const coldLong = run(null, true, undefined, long).outcome, coldShort = run(null, true, undefined, short).outcome;
  const first = counting(file);
  assert.deepEqual(run(first.store, true, undefined, long).outcome, coldLong);
  assert.ok(first.added() >= 1 && first.added() < WAIT_BELOW, `translations stored: ${first.added()} (the test wants fewer than ${WAIT_BELOW})`);
  first.store.save();
  const second = new FileBlockStore(file, ID); // (the short run's own blocks: where the loop is skipped)
  assert.deepEqual(run(second, true, undefined, short).outcome, coldShort);
  second.save();
  settle(file, coldLong, long);
  settle(file, coldShort, short);
  const warmShort = run(new FileBlockStore(file, ID), true, undefined, short);
  assert.deepEqual(warmShort.outcome, coldShort);
  assert.equal(warmShort.decoders, 0, 'the short run started the decoder');
  assert.equal(warmShort.modules, 0, 'the short run made a module');
  const warmLong = run(new FileBlockStore(file, ID), true, undefined, long);
  assert.deepEqual(warmLong.outcome, coldLong);
  assert.equal(warmLong.decoders, 0, 'the long run started the decoder');
  assert.ok(warmLong.fromStore >= 1, `the long run's translations from the store: ${warmLong.fromStore}`);
});
