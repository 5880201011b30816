// The experimental wasm tier (KSW_WASM=1; simulator/cpu/wasm/): a guest C
// program of hot integer loops (wasmTier/loops.c, gcc -O2) runs with the
// tier on to the host's output, with its loops really in wasm; and stopped
// after any number of instructions, its machine state — every register,
// RIP, RFLAGS, the instruction count — is the JS tier's exactly (a budget
// that ends inside a wasm loop, a side exit, the fault at the page's end).

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ElfFile } from '../../simulator/elf/elfFile';
import { UserProcess } from '../../simulator/user/process';
import { wasmTierStats } from '../../simulator/cpu/wasm/tier';
import { WASM_TIER_DEFAULT, wasmTierFromEnv } from '../../simulator/memory/wasmBacking';
import { skipUnless } from '../tools';

const skip = skipUnless('musl-gcc');
const SOURCE = path.join(__dirname, '..', '..', '..', 'test', 'unit', 'wasmTier', 'loops.c');
let exe = '';
let native = '';

before(() => {
  if (skip) return;
  exe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-wasm-')), 'loops');
  // (no vectorising: the loops are to be integer code)
  const cc = spawnSync(process.env.MUSL_GCC || 'musl-gcc', ['-static', '-O2', '-fno-tree-vectorize', '-o', exe, SOURCE], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  native = spawnSync(exe, [], { encoding: 'utf8' }).stdout;
});

interface State { insns: number; regs: string; rflags: number; exitCode?: number }

function run(wasmTier: boolean, maxInstructions?: number): { out: string; state: State } {
  const chunks: Uint8Array[] = [];
  const p = new UserProcess(ElfFile.parse(fs.readFileSync(exe)), [exe], exe, {
    wasmTier, maxInstructions, stdout: (b) => chunks.push(Uint8Array.from(b)), stderr: () => undefined,
  });
  const r = p.run();
  const regs = Array.from(p.cpu.regs.subarray(0, 34), (v) => (v >>> 0).toString(16)).join(' ');
  return { out: Buffer.concat(chunks).toString('utf8'), state: { insns: r.insns, regs, rflags: p.cpu.getRflags(), exitCode: r.exitCode } };
}

test('hot integer loops run in wasm and print what they print on the host', { skip }, () => {
  const before = wasmTierStats.compiled;
  const { out, state } = run(true);
  assert.equal(out, native);
  assert.equal(state.exitCode, 0);
  assert.ok(wasmTierStats.compiled - before >= 8, `only ${wasmTierStats.compiled - before} blocks went to wasm`);
});

test('stopped after any instruction count, the machine state is the JS tier\'s', { skip }, () => {
  const total = run(false).state.insns;
  // spread over the whole run (every loop, the fault), off any round number
  const stops = Array.from({ length: 24 }, (_, i) => Math.floor((total * (i + 0.5)) / 24) + ((i * 7919) % 97));
  for (const n of stops) {
    const js = run(false, n).state, wasm = run(true, n).state;
    assert.deepEqual(wasm, js, `after ${n} of ${total} instructions`);
  }
});

test('KSW_WASM: 0 turns the tier off, 1, stats and why on; unset or empty is the default', () => {
  assert.equal(wasmTierFromEnv('0'), false);
  for (const on of ['1', 'stats', 'why']) assert.equal(wasmTierFromEnv(on), true, on);
  assert.equal(wasmTierFromEnv(undefined), WASM_TIER_DEFAULT);
  assert.equal(wasmTierFromEnv(''), WASM_TIER_DEFAULT);
});
