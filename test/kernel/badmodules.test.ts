// Modules that cannot be loaded (DESIGN.md §3.1: exit status 2 with a
// one-line reason on stderr, never a host stack trace): random bytes, a
// truncated ELF, an object for another machine / class / byte order, a
// static executable, an empty file, a directory, a missing file, a module
// calling functions no kernel exports (every unresolved name in the one
// line), a .c that does not compile. And, through the library, seeded
// random corruptions of a good object: rejected with a load error or run to
// an ordinary end, never a host exception.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../simulator/system/kernel';
import { ModuleLoadError } from '../../simulator/elf/moduleLoader';
import { ElfError } from '../../simulator/elf/elfFile';
import { NEEDS_GCC, ROOT, guestObject, kswRun, runKernel, scratchDir } from './harness';

/** A small seeded generator (xorshift32), so the "random" inputs are the same every run. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

function writeScratch(name: string, bytes: Uint8Array): string {
  const p = path.join(scratchDir(), name);
  fs.writeFileSync(p, bytes);
  return p;
}

function patched(object: string, name: string, edits: [offset: number, bytes: number[]][]): string {
  const b = Buffer.from(fs.readFileSync(object));
  for (const [off, bytes] of edits) b.set(bytes, off);
  return writeScratch(name, b);
}

/** Exit 2, nothing on stdout, exactly one line on stderr matching `re`, no host stack trace. */
async function expectBadInput(args: string[], re: RegExp): Promise<string> {
  const r = await kswRun(args);
  assert.equal(r.status, 2, `${args.join(' ')}: status (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '', 'nothing ran');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], /^ksw: /);
  assert.match(lines[0], re);
  assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+|TypeError|RangeError|SyntaxError/, 'no host stack trace');
  return lines[0];
}

describe('bad modules', NEEDS_GCC, () => {
  test('random bytes, truncated ELF, other machines, executables, empty, missing: exit 2, one clear line', async () => {
    const good = guestObject('kt_misc');
    const size = fs.statSync(good).size;
    const next = xorshift(2024);
    const random = writeScratch('random.o', Uint8Array.from({ length: 4096 }, () => next() & 0xff));
    const randomElf = writeScratch('random-elf.o', Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0,
      ...Array.from({ length: 2040 }, () => next() & 0xff)]));
    const truncatedHead = writeScratch('truncated-head.o', fs.readFileSync(good).subarray(0, 40));
    const truncatedHalf = writeScratch('truncated-half.o', fs.readFileSync(good).subarray(0, Math.floor(size / 2)));
    const truncatedTail = writeScratch('truncated-tail.o', fs.readFileSync(good).subarray(0, size - 10));
    const aarch64 = patched(good, 'aarch64.o', [[18, [183, 0]]]);
    const i386 = patched(good, 'i386.o', [[18, [3, 0]]]);
    const class32 = patched(good, 'class32.o', [[4, [1]]]);
    const bigEndian = patched(good, 'big-endian.o', [[5, [2]]]);
    const sharedObject = patched(good, 'shared.o', [[16, [3, 0]]]); // e_type ET_DYN
    const empty = writeScratch('empty.o', new Uint8Array(0));
    const cases: [string, RegExp][] = [
      [random, /random\.o: .*not an ELF/i],
      [randomElf, /random-elf\.o: ELF for machine \d+ \(unknown\), expected x86-64$/],
      [truncatedHead, /truncated-head\.o: .*(truncated|too short|not an ELF)/i],
      [truncatedHalf, /truncated-half\.o: .*truncated/i],
      [truncatedTail, /truncated-tail\.o: .*truncated/i],
      [aarch64, /aarch64\.o: .*(machine|aarch64).*x86-64/i],
      [i386, /i386\.o: .*(machine|386).*x86-64/i],
      [class32, /class32\.o: .*32-bit/i],
      [bigEndian, /big-endian\.o: .*endian/i],
      [sharedObject, /shared\.o: .*(relocatable|ET_DYN)/i],
      [path.join(ROOT, 'examples/user/hello'), /hello: .*(relocatable|ET_EXEC)/i],
      [empty, /empty\.o: not an ELF file$/],
      [scratchDir(), /EISDIR|directory/i],
      [path.join(scratchDir(), 'does-not-exist.o'), /does-not-exist\.o: .*(ENOENT|no such file|cannot read)/i],
    ];
    const lines = await Promise.all(cases.map(([file, re]) => expectBadInput([file, '--json'], re)));
    assert.equal(new Set(lines).size, lines.length, 'each problem has its own message');
  });

  test('unresolved symbols: exit 2, one line naming every one of them', async () => {
    const obj = guestObject('kt_unresolved');
    const line = await expectBadInput([obj], /kt_unresolved\.o: .*unresolved/i);
    for (const name of ['kt_no_such_function', 'kt_another_missing_function', 'kt_missing_variable']) {
      assert.match(line, new RegExp(`\\b${name}\\b`), `${name} is named`);
    }
    assert.doesNotMatch(line, /\b(printk|_printk)\b/, 'symbols the kernel exports are not named');
    // Compiled at run time from the .c: the same.
    const fromSource = await expectBadInput([path.join(ROOT, 'test/kernel/guests/kt_unresolved.c')], /unresolved/i);
    assert.match(fromSource, /kt_no_such_function/);
  });

  test('the library: loading bad modules throws a ModuleLoadError or ElfError with a one-line message', () => {
    const good = guestObject('kt_misc');
    const files: [string, RegExp][] = [
      [writeScratch('lib-random.o', Uint8Array.from({ length: 1000 }, (_, i) => (i * 37 + 11) & 0xff)), /^not an ELF file$/],
      [writeScratch('lib-truncated.o', fs.readFileSync(good).subarray(0, 300)), /truncated/i],
      [patched(good, 'lib-aarch64.o', [[18, [183, 0]]]), /machine .*expected x86-64/i],
      [guestObject('kt_unresolved'), /unresolved.*kt_no_such_function/i],
      [path.join(scratchDir(), 'lib-missing.o'), /does not exist|ENOENT|no such file/i],
    ];
    for (const [f, reason] of files) {
      const k = new Kernel({ cpus: 2, seed: 1 });
      assert.throws(() => k.load(f), (e: unknown) => {
        assert.ok(e instanceof ModuleLoadError || e instanceof ElfError, `${path.basename(f)}: ${String(e)}`);
        assert.ok(!(e as Error).message.includes('\n'), 'one line');
        assert.match((e as Error).message, reason, path.basename(f));
        return true;
      });
    }
  });

  test('a .c that does not compile: exit 2, the compiler\'s diagnostics, no host stack trace', async () => {
    const src = path.join(scratchDir(), 'broken.c');
    fs.writeFileSync(src, '#include <linux/module.h>\nstatic int __init broken_init(void) { return undeclared_thing; }\nmodule_init(broken_init);\n');
    const r = await kswRun([src]);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /undeclared_thing/);
    assert.match(r.stderr.trimEnd().split('\n').pop()!, /^ksw: .*broken\.c/);
    assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/);
  });

  test('seeded corruptions of a good object: a load error, or an ordinary run — never a host exception', () => {
    const good = fs.readFileSync(guestObject('kt_misc'));
    const shoff = Number(good.readBigUInt64LE(0x28));
    const next = xorshift(77);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const b = Buffer.from(good);
      const n = 1 + (next() % 6);
      for (let j = 0; j < n; j++) {
        const [lo, hi] = j % 3 === 0 ? [0, 64] : j % 3 === 1 ? [shoff, b.length] : [0, b.length];
        b[lo + (next() % (hi - lo))] = next() & 0xff;
      }
      const file = writeScratch(`mutant-${i}.o`, b);
      let outcome: string;
      try {
        const r = runKernel(file, { cpus: 2, maxInstructions: 3_000_000 });
        outcome = `ran:${r.stop.kind}`;
      } catch (e) {
        assert.ok(e instanceof ModuleLoadError || e instanceof ElfError, `mutant ${i}: ${(e as Error).stack}`);
        outcome = 'rejected';
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    assert.ok((outcomes.get('rejected') ?? 0) > 0, JSON.stringify([...outcomes]));
  });
});
