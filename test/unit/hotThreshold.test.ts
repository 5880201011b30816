// When an address turns hot (simulator/cpu/cpu.ts HOT_ENTRIES, MANY_TRACES,
// HOT_ENTRIES_BIG): a guest program of 320 small functions, each entered
// the same number of times through a table (hotThreshold/manyFunctions.c,
// gcc -O2), runs to the host's output with the tier on and off. Entered 20
// times each, only about the first MANY_TRACES of them become traces — past
// that a program is big and an address needs HOT_ENTRIES_BIG entries —
// while entered 70 times each, every one does.

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ElfFile } from '../../simulator/elf/elfFile';
import { UserProcess } from '../../simulator/user/process';
import { HOT_ENTRIES_BIG, MANY_TRACES } from '../../simulator/cpu/cpu';
import { skipUnless } from '../tools';

const skip = skipUnless('musl-gcc');
const SOURCE = path.join(__dirname, '..', '..', '..', 'test', 'unit', 'hotThreshold', 'manyFunctions.c');
const FUNCTIONS = 320;
let exe = '';

before(() => {
  if (skip) return;
  exe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-hot-')), 'manyFunctions');
  const cc = spawnSync(process.env.MUSL_GCC || 'musl-gcc', ['-static', '-O2', '-o', exe, SOURCE], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
});

function run(rounds: number, wasmTier: boolean): { out: string; native: string; traces: number } {
  const chunks: Uint8Array[] = [];
  const args = [String(rounds)];
  const p = new UserProcess(ElfFile.parse(fs.readFileSync(exe)), [exe, ...args], exe, {
    wasmTier, stdout: (b) => chunks.push(Uint8Array.from(b)), stderr: () => undefined,
  });
  p.run();
  const native = spawnSync(exe, args, { encoding: 'utf8' }).stdout;
  return { out: Buffer.concat(chunks).toString('utf8'), native, traces: p.cpu.tracesMade };
}

for (const wasmTier of [true, false]) {
  const tier = wasmTier ? 'tier on' : 'tier off';
  test(`${tier}: past MANY_TRACES traces, an address entered fewer than HOT_ENTRIES_BIG times stays a basic block`, { skip }, () => {
    const r = run(20, wasmTier);
    assert.equal(r.out, r.native);
    assert.ok(20 < HOT_ENTRIES_BIG);
    // (a few traces of the C library's start-up and of main's loop come first; none after the count is reached)
    assert.ok(r.traces >= MANY_TRACES && r.traces < MANY_TRACES + 16, `${r.traces} traces`);
  });

  test(`${tier}: entered HOT_ENTRIES_BIG times or more, every function becomes a trace`, { skip }, () => {
    const r = run(HOT_ENTRIES_BIG + 6, wasmTier);
    assert.equal(r.out, r.native);
    assert.ok(r.traces >= FUNCTIONS, `${r.traces} traces`);
  });
}
