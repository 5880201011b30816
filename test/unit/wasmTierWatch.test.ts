// The wasm tier's stores on a page with an armed write watch (KStackWatch's
// canary, a data breakpoint): the page's write-TLB entry has an odd tag
// (memory.ts wasmEntry), so the inline compare misses and the miss path
// checks the watched range — a store outside it is done in wasm, one that
// overlaps it traps after the store, as the JS tier does. Also a store that
// crosses into the next page (the i64 tag compare misses it by itself).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Memory, Perm } from '../../simulator/memory/memory';
import { Cpu } from '../../simulator/cpu/cpu';
import { Gpr } from '../../simulator/cpu/registers';
import { BreakType, DebugRegisters } from '../../simulator/cpu/debugRegisters';
import { wasmTierStats } from '../../simulator/cpu/wasm/tier';

const CODE = 0x400000n;
const DATA = 0x600000n;
// loop: mov [rax], rbx; add rax, 8; dec rcx; jnz loop; hlt
const LOOP = [0x48, 0x89, 0x18, 0x48, 0x83, 0xc0, 0x08, 0x48, 0xff, 0xc9, 0x75, 0xf4, 0xf4];

/** A CPU whose memory is a WebAssembly.Memory (the wasm tier on, whatever KSW_WASM says), the loop hot in wasm. */
function hotLoop(): { cpu: Cpu; store: (at: bigint, count: number, value: bigint) => string } {
  const mem = new Memory(1 << 24, false, true);
  mem.map(CODE, 0x1000, Perm.RX);
  mem.map(DATA, 0x2000, Perm.RW);
  mem.write(CODE, Uint8Array.from(LOOP), true);
  const cpu = new Cpu(mem);
  const store = (at: bigint, count: number, value: bigint): string => {
    cpu.rip = CODE;
    cpu.setReg(Gpr.RAX, at);
    cpu.setReg(Gpr.RCX, BigInt(count));
    cpu.setReg(Gpr.RBX, value);
    return cpu.run(1_000_000).kind;
  };
  const before = wasmTierStats.compiled;
  for (let i = 0; i < 40; i++) assert.equal(store(DATA, 0x100, BigInt(i)), 'halt');
  assert.ok(wasmTierStats.compiled > before, 'the loop went to wasm');
  return { cpu, store };
}

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
