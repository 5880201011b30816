// The wasm tier's stores on a page with an armed write watch (KStackWatch's
// canary, a data breakpoint): the page's write-TLB entry lets stores below
// the watched range through inline (memory/wasmWriteTlb.ts), the others go
// to the miss path, which checks the range — a store outside it is done in
// wasm, one that overlaps it traps after the store, as the JS tier does.
// Also a store that crosses into the next page (the inline check misses it
// by itself), and one off the mapping (an empty slot lets nothing through).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cpu } from '../../simulator/cpu/cpu';
import { Gpr } from '../../simulator/cpu/registers';
import { BreakType, DebugRegisters } from '../../simulator/cpu/debugRegisters';
import { CODE, DATA, storeLoop } from './storeLoop';

const hotLoop = (): ReturnType<typeof storeLoop> => storeLoop('wasm');

function arm(cpu: Cpu, addr: bigint, len: 4 | 8): void {
  cpu.debug.dr[0] = addr;
  cpu.debug.dr7 = DebugRegisters.control(0, BreakType.WRITE, len);
  cpu.applyDebugRegisters();
}

function disarm(cpu: Cpu): void {
  cpu.debug.dr7 = 0;
  cpu.applyDebugRegisters();
}

test('wasm stores on a watched page: outside the range they are done, into it they trap after the store', () => {
  const { cpu, store } = hotLoop();
  arm(cpu, DATA + 0xc00n, 8);
  assert.equal(store(DATA, 0x100, 0xaan), 'halt', 'stores below the watched range, on its page');
  for (let a = 0n; a < 0x800n; a += 8n) assert.equal(cpu.mem.readU64(DATA + a), 0xaan);
  assert.equal(store(DATA + 0xc08n, 0x27f, 0xbbn), 'halt', 'stores above it, on to the end of the next page');
  assert.equal(cpu.mem.readU64(DATA + 0x1ff8n), 0xbbn);
  assert.equal(cpu.mem.readU64(DATA + 0xc00n), 0n, 'the watched bytes untouched');

  assert.equal(store(DATA, 0x200, 0xccn), 'debug', 'a store into the range');
  assert.equal(cpu.debug.dr6 & 0xf, 1);
  assert.equal(cpu.trapInsn, CODE, 'the store traps');
  assert.equal(cpu.rip, CODE + 3n, 'after the store, before the add');
  assert.equal(cpu.getReg(Gpr.RAX), DATA + 0xc00n);
  assert.equal(cpu.mem.readU64(DATA + 0xc00n), 0xccn, 'the store completed');
  assert.equal(cpu.mem.readU64(DATA + 0xc08n), 0xbbn, 'nothing after it');

  arm(cpu, DATA + 0xc04n, 4);
  assert.equal(store(DATA + 0xbf8n, 4, 0xddn), 'debug', 'an 8-byte store overlapping a 4-byte range');
  assert.equal(cpu.getReg(Gpr.RAX), DATA + 0xc00n);

  disarm(cpu);
  assert.equal(store(DATA, 0x200, 0xeen), 'halt', 'disarmed: the page is a hit again');
  assert.equal(cpu.mem.readU64(DATA + 0xc00n), 0xeen);
});

test('a wasm store crossing into the next page writes both pages', () => {
  const { cpu, store } = hotLoop();
  assert.equal(store(DATA + 0xf0cn, 0x20, 0x1122334455667788n), 'halt');
  // the store at +0xffc: four bytes on each page
  assert.equal(cpu.mem.readU64(DATA + 0xffcn), 0x1122334455667788n);
  assert.equal(cpu.mem.readU64(DATA + 0x1004n), 0x1122334455667788n);
});

test('a watched range at the first byte of a page: every store on the page checks it; off the mapping a store faults', () => {
  const { cpu, store } = hotLoop();
  arm(cpu, DATA + 0x1000n, 8);
  assert.equal(store(DATA + 0x1008n, 0x1ff, 0x11n), 'halt', 'above the range, to the end of its page');
  assert.equal(cpu.mem.readU64(DATA + 0x1ff8n), 0x11n);
  assert.equal(store(DATA + 0xff8n, 2, 0x22n), 'debug', 'from the page below into the range');
  assert.equal(cpu.getReg(Gpr.RAX), DATA + 0x1000n);
  assert.equal(cpu.mem.readU64(DATA + 0xff8n), 0x22n);
  assert.equal(cpu.mem.readU64(DATA + 0x1000n), 0x22n, 'the store completed');
  disarm(cpu);
  assert.notEqual(store(DATA + 0x1ff8n, 2, 0x33n), 'halt', 'the second store is past the mapping');
  assert.equal(cpu.getReg(Gpr.RAX), DATA + 0x2000n, 'it did not complete');
  assert.equal(cpu.mem.readU64(DATA + 0x1ff8n), 0x33n);
});
