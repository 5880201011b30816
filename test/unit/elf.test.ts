// ElfFile: parses what toolchains produce, and turns every malformed input
// into an ElfError with a one-line message (never a RangeError or a crash).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ElfError, ElfFile, ET_REL, SHT_RELA, STB_GLOBAL, STT_FUNC } from '../../simulator/elf/elfFile';
import { buildElf, hiExecutable, relaData, symbolSections } from './elfBuilder';
import { skipUnless } from '../tools';

/** Deterministic pseudo-random bytes. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return s >>> 0;
  };
}

/** A relocatable object like gcc -c makes: .text calling an undefined `helper`. */
function sampleObject(): Uint8Array {
  const text = Uint8Array.from([0xe8, 0, 0, 0, 0, 0xc3]); // call helper; ret
  const names = ['.text', '.rela.text', '.symtab', '.strtab', '.bss'];
  return buildElf({
    type: ET_REL,
    sections: [
      { name: '.text', type: 1, flags: 6, data: text, align: 16 },
      { name: '.rela.text', type: SHT_RELA, data: relaData([[1n, 4, 2, -4n]]), link: '.symtab', info: '.text', entsize: 24, align: 8 },
      ...symbolSections([
        { name: 'caller', value: 0n, size: 6, type: STT_FUNC, bind: STB_GLOBAL, section: '.text' },
        { name: 'helper', bind: STB_GLOBAL },
      ], names),
      { name: '.bss', type: 8, flags: 3, size: 4096, align: 32 },
    ],
  });
}

/** Parse and touch everything lazily parsed, as a module loader would. */
function parseAll(bytes: Uint8Array): ElfFile {
  const elf = ElfFile.parse(bytes);
  elf.symbols();
  elf.relocationSections();
  for (const s of elf.sections) elf.sectionData(s);
  return elf;
}

function assertOnlyElfErrors(bytes: Uint8Array, label: string): void {
  try {
    parseAll(bytes);
  } catch (e) {
    assert.ok(e instanceof ElfError, `${label}: expected ElfError, got ${(e as Error).name}: ${(e as Error).message}`);
    assert.ok(!(e as Error).message.includes('\n'), `${label}: message must be one line`);
  }
}

test('parses header, sections, symbols and RELA relocations', () => {
  const elf = parseAll(sampleObject());
  assert.equal(elf.header.type, ET_REL);
  assert.equal(elf.header.machine, 62);
  assert.deepEqual(elf.sections.map((s) => s.name), ['', '.text', '.rela.text', '.symtab', '.strtab', '.bss', '.shstrtab']);
  assert.deepEqual([...elf.sectionData(elf.sectionByName('.text')!)], [0xe8, 0, 0, 0, 0, 0xc3]);
  assert.equal(elf.sectionData(elf.sectionByName('.bss')!).length, 0);
  assert.equal(elf.sectionByName('.bss')!.size, 4096);
  const syms = elf.symbols();
  assert.deepEqual(syms.map((s) => s.name), ['', 'caller', 'helper']);
  assert.equal(syms[1].type, STT_FUNC);
  assert.equal(syms[1].shndx, 1);
  assert.equal(syms[2].shndx, 0);
  const [rela] = elf.relocationSections();
  assert.equal(rela.section.name, '.rela.text');
  assert.equal(rela.targetIndex, 1);
  assert.deepEqual(rela.entries, [{ offset: 1n, type: 4, symIndex: 2, addend: -4n }]);
});

test('parses a static executable: program headers and entry', () => {
  const elf = parseAll(hiExecutable());
  assert.equal(elf.header.entry, 0x401000n);
  assert.equal(elf.programHeaders.length, 1);
  assert.equal(elf.programHeaders[0].vaddr, 0x401000n);
  assert.equal(elf.symbols()[1].name, '_start');
});

test('random bytes are "not an ELF file"', () => {
  const next = prng(1);
  for (let len = 0; len < 200; len += 7) {
    const bytes = Uint8Array.from({ length: len }, () => next() & 0xff);
    assert.throws(() => ElfFile.parse(bytes), (e: Error) => e instanceof ElfError && e.message === 'not an ELF file');
  }
});

test('every truncation throws ElfError (or parses), never RangeError', () => {
  for (const [label, full] of [['object', sampleObject()], ['executable', hiExecutable()]] as const) {
    for (let len = 0; len < full.length; len++) assertOnlyElfErrors(full.subarray(0, len), `${label} cut at ${len}`);
  }
  assert.throws(() => ElfFile.parse(sampleObject().subarray(0, 40)), { message: 'truncated ELF: ELF header past end of file' });
  const obj = sampleObject();
  assert.throws(() => ElfFile.parse(obj.subarray(0, obj.length - 10)), { message: 'truncated ELF: section header table past end of file' });
});

test('random corruption throws only ElfError', () => {
  const next = prng(42);
  const bases = [sampleObject(), hiExecutable()];
  for (let i = 0; i < 3000; i++) {
    const bytes = Uint8Array.from(bases[i % 2]);
    const flips = 1 + (next() % 8);
    for (let f = 0; f < flips; f++) {
      // Bias towards the headers, where offsets and counts live.
      const at = next() % 3 === 0 ? next() % bytes.length : (next() % 2 ? next() % 64 : bytes.length - 1 - (next() % (64 * 8)));
      bytes[at] = next() & 0xff;
    }
    assertOnlyElfErrors(bytes, `mutation ${i}`);
  }
});

test('wrong machine, class and byte order have clear messages', () => {
  const aarch64 = Uint8Array.from(hiExecutable());
  aarch64[18] = 183; aarch64[19] = 0;
  assert.throws(() => ElfFile.parse(aarch64), { name: 'ElfError', message: 'ELF for machine 183 (aarch64), expected x86-64' });
  const elf32 = Uint8Array.from(hiExecutable());
  elf32[4] = 1;
  assert.throws(() => ElfFile.parse(elf32), { message: '32-bit ELF (ELFCLASS32), expected 64-bit x86-64' });
  const be = Uint8Array.from(hiExecutable());
  be[5] = 2;
  assert.throws(() => ElfFile.parse(be), { message: 'big-endian ELF, expected little-endian x86-64' });
  assert.equal(ElfFile.parse(aarch64, { machine: null }).header.machine, 183);
});

test('bad links and entry sizes are ElfErrors', () => {
  const obj = Uint8Array.from(sampleObject());
  const elf = ElfFile.parse(obj);
  const shoff = elf.header.shoff;
  const symtab = elf.sectionByName('.symtab')!;
  // Symbol table linked to a non-string section.
  const badLink = Uint8Array.from(obj);
  new DataView(badLink.buffer).setUint32(shoff + 64 * symtab.index + 40, 1, true);
  assert.throws(() => ElfFile.parse(badLink).symbols(), { message: "malformed ELF: symbol table '.symtab' has no string table (link 1)" });
  // RELA entry size wrong.
  const rela = elf.sectionByName('.rela.text')!;
  const badEnt = Uint8Array.from(obj);
  new DataView(badEnt.buffer).setBigUint64(shoff + 64 * rela.index + 56, 16n, true);
  assert.throws(() => ElfFile.parse(badEnt).relocationSections(), /entry size 16, expected 24/);
});

test('reads what gcc -c produces', { skip: skipUnless('gcc') }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-elf-'));
  try {
    const src = path.join(dir, 'm.c'), obj = path.join(dir, 'm.o');
    fs.writeFileSync(src, 'extern int helper(int);\nint counter;\nint victim(int x) { return helper(x) + counter; }\n');
    const r = spawnSync('gcc', ['-c', '-O2', '-fno-pic', '-mcmodel=kernel', src, '-o', obj]);
    assert.equal(r.status, 0, r.stderr.toString());
    const elf = parseAll(fs.readFileSync(obj));
    const names = elf.symbols().map((s) => s.name);
    for (const n of ['victim', 'helper', 'counter']) assert.ok(names.includes(n), `symbol ${n}`);
    const text = elf.relocationSections().find((r) => r.section.name === '.rela.text');
    assert.ok(text, '.rela.text present');
    const referenced = text.entries.map((e) => elf.symbols()[e.symIndex].name);
    assert.ok(referenced.includes('helper') && referenced.includes('counter'), referenced.join(','));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
