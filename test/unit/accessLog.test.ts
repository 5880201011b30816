// The access log by 8-byte line (memory.ts recordAccesses, accessLog.ts):
// what time travel's stretch summaries know of the loads and stores of a
// stretch. Accesses by compiled guest code — on the fast path and on the
// slow one (a page's first access, an access crossing a page) — mark the
// lines they reach, a store of the value already there included; an
// unmapped page counts whole; a memory that does not record says "every
// line" of each page reached.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Memory, pageKey, PAGE_SIZE, Perm, splitAddress } from '../../simulator/memory/memory';
import { LineMasks, LINES_PER_PAGE } from '../../simulator/memory/accessLog';
import { Cpu } from '../../simulator/cpu/cpu';
import { Gpr } from '../../simulator/cpu/registers';

const CODE = 0x400000n;
const DATA = 0x600000n;
const MOV_M_RAX_RBX = [0x48, 0x89, 0x18]; // mov [rax], rbx
const MOV_M_RAX_EBX = [0x89, 0x18]; // mov [rax], ebx
const MOV_RCX_M_RAX = [0x48, 0x8b, 0x08]; // mov rcx, [rax]
const MOVZX_ECX_W_M_RAX = [0x0f, 0xb7, 0x08]; // movzx ecx, word [rax]
const HLT = [0xf4];

function machine(record: boolean): Cpu {
  const mem = new Memory(1 << 24, record);
  mem.map(CODE, 0x1000, Perm.RX);
  mem.map(DATA, 0x3000, Perm.RW);
  mem.write(CODE, Uint8Array.from([...MOV_M_RAX_RBX, ...HLT, ...MOV_M_RAX_EBX, ...HLT, ...MOV_RCX_M_RAX, ...HLT, ...MOVZX_ECX_W_M_RAX, ...HLT]), true);
  return new Cpu(mem);
}

/** Run `mov [rax], rbx` (8 bytes, or `mov [rax], ebx`: 4) with rax = `at`. */
function store(cpu: Cpu, at: bigint, bytes: 8 | 4, value = 0n): void {
  cpu.rip = bytes === 8 ? CODE : CODE + 4n;
  cpu.setReg(Gpr.RAX, at);
  cpu.setReg(Gpr.RBX, value);
  assert.equal(cpu.run(10).kind, 'halt');
}

/** Run `mov rcx, [rax]` (8 bytes, or `movzx ecx, word [rax]`: 2) with rax = `at`. */
function load(cpu: Cpu, at: bigint, bytes: 8 | 2): void {
  cpu.rip = bytes === 8 ? CODE + 7n : CODE + 11n;
  cpu.setReg(Gpr.RAX, at);
  assert.equal(cpu.run(10).kind, 'halt');
}

/** The stored lines, as the addresses of their first bytes. */
function linesWritten(mem: Memory): bigint[] {
  return linesOf(mem.storedLines());
}

function linesOf(masks: LineMasks): bigint[] {
  const out: bigint[] = [];
  const keys = [...masks].sort((a, b) => a[0] - b[0]);
  for (const [key, mask] of keys) {
    for (let n = 0; n < LINES_PER_PAGE; n++) if (mask[n >>> 5] & (1 << (n & 31))) out.push(BigInt(key) * BigInt(PAGE_SIZE) + BigInt(n * 8));
  }
  return out;
}

test('recording memory: the lines compiled stores reached, fast path, slow path and page-crossing alike; same-value stores count', () => {
  const cpu = machine(true);
  const mem = cpu.mem;
  store(cpu, DATA + 0x100n, 8); // warm up: compiles the block, puts the page in the write TLB
  mem.startAccessLog();
  assert.deepEqual(linesWritten(mem), []);
  store(cpu, DATA + 0x100n, 8); // the page's first store of the stretch: the slow path
  store(cpu, DATA + 0x208n, 8, 0n); // fast path, the value already there (0)
  store(cpu, DATA + 0x31cn, 4); // fast path, 4 bytes inside one line
  store(cpu, DATA + 0x40cn, 8); // straddles two lines
  store(cpu, DATA + 0x1ffcn, 8); // crosses into the next page: [0x1ff8, 0x2000) and [0x2000, 0x2008)
  assert.deepEqual(linesWritten(mem), [0x100n, 0x208n, 0x318n, 0x408n, 0x410n, 0x1ff8n, 0x2000n].map((o) => DATA + o));

  mem.startAccessLog();
  store(cpu, DATA + 0x208n, 8);
  assert.deepEqual(linesWritten(mem), [DATA + 0x208n], 'a new stretch: only its own stores');
  assert.deepEqual(linesOf(mem.loadedLines()), [], 'no loads');
});

test('recording memory: the lines compiled loads reached, fast path, slow path and page-crossing alike, apart from the stores', () => {
  const cpu = machine(true);
  const mem = cpu.mem;
  load(cpu, DATA + 0x100n, 8); // warm up: compiles the block, puts the page in the read TLB
  mem.startAccessLog();
  load(cpu, DATA + 0x100n, 8); // the page's first load of the stretch: the slow path
  load(cpu, DATA + 0x20en, 2); // fast path, 2 bytes inside one line
  load(cpu, DATA + 0x40fn, 2); // straddles two lines
  load(cpu, DATA + 0x1ffcn, 8); // crosses into the next page
  store(cpu, DATA + 0x600n, 8);
  assert.deepEqual(linesOf(mem.loadedLines()), [0x100n, 0x208n, 0x408n, 0x410n, 0x1ff8n, 0x2000n].map((o) => DATA + o));
  assert.deepEqual(linesWritten(mem), [DATA + 0x600n], 'a store is not a load');
});

test('recording memory: a page stored to and then unmapped counts whole (its frame may be another page\'s by then)', () => {
  const cpu = machine(true);
  const mem = cpu.mem;
  mem.startAccessLog();
  store(cpu, DATA + 0x2010n, 8);
  mem.unmap(DATA + 0x2000n, 0x1000);
  const [lo, hi] = splitAddress(DATA + 0x2000n);
  const mask = mem.storedLines().get(pageKey(lo, hi));
  assert.ok(mask && mask.every((w) => w === 0xffffffff));
});

test('a memory that does not record: every line of each page stored to', () => {
  const cpu = machine(false);
  const mem = cpu.mem;
  mem.startAccessLog();
  store(cpu, DATA + 0x100n, 8);
  const [lo, hi] = splitAddress(DATA);
  const lines = mem.storedLines();
  assert.deepEqual([...lines.keys()], [pageKey(lo, hi)]);
  assert.ok(lines.get(pageKey(lo, hi))!.every((w) => w === 0xffffffff));
});
