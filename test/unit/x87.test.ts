// The x87 FPU, proven against the host CPU.
//
//  1. Instruction level: x87/insns.c runs every implemented instruction form
//     (inline asm, so the same bytes run natively and simulated) over edge
//     cases — ±0, denormals, pseudo-denormals, unnormals, ±∞, quiet and
//     signalling NaNs, pseudo-NaNs, integer limits, rounding ties for every
//     precision — under all 12 precision/rounding control words, printing
//     results, status word, tag word and EFLAGS. Byte-for-byte equal.
//  2. Transcendentals (f2xm1 fyl2x fyl2xp1 fpatan fsin fcos fsincos fptan):
//     the simulator rounds correctly; hardware microcode is only faithful,
//     so a few results may be the neighbouring value with C1 flipped.
//  3. Compiled code: x87/ldouble.c (gcc's long double code) at -O0 and -O2.
//  4. musl: x87/printf.c — printf %f %g %e %a %Lf…, strtod/strtof/strtold,
//     sscanf, fmodl/frexpl/rintl…, rounding modes, fenv — at -O0 and -O2.
//  5. CPU level: a faulting x87 load or store leaves the FPU and memory as
//     they were; fcomi feeds the flags later instructions branch on.
//
// Needs gcc (and musl-gcc for 4) and a built CLI (`node scripts/build.mjs`).

import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { differences, nativeWorkspace, NOLIBC, runBoth } from './nativeRuns';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Memory, Perm } from '../../simulator/memory/memory';
import { Cpu } from '../../simulator/cpu/cpu';
import { Gpr } from '../../simulator/cpu/registers';
import { PageFault } from '../../simulator/cpu/faults';
import { X87State, x87StateOf } from '../../simulator/cpu/helpers/x87';
import { skipUnless } from '../tools';

// out/test/unit/x87.test.js -> repository root
const root = resolve(__dirname, '../../..');
const srcDir = join(root, 'test/unit/x87');

const noGcc = skipUnless('gcc', 'as');
const noMusl = skipUnless('musl-gcc');
const { dir: work, build } = nativeWorkspace('ksw-x87-', after);

const prelude = (): string => readFileSync(join(srcDir, 'prelude.h'), 'utf8');


/** stdout and exit status must match exactly. */
function compareRuns(bin: string): string {
  const { native, sim } = runBoth(bin);
  if (sim.stdout !== native.stdout) {
    assert.fail(`stdout differs (ksw stderr: ${sim.stderr.trim()})\n${differences(native.stdout, sim.stdout)}`);
  }
  return native.stdout;
}

describe('x87 instructions vs the host CPU', { skip: noGcc }, () => {
  test('every implemented instruction form over edge cases and all control words', () => {
    const bin = build('gcc', prelude() + readFileSync(join(srcDir, 'insns.c'), 'utf8'), 'insns', ['-O2', ...NOLIBC]);
    const out = compareRuns(bin);
    const lines = out.split('\n').length;
    assert.ok(lines > 250_000, `expected a big run (${lines} lines)`);
    for (const name of ['fadd', 'fdivr_r', 'fucomip', 'fprem1_loop', 'fscale', 'fxtract', 'fistpll', 'fisttps', 'fbstp',
      'flds', 'fldt', 'fidivrs', 'consts', 'env', 'fsave', 'fxsave', 'overflow', 'fcmov3']) {
      assert.match(out, new RegExp(`^${name} `, 'm'), `no output for ${name}`);
    }
  });

  test('transcendentals: correctly rounded, within one unit of the hardware', () => {
    const bin = build('gcc', prelude() + readFileSync(join(srcDir, 'insns.c'), 'utf8'), 'trans',
      ['-O2', '-DTRANSCENDENTAL', ...NOLIBC]);
    const { native, sim } = runBoth(bin);
    const n = native.stdout.split('\n'), s = sim.stdout.split('\n');
    assert.equal(s.length, n.length);
    let near = 0;
    const bad: string[] = [];
    for (let i = 0; i < n.length; i++) {
      if (n[i] === s[i]) continue;
      // allowed: the other neighbour (one unit in the last place) and/or a different C1 (rounded-up bit)
      const a = n[i].split(' '), b = s[i].split(' ');
      const swDiff = parseInt(a[4], 16) ^ parseInt(b[4], 16);
      const sameElse = a.length === b.length && a.every((f, k) => k === 4 || k === 7 || k === 8 || f === b[k]);
      // adjacent values of the same sign (also across a power of two)
      const key = (x: string): [number, bigint] => {
        const [e, m] = x.split(':').map((h) => BigInt('0x' + h));
        return [Number(e >> 15n), (e & 0x7fffn) * (1n << 63n) + (m & ((1n << 63n) - 1n))];
      };
      const close = (x: string, y: string): boolean => {
        if (x === y) return true;
        const [xs, xk] = key(x), [ys, yk] = key(y);
        return xs === ys && (xk - yk === 1n || yk - xk === 1n);
      };
      if (sameElse && (swDiff === 0 || swDiff === 0x200) && close(a[7], b[7]) && close(a[8], b[8])) near++;
      else if (bad.length < 8) bad.push(`native: ${n[i]}\nksw:    ${s[i]}`);
    }
    assert.equal(bad.length, 0, bad.join('\n'));
    assert.ok(near < n.length * 0.06, `${near} of ${n.length} results differ in the last place`);
  });
});

describe('compiled long double code vs the host CPU', { skip: noGcc }, () => {
  for (const opt of ['-O0', '-O2']) {
    test(`ldouble.c ${opt}`, () => {
      const bin = build('gcc', prelude() + readFileSync(join(srcDir, 'ldouble.c'), 'utf8'), `ldouble${opt}`, [opt, ...NOLIBC]);
      compareRuns(bin);
    });
  }
});

describe('musl printf/strtod on the x87', { skip: noMusl }, () => {
  for (const opt of ['-O0', '-O2']) {
    test(`printf.c ${opt}`, () => {
      const bin = build('musl-gcc', readFileSync(join(srcDir, 'printf.c'), 'utf8'), `printf${opt}`, ['-static', opt], ['-lm']);
      const out = compareRuns(bin);
      assert.match(out, /round trip failures: 0/);
    });
  }

  test('a small program printing doubles', () => {
    const source = '#include <stdio.h>\n#include <stdlib.h>\nint main(int argc, char **argv) {\n' +
      '  volatile double x = 0.1, y = 3.0; float f = 1.1f;\n' +
      '  printf("%.17g %.17g %g %.9g %f %e\\n", x * y, x / y, (double)f, (double)(f * f), x, y);\n' +
      '  for (int i = 1; i < argc; i++) printf("%s -> %.17g %a\\n", argv[i], strtod(argv[i], 0), strtod(argv[i], 0));\n' +
      '  return 0; }\n';
    const bin = build('musl-gcc', source, 'small', ['-static', '-O2']);
    compareRuns(bin);
  });
});

// ---- CPU level -----------------------------------------------------------------

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

function machine(code: string): { cpu: Cpu; mem: Memory; fpu: X87State } {
  const mem = new Memory(64 << 20);
  mem.map(CODE, 0x1000, Perm.RX);
  mem.write(CODE, assemble(code), true);
  mem.map(DATA, 0x2000, Perm.RW);
  const cpu = new Cpu(mem);
  cpu.rip = CODE;
  cpu.setReg(Gpr.RSP, DATA + 0x1800n);
  return { cpu, mem, fpu: x87StateOf(cpu) };
}

function snapshot(fpu: X87State): string {
  return JSON.stringify({ top: fpu.top, sw: fpu.status(), cw: fpu.cw, tag: fpu.tagWord(), regs: fpu.regs.map((r) => [r.se, r.m.toString(16)]) });
}

describe('x87 faults and flags', { skip: noGcc }, () => {
  /** The FPU after `fld1; fldpi`, the state every faulting instruction below must leave alone. */
  function reference(): string {
    const { cpu, fpu } = machine('fld1\nfldpi');
    assert.equal(cpu.run(100).kind, 'halt');
    return snapshot(fpu);
  }

  test('a load from an unmapped page faults with the FPU unchanged', () => {
    const expected = reference();
    for (const insn of ['fldt (%rax)', 'fldl (%rax)', 'fildll (%rax)', 'fadds (%rax)', 'fcoml (%rax)', 'fldt -4(%rax)',
      'fldenv (%rax)', 'frstor -8(%rax)', 'fidivl -2(%rax)', 'fldcw -1(%rax)']) {
      const { cpu, fpu } = machine(`fld1\nfldpi\nmov $${DATA + 0x2000n}, %rax\n${insn}`);
      const r = cpu.run(100);
      assert.equal(r.kind, 'fault', insn);
      if (r.kind === 'fault') assert.ok(r.fault instanceof PageFault, `${insn}: ${r.fault.message}`);
      assert.equal(snapshot(fpu), expected, insn);
    }
  });

  test('a store crossing into a read-only page writes nothing and does not pop', () => {
    const expected = reference();
    for (const [insn, off] of [['fstpt (%rax)', 0xffan], ['fstpl (%rax)', 0xffcn], ['fistpll (%rax)', 0xffcn],
      ['fbstp (%rax)', 0xff8n], ['fnstenv (%rax)', 0xff0n], ['fnsave (%rax)', 0xfc0n], ['fnstcw (%rax)', 0xfffn],
      ['fstps (%rax)', 0xffen], ['fisttpl (%rax)', 0xffdn]] as const) {
      const { cpu, mem, fpu } = machine(`fld1\nfldpi\nmov $${DATA + off}, %rax\n${insn}`);
      mem.protect(DATA + 0x1000n, 0x1000, Perm.R);
      const r = cpu.run(100);
      assert.equal(r.kind, 'fault', insn);
      if (r.kind === 'fault') assert.ok(r.fault instanceof PageFault, `${insn}: ${r.fault.message}`);
      assert.equal(snapshot(fpu), expected, insn);
      assert.deepEqual(Array.from(mem.read(DATA + 0xf00n, 0x200, true)), new Array(0x200).fill(0), insn);
    }
  });

  test('fxsave/fxrstor need 16-byte alignment; save/restore round-trips the state', () => {
    let m = machine(`mov $${DATA + 8n}, %rax\nfxsave (%rax)`);
    let r = m.cpu.run(100);
    assert.equal(r.kind, 'fault');
    if (r.kind === 'fault') assert.match(r.fault.message, /16-byte/);
    m = machine(`fld1\nfldpi\nfldl2e\nmov $${DATA}, %rax\nfxsave (%rax)\nfninit\nfxrstor (%rax)`);
    assert.equal(m.cpu.run(100).kind, 'halt');
    const after = snapshot(m.fpu);
    const saved = m.fpu.save();
    m.fpu.reset();
    m.fpu.restore(saved);
    assert.equal(snapshot(m.fpu), after);
    assert.equal(m.fpu.top, 5);
    assert.equal(m.fpu.tagWord(), 0x03ff); // R5–R7 valid, the rest empty
  });

  test('fcomi/fucomip set ZF PF CF and clear OF SF AF for a following branch', () => {
    // 2 > 1: ja taken; NaN: jp taken; equal: je taken
    const { cpu } = machine([
      'mov $-1, %eax\nadd $1, %eax', // sets ZF CF AF, so stale flags would show
      'fld1\nfld1\nfadd %st(1), %st', // st0 = 2, st1 = 1
      'fcomi %st(1), %st\nseta %bl\nsetp %cl\nsete %dl\nsets %sil\nseto %dil',
      'fldz\nfdiv %st(0), %st\nfucomip %st(1), %st\nsetp %bh\nsetb %ch',
      'fld %st(1)\nfucomip %st(2), %st\nsete %dh\nsetnp %ah',
    ].join('\n'));
    assert.equal(cpu.run(1000).kind, 'halt');
    const b = (r: Gpr, shift = 0n): bigint => (cpu.getReg(r) >> shift) & 0xffn;
    assert.deepEqual([b(Gpr.RBX), b(Gpr.RCX), b(Gpr.RDX), b(Gpr.RSI), b(Gpr.RDI)], [1n, 0n, 0n, 0n, 0n]);
    assert.deepEqual([b(Gpr.RBX, 8n), b(Gpr.RCX, 8n)], [1n, 1n]);
    assert.deepEqual([b(Gpr.RDX, 8n), b(Gpr.RAX, 8n)], [1n, 1n]);
  });
});
