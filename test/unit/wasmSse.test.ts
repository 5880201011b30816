// The wasm tier's SSE (simulator/cpu/wasm/ops/sse.ts): a guest C program
// of SSE2 intrinsics in hot loops (wasmTier/sse.c, musl-gcc -O2: 128-bit
// moves, movq/movd/movsd/movss, logic, lane adds/subtracts/compares,
// pminub/pmaxub, pmovmskb, byte shifts, unpacks, pshufd; a misaligned
// movdqa and a page-crossing store that fault) prints with the tier on
// what it prints on the host, with its hot loops in wasm; and stopped after
// any number of instructions, its registers — the XMM registers too — are
// the JS tier's exactly.

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ElfFile } from '../../simulator/elf/elfFile';
import { UserProcess } from '../../simulator/user/process';
import { wasmTierStats } from '../../simulator/cpu/wasm/tier';
import { skipUnless } from '../tools';

const skip = skipUnless('musl-gcc');
const SOURCE = path.join(__dirname, '..', '..', '..', 'test', 'unit', 'wasmTier', 'sse.c');
let exe = '', native = '';

before(() => {
  if (skip) return;
  exe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-wasm-sse-')), 'sse');
  // (no vectorising: the SSE is the intrinsics', the rest integer code; -mssse3 for pshufb, palignr)
  const cc = spawnSync(process.env.MUSL_GCC || 'musl-gcc', ['-static', '-O2', '-mssse3', '-fno-tree-vectorize', '-o', exe, SOURCE], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  native = spawnSync(exe, [], { encoding: 'utf8' }).stdout;
});

interface State { insns: number; regs: string; xmm: string; rflags: number }

function run(wasmTier: boolean, maxInstructions?: number): { out: string; state: State } {
  const chunks: Uint8Array[] = [];
  const p = new UserProcess(ElfFile.parse(fs.readFileSync(exe)), [exe], exe, {
    wasmTier, maxInstructions, stdout: (b) => chunks.push(Uint8Array.from(b)), stderr: () => undefined,
  });
  const r = p.run();
  const hex = (a: Int32Array): string => Array.from(a, (v) => (v >>> 0).toString(16)).join(' ');
  return { out: Buffer.concat(chunks).toString('utf8'), state: { insns: r.insns, regs: hex(p.cpu.regs.subarray(0, 34)), xmm: hex(p.cpu.xmm), rflags: p.cpu.getRflags() } };
}

test('sse: hot SSE2 loops run in wasm and print what they print on the host', { skip }, () => {
  const before = wasmTierStats.compiled;
  const { out } = run(true);
  assert.equal(out, native);
  assert.match(out, /faults 5 \(misaligned 1, crossing 4\)/);
  assert.ok(wasmTierStats.compiled - before >= 30, `only ${wasmTierStats.compiled - before} blocks went to wasm`);
});

test('sse: stopped after any instruction count, the machine state (XMM registers too) is the JS tier\'s', { skip }, () => {
  const total = run(false).state.insns;
  const stops = 24;
  // spread over the whole run (every loop, the faults at the end), off any round number
  const at = Array.from({ length: stops }, (_, i) => Math.floor((total * (i + 0.5)) / stops) + ((i * 7919) % 97));
  at.push(total - 2000, total - 500);
  for (const n of at) {
    const js = run(false, n).state, wasm = run(true, n).state;
    assert.deepEqual(wasm, js, `after ${n} of ${total} instructions`);
  }
});
