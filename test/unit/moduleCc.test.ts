// `ksw cc` (runCcCommand) and compileModule: the kernel flags and SDK are
// applied, the object lands where the contract says, and every failure is
// exit status 2 with the compiler's diagnostics and one `ksw:` line.

import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileModule, compilerCommand, NO_COMPILER_MESSAGE, parseCcArgs, runCcCommand } from '../../simulator/cli/cc';
import { DebugInfo } from '../../simulator/dwarf/debugInfo';
import { ElfFile, ET_REL } from '../../simulator/elf/elfFile';
import { findSdkIncludeDir, KERNEL_CFLAGS, moduleNameFor, sdkIncludeDir } from '../../simulator/sdk/flags';
import { skipUnless } from '../tools';

const ROOT = path.resolve(__dirname, '../../..');
const NO_GCC = skipUnless('gcc');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-cc-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function source(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

const GOOD = `#include <linux/module.h>
#include <linux/kernel.h>
static int __init hello_init(void)
{
	char buf[16];
	snprintf(buf, sizeof(buf), "%d", 42);
	pr_info("hello %s\\n", buf);
	return 0;
}
module_init(hello_init);
MODULE_LICENSE("GPL");
`;

/** Run `ksw cc` in-process; `env` entries are set for the call (undefined removes one). */
function kswCc(args: string[], env: Record<string, string | undefined> = {}): { status: number; err: string[]; out: string[] } {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
  try {
    const err: string[] = [], out: string[] = [];
    const status = runCcCommand(args, (l) => err.push(l), (l) => out.push(l));
    return { status, err, out };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  }
}

describe('ksw cc', { skip: NO_GCC }, () => {
  test('FILE.c compiles to FILE.o beside it, with the kernel flags', () => {
    const src = source('hello.c', GOOD);
    const r = kswCc([src]);
    assert.deepEqual(r.err, []);
    assert.equal(r.status, 0);
    const obj = path.join(tmp, 'hello.o');
    const elf = ElfFile.parse(fs.readFileSync(obj));
    assert.equal(elf.header.type, ET_REL);
    const producer = DebugInfo.fromElf(elf).units[0].producer ?? '';
    for (const flag of ['-O2', '-mcmodel=kernel', '-mno-red-zone', '-mgeneral-regs-only', '-fno-pic', '-ffreestanding',
      '-fstack-protector-strong', '-mstack-protector-guard-reg=gs', '-mstack-protector-guard-offset=40']) {
      assert.ok(producer.includes(flag), `${flag} in ${producer}`);
    }
  });

  test('-o and extra gcc flags; the caller\'s flags win', () => {
    const src = source('flags.c', `#include <linux/module.h>\n#ifndef EXTRA\n#error EXTRA not defined\n#endif\nint x = EXTRA;\n`);
    const obj = path.join(tmp, 'sub-out.o');
    const r = kswCc([src, '-O0', '-o', obj, '-DEXTRA=3', '-gdwarf-4']);
    assert.deepEqual(r.err, []);
    assert.equal(r.status, 0);
    const dbg = DebugInfo.fromElf(ElfFile.parse(fs.readFileSync(obj)));
    assert.equal(dbg.units[0].version, 4);
    assert.match(dbg.units[0].producer ?? '', /-O0/);
    assert.equal(fs.existsSync(path.join(tmp, 'flags.o')), false);
  });

  test('KBUILD_MODNAME is the file name, as kbuild defines it', () => {
    const src = source('my-mod.c', `#include <linux/module.h>\nconst char name[] = KBUILD_MODNAME;\n`);
    assert.equal(kswCc([src]).status, 0);
    const elf = ElfFile.parse(fs.readFileSync(path.join(tmp, 'my-mod.o')));
    const rodata = elf.sections.find((s) => s.name.startsWith('.rodata'))!;
    assert.match(Buffer.from(elf.sectionData(rodata)).toString('latin1'), /my_mod\0/);
    assert.equal(moduleNameFor('/x/y/a-b.c'), 'a_b');
  });

  test('a compile error: gcc\'s diagnostics, then one ksw line, status 2', () => {
    const src = source('broken.c', `#include <linux/module.h>\nint f(void) { return nosuch + ; }\n`);
    const r = kswCc([src]);
    assert.equal(r.status, 2);
    assert.ok(r.err.some((l) => l.includes('broken.c:2') && l.includes('error')), r.err.join('\n'));
    assert.equal(r.err[r.err.length - 1], `ksw: compiling ${src} failed`);
    assert.equal(r.err.filter((l) => l.startsWith('ksw:')).length, 1);
  });

  test('a function the SDK does not declare is a compile error, not an unresolved symbol later', () => {
    const src = source('undeclared.c', `#include <linux/module.h>\nint f(void) { return not_in_the_sdk(1); }\n`);
    const r = kswCc([src]);
    assert.equal(r.status, 2);
    assert.ok(r.err.some((l) => /implicit declaration of function .not_in_the_sdk./.test(l)), r.err.join('\n'));
  });

  test('no compiler: one line, status 2', () => {
    const src = source('nocc.c', GOOD);
    const r = kswCc([src], { CC: path.join(tmp, 'no-such-compiler') });
    assert.deepEqual(r.err, [NO_COMPILER_MESSAGE]);
    assert.equal(r.status, 2);
    assert.equal(NO_COMPILER_MESSAGE, 'ksw: no C compiler found (set $CC or install gcc)');
    const lib = compileModule(src, { compiler: 'definitely-not-a-compiler-ksw' });
    assert.ok('error' in lib && lib.reason === 'no-compiler' && lib.error === NO_COMPILER_MESSAGE);
  });

  test('$CC is used, with its own arguments', () => {
    const src = source('cc-env.c', `#include <linux/module.h>\n#if FROM_CC != 7\n#error FROM_CC\n#endif\n`);
    assert.deepEqual(compilerCommand({ env: { CC: ' gcc  -DFROM_CC=7 ' } }), ['gcc', '-DFROM_CC=7']);
    assert.deepEqual(compilerCommand({ env: {} }), ['gcc']);
    const r = kswCc([src], { CC: 'gcc -DFROM_CC=7' });
    assert.deepEqual(r.err, []);
    assert.equal(r.status, 0);
  });

  test('usage errors and a missing source', () => {
    assert.equal(kswCc([]).status, 2);
    const help = kswCc(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.out.join('\n'), /^usage: ksw cc FILE\.c/);
    const noO = kswCc([path.join(tmp, 'x.c'), '-o']);
    assert.equal(noO.status, 2);
    assert.match(noO.err[0], /'-o' needs a file name/);
    const missing = kswCc([path.join(tmp, 'missing.c')]);
    assert.deepEqual(missing.err, [`ksw: ${path.join(tmp, 'missing.c')}: no such file`]);
    assert.equal(missing.status, 2);
    assert.deepEqual(parseCcArgs(['a.c', '-ob.o', '-Wall']), { source: 'a.c', output: 'b.o', cflags: ['-Wall'] });
  });

  test('compileModule returns the object path and the warnings', () => {
    const src = source('warn.c', `#include <linux/module.h>\nint f(void) { int unused; return 0; }\n`);
    const r = compileModule(src, { cflags: ['-Wall'], output: path.join(tmp, 'warn-out.o') });
    assert.ok('objectPath' in r);
    assert.equal(r.objectPath, path.join(tmp, 'warn-out.o'));
    assert.match(r.diagnostics, /unused variable/);
  });
});

test('the SDK include directory is found from the sources, out/ and dist/', () => {
  const inc = path.join(ROOT, 'simulator/sdk/include');
  assert.equal(sdkIncludeDir(), inc);
  assert.equal(findSdkIncludeDir(path.join(ROOT, 'dist')), inc);
  assert.equal(findSdkIncludeDir(path.join(ROOT, 'out/simulator/sdk')), inc);
  assert.equal(findSdkIncludeDir(os.tmpdir()), undefined);
  assert.deepEqual(KERNEL_CFLAGS, ['-c', '-O2', '-g', '-mcmodel=kernel', '-mno-red-zone', '-mgeneral-regs-only', '-fno-pic',
    '-ffreestanding', '-fstack-protector-strong', '-mstack-protector-guard-reg=gs', '-mstack-protector-guard-offset=40']);
});
