// The user-mode loader and address space, without running guest code:
// segments and permissions, static-pie bias, the Linux initial stack, and
// brk/mmap/munmap/mprotect/mremap bookkeeping.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ElfFile } from '../../simulator/elf/elfFile';
import { Memory, Perm, splitAddress } from '../../simulator/memory/memory';
import { AddressSpace, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MREMAP_MAYMOVE } from '../../simulator/user/addressSpace';
import {
  AuxType, MMAP_TOP, PIE_BASE, STACK_LOW, STACK_TOP, buildInitialStack, loadImage,
} from '../../simulator/user/loader';
import { buildElf, hiExecutable } from './elfBuilder';

function perm(mem: Memory, addr: bigint): number | undefined {
  return mem.pageAt(...splitAddress(addr))?.perm;
}

test('ET_EXEC: segments, permissions, bss and brk', () => {
  const data = Uint8Array.from([1, 2, 3, 4]);
  const elf = ElfFile.parse(buildElf({
    type: 2, entry: 0x401000n,
    segments: [
      { type: 1, flags: 5, vaddr: 0x401000n, data: Uint8Array.from([0xc3]) },
      // Shares the page 0x402000 with nothing; memsz > filesz: .bss follows.
      { type: 1, flags: 6, vaddr: 0x402ffcn, data, memsz: 0x2000 },
      { type: 0x6474e551, flags: 6, vaddr: 0n, data: new Uint8Array(0), align: 16 },
    ],
  }));
  const mem = new Memory(64 << 20);
  const img = loadImage(mem, elf);
  assert.equal(img.entry, 0x401000n);
  assert.equal(img.bias, 0n);
  assert.equal(perm(mem, 0x401000n), Perm.RX);
  assert.equal(perm(mem, 0x402000n), Perm.RW);
  assert.equal(perm(mem, 0x404000n), Perm.RW);
  assert.equal(perm(mem, 0x405000n), undefined);
  assert.deepEqual([...mem.read(0x402ffcn, 8, true)], [1, 2, 3, 4, 0, 0, 0, 0]);
  assert.equal(img.brkStart, 0x405000n);
  assert.equal(img.execStack, false);
});

test('segments sharing a page get the union of their permissions', () => {
  const elf = ElfFile.parse(buildElf({
    type: 2, entry: 0x401000n,
    segments: [
      { type: 1, flags: 5, vaddr: 0x401000n, data: new Uint8Array(0x100) },
      { type: 1, flags: 6, vaddr: 0x401800n, data: new Uint8Array(0x100) },
    ],
  }));
  const mem = new Memory(64 << 20);
  loadImage(mem, elf);
  assert.equal(perm(mem, 0x401000n), Perm.RWX);
});

test('static-pie (ET_DYN) is loaded at PIE_BASE', () => {
  const elf = ElfFile.parse(buildElf({
    type: 3, entry: 0x1000n,
    segments: [
      { type: 6, flags: 4, vaddr: 0x40n, data: new Uint8Array(0), align: 8 }, // PT_PHDR
      { type: 1, flags: 4, vaddr: 0n, data: new Uint8Array(0x200) },
      { type: 1, flags: 5, vaddr: 0x1000n, data: Uint8Array.from([0xc3]) },
    ],
  }));
  const mem = new Memory(64 << 20);
  const img = loadImage(mem, elf);
  assert.equal(img.bias, PIE_BASE);
  assert.equal(img.entry, PIE_BASE + 0x1000n);
  assert.equal(img.phdr, PIE_BASE + 0x40n);
  assert.equal(perm(mem, PIE_BASE), Perm.R);
  assert.equal(mem.read(PIE_BASE + 0x1000n, 1, true)[0], 0xc3);
});

test('initial stack: argc, argv, envp, auxv and strings laid out like Linux', () => {
  const mem = new Memory(64 << 20);
  const img = loadImage(mem, ElfFile.parse(hiExecutable()));
  const random = Uint8Array.from({ length: 16 }, (_, i) => i + 100);
  const rsp = buildInitialStack(mem, img, {
    argv: ['/bin/prog', 'one', 'two'], envp: ['A=1', 'HOME=/h'], execfn: '/bin/prog', random, uid: 1000, gid: 1001, hwcap: 0x6008110,
  });
  assert.equal(rsp % 16n, 0n);
  assert.ok(rsp >= STACK_LOW && rsp < STACK_TOP);
  const word = (i: number) => mem.readU64(rsp + BigInt(8 * i));
  const str = (a: bigint) => mem.readCString(a);
  assert.equal(word(0), 3n);
  assert.deepEqual([1, 2, 3].map((i) => str(word(i))), ['/bin/prog', 'one', 'two']);
  assert.equal(word(4), 0n);
  assert.deepEqual([5, 6].map((i) => str(word(i))), ['A=1', 'HOME=/h']);
  assert.equal(word(7), 0n);
  const aux = new Map<number, bigint>();
  const order: number[] = [];
  for (let i = 8; ; i += 2) {
    const type = Number(word(i));
    order.push(type);
    if (type === AuxType.NULL) break;
    aux.set(type, word(i + 1));
  }
  assert.equal(aux.get(AuxType.PAGESZ), 4096n);
  assert.equal(aux.get(AuxType.HWCAP), 0x6008110n);
  assert.equal(aux.get(AuxType.ENTRY), 0x401000n);
  assert.equal(aux.get(AuxType.PHENT), 56n);
  assert.equal(aux.get(AuxType.PHNUM), 1n);
  assert.equal(aux.get(AuxType.UID), 1000n);
  assert.equal(aux.get(AuxType.EGID), 1001n);
  assert.equal(aux.get(AuxType.SECURE), 0n);
  assert.deepEqual([...mem.read(aux.get(AuxType.RANDOM)!, 16)], [...random]);
  assert.equal(str(aux.get(AuxType.EXECFN)!), '/bin/prog');
  assert.equal(str(aux.get(AuxType.PLATFORM)!), 'x86_64');
  for (const t of [AuxType.PHDR, AuxType.PHENT, AuxType.PHNUM, AuxType.PAGESZ, AuxType.ENTRY, AuxType.RANDOM,
    AuxType.UID, AuxType.EUID, AuxType.GID, AuxType.EGID, AuxType.SECURE, AuxType.EXECFN]) {
    assert.ok(aux.has(t), `auxv has type ${t}`);
  }
  // Strings at the top: execfn last, then an 8-byte zero end marker.
  const execfn = aux.get(AuxType.EXECFN)!;
  assert.equal(execfn + 10n, STACK_TOP - 8n);
  assert.equal(mem.readU64(STACK_TOP - 8n), 0n);
  // argv strings below env strings, in order (Linux copies them downwards from the last).
  assert.ok(word(1) < word(2) && word(3) < word(5) && word(6) < execfn);
  // Guard page below the stack.
  assert.equal(mem.isMapped(STACK_LOW - 4096n), false);
  assert.equal(perm(mem, STACK_LOW), Perm.RW);
});

test('brk grows, shrinks and refuses to go below its start', () => {
  const mem = new Memory(64 << 20);
  const as = new AddressSpace(mem, 0x405000n);
  assert.equal(as.brk(0n), 0x405000n);
  assert.equal(as.brk(0x405010n), 0x405010n);
  assert.equal(perm(mem, 0x405000n), Perm.RW);
  assert.equal(as.brk(0x40a000n), 0x40a000n);
  assert.ok(mem.isMapped(0x409000n));
  assert.equal(as.brk(0x406000n), 0x406000n);
  assert.equal(mem.isMapped(0x406000n), false);
  assert.equal(as.brk(0x1000n), 0x406000n);
});

test('mmap: top-down, hints, MAP_FIXED, munmap, mprotect, mremap', () => {
  const mem = new Memory(64 << 20);
  const as = new AddressSpace(mem, 0x405000n);
  const anon = MAP_PRIVATE | MAP_ANONYMOUS;
  const a = as.mmap(0n, 8192n, 3, anon, -1);
  assert.equal(a, MMAP_TOP - 8192n);
  const b = as.mmap(0n, 100n, 1, anon, -1);
  assert.equal(b, a - 4096n);
  assert.equal(perm(mem, b), Perm.R);
  mem.write(a, Uint8Array.from([9, 8, 7]));
  // MAP_FIXED replaces (and zeroes) what was there.
  assert.equal(as.mmap(a, 4096n, 3, anon | MAP_FIXED, -1), a);
  assert.equal(mem.read(a, 1)[0], 0);
  // A free hint is honoured.
  assert.equal(as.mmap(0x10000000n, 4096n, 3, anon, -1), 0x10000000n);
  // File mappings are not supported; unaligned MAP_FIXED is invalid.
  assert.equal(as.mmap(0n, 4096n, 1, MAP_PRIVATE, 3), -19n);
  assert.equal(as.mmap(0x10000001n, 4096n, 1, anon | MAP_FIXED, -1), -22n);
  assert.equal(as.munmap(b, 4096n), 0);
  assert.equal(mem.isMapped(b), false);
  assert.equal(as.mprotect(b, 4096n, 3), -12);
  assert.equal(as.mprotect(a, 4096n, 1), 0);
  assert.equal(perm(mem, a), Perm.R);
  // mremap: grow into the free page after it would clash, so it moves and keeps the contents.
  const c = as.mmap(0n, 4096n, 3, anon, -1);
  mem.write(c, Uint8Array.from([5, 6]));
  const moved = as.mremap(c, 4096n, 3n * 4096n, MREMAP_MAYMOVE);
  assert.ok(moved > 0n);
  assert.deepEqual([...mem.read(moved, 2)], [5, 6]);
  assert.equal(as.mremap(moved, 3n * 4096n, 4096n, 0), moved);
  assert.equal(mem.isMapped(moved + 4096n), false);
});
