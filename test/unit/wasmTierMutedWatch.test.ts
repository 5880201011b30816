// A write watch whose hits the CPU drops for now (Cpu.quietWrites,
// Cpu.disarmedWrites: KStackWatch's exit trampoline and its waiting
// disarms) is muted while it is its page's only watched range: stores into
// it stay on the fast path and never reach the watch check (Cpu.muted,
// Memory.quietWatch) — and trap again as soon as its hits count. A second
// watch on the page keeps the first unmuted, and one added while the first
// is muted traps all the same. Each kind of memory: the wasm tier's, the
// JS tier's, a recording one (time travel's accessors).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cpu } from '../../simulator/cpu/cpu';
import { Gpr } from '../../simulator/cpu/registers';
import { BreakType, DebugRegisters } from '../../simulator/cpu/debugRegisters';
import { DATA, StoreLoopMemory, storeLoop } from './storeLoop';

/** The store loop hot on a memory of that kind, counting the watch checks its stores reach. */
function hotLoop(kind: StoreLoopMemory) {
  const { cpu, store } = storeLoop(kind);
  const checked = { count: 0 };
  const check = cpu.watchedAccess.bind(cpu);
  cpu.watchedAccess = (lo, hi, size, write) => { checked.count++; check(lo, hi, size, write); };
  return { cpu, store, checked };
}

function arm(cpu: Cpu, slot: number, addr: bigint): void {
  cpu.debug.dr[slot] = addr;
  cpu.debug.dr7 |= DebugRegisters.control(slot, BreakType.WRITE, 8);
  cpu.applyDebugRegisters();
}

for (const kind of ['wasm', 'js', 'recording'] as const) {
  test(`${kind}: a watch whose hits are dropped is muted; it traps again once they count`, () => {
    const { cpu, store, checked } = hotLoop(kind);
    arm(cpu, 0, DATA + 0xc00n);
    assert.equal(store(DATA + 0xc00n, 1, 1n), 'debug', 'armed: a store into the range traps');
    assert.equal(cpu.debug.dr6 & 0xf, 1);
    cpu.debug.dr6 &= ~0xf; // as the #DB handler leaves it

    for (const [what, drop] of [['disarmed', (b: number) => { cpu.disarmedWrites = b; }], ['quiet', (b: number) => { cpu.quietWrites = b; }]] as const) {
      drop(1);
      checked.count = 0;
      assert.equal(store(DATA, 0x200, 2n), 'halt', `${what}: the stores over the whole page run through`);
      assert.equal(cpu.mem.readU64(DATA + 0xc00n), 2n, `${what}: the watched word was stored`);
      for (let n = 0; n < 50; n++) assert.equal(store(DATA + 0xc00n, 1, BigInt(n)), 'halt');
      assert.ok(checked.count <= 1, `${what}: 51 stores into the range, ${checked.count} reached the watch check`);
      drop(0);
      assert.equal(store(DATA, 0x200, 3n), 'debug', `${what} no more: the store into the range traps again`);
      assert.equal(cpu.getReg(Gpr.RAX), DATA + 0xc00n);
      assert.equal(cpu.debug.dr6 & 0xf, 1);
      cpu.debug.dr6 &= ~0xf;
    }
  });

  test(`${kind}: a second watch on the page is never muted away`, () => {
    const { cpu, store } = hotLoop(kind);
    arm(cpu, 0, DATA + 0xc00n);
    arm(cpu, 1, DATA + 0x400n);
    cpu.disarmedWrites = 1;
    assert.equal(store(DATA + 0xc00n, 1, 1n), 'halt', 'slot 0 dropped: its store runs through');
    assert.equal(store(DATA, 0x200, 2n), 'debug', 'slot 1 on the same page still traps');
    assert.equal(cpu.getReg(Gpr.RAX), DATA + 0x400n);
    assert.equal(cpu.debug.dr6 & 0xf, 2);
    cpu.debug.dr6 &= ~0xf;
    cpu.disarmedWrites = 0;

    // slot 1 moved away: slot 0 muted alone on the page; then slot 1 watches its very bytes
    arm(cpu, 1, DATA + 0x1800n);
    cpu.disarmedWrites = 1;
    assert.equal(store(DATA, 0x200, 3n), 'halt', 'muted');
    arm(cpu, 1, DATA + 0xc00n);
    assert.equal(store(DATA, 0x200, 4n), 'debug', 'a watch added on the muted bytes traps');
    assert.equal(cpu.getReg(Gpr.RAX), DATA + 0xc00n);
    assert.equal(cpu.debug.dr6 & 0xf, 3, 'with both slots\' bits, as a dropped slot\'s hit beside a counted one');
    cpu.debug.dr6 &= ~0xf;
    cpu.debug.dr7 &= ~DebugRegisters.controlMask(1);
    cpu.applyDebugRegisters();
    assert.equal(store(DATA, 0x200, 5n), 'halt', 'slot 1 gone, slot 0 still dropped');
    cpu.disarmedWrites = 0;
    assert.equal(store(DATA, 0x200, 6n), 'debug', 'and slot 0 counts again');
    assert.equal(cpu.getReg(Gpr.RAX), DATA + 0xc00n);
    cpu.debug.dr6 &= ~0xf;

    // muted alone on the page, then a watch elsewhere on it: unmuting must not put back only slot 0's range
    cpu.disarmedWrites = 1;
    assert.equal(store(DATA, 0x200, 7n), 'halt', 'muted again');
    arm(cpu, 1, DATA + 0x400n);
    cpu.disarmedWrites = 0;
    assert.equal(store(DATA, 0x200, 8n), 'debug', 'unmuted: the first watched store traps');
    assert.equal(cpu.getReg(Gpr.RAX), DATA + 0x400n, 'at slot 1\'s range, below slot 0\'s');
  });
}
