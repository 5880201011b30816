// Hostile input on the command line (issue 15): devices and FIFOs are
// refused (never read forever or blocked on), a module without module_init
// loads and says so, a parameter a bad relocation puts outside the module is
// a load error, `ksw cc` refuses what it cannot compile, numbers are printed
// exactly, and no scratch directory is left behind.

import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ElfFile } from '../../simulator/elf/elfFile';
import { InputFileError, readInputFile } from '../../simulator/elf/inputFile';
import { compileModule } from '../../simulator/cli/cc';
import { KSW, NEEDS_GCC, scratchDir } from './harness';

function ksw(...args: string[]): { status: number | null; stdout: string; stderr: string; pid: number } {
  const r = spawnSync(process.execPath, [KSW, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, pid: r.pid };
}

/** Exit 2 with one `ksw` line matching `re` and no host stack. */
function badInput(r: { status: number | null; stderr: string }, re: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, re);
  assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+|internal error/);
}

const tmp = scratchDir();
const NO_INIT = path.join(tmp, 'noinit.c');
fs.writeFileSync(NO_INIT, [
  '#include <linux/module.h>',
  '#include <linux/kernel.h>',
  'int noinit_helper(int x) { return x + 1; }',
  'static void __exit noinit_exit(void) { pr_info("noinit: unloaded\\n"); }',
  'module_exit(noinit_exit);',
  'MODULE_LICENSE("GPL");',
].join('\n'));
const WITH_PARAM = path.join(tmp, 'withparam.c');
fs.writeFileSync(WITH_PARAM, [
  '#include <linux/module.h>',
  'static int level = 1;',
  'module_param(level, int, 0644);',
  'static int __init wp_init(void) { return level > 100; }',
  'module_init(wp_init);',
  'MODULE_LICENSE("GPL");',
].join('\n'));

describe('hostile input files', () => {
  const fifo = path.join(tmp, 'fifo.o');
  if (spawnSync('mkfifo', [fifo]).status !== 0) fs.writeFileSync(fifo, '');
  after(() => fs.rmSync(fifo, { force: true }));

  test('readInputFile refuses devices, FIFOs, directories and files over the limit; reads regular files', () => {
    assert.throws(() => readInputFile('/dev/zero'), new InputFileError('not a regular file'));
    if (fs.statSync(fifo).isFIFO()) assert.throws(() => readInputFile(fifo), /not a regular file/);
    assert.throws(() => readInputFile(tmp), /is a directory/);
    assert.throws(() => readInputFile(path.join(tmp, 'none')), /no such file/);
    const f = path.join(tmp, 'ten.bin');
    fs.writeFileSync(f, Buffer.alloc(10, 7));
    assert.deepEqual([...readInputFile(f)], Array(10).fill(7));
    assert.throws(() => readInputFile(f, 9), /too large \(10 bytes; at most 9\)/);
  });

  test('ksw run and ksw exec refuse /dev/zero and a FIFO at once: exit 2, one line', () => {
    badInput(ksw('run', '/dev/zero'), /^ksw: \/dev\/zero: cannot read the module: not a regular file\n$/);
    badInput(ksw('exec', '/dev/zero'), /not a regular file/);
    if (fs.statSync(fifo).isFIFO()) {
      badInput(ksw('run', fifo), /not a regular file/);
      badInput(ksw('exec', fifo), /not a regular file/);
    }
  });

  test('ksw cc refuses a file that is not C source (gcc would skip it and succeed)', NEEDS_GCC, () => {
    const txt = path.join(tmp, 'notes.txt');
    fs.writeFileSync(txt, 'int x;\n');
    badInput(ksw('cc', txt), /notes\.txt: not a C source file \(ksw cc compiles FILE\.c\)/);
    assert.equal(fs.existsSync(path.join(tmp, 'notes.txt.o')), false);
    badInput(ksw('cc', '/dev/zero'), /not a regular file/);
  });

  test('a syscall number of 2^64-1 is printed exactly, not through a double', NEEDS_GCC, () => {
    const src = path.join(tmp, 'nr.s'), exe = path.join(tmp, 'nr');
    fs.writeFileSync(src, '.globl _start\n_start:\n mov $-1, %rax\n syscall\n mov $60, %eax\n xor %edi, %edi\n syscall\n');
    assert.equal(spawnSync(process.env.CC || 'gcc', ['-nostdlib', '-static', '-o', exe, src]).status, 0);
    const r = ksw('exec', exe);
    assert.equal(r.status, 0);
    assert.match(r.stderr, /unsupported syscall 18446744073709551615 \(unknown\) returns -ENOSYS/);
  });

  test('--seed beyond 64 bits is echoed exactly', () => {
    const r = ksw('run', '--seed', '18446744073709551616', 'x.o');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--seed: 18446744073709551616 is out of range/);
  });
});

const SLEEPER = path.join(tmp, 'sleeper.c');
fs.writeFileSync(SLEEPER, [
  '#include <linux/module.h>',
  '#include <linux/delay.h>',
  '#include <linux/kthread.h>',
  'static int sleeper(void *arg) { for (;;) msleep(1000); return 0; }',
  'static int __init s_init(void) { kthread_run(sleeper, NULL, "sleeper"); return 0; }',
  'module_init(s_init);',
  'MODULE_LICENSE("GPL");',
].join('\n'));

describe('guests that never end', NEEDS_GCC, () => {
  test('for (;;) msleep(1000) ends at the default simulated-time limit (600 s): exit 3 with the reason, a few thousand instructions', () => {
    const r = ksw('run', SLEEPER, '--json');
    assert.equal(r.status, 3, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; text?: string; insns?: number; time_ns?: number });
    const exit = events.find((e) => e.type === 'exit')!;
    assert.ok(exit.insns! < 20_000, `idle time costs no instructions (${exit.insns})`);
    assert.ok(exit.time_ns! >= 600e9 && exit.time_ns! < 601e9, String(exit.time_ns));
    assert.ok(events.some((e) => /simulated time limit reached \(--max-time 600 s\) after \d+ instructions: the guest was still running/.test(e.text ?? '')));
  });

  test('--max-time takes seconds or a unit; a bad value is a usage error', () => {
    const r = ksw('run', SLEEPER, '--max-time', '2.5s');
    assert.equal(r.status, 3);
    assert.match(r.stdout, /\[ {4}2\.500000\] ksw: simulated time limit reached \(--max-time 2\.5 s\)/);
    for (const bad of ['0', '-1', 'soon', '1e3', '2000000']) {
      const u = ksw('run', SLEEPER, '--max-time', bad);
      assert.equal(u.status, 2, bad);
      assert.match(u.stderr, /--max-time: '.*' is not a simulated time/);
    }
  });
});

describe('hostile modules', NEEDS_GCC, () => {
  test('a module without module_init loads like Linux, says so in one line, and runs module_exit at the end: exit 0', () => {
    const r = ksw('run', NO_INIT);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split('\n').filter((l) => /no module_init/.test(l)).length, 1);
    assert.match(r.stdout, /no module_init: loaded, nothing runs at init/);
    assert.match(r.stdout, /noinit: unloaded/);
  });

  test('a relocation that puts a parameter outside the module is a load error (exit 2), not a host fault', () => {
    const obj = path.join(tmp, 'withparam.o');
    const c = compileModule(WITH_PARAM, { output: obj });
    assert.ok(!('error' in c), JSON.stringify(c));
    const bytes = Buffer.from(fs.readFileSync(obj));
    const elf = ElfFile.parse(bytes);
    const rela = elf.sections.find((s) => s.name === '.rela.ksw_params' || (s.type === 4 && /param/.test(s.name)));
    assert.ok(rela, 'the parameter table has relocations');
    let tried = 0;
    for (const addend of [0x10000000n, -0x100000000n, 0x7fffffff00000000n]) {
      for (let i = 0; i < Number(rela!.size) / 24; i++) {
        const b = Buffer.from(bytes);
        b.writeBigInt64LE(addend, Number(rela!.offset) + i * 24 + 16);
        const bad = path.join(tmp, `badparam-${tried++}.o`);
        fs.writeFileSync(bad, b);
        const r = ksw('run', bad, '--param', 'level=2', '--max-insns', '1000000');
        assert.ok(r.status === 0 || r.status === 2 || r.status === 3, `status ${r.status}: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /internal error|\bat .*\.js:\d+/);
        if (r.status === 2) assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      }
    }
    const arg = path.join(tmp, 'badparam-arg.o');
    // the entry's 'arg' pointer (offset 8 in the entry) moved 256 MiB away
    const b = Buffer.from(bytes);
    const argRela = [...Array(Number(rela!.size) / 24).keys()].find((i) => b.readBigUInt64LE(Number(rela!.offset) + i * 24) % 32n === 8n);
    assert.notEqual(argRela, undefined);
    b.writeBigInt64LE(0x10000000n, Number(rela!.offset) + argRela! * 24 + 16);
    fs.writeFileSync(arg, b);
    badInput(ksw('run', arg, '--param', 'level=2'), /malformed module: parameter 'level' is stored at 0x[0-9a-f]+, outside the module's sections/);
  });

  test('ksw run X.c leaves no scratch directory behind, also when the module is refused', () => {
    const left = (pid: number) => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`ksw-run-${pid}-`));
    const ok = ksw('run', NO_INIT);
    assert.equal(ok.status, 0);
    assert.deepEqual(left(ok.pid), []);
    const refused = ksw('run', WITH_PARAM, '--param', 'nope=1');
    assert.equal(refused.status, 2);
    assert.deepEqual(left(refused.pid), []);
  });
});
