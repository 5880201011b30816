// In the warm run of a program with some hot code (a block cache of
// HOT_AT_ONCE_TRACES traces or more),
// an address the cache has a trace of is hot from its first entry
// (simulator/cpu/cpu.ts findBlock): a warm run of hotThreshold's program of
// 320 small functions asks the store for no basic block at such an address —
// it runs the stored trace (its wasm with the tier on) at once instead of a
// basic block's JS for the first HOT_ENTRIES entries — and runs exactly as
// the cold run, tier on and off. A small program's store (a few traces) is
// used as before: its warm run asks for the basic blocks there too.

import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileBlockStore, blockCachePath } from '../../simulator/cli/blockCache';
import type { BundleIdentity } from '../../simulator/cli/codeCache';
import { BlockKey, blockKey, parseBlockKey, setBlockStore, StoredBlock } from '../../simulator/cpu/blockStore';
import { HOT_AT_ONCE_TRACES, MANY_TRACES } from '../../simulator/cpu/cpu';
import { ElfFile } from '../../simulator/elf/elfFile';
import { UserProcess } from '../../simulator/user/process';
import { skipUnless } from '../tools';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-hotfromstore-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const ID: BundleIdentity = { bundle: '/opt/ksw/dist/ksw.js', size: 3000, hash: [0x11223344, 0x55667788], blocksDir: path.join(tmp, 'blocks') };

const MANY = path.join(__dirname, '..', '..', '..', 'test', 'unit', 'hotThreshold', 'manyFunctions.c');

const SMALL = `
#include <stdio.h>
#include <stdint.h>
static uint64_t mix(uint64_t x) { x ^= x << 13; x ^= x >> 7; return x ^ (x << 17); }
static uint64_t step(uint64_t h, int i) { return (h % 5 == 1) ? h / 3 : mix(h) + (uint64_t)i; }
int main(void) {
  uint64_t h = 1;
  for (int i = 0; i < 2000; i++) h = step(h, i);
  printf("h=%llu\\n", (unsigned long long)h);
  return (int)(h & 3);
}
`;

interface Outcome { out: string; insns: number; exitCode: number }

function run(exe: string, store: FileBlockStore, wasmTier: boolean, args: string[]): Outcome {
  const chunks: Uint8Array[] = [];
  setBlockStore(store);
  try {
    const p = new UserProcess(ElfFile.parse(fs.readFileSync(exe)), [exe, ...args], exe, { wasmTier, stdout: (b) => chunks.push(Uint8Array.from(b)), stderr: () => undefined });
    const r = p.run();
    return { out: Buffer.concat(chunks).toString('utf8'), insns: r.insns, exitCode: r.exitCode };
  } finally {
    setBlockStore(null);
  }
}

/**
 * A cold run stored in a fresh file, then a warm run asking the file: its traces, the stored
 * traces the warm run asked for, and the basic blocks it asked for where the file has a trace.
 */
function coldThenWarm(name: string, src: string, args: string[], wasmTier: boolean): { traces: number; tracesRun: number; basicAtTraces: number } {
  const exe = path.join(tmp, `${name}-${wasmTier}`);
  const cc = spawnSync(process.env.MUSL_GCC || 'musl-gcc', ['-static', '-O2', '-o', exe, src], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  const native = spawnSync(exe, args, { encoding: 'utf8' });
  const file = blockCachePath(ID, 'exec', exe);
  const cold = new FileBlockStore(file, ID);
  const first = run(exe, cold, wasmTier, args);
  assert.equal(first.out, native.stdout);
  assert.equal(first.exitCode, native.status);
  cold.save();

  const warm = new FileBlockStore(file, ID);
  const asked: string[] = [];
  const get = warm.get.bind(warm);
  warm.get = (key: string): readonly StoredBlock[] => { asked.push(key); return get(key); };
  const second = run(exe, warm, wasmTier, args);
  assert.deepEqual(second, first, 'the same run');
  const keys = asked.map(parseBlockKey).filter((k) => k.maxInsns > 1);
  const traceOf = (k: BlockKey) => blockKey({ ...k, trace: true });
  return {
    traces: warm.traces,
    tracesRun: keys.filter((k) => k.trace && warm.has(blockKey(k))).length,
    basicAtTraces: keys.filter((k) => !k.trace && warm.has(traceOf(k))).length,
  };
}

for (const wasmTier of [true, false]) {
  const tier = wasmTier ? 'tier on' : 'tier off';
  test(`${tier}: a big program's warm run asks for no basic block where the cache has a trace`, { skip: skipUnless('musl-gcc') }, () => {
    const r = coldThenWarm('many', MANY, ['10'], wasmTier);
    assert.ok(r.traces >= MANY_TRACES, `${r.traces} traces stored`);
    assert.ok(r.tracesRun >= 200, `only ${r.tracesRun} stored traces run`);
    assert.equal(r.basicAtTraces, 0, 'basic blocks asked for where the file has a trace');
  });

  test(`${tier}: a small program's warm run is as before: basic blocks first where the cache has a trace`, { skip: skipUnless('musl-gcc') }, () => {
    const src = path.join(tmp, 'small.c');
    fs.writeFileSync(src, SMALL);
    const r = coldThenWarm('small', src, [], wasmTier);
    assert.ok(r.traces >= 3 && r.traces < HOT_AT_ONCE_TRACES, `${r.traces} traces stored`);
    assert.ok(r.basicAtTraces >= 3, `${r.basicAtTraces} basic blocks asked for where the file has a trace`);
  });
}
