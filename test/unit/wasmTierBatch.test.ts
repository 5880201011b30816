// The wasm tier's batches (simulator/cpu/wasm/batch.ts): a trace the tier
// takes runs its JS until its batch is compiled — when BATCH_MAX traces
// wait, or the waiting blocks have run FLUSH_AFTER instructions — and then
// its wasm function; one module holds the batch. With real guest code
// (wasmTier/calls.c, gcc -O2) the blocks share modules and the program
// prints what it prints on the host. That a block's first entries in JS and
// the later ones in wasm leave the machine state of the JS tier alone is
// wasmTier.test's (stopped after any instruction count).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Block } from '../../simulator/cpu/compiler';
import { Batch, BATCH_MAX, FLUSH_AFTER, Pending } from '../../simulator/cpu/wasm/batch';
import { wasmTierStats } from '../../simulator/cpu/wasm/tier';
import { ElfFile } from '../../simulator/elf/elfFile';
import { UserProcess } from '../../simulator/user/process';
import { skipUnless } from '../tools';

/** A JS block of `length` instructions whose run counts its calls and retires `retired` instructions. */
function jsBlock(retired: number): Block & { calls: number } {
  const b = {
    calls: 0, ipLo: 0x1000, ipHi: 0, pages: [1], length: 4, insns: [],
    run: () => { b.calls++; return retired; },
  };
  return b;
}

/** A batch whose compile records each batch and gives every block a run returning `-1 - its index`. */
function recording(): { batch: Batch; batches: Pending[][] } {
  const batches: Pending[][] = [];
  const batch = new Batch((entries) => {
    batches.push([...entries]);
    entries.forEach((e, i) => e.block.ready(() => -1 - i));
  });
  return { batch, batches };
}

test('a waiting block runs its JS; BATCH_MAX traces make one batch, compiled at once', () => {
  const { batch, batches } = recording();
  const js = Array.from({ length: BATCH_MAX }, () => jsBlock(3));
  const blocks = js.slice(0, -1).map((b) => batch.add(b, new Uint8Array([1]), null));
  assert.equal(blocks[0].run(), 3, 'the JS run, its count');
  assert.equal(js[0].calls, 1);
  assert.equal(batches.length, 0);
  const last = batch.add(js[BATCH_MAX - 1], new Uint8Array([2]), null);
  assert.equal(batches.length, 1);
  assert.equal(batches[0].length, BATCH_MAX);
  assert.deepEqual(Array.from(batches[0][BATCH_MAX - 1].bytes), [2]);
  assert.equal(blocks[0].run(), -1, 'the compiled run from now on');
  assert.equal(last.run(), -BATCH_MAX);
  assert.equal(js[0].calls, 1);
});

test('the waiting blocks compile after FLUSH_AFTER instructions in JS, however few', () => {
  const { batch, batches } = recording();
  const per = 1000;
  const a = batch.add(jsBlock(per), new Uint8Array([1]), null), b = batch.add(jsBlock(per), new Uint8Array([2]), null);
  let runs = 0;
  while (batches.length === 0) { (runs % 2 === 0 ? a : b).run(); runs++; }
  assert.equal(runs, Math.ceil(FLUSH_AFTER / per));
  assert.equal(batches[0].length, 2);
  assert.equal(a.run(), -1);
  assert.equal(b.run(), -2);
  // the count starts again for the next batch
  const c = batch.add(jsBlock(FLUSH_AFTER - 1), new Uint8Array([3]), null);
  c.run();
  assert.equal(batches.length, 1);
  c.run();
  assert.equal(batches.length, 2);
});

test('a block whose compile gives no function stays JS', () => {
  const js = jsBlock(7);
  const batch = new Batch((entries) => entries.forEach((e) => e.block.ready(null)));
  const block = batch.add(js, new Uint8Array([1]), null);
  batch.flush();
  assert.equal(block.run, js.run);
  assert.equal(block.run(), 7);
});

const skip = skipUnless('musl-gcc');

test('calls.c: traces share modules, and the program prints what it prints on the host', { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-batch-'));
  try {
    const exe = path.join(dir, 'calls');
    const source = path.join(__dirname, '..', '..', '..', 'test', 'unit', 'wasmTier', 'calls.c');
    const cc = spawnSync(process.env.MUSL_GCC || 'musl-gcc', ['-static', '-O2', '-fno-tree-vectorize', '-o', exe, source], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const native = spawnSync(exe, { encoding: 'utf8' }).stdout;
    const blocks = wasmTierStats.compiled, modules = wasmTierStats.modules;
    const chunks: Uint8Array[] = [];
    const p = new UserProcess(ElfFile.parse(fs.readFileSync(exe)), [exe], exe, {
      wasmTier: true, stdout: (b) => chunks.push(Uint8Array.from(b)), stderr: () => undefined,
    });
    assert.equal(p.run().exitCode, 0);
    assert.equal(Buffer.concat(chunks).toString('utf8'), native);
    const inWasm = wasmTierStats.compiled - blocks, made = wasmTierStats.modules - modules;
    assert.ok(inWasm >= 8, `only ${inWasm} blocks went to wasm`);
    assert.ok(made * 2 <= inWasm, `${inWasm} blocks in ${made} modules`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
