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
import { Memory, Perm } from '../../simulator/memory/memory';
import { Cpu } from '../../simulator/cpu/cpu';
import { Gpr } from '../../simulator/cpu/registers';
import { BreakType, DebugRegisters } from '../../simulator/cpu/debugRegisters';
import { wasmTierStats } from '../../simulator/cpu/wasm/tier';

const CODE = 0x400000n;
const DATA = 0x600000n;
// loop: mov [rax], rbx; add rax, 8; dec rcx; jnz loop; hlt
const LOOP = [0x48, 0x89, 0x18, 0x48, 0x83, 0xc0, 0x08, 0x48, 0xff, 0xc9, 0x75, 0xf4, 0xf4];

type Kind = 'wasm' | 'js' | 'recording';

/** A CPU running the store loop hot (in wasm for 'wasm'), counting the watch checks the stores reach. */
function hotLoop(kind: Kind) {
  const mem = new Memory(1 << 24, kind === 'recording', kind === 'wasm');
  mem.map(CODE, 0x1000, Perm.RX);
  mem.map(DATA, 0x2000, Perm.RW);
  mem.write(CODE, Uint8Array.from(LOOP), true);
  const cpu = new Cpu(mem);
  const checked = { count: 0 };
  const check = cpu.watchedAccess.bind(cpu);
  cpu.watchedAccess = (lo, hi, size, write) => { checked.count++; check(lo, hi, size, write); };
  /** Store `value` to the `count` words from `at`: the stop's kind. */
  const store = (at: bigint, count: number, value: bigint): string => {
    cpu.rip = CODE;
    cpu.setReg(Gpr.RAX, at);
    cpu.setReg(Gpr.RCX, BigInt(count));
    cpu.setReg(Gpr.RBX, value);
    return cpu.run(1_000_000).kind;
  };
  const before = wasmTierStats.compiled;
  for (let i = 0; i < 40; i++) assert.equal(store(DATA, 0x100, BigInt(i)), 'halt');
  if (kind === 'wasm') assert.ok(wasmTierStats.compiled > before, 'the loop went to wasm');
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
  });
}
