// The write log by 8-byte line (memory.ts recordStores, writtenLines): what
// time travel's stretch summaries know of the stores of a stretch. Stores by
// compiled guest code — on the fast path and on the slow one (a page's first
// store, a store crossing a page) — mark the lines they reach, a store of
// the value already there included; an unmapped page counts whole; a memory
// that does not record says "every line" of each page stored to.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LINES_PER_PAGE, Memory, pageKey, PAGE_SIZE, Perm, splitAddress } from '../../simulator/memory/memory';
import { Cpu } from '../../simulator/cpu/cpu';
import { Gpr } from '../../simulator/cpu/registers';

const CODE = 0x400000n;
const DATA = 0x600000n;
const MOV_M_RAX_RBX = [0x48, 0x89, 0x18]; // mov [rax], rbx
const MOV_M_RAX_EBX = [0x89, 0x18]; // mov [rax], ebx
const HLT = [0xf4];

function machine(record: boolean): Cpu {
  const mem = new Memory(1 << 24, record);
  mem.map(CODE, 0x1000, Perm.RX);
  mem.map(DATA, 0x3000, Perm.RW);
  mem.write(CODE, Uint8Array.from([...MOV_M_RAX_RBX, ...HLT, ...MOV_M_RAX_EBX, ...HLT]), true);
  return new Cpu(mem);
}

/** Run `mov [rax], rbx` (8 bytes, or `mov [rax], ebx`: 4) with rax = `at`. */
function store(cpu: Cpu, at: bigint, bytes: 8 | 4, value = 0n): void {
  cpu.rip = bytes === 8 ? CODE : CODE + 4n;
  cpu.setReg(Gpr.RAX, at);
  cpu.setReg(Gpr.RBX, value);
  assert.equal(cpu.run(10).kind, 'halt');
}

/** The stored lines, as the addresses of their first bytes. */
function linesWritten(mem: Memory): bigint[] {
  const out: bigint[] = [];
  const keys = [...mem.writtenLines()].sort((a, b) => a[0] - b[0]);
  for (const [key, mask] of keys) {
    for (let n = 0; n < LINES_PER_PAGE; n++) if (mask[n >>> 5] & (1 << (n & 31))) out.push(BigInt(key) * BigInt(PAGE_SIZE) + BigInt(n * 8));
  }
  return out;
}

test('recording memory: the lines compiled stores reached, fast path, slow path and page-crossing alike; same-value stores count', () => {
  const cpu = machine(true);
  const mem = cpu.mem;
  store(cpu, DATA + 0x100n, 8); // warm up: compiles the block, puts the page in the write TLB
  mem.startWriteLog();
  assert.deepEqual(linesWritten(mem), []);
  store(cpu, DATA + 0x100n, 8); // the page's first store of the stretch: the slow path
  store(cpu, DATA + 0x208n, 8, 0n); // fast path, the value already there (0)
  store(cpu, DATA + 0x31cn, 4); // fast path, 4 bytes inside one line
  store(cpu, DATA + 0x40cn, 8); // straddles two lines
  store(cpu, DATA + 0x1ffcn, 8); // crosses into the next page: [0x1ff8, 0x2000) and [0x2000, 0x2008)
  assert.deepEqual(linesWritten(mem), [0x100n, 0x208n, 0x318n, 0x408n, 0x410n, 0x1ff8n, 0x2000n].map((o) => DATA + o));

  mem.startWriteLog();
  store(cpu, DATA + 0x208n, 8);
  assert.deepEqual(linesWritten(mem), [DATA + 0x208n], 'a new stretch: only its own stores');
});

test('recording memory: a page stored to and then unmapped counts whole (its frame may be another page\'s by then)', () => {
  const cpu = machine(true);
  const mem = cpu.mem;
  mem.startWriteLog();
  store(cpu, DATA + 0x2010n, 8);
  mem.unmap(DATA + 0x2000n, 0x1000);
  const [lo, hi] = splitAddress(DATA + 0x2000n);
  const mask = mem.writtenLines().get(pageKey(lo, hi));
  assert.ok(mask && mask.every((w) => w === 0xffffffff));
});

test('a memory that does not record: every line of each page stored to', () => {
  const cpu = machine(false);
  const mem = cpu.mem;
  mem.startWriteLog();
  store(cpu, DATA + 0x100n, 8);
  const [lo, hi] = splitAddress(DATA);
  const lines = mem.writtenLines();
  assert.deepEqual([...lines.keys()], [pageKey(lo, hi)]);
  assert.ok(lines.get(pageKey(lo, hi))!.every((w) => w === 0xffffffff));
});
