// What a warm run reads of its block cache file (simulator/cli/blockCache.ts,
// cacheRegion.ts): the blocks' words and bytes at load, the rest as it needs
// it — with the wasm tier on, never the code cache of the traces its stored
// wasm runs; with it off, never the translations (counted in bytes read per
// region, not timed). A damaged byte in a part read later costs only that
// part: the run is the same as without the cache, and the file it leaves is
// intact. Program: wasmTier/loops.c (hot loops, printf), as wasmTierCache.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { blockCachePath, blockFileRegions, FileBlockStore } from '../../simulator/cli/blockCache';
import { damagedChunks, regionReads, RegionKind } from '../../simulator/cli/cacheRegion';
import type { BundleIdentity } from '../../simulator/cli/codeCache';
import { setBlockStore } from '../../simulator/cpu/blockStore';
import { ElfFile } from '../../simulator/elf/elfFile';
import { UserProcess } from '../../simulator/user/process';
import { skipUnless } from '../tools';

const skip = skipUnless('musl-gcc');
const SOURCE = path.join(__dirname, '..', '..', '..', 'test', 'unit', 'wasmTier', 'loops.c');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-lazycache-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const ID: BundleIdentity = { bundle: '/opt/ksw/dist/ksw.js', size: 3000, hash: [0x0badcafe, 0x5eed1234], blocksDir: path.join(tmp, 'blocks') };
let exe = '';

before(() => {
  if (skip) return;
  exe = path.join(tmp, 'loops');
  const cc = spawnSync(process.env.MUSL_GCC || 'musl-gcc', ['-static', '-O2', '-fno-tree-vectorize', '-o', exe, SOURCE], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
});

/** A run with `store` (null: none): its output, status and instruction count, and the bytes it read of each region. */
function run(store: FileBlockStore | null, wasmTier: boolean): { outcome: string; reads: Record<RegionKind, number> } {
  const before = { ...regionReads };
  let out = '';
  setBlockStore(store);
  try {
    const p = new UserProcess(ElfFile.parse(fs.readFileSync(exe)), [exe], exe, {
      wasmTier, stdout: (b) => { out += Buffer.from(b).toString('utf8'); }, stderr: () => undefined,
    });
    const r = p.run();
    const reads = Object.fromEntries(Object.entries(regionReads).map(([k, n]) => [k, n - before[k as RegionKind]])) as Record<RegionKind, number>;
    return { outcome: `${out} exit=${r.exitCode} insns=${r.insns}`, reads };
  } finally {
    setBlockStore(null);
  }
}

/** A file made as the bench makes it: two runs with the tier off, then three with it on (settled): it holds translations and both scripts' code caches. */
function settledFile(name: string): string {
  const file = blockCachePath(ID, 'exec', path.join(tmp, name));
  for (const wasmTier of [false, false, true, true, true]) {
    const store = new FileBlockStore(file, ID);
    run(store, wasmTier);
    store.save();
  }
  return file;
}

test('a warm run reads only the parts of its file it needs: with the tier on not the traces\' code cache, with it off not the translations', { skip }, () => {
  const file = settledFile('reads');
  const regions = blockFileRegions(fs.readFileSync(file))!.regions;
  const length = (kind: RegionKind) => regions.filter((r) => r.kind === kind).reduce((n, r) => n + r.length, 0);
  for (const kind of ['translations', 'source', 'data', 'wasmSource', 'wasmData'] as const) assert.ok(length(kind) > 0, `the file has ${kind}`);
  const mtime = fs.statSync(file).mtimeMs;

  const off = run(new FileBlockStore(file, ID), false);
  assert.equal(off.outcome, run(null, false).outcome);
  assert.equal(off.reads.translations, 0, 'tier off: no translation read');
  assert.equal(off.reads.wasmData, length('wasmData'), 'tier off: the traces\' JavaScript compiled from their code cache');

  const loadReads = regionReads.eager, store = new FileBlockStore(file, ID), atLoad = regionReads.eager - loadReads;
  const on = run(store, true);
  assert.equal(on.outcome, run(null, true).outcome);
  assert.equal(on.reads.wasmData, 0, 'tier on: none of the traces\' code cache read');
  assert.equal(on.reads.translations, length('translations'), 'tier on: the translations read');
  assert.ok(atLoad > 0 && atLoad < fs.statSync(file).size / 2 && on.reads.eager === 0, `read at load: ${atLoad} of ${fs.statSync(file).size} bytes`);
  assert.equal(fs.statSync(file).mtimeMs, mtime, 'the warm runs wrote nothing');
});

test('a damaged byte in a part read later: that part is not used, the run is the same, the file it leaves is intact', { skip }, () => {
  const file = settledFile('damaged');
  const bytes = fs.readFileSync(file);
  const { eagerEnd, regions } = blockFileRegions(bytes)!;
  const plain = { on: run(null, true).outcome, off: run(null, false).outcome };
  // (in the always-read part — header, script table, chunk hashes, block words — the file is not used at all)
  for (const at of [9, 40, 64, Math.floor(eagerEnd / 2), eagerEnd - 1]) {
    const damaged = Buffer.from(bytes);
    damaged[at] ^= 0x20;
    fs.writeFileSync(file, damaged);
    const store = new FileBlockStore(file, ID);
    assert.equal(store.storedCount, 0, `byte ${at} flipped`);
    assert.equal(run(store, true).outcome, plain.on, `byte ${at} flipped`);
  }
  for (const r of regions.filter((r) => r.length > 0)) {
    // (each in a run that reads it: the traces' code cache only with the tier off)
    const wasmTier = r.kind !== 'wasmData';
    for (const at of [r.start, r.start + Math.floor(r.length / 2), r.start + r.length - 1]) {
      const damaged = Buffer.from(bytes);
      damaged[at] ^= 0x20;
      fs.writeFileSync(file, damaged);
      const store = new FileBlockStore(file, ID);
      assert.ok(store.storedCount > 0, `${r.kind} byte ${at} flipped: the rest of the file is used`);
      const found = damagedChunks.count;
      assert.equal(run(store, wasmTier).outcome, wasmTier ? plain.on : plain.off, `${r.kind} byte ${at} flipped`);
      assert.equal(damagedChunks.count, found + 1, `${r.kind} byte ${at} flipped: the damaged piece found`);
      store.save();
      const next = new FileBlockStore(file, ID);
      assert.ok(next.intact(), `${r.kind} byte ${at} flipped: the file written after is intact`);
      assert.equal(run(next, wasmTier).outcome, wasmTier ? plain.on : plain.off, `${r.kind} byte ${at} flipped: the run after`);
    }
  }
});
