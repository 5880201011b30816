// The decoder keeps what iced derives from an instruction's Code alone
// (mnemonic, flow control, condition code, operand count, stack use, and
// the flags of Codes without an immediate) instead of asking iced again for
// every instruction (simulator/cpu/decode.ts). Whatever was decoded before,
// an instruction must decode exactly as a fresh decoder decodes it: checked
// on every instruction of a real musl program and on pseudo-random bytes,
// with shifts and rotates by every count (their flags depend on it).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as iced from 'iced-x86';
import { CODE_INVALID, Insn, InsnDecoder, isInvalid } from '../../simulator/cpu/decode';
import { ElfFile } from '../../simulator/elf/elfFile';
import { skipUnless } from '../tools';

/** Every field a block compiler reads, as plain data. */
function fields(d: Insn | { invalid: string }): unknown {
  if (isInvalid(d)) return d;
  const { ipLo, ipHi, nextLo, nextHi, length, mnemonic, code, ops, opSize, lock, rep, repne, cc, flowControl,
    targetLo, targetHi, flagsRead, flagsWritten, addr32, bytes } = d;
  return { ipLo, ipHi, nextLo, nextHi, length, mnemonic, code, ops, opSize, lock, rep, repne, cc, flowControl,
    targetLo, targetHi, flagsRead, flagsWritten, addr32, bytes: Array.from(bytes) };
}

/** Decode each (bytes, address) with one long-lived decoder and with a fresh one; they must agree. */
function compareWarmAndFresh(cases: Iterable<[Uint8Array, number]>): number {
  const warm = new InsnDecoder();
  let n = 0;
  for (const [bytes, lo] of cases) {
    const hi = -0x7f000000;
    const a = fields(warm.decode(bytes, lo, hi));
    const b = fields(new InsnDecoder().decode(bytes, lo, hi));
    assert.deepEqual(a, b, `bytes ${Array.from(bytes.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join(' ')}`);
    n++;
  }
  return n;
}

function* pseudoRandomBytes(count: number, seed: number): Generator<[Uint8Array, number]> {
  let x = seed;
  const next = () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return x >>> 0; };
  for (let i = 0; i < count; i++) {
    const b = new Uint8Array(15);
    for (let j = 0; j < 15; j++) b[j] = next() & 0xff;
    yield [b, next() & ~0xf];
  }
}

test('CODE_INVALID is iced\'s Code.INVALID (decode.ts compares with it so as not to build the Code enum)', () => {
  assert.equal(CODE_INVALID, iced.Code.INVALID);
});

test('pseudo-random bytes decode alike with a warm and a fresh decoder', () => {
  assert.ok(compareWarmAndFresh(pseudoRandomBytes(3000, 0x2545f491)) === 3000);
});

test('shifts and rotates by every immediate count (flags depend on the count) decode alike', () => {
  function* shifts(): Generator<[Uint8Array, number]> {
    for (const prefix of [[], [0x48], [0x66]]) {
      for (const opcode of [0xc0, 0xc1, 0xd0, 0xd1, 0xd2, 0xd3]) {
        for (let reg = 0; reg < 8; reg++) {
          for (const count of [0, 1, 2, 7, 8, 9, 16, 17, 31, 32, 33, 63, 64, 65, 255]) {
            yield [Uint8Array.of(...prefix, opcode, 0xc0 | (reg << 3) | 1, count, 0x90), 0x401000];
          }
        }
      }
      for (const count of [0, 1, 5, 31, 32, 63, 64]) { // shld/shrd imm8
        yield [Uint8Array.of(...prefix, 0x0f, 0xa4, 0xc8, count), 0x401000];
        yield [Uint8Array.of(...prefix, 0x0f, 0xac, 0xc8, count), 0x401000];
      }
    }
  }
  compareWarmAndFresh(shifts());
});

test('every instruction of a musl program decodes alike with a warm and a fresh decoder', { skip: skipUnless('musl-gcc') }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-decode-'));
  try {
    const src = path.join(dir, 'p.c'), exe = path.join(dir, 'p');
    fs.writeFileSync(src, '#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n' +
      'int main(int c, char **v) { char b[64]; snprintf(b, sizeof b, "%d %s %g", c, v[0], c / 3.0); qsort(v, c, sizeof *v, (int (*)(const void *, const void *))strcmp); return puts(b) < 0; }\n');
    const cc = spawnSync('musl-gcc', ['-static', '-O2', '-o', exe, src], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const elf = ElfFile.parse(fs.readFileSync(exe));
    const text = elf.sections.find((s) => s.name === '.text');
    assert.ok(text);
    const code = elf.sectionData(text);
    const base = Number(text.addr);
    function* sweep(): Generator<[Uint8Array, number]> {
      const probe = new InsnDecoder();
      for (let off = 0; off < code.length;) {
        const bytes = code.slice(off, off + 15);
        yield [bytes, base + off];
        const d = probe.decode(bytes, base + off, 0);
        off += isInvalid(d) ? 1 : d.length;
      }
    }
    const n = compareWarmAndFresh(sweep());
    assert.ok(n > 2000, `${n} instructions`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
