// SSE/SSE2, proven against the host CPU.
//
//  1. Instruction level: sseInsns.ts generates a no-libc program running
//     every implemented instruction form (register and memory operands) over
//     edge-case inputs (NaN payloads, signalling NaNs, denormals, ±0, ±inf,
//     conversion limits, rounding ties, the underflow threshold); float
//     instructions run under several MXCSR settings (rounding modes, FZ, DAZ,
//     flags preset) and report the MXCSR exception flags they leave. The
//     native and simulated outputs must be identical line for line.
//  2. Compiled code: test/unit/sse/*.c (intrinsics, auto-vectorised loops,
//     scalar float/double code) built with gcc at -O2/-O3, no libc.
//  3. musl: a libc program doing float work and printing it with integer
//     formats; and printf("%.17g"), which needs x87 too (musl formats doubles
//     in long double): a todo while x87 is missing.
//  4. CPU level: faults (#GP on misaligned movdqa/movaps and on ldmxcsr with
//     reserved bits, #PF on a 16-byte store crossing into a read-only page,
//     #XM for an unmasked SIMD exception) leave registers and memory
//     untouched; AVX, SSE3+ and MMX raise #UD.
//
// Needs gcc (and musl-gcc for 3) and a built CLI (`node scripts/build.mjs`).

import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeRun, differences, nativeWorkspace, NOLIBC, runBoth } from './nativeRuns';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sseInsnsProgram, PRELUDE } from './sseInsns';
import { Memory, Perm } from '../../simulator/memory/memory';
import { Cpu } from '../../simulator/cpu/cpu';
import { Gpr } from '../../simulator/cpu/registers';
import { GeneralProtection, InvalidOpcode, PageFault } from '../../simulator/cpu/faults';
import { skipUnless } from '../tools';

// out/test/unit/sse.test.js -> repository root
const root = resolve(__dirname, '../../..');
const srcDir = join(root, 'test/unit/sse');

const noGcc = skipUnless('gcc', 'as');
const noMusl = skipUnless('musl-gcc');
const { dir: work, build } = nativeWorkspace('ksw-sse-', after);

function compareRuns(bin: string): { native: SpawnSyncReturns<string>; sim: SpawnSyncReturns<string> } {
  const { native, sim } = runBoth(bin);
  if (sim.stdout !== native.stdout) {
    assert.fail(`stdout differs (ksw ${describeRun(sim)}, stderr: ${sim.stderr.trim()})\n${differences(native.stdout, sim.stdout)}`);
  }
  return { native, sim };
}

describe('SSE instructions vs the host CPU', { skip: noGcc }, () => {
  test('every implemented instruction form over edge-case inputs', () => {
    const { source, count } = sseInsnsProgram();
    const bin = build('gcc', source, 'insns', ['-O2', ...NOLIBC]);
    const { native } = compareRuns(bin);
    const lines = native.stdout.split('\n').length;
    assert.ok(count > 300 && lines > 100_000, `expected a big run (${count} tests, ${lines} lines)`);
  });
});

describe('compiled SSE code vs the host CPU', { skip: noGcc }, () => {
  for (const name of ['vector', 'scalar']) {
    for (const opt of ['-O2', '-O3']) {
      test(`${name}.c ${opt}`, () => {
        const source = PRELUDE + readFileSync(join(srcDir, `${name}.c`), 'utf8');
        const bin = build('gcc', source, `${name}${opt}`, [opt, ...NOLIBC]);
        compareRuns(bin);
      });
    }
  }
});

describe('musl programs with floating point', { skip: noMusl }, () => {
  for (const opt of ['-O0', '-O2']) {
    test(`musl float work printed as integers ${opt}`, () => {
      const bin = build('musl-gcc', readFileSync(join(srcDir, 'muslfloat.c'), 'utf8'), `muslfloat${opt}`, ['-static', opt]);
      compareRuns(bin);
    });
  }

  test('musl printf("%.17g")', () => {
    const source = '#include <stdio.h>\nint main(void) { volatile double x = 0.1, y = 3.0; float f = 1.1f;\n' +
      '  printf("%.17g %.17g %g %.9g\\n", x * y, x / y, (double)f, (double)(f * f)); return 0; }\n';
    const bin = build('musl-gcc', source, 'printfg', ['-static', '-O2']);
    compareRuns(bin); // musl's fmt_fp formats through long double: x87 as well as SSE
  });
});

// ---- CPU level: faults leave the state untouched ---------------------------------

const CODE = 0x400000n, DATA = 0x600000n;

/** Assemble AT&T source to raw bytes with `as` + objcopy. */
function assemble(text: string): Uint8Array {
  const s = join(work(), 'snippet.s'), o = join(work(), 'snippet.o'), b = join(work(), 'snippet.bin');
  writeFileSync(s, `.text\n${text}\nhlt\n`);
  let r = spawnSync('as', ['-o', o, s], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  r = spawnSync('objcopy', ['-O', 'binary', '-j', '.text', o, b], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(b);
}

function machine(code: string): { cpu: Cpu; mem: Memory } {
  const mem = new Memory(64 << 20);
  mem.map(CODE, 0x1000, Perm.RX);
  mem.write(CODE, assemble(code), true);
  mem.map(DATA, 0x2000, Perm.RW);
  const cpu = new Cpu(mem);
  cpu.rip = CODE;
  cpu.setReg(Gpr.RSP, DATA + 0x1800n);
  return { cpu, mem };
}

const xmmWords = (cpu: Cpu): number[] => Array.from(cpu.xmm);

describe('SSE faults', { skip: noGcc }, () => {
  test('misaligned movdqa/movaps/paddd m128 raise #GP with nothing changed', () => {
    for (const insn of ['movdqa 8(%rax), %xmm1', 'movaps 4(%rax), %xmm1', 'movdqa %xmm1, 1(%rax)', 'paddd 8(%rax), %xmm1',
      'movntdq %xmm1, 8(%rax)', 'pshufd $0, 12(%rax), %xmm1', 'addpd 8(%rax), %xmm1']) {
      const { cpu, mem } = machine(`mov $${DATA}, %rax\nmov $7, %ecx\n${insn}\nmov $9, %ecx`);
      cpu.xmm.fill(0x11);
      mem.write(DATA, new Uint8Array(32).fill(0xab), true);
      const before = xmmWords(cpu);
      const r = cpu.run(100);
      assert.equal(r.kind, 'fault', insn);
      if (r.kind !== 'fault') return;
      assert.ok(r.fault instanceof GeneralProtection, `${insn}: ${r.fault.message}`);
      assert.equal(cpu.rip, CODE + 12n, `${insn}: RIP at the faulting instruction`); // after mov $imm32,%rax (7) and mov $7,%ecx (5)
      assert.equal(cpu.getReg(Gpr.RCX), 7n);
      assert.deepEqual(xmmWords(cpu), before);
      assert.deepEqual(Array.from(mem.read(DATA, 32)), new Array(32).fill(0xab));
    }
  });

  test('aligned movdqa and unaligned movdqu run', () => {
    const { cpu, mem } = machine(`mov $${DATA}, %rax\nmovdqa 16(%rax), %xmm1\nmovdqu %xmm1, 3(%rax)\nmovups 3(%rax), %xmm2`);
    mem.write(DATA + 16n, Uint8Array.from({ length: 16 }, (_, i) => i + 1), true);
    assert.equal(cpu.run(100).kind, 'halt');
    assert.deepEqual(Array.from(mem.read(DATA + 3n, 16)), Array.from({ length: 16 }, (_, i) => i + 1));
    assert.deepEqual(Array.from(cpu.xmm.subarray(8, 12)), Array.from(cpu.xmm.subarray(4, 8)));
  });

  test('a 16-byte store crossing into a read-only page faults without writing either page', () => {
    for (const insn of ['movdqu %xmm1, (%rax)', 'movups %xmm1, 4(%rax)']) {
      const { cpu, mem } = machine(`mov $${DATA + 0xff8n}, %rax\n${insn}`);
      mem.protect(DATA + 0x1000n, 0x1000, Perm.R);
      cpu.xmm.fill(-1);
      const r = cpu.run(100);
      assert.equal(r.kind, 'fault', insn);
      if (r.kind !== 'fault') return;
      assert.ok(r.fault instanceof PageFault, r.fault.message);
      assert.deepEqual(Array.from(mem.read(DATA + 0xff0n, 32, true)), new Array(32).fill(0), insn);
    }
  });

  test('a 16-byte load crossing into an unmapped page faults with the register unchanged', () => {
    const { cpu, mem } = machine(`mov $${DATA + 0x1ff8n}, %rax\nmovdqu (%rax), %xmm3`);
    void mem;
    cpu.xmm.fill(5);
    const r = cpu.run(100);
    assert.equal(r.kind, 'fault');
    if (r.kind === 'fault') assert.ok(r.fault instanceof PageFault);
    assert.deepEqual(Array.from(cpu.xmm.subarray(12, 16)), [5, 5, 5, 5]);
  });

  test('ldmxcsr with reserved bits raises #GP; stmxcsr stores MXCSR', () => {
    let m = machine(`mov $${DATA}, %rax\nmovl $0x10000, (%rax)\nldmxcsr (%rax)`);
    let r = m.cpu.run(100);
    assert.equal(r.kind, 'fault');
    if (r.kind === 'fault') assert.ok(r.fault instanceof GeneralProtection);
    assert.equal(m.cpu.mxcsr, 0x1f80);
    m = machine(`mov $${DATA}, %rax\nmovl $0x7f80, (%rax)\nldmxcsr (%rax)\nstmxcsr 4(%rax)`);
    assert.equal(m.cpu.run(100).kind, 'halt');
    assert.equal(m.cpu.mxcsr, 0x7f80);
    assert.equal(m.mem.readU32(DATA + 4n), 0x7f80);
  });

  test('an unmasked SIMD exception raises #XM (vector 19) with the destination unchanged', () => {
    // unmask ZE (bit 9), then 1.0 / 0.0
    const { cpu, mem } = machine(`mov $${DATA}, %rax\nmovl $0x1d80, (%rax)\nldmxcsr (%rax)\n` +
      'mov $0x3ff0000000000000, %rcx\nmovq %rcx, %xmm0\npxor %xmm1, %xmm1\ndivsd %xmm1, %xmm0');
    void mem;
    const r = cpu.run(100);
    assert.equal(r.kind, 'fault');
    if (r.kind !== 'fault') return;
    assert.equal(r.fault.vector, 19, r.fault.message);
    assert.equal(cpu.xmm[1], 0x3ff00000, 'xmm0 keeps the dividend');
    assert.equal(cpu.mxcsr & 0x3f, 0x04, 'ZE is set');
  });

  test('dpps with an unmasked overflow in one product raises #XM and leaves every destination lane unchanged', () => {
    // xmm0 = {1, 2, 3e38, 4}, xmm1 = {1, 1, 10, 1}; OE unmasked (MXCSR 0x1b80)
    const f32 = (x: number): number => new Uint32Array(new Float32Array([x]).buffer)[0];
    const words = [1, 2, 3e38, 4].map(f32);
    const { cpu } = machine(`mov $${DATA}, %rax\n` + words.map((w, i) => `movl $${w}, ${4 * i}(%rax)\n`).join('') +
      'movups (%rax), %xmm0\nmovl $0x3f800000, (%rax)\nmovl $0x3f800000, 4(%rax)\nmovl $0x41200000, 8(%rax)\n' +
      'movl $0x3f800000, 12(%rax)\nmovups (%rax), %xmm1\nmovl $0x1b80, 16(%rax)\nldmxcsr 16(%rax)\ndpps $0xff, %xmm1, %xmm0');
    const r = cpu.run(100);
    assert.equal(r.kind, 'fault');
    if (r.kind !== 'fault') return;
    assert.equal(r.fault.vector, 19, r.fault.message);
    assert.deepEqual([...cpu.xmm.slice(0, 4)].map((w) => w >>> 0), words, 'xmm0 unchanged');
    assert.ok(cpu.mxcsr & 0x08, 'OE is set');
  });

  test('AVX and later, and MMX, are not implemented: #UD naming the instruction (and the level AVX needs)', () => {
    for (const [insn, name, level] of [['vmovdqa %xmm1, %xmm2', 'vmovdqa', 'x86-64-v3'],
      ['vaddsd %xmm1, %xmm2, %xmm3', 'vaddsd', 'x86-64-v3'], ['movq %mm0, %mm1', 'movq', '']]) {
      const { cpu } = machine(`nop\n${insn}`);
      const r = cpu.run(100);
      assert.equal(r.kind, 'fault', insn);
      if (r.kind !== 'fault') return;
      assert.ok(r.fault instanceof InvalidOpcode, `${insn}: ${r.fault.message}`);
      assert.ok(r.fault.message.includes(name), r.fault.message);
      if (level) assert.ok(r.fault.message.includes(level), r.fault.message);
      assert.equal(cpu.rip, CODE + 1n);
    }
  });

  test('SSE3, SSSE3 and SSE4.1 (x86-64-v2, dpps/dppd/mpsadbw included) run; their results are checked against the host in test/diff', () => {
    for (const insn of ['haddpd %xmm1, %xmm2', 'pshufb %xmm1, %xmm2', 'roundsd $1, %xmm1, %xmm2', 'dpps $0xf1, %xmm1, %xmm2', 'dppd $0x31, %xmm1, %xmm2', 'mpsadbw $5, %xmm1, %xmm2']) {
      const { cpu } = machine(`nop\n${insn}`);
      assert.equal(cpu.run(100).kind, 'halt', insn);
    }
  });
});
