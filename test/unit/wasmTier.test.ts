// The wasm tier (on unless KSW_WASM=0; simulator/cpu/wasm/): guest C
// programs of hot integer loops (wasmTier/loops.c and programs/hotintops.c,
// gcc -O2), of hot calls, returns, pushes and pops (wasmTier/calls.c), of
// a store into code that leaves the wasm code (wasmTier/codeStores.c), of
// string instructions (wasmTier/strings.c) and of loads and stores that
// fault (wasmTier/faults.c: the signal frame's flags) run
// with the tier on to the host's output, with their hot code really in
// wasm; and stopped
// after any number of instructions, its machine state — every register,
// RIP, RFLAGS, the instruction count — is the JS tier's exactly (a budget
// that ends inside a wasm loop, a side exit, a branch that skips forward
// inside the trace, the fault at the page's end).

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ElfFile } from '../../simulator/elf/elfFile';
import { UserProcess } from '../../simulator/user/process';
import { wasmTierStats } from '../../simulator/cpu/wasm/tier';
import { twoPassStats } from '../../simulator/cpu/wasm/translate';
import { wasmSkipStats } from '../../simulator/cpu/wasm/control';
import { WASM_TIER_DEFAULT, wasmTierFromEnv } from '../../simulator/memory/wasmBacking';
import { skipUnless } from '../tools';

const skip = skipUnless('musl-gcc');
const ROOT = path.join(__dirname, '..', '..', '..');

/**
 * The guest programs: loops.c (moves, arithmetic, shifts by an immediate, imul, loads and stores of every
 * width, a fault at a page's end) and test/programs/hotintops.c (one-operand mul/imul, div/idiv with #DE
 * under a SIGFPE handler, shifts and rotates by CL, shld/shrd, bit tests and scans, bswap, xchg) with
 * fewer rounds than the programs test gives it — still enough for each loop to turn hot (a self-looping
 * block runs up to 8192 instructions per entry, and a trace, which the tier translates, comes after 8
 * entries); `blocks`: how many loops must go to wasm at least.
 */
const PROGRAMS = [
  { name: 'loops', source: path.join(ROOT, 'test', 'unit', 'wasmTier', 'loops.c'), args: [] as string[], blocks: 8, stops: 24 },
  { name: 'hotintops', source: path.join(ROOT, 'test', 'programs', 'hotintops.c'), args: ['2800'], blocks: 55, stops: 20 },
  // calls in loops, recursion, frame-pointer functions (leave), indirect calls, longjmp out of nested calls (a mispredicted ret)
  { name: 'calls', source: path.join(ROOT, 'test', 'unit', 'wasmTier', 'calls.c'), args: [], blocks: 8, stops: 24 },
  // an add to memory whose store changes code: it leaves the wasm code right after, with its flags
  { name: 'codeStores', source: path.join(ROOT, 'test', 'unit', 'wasmTier', 'codeStores.c'), args: [], blocks: 2, stops: 12 },
  // lzcnt of every width against counts the program computes (a CPU without LZCNT runs it as bsr)
  { name: 'lzcnt', source: path.join(ROOT, 'test', 'unit', 'wasmTier', 'lzcnt.c'), args: [], blocks: 2, stops: 12 },
  // memcpy/memset, rep movs/stos of every width both ways, lods, a rep movsq faulting part-way, rep movsb into a code page
  { name: 'strings', source: path.join(ROOT, 'test', 'unit', 'wasmTier', 'strings.c'), args: [], blocks: 20, stops: 30 },
  // loads and stores that fault in hot loops (unmapped, read-only, page-crossing) after add, inc, cmp, sub: the handler's flags and registers
  { name: 'faults', source: path.join(ROOT, 'test', 'unit', 'wasmTier', 'faults.c'), args: [], blocks: 3, stops: 12 },
];
const built = new Map<string, { exe: string; native: string }>();
/** What a program prints where the host is no reference (lzcnt.c), instead of the host's output. */
const EXPECTED: Record<string, string> = { lzcnt: 'lzcnt: 4096 values, 0 wrong\n' };

before(() => {
  if (skip) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-wasm-'));
  for (const p of PROGRAMS) {
    const exe = path.join(dir, p.name);
    // (no vectorising: the loops are to be integer code)
    const cc = spawnSync(process.env.MUSL_GCC || 'musl-gcc', ['-static', '-O2', '-fno-tree-vectorize', '-o', exe, p.source], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    built.set(p.name, { exe, native: EXPECTED[p.name] ?? spawnSync(exe, p.args, { encoding: 'utf8' }).stdout });
  }
});

interface State { insns: number; regs: string; rflags: number; exitCode?: number }

function run(name: string, args: string[], wasmTier: boolean, maxInstructions?: number): { out: string; state: State } {
  const exe = built.get(name)!.exe;
  const chunks: Uint8Array[] = [];
  const p = new UserProcess(ElfFile.parse(fs.readFileSync(exe)), [exe, ...args], exe, {
    wasmTier, maxInstructions, stdout: (b) => chunks.push(Uint8Array.from(b)), stderr: () => undefined,
  });
  const r = p.run();
  const regs = Array.from(p.cpu.regs.subarray(0, 34), (v) => (v >>> 0).toString(16)).join(' ');
  return { out: Buffer.concat(chunks).toString('utf8'), state: { insns: r.insns, regs, rflags: p.cpu.getRflags(), exitCode: r.exitCode } };
}

for (const { name, args, blocks, stops } of PROGRAMS) {
  test(`${name}: hot loops run in wasm and print what they print on the host`, { skip }, () => {
    const before = wasmTierStats.compiled;
    const { out, state } = run(name, args, true);
    assert.equal(out, built.get(name)!.native);
    assert.equal(state.exitCode, 0);
    assert.ok(wasmTierStats.compiled - before >= blocks, `only ${wasmTierStats.compiled - before} blocks went to wasm`);
  });

  if (name === 'loops') {
    test('loops: rounds that read a flag before the instruction that writes it (the round before\'s) run in wasm', { skip }, () => {
      const before = twoPassStats.translations;
      run(name, args, true);
      // carried() (ZF of the previous round's compare) and bigadd() (adc's own CF of the round before)
      assert.ok(twoPassStats.translations - before >= 2, `only ${twoPassStats.translations - before} such loops went to wasm`);
    });

    test('loops: forward branches inside a trace jump there in wasm instead of leaving it', { skip }, () => {
      const before = wasmSkipStats.translated;
      run(name, args, true);
      assert.ok(wasmSkipStats.translated - before >= 4, `only ${wasmSkipStats.translated - before} forward branches inside traces`);
    });
  }

  if (name === 'calls') {
    test('calls: traces with calls and returns run in wasm', { skip }, () => {
      const before = wasmTierStats.withCalls;
      run(name, args, true);
      assert.ok(wasmTierStats.withCalls - before >= 8, `only ${wasmTierStats.withCalls - before} blocks with calls or returns went to wasm`);
    });
  }

  test(`${name}: stopped after any instruction count, the machine state is the JS tier's`, { skip }, () => {
    const total = run(name, args, false).state.insns;
    // spread over the whole run (every loop, the faults), off any round number
    const at = Array.from({ length: stops }, (_, i) => Math.floor((total * (i + 0.5)) / stops) + ((i * 7919) % 97));
    for (const n of at) {
      const js = run(name, args, false, n).state, wasm = run(name, args, true, n).state;
      assert.deepEqual(wasm, js, `after ${n} of ${total} instructions`);
    }
  });
}

test('KSW_WASM: 0 turns the tier off, 1, stats and why on; unset or empty is the default', () => {
  assert.equal(wasmTierFromEnv('0'), false);
  for (const on of ['1', 'stats', 'why']) assert.equal(wasmTierFromEnv(on), true, on);
  assert.equal(wasmTierFromEnv(undefined), WASM_TIER_DEFAULT);
  assert.equal(wasmTierFromEnv(''), WASM_TIER_DEFAULT);
});
