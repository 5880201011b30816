// A CPU running a store loop hot (wasmTierWatch, wasmTierMutedWatch): each
// store() call runs `mov [rax], rbx; add rax, 8; dec rcx; jnz` over `count`
// words from `at`, and returns the stop's kind ('debug' for a watch hit).

import assert from 'node:assert/strict';
import { Memory, Perm } from '../../simulator/memory/memory';
import { Cpu } from '../../simulator/cpu/cpu';
import { Gpr } from '../../simulator/cpu/registers';
import { wasmTierStats } from '../../simulator/cpu/wasm/tier';

export const CODE = 0x400000n;
export const DATA = 0x600000n;
// loop: mov [rax], rbx; add rax, 8; dec rcx; jnz loop; hlt
const LOOP = [0x48, 0x89, 0x18, 0x48, 0x83, 0xc0, 0x08, 0x48, 0xff, 0xc9, 0x75, 0xf4, 0xf4];

export type StoreLoopMemory = 'wasm' | 'js' | 'recording';

/**
 * The loop run 40 times over DATA's first page, on a memory of the given
 * kind: 'wasm' is a WebAssembly.Memory (the wasm tier on, whatever KSW_WASM
 * says; the loop is checked to have gone to wasm), 'recording' one with
 * time travel's accessors.
 */
export function storeLoop(kind: StoreLoopMemory = 'wasm'): { cpu: Cpu; store: (at: bigint, count: number, value: bigint) => string } {
  const mem = new Memory(1 << 24, kind === 'recording', kind === 'wasm');
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
  if (kind === 'wasm') assert.ok(wasmTierStats.compiled > before, 'the loop went to wasm');
  return { cpu, store };
}
