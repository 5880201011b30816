// An address the block cache has a trace of is hot from its first entry
// (simulator/cpu/cpu.ts findBlock): a warm run of a real musl program asks the
// store for no basic block at such an address — it runs the stored trace
// (its wasm with the tier on) at once instead of a basic block's JS for the
// first HOT_ENTRIES entries — and runs exactly as the cold run, tier on and off.

import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileBlockStore, blockCachePath } from '../../simulator/cli/blockCache';
import type { BundleIdentity } from '../../simulator/cli/codeCache';
import { parseBlockKey, setBlockStore, StoredBlock } from '../../simulator/cpu/blockStore';
import { ElfFile } from '../../simulator/elf/elfFile';
import { UserProcess } from '../../simulator/user/process';
import { skipUnless } from '../tools';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-hotfromstore-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const ID: BundleIdentity = { bundle: '/opt/ksw/dist/ksw.js', size: 3000, hash: [0x11223344, 0x55667788], blocksDir: path.join(tmp, 'blocks') };

const PROGRAM = `
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

function run(exe: string, store: FileBlockStore, wasmTier: boolean): Outcome {
  const chunks: Uint8Array[] = [];
  setBlockStore(store);
  try {
    const p = new UserProcess(ElfFile.parse(fs.readFileSync(exe)), [exe], exe, { wasmTier, stdout: (b) => chunks.push(Uint8Array.from(b)), stderr: () => undefined });
    const r = p.run();
    return { out: Buffer.concat(chunks).toString('utf8'), insns: r.insns, exitCode: r.exitCode };
  } finally {
    setBlockStore(null);
  }
}

for (const wasmTier of [true, false]) {
  test(`tier ${wasmTier ? 'on' : 'off'}: a warm run asks for no basic block where the cache has a trace`, { skip: skipUnless('musl-gcc') }, () => {
    const src = path.join(tmp, 'p.c'), exe = path.join(tmp, `p-${wasmTier}`);
    fs.writeFileSync(src, PROGRAM);
    const cc = spawnSync(process.env.MUSL_GCC || 'musl-gcc', ['-static', '-O1', '-o', exe, src], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const native = spawnSync(exe, [], { encoding: 'utf8' });
    const file = blockCachePath(ID, 'exec', exe);
    const cold = new FileBlockStore(file, ID);
    const first = run(exe, cold, wasmTier);
    assert.equal(first.out, native.stdout);
    assert.equal(first.exitCode, native.status);
    cold.save();

    const warm = new FileBlockStore(file, ID);
    const asked: string[] = [];
    const get = warm.get.bind(warm);
    warm.get = (key: string): readonly StoredBlock[] => { asked.push(key); return get(key); };
    const traced = (key: string) => { const k = parseBlockKey(key); return warm.has(`${k.lo}:${k.hi}:${k.maxInsns}:t:${k.hooked ? 'h' : '-'}`); };
    const second = run(exe, warm, wasmTier);
    assert.deepEqual(second, first, 'the same run');
    const traces = asked.filter((key) => parseBlockKey(key).trace && warm.has(key));
    assert.ok(traces.length >= 3, `only ${traces.length} stored traces run`);
    const basicThere = asked.filter((key) => !parseBlockKey(key).trace && traced(key));
    assert.deepEqual(basicThere, [], 'basic blocks asked for where the file has a trace');
  });
}
