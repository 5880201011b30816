// Wasm blocks chained to wasm blocks (simulator/cpu/wasm/chain.ts): with the
// tier on, a wasm block's successor found in the dispatch table runs without
// a return to Cpu.run — and nothing a run's owner or a hook can see changes.
// Guest C (gcc -O2, musl) run with the tier on and off in lockstep, in
// quanta of 1 to 4096 instructions (budgets that end inside a chain), with
// call/return hooks that record the instruction count and switch each other
// on and off; code rewritten while it runs in a chain (smc.c); and
// one-instruction traces (`jmp *%rdx`, a lone `ret`) linking chains (links.c);
// forward branches that skip inside a trace, which retire fewer instructions
// than the trace holds (skips.c); indirect calls and jumps traced to a
// guessed target that changes between calls (indirect.c, against the JS tier
// and against single steps); and a loop of indirect calls whose long runs
// are one chain each (longChain: blocks tail-call each other).

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ElfFile } from '../../simulator/elf/elfFile';
import { UserProcess } from '../../simulator/user/process';
import { Gpr, RegSlot } from '../../simulator/cpu/registers';
import { wasmSkipStats } from '../../simulator/cpu/wasm/control';
import { indirectGuessStats } from '../../simulator/cpu/indirectTarget';
import { skipUnless } from '../tools';

const skip = skipUnless('musl-gcc');
const ROOT = path.join(__dirname, '..', '..', '..');
const SOURCES: Record<string, string> = { calls: 'calls.c', smc: 'smc.c', links: 'links.c', skips: 'skips.c', indirect: 'indirect.c' };
/** A loop of indirect calls and returns, all hot: every block ends in a transfer to another. */
const LONG_CHAIN = `#include <stdint.h>
#include <stdio.h>
#define NOINLINE __attribute__((noinline))
NOINLINE static uint64_t f(uint64_t x) { return x * 0x9e3779b97f4a7c15ull + 1; }
NOINLINE static uint64_t g(uint64_t x) { return (x ^ (x >> 29)) + 7; }
static uint64_t (*volatile fns[2])(uint64_t) = {f, g};
int main(void) {
  uint64_t s = 1;
  for (long i = 0; i < 2000000; i++) s = fns[i & 1](s) + i;
  printf("longChain s=%llu\\n", (unsigned long long)s);
  return 0;
}
`;
const built = new Map<string, { exe: string; native: string }>();

before(() => {
  if (skip) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-chain-'));
  SOURCES.longChain = path.join(dir, 'longChain.c');
  fs.writeFileSync(SOURCES.longChain, LONG_CHAIN);
  for (const [name, file] of Object.entries(SOURCES)) {
    const exe = path.join(dir, name);
    const cc = spawnSync(process.env.MUSL_GCC || 'musl-gcc', ['-static', '-O2', '-fno-tree-vectorize', '-o', exe,
      path.resolve(ROOT, 'test', 'unit', 'wasmTier', file)], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    built.set(name, { exe, native: spawnSync(exe, [], { encoding: 'utf8' }).stdout });
  }
});

function start(name: string, wasmTier: boolean, out: Uint8Array[]): UserProcess {
  const exe = built.get(name)!.exe;
  return new UserProcess(ElfFile.parse(fs.readFileSync(exe)), [exe], exe, {
    wasmTier, stdout: (b) => out.push(Uint8Array.from(b)), stderr: () => undefined,
  });
}

/** Call and return hooks that log what they see and switch the return hook off and on every 64 calls. */
function hook(p: UserProcess, log: number[]): void {
  const cpu = p.cpu, R = cpu.regs;
  let calls = 0;
  const onRet = (): void => { log.push(-cpu.insnCount, R[RegSlot.RIP], R[2 * Gpr.RSP]); };
  cpu.onCall = (retLo) => {
    log.push(cpu.insnCount, retLo, R[RegSlot.RIP], R[2 * Gpr.RSP]);
    if (++calls % 64 === 0) cpu.onRet = cpu.onRet === null ? onRet : null;
  };
  cpu.onRet = onRet;
}

/** The first difference of two CPUs' registers, flags and counts, or null. */
function differs(a: UserProcess, b: UserProcess): string | null {
  if (a.cpu.insnCount !== b.cpu.insnCount) return `insnCount ${a.cpu.insnCount} vs ${b.cpu.insnCount}`;
  for (let i = 0; i < RegSlot.COUNT; i++) if (a.cpu.regs[i] !== b.cpu.regs[i]) return `register word ${i}`;
  if (a.cpu.getRflags() !== b.cpu.getRflags()) return 'rflags';
  return null;
}

const QUANTA = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 7, 4096, 500, 17, 1000];

/** Run the program with the tier off and on side by side in QUANTA; the number of quanta, the wasm CPU's entries from the chain and from JS. */
function lockstep(name: string, withHooks: boolean): { quanta: number; chained: number; entered: number } {
  const jsOut: Uint8Array[] = [], wasmOut: Uint8Array[] = [];
  const js = start(name, false, jsOut), wasm = start(name, true, wasmOut);
  const jsLog: number[] = [], wasmLog: number[] = [];
  if (withHooks) { hook(js, jsLog); hook(wasm, wasmLog); }
  let n = 0;
  for (;; n++) {
    const q = QUANTA[n % QUANTA.length];
    const a = js.cpu.run(q), b = wasm.cpu.run(q);
    assert.equal(b.kind, a.kind, `quantum ${n}`);
    assert.equal(differs(wasm, js), null, `after quantum ${n} (${js.cpu.insnCount} instructions)`);
    if (withHooks) {
      assert.equal(wasmLog.length, jsLog.length, `hook calls by quantum ${n}`);
      assert.deepEqual(wasmLog, jsLog, `hooks by quantum ${n}`);
      jsLog.length = 0; wasmLog.length = 0;
    }
    if (a.kind !== 'budget') break;
  }
  assert.equal(Buffer.concat(wasmOut).toString(), built.get(name)!.native);
  assert.equal(Buffer.concat(jsOut).toString(), built.get(name)!.native);
  return { quanta: n, chained: wasm.cpu.wasmTier!.chained, entered: wasm.cpu.wasmTier!.entered };
}

test('calls.c in quanta of 1 to 4096 instructions: every stop is the JS tier\'s, with wasm blocks chained', { skip }, () => {
  const { quanta, chained } = lockstep('calls', false);
  assert.ok(quanta > 1000, `only ${quanta} quanta`);
  assert.ok(chained > 10000, `only ${chained} block entries chained`);
});

test('calls.c with call and return hooks that switch each other: each hook sees the JS tier\'s instruction count, RIP and RSP', { skip }, () => {
  const { chained } = lockstep('calls', true);
  assert.ok(chained > 10000, `only ${chained} block entries chained`);
});

test('smc.c: code rewritten while it runs in a chain runs its new bytes; every stop is the JS tier\'s', { skip }, () => {
  const { chained } = lockstep('smc', false);
  assert.ok(chained > 10000, `only ${chained} block entries chained`);
});

test('links.c: one-instruction traces (a `jmp *%rdx` trampoline, a lone `ret` jumped to) run in wasm and link chains', { skip }, () => {
  const { chained, entered } = lockstep('links', false);
  // (in quanta of ~400 instructions: each quantum enters from JS at least once)
  assert.ok(chained > 500000, `only ${chained} block entries chained`);
  assert.ok(entered * 20 < chained, `${entered} entries from JS for ${chained} chained`);
});

test('skips.c: branches that skip forward inside a trace (over a call, past the back edge, ways inside ways, flags that meet) stop where the JS tier does, hooks see its counts', { skip }, () => {
  const before = wasmSkipStats.translated;
  const { chained } = lockstep('skips', true);
  assert.ok(wasmSkipStats.translated - before >= 10, `only ${wasmSkipStats.translated - before} forward branches skipped inside traces`);
  assert.ok(chained > 5000, `only ${chained} block entries chained`);
});

test('indirect.c: indirect calls and jumps traced to a guessed target, the target changing between calls, stop where the JS tier does; hooks see its counts', { skip }, () => {
  const before = indirectGuessStats.traced;
  const { chained } = lockstep('indirect', true);
  assert.ok(indirectGuessStats.traced - before >= 8, `only ${indirectGuessStats.traced - before} indirect transfers traced through`);
  assert.ok(chained > 5000, `only ${chained} block entries chained`);
});

test('indirect.c: the call and return hooks see each call and return of guessed-target traces as single steps do (instruction count, RIP, RSP)', { skip }, () => {
  const stepOut: Uint8Array[] = [], wasmOut: Uint8Array[] = [];
  const stepped = start('indirect', false, stepOut), wasm = start('indirect', true, wasmOut);
  const stepLog: number[] = [], wasmLog: number[] = [];
  hook(stepped, stepLog); hook(wasm, wasmLog);
  while (stepped.cpu.run(1).kind === 'budget'); // (one instruction a block: no trace)
  while (wasm.cpu.run(4096).kind === 'budget');
  assert.ok(wasm.cpu.wasmTier!.chained > 5000, `only ${wasm.cpu.wasmTier!.chained} block entries chained`);
  assert.ok(stepLog.length > 10000, `only ${stepLog.length} hook words`);
  assert.deepEqual(wasmLog, stepLog);
  assert.equal(differs(wasm, stepped), null);
  assert.equal(Buffer.concat(wasmOut).toString(), built.get('indirect')!.native);
});

test('a loop of indirect calls in long runs: one chain of millions of blocks a run (each block tail-calls the next: the host stack does not grow)', { skip }, () => {
  const out: Uint8Array[] = [];
  const p = start('longChain', true, out);
  const tier = p.cpu.wasmTier!;
  assert.equal(p.cpu.run(300_000).kind, 'budget'); // (its blocks hot and in wasm)
  const chained = tier.chained, entered = tier.entered;
  for (let i = 0; i < 3; i++) assert.equal(p.cpu.run(5_000_000).kind, 'budget');
  // (a block calling the next without a tail call would overflow V8's stack after some 10,000 frames)
  assert.equal(tier.entered - entered, 3);
  assert.ok(tier.chained - chained > 3 * 1_000_000, `${tier.chained - chained} blocks chained`);
  assert.notEqual(p.cpu.run(1e9).kind, 'budget');
  assert.equal(Buffer.concat(out).toString(), built.get('longChain')!.native);
});
