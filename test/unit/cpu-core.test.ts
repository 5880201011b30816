// Core CPU behaviour that the differential tests cannot show: debug
// registers, precise faults, self-modifying code, budgets.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Memory, Perm } from '../../simulator/memory/memory';
import { Cpu } from '../../simulator/cpu/cpu';
import { Gpr } from '../../simulator/cpu/registers';
import { BreakType, DebugRegisters } from '../../simulator/cpu/debugRegisters';
import { PageFault, Vector } from '../../simulator/cpu/faults';
import { sseEmitters } from '../../simulator/cpu/emit/sse';
import { Mnemonic } from 'iced-x86';

const CODE = 0x400000n;
const DATA = 0x600000n;

function machine(code: number[]): Cpu {
  const mem = new Memory(1 << 24);
  mem.map(CODE, 0x1000, Perm.RX);
  mem.map(DATA, 0x2000, Perm.RW);
  mem.write(CODE, Uint8Array.from(code), true);
  const cpu = new Cpu(mem);
  cpu.rip = CODE;
  cpu.setReg(Gpr.RSP, DATA + 0x2000n);
  return cpu;
}

function arm(cpu: Cpu, slot: number, addr: bigint, type: BreakType, len: 1 | 2 | 4 | 8): void {
  cpu.debug.dr[slot] = addr;
  cpu.debug.dr7 |= DebugRegisters.control(slot, type, len);
  cpu.applyDebugRegisters();
}

const MOV_M_RAX_RBX = [0x48, 0x89, 0x18]; // mov [rax], rbx
const MOV_RCX_M_RAX = [0x48, 0x8b, 0x08]; // mov rcx, [rax]
const NOP = [0x90];
const HLT = [0xf4];

test('a write watchpoint traps after the store, with DR6.B0 set and RIP at the next instruction', () => {
  const cpu = machine([...NOP, ...MOV_M_RAX_RBX, ...NOP, ...HLT]);
  cpu.setReg(Gpr.RAX, DATA + 0x100n);
  cpu.setReg(Gpr.RBX, 0x1122334455667788n);
  arm(cpu, 0, DATA + 0x100n, BreakType.WRITE, 8);
  const r = cpu.run(100);
  assert.equal(r.kind, 'debug');
  assert.equal(cpu.debug.dr6 & 0xf, 1);
  assert.equal(cpu.rip, CODE + 4n);
  assert.equal(cpu.trapInsn, CODE + 1n, 'the store instruction itself is known');
  assert.equal(cpu.mem.readU64(DATA + 0x100n), 0x1122334455667788n, 'the store completed');
  assert.equal(cpu.run(100).kind, 'halt');
});

test('a watch on 4 bytes catches an overlapping 8-byte store but not a neighbouring one', () => {
  const cpu = machine([...MOV_M_RAX_RBX, ...HLT]);
  arm(cpu, 2, DATA + 0x104n, BreakType.WRITE, 4);
  cpu.setReg(Gpr.RAX, DATA + 0x108n);
  assert.equal(cpu.run(10).kind, 'halt', 'store at +8 does not touch [+4,+8)');
  cpu.rip = CODE;
  cpu.setReg(Gpr.RAX, DATA + 0x100n);
  const r = cpu.run(10);
  assert.equal(r.kind, 'debug');
  assert.equal(cpu.debug.dr6 & 0xf, 4, 'B2');
});

test('arming and disarming a write watch on a page the write TLB already maps takes effect at the next store', () => {
  // KStackWatch arms and disarms on every call: the TLB entry is updated in place, not dropped
  const cpu = machine([...MOV_M_RAX_RBX, ...HLT]);
  const again = (at: bigint) => { cpu.rip = CODE; cpu.setReg(Gpr.RAX, at); return cpu.run(10).kind; };
  assert.equal(again(DATA + 0x200n), 'halt', 'the store puts the page in the write TLB');
  arm(cpu, 0, DATA + 0x208n, BreakType.WRITE, 8);
  assert.equal(again(DATA + 0x200n), 'halt', 'a store next to the armed range stays on the fast path');
  assert.equal(again(DATA + 0x208n), 'debug', 'a store into the armed range traps');
  cpu.debug.dr7 = 0;
  cpu.applyDebugRegisters();
  assert.equal(again(DATA + 0x208n), 'halt', 'disarmed: no trap');
  arm(cpu, 0, DATA + 0x300n, BreakType.WRITE, 8);
  assert.equal(again(DATA + 0x208n), 'halt', 're-armed elsewhere on the page: the old range is free');
  assert.equal(again(DATA + 0x2fcn), 'debug', 'a store overlapping the new range traps');
});

test('a write watch ignores loads; a read/write watch catches them', () => {
  const cpu = machine([...MOV_RCX_M_RAX, ...HLT]);
  cpu.setReg(Gpr.RAX, DATA + 0x10n);
  arm(cpu, 1, DATA + 0x10n, BreakType.WRITE, 8);
  assert.equal(cpu.run(10).kind, 'halt');
  cpu.rip = CODE;
  cpu.debug.dr7 = 0;
  arm(cpu, 1, DATA + 0x10n, BreakType.READ_WRITE, 8);
  const r = cpu.run(10);
  assert.equal(r.kind, 'debug');
  assert.equal(cpu.rip, CODE + 3n);
});

test('an execute breakpoint stops before the instruction, and resuming executes it', () => {
  const cpu = machine([...NOP, ...NOP, ...MOV_M_RAX_RBX, ...HLT]);
  cpu.setReg(Gpr.RAX, DATA);
  cpu.setReg(Gpr.RBX, 7n);
  arm(cpu, 3, CODE + 2n, BreakType.EXECUTE, 1);
  const r = cpu.run(10);
  assert.equal(r.kind, 'debug');
  assert.equal(cpu.rip, CODE + 2n);
  assert.equal(cpu.mem.readU64(DATA), 0n, 'not executed yet');
  assert.equal(cpu.run(10).kind, 'halt');
  assert.equal(cpu.mem.readU64(DATA), 7n);
});

test('a page fault is precise: RIP at the faulting instruction, destination unchanged', () => {
  const cpu = machine([...NOP, ...MOV_RCX_M_RAX, ...HLT]);
  cpu.setReg(Gpr.RAX, 0xdead0000n);
  cpu.setReg(Gpr.RCX, 5n);
  const r = cpu.run(10);
  assert.equal(r.kind, 'fault');
  if (r.kind !== 'fault') return;
  assert.ok(r.fault instanceof PageFault);
  assert.equal((r.fault as PageFault).address, 0xdead0000n);
  assert.equal((r.fault as PageFault).access, 'read');
  assert.equal(r.fault.rip, CODE + 1n);
  assert.equal(cpu.rip, CODE + 1n);
  assert.equal(cpu.getReg(Gpr.RCX), 5n);
  assert.equal(cpu.insnCount, 1);
});

test('writing to a read-only page is a protection fault', () => {
  const cpu = machine([...MOV_M_RAX_RBX, ...HLT]);
  cpu.setReg(Gpr.RAX, CODE + 0x800n);
  const r = cpu.run(10);
  assert.equal(r.kind, 'fault');
  if (r.kind === 'fault') {
    assert.equal(r.fault.vector, Vector.PF);
    assert.match(r.fault.message, /write at 0x400800 \(protection violation\)/);
  }
});

test('divide by zero raises #DE at the div', () => {
  const cpu = machine([...NOP, 0x48, 0xf7, 0xf1, ...HLT]); // div rcx
  const r = cpu.run(10);
  assert.equal(r.kind, 'fault');
  if (r.kind === 'fault') { assert.equal(r.fault.vector, Vector.DE); assert.equal(r.fault.rip, CODE + 1n); }
});

test('an unsupported instruction raises #UD naming it', () => {
  const cpu = machine([...NOP, 0xc5, 0xf9, 0xef, 0xc0, ...HLT]); // vpxor xmm0,xmm0,xmm0 (AVX)
  const r = cpu.run(10);
  assert.equal(r.kind, 'fault');
  if (r.kind === 'fault') {
    assert.equal(r.fault.vector, Vector.UD);
    assert.match(r.fault.message, /vpxor xmm0,xmm0,xmm0/);
    assert.match(r.fault.message, /0x400001/);
  }
});

test('a bug inside an emitter is an internal error, never the guest\'s #UD', () => {
  // Only UnsupportedOperand means "the guest used something we do not implement"; any other exception thrown
  // while generating code is ours and must surface as such instead of being disguised as an invalid opcode.
  const original = sseEmitters[Mnemonic.Pxor];
  sseEmitters[Mnemonic.Pxor] = () => { throw new TypeError('emitter bug'); };
  try {
    const cpu = machine([...NOP, 0x66, 0x0f, 0xef, 0xc0, ...HLT]); // pxor xmm0,xmm0
    assert.throws(() => cpu.run(10), (e: unknown) => e instanceof TypeError && e.message === 'emitter bug');
  } finally {
    sseEmitters[Mnemonic.Pxor] = original;
  }
});

test('#UD names the x86-64 level an unimplemented instruction needs; CPUID claims exactly x86-64-v2', () => {
  const cases: [number[], RegExp][] = [
    [[0xc5, 0xf5, 0xfe, 0xc2], /'vpaddd ymm0,ymm1,ymm2' \(needs x86-64-v3: AVX\/AVX2\) at 0x400000$/],
    [[0xc4, 0xe2, 0x60, 0xf2, 0xc1], /'andn eax,ebx,ecx' \(needs x86-64-v3: BMI1\/BMI2\)/],
    [[0xc4, 0xe2, 0xf1, 0xa8, 0xc2], /\(needs x86-64-v3: FMA\)/], // vfmadd213pd xmm0,xmm1,xmm2
    [[0x62, 0xf1, 0x75, 0x48, 0xfe, 0xc2], /\(needs x86-64-v4: AVX-512\)/], // vpaddd zmm0,zmm1,zmm2
  ];
  for (const [bytes, message] of cases) {
    const r = machine([...bytes, ...HLT]).run(10);
    assert.equal(r.kind, 'fault');
    if (r.kind === 'fault') assert.match(r.fault.message, message);
  }
  // cpuid leaf 1: ECX = SSE3 SSSE3 CX16 SSE4.1 SSE4.2 POPCNT, no AVX/OSXSAVE; max leaf 1 (no leaf 7)
  const cpu = machine([0x0f, 0xa2, ...HLT]);
  cpu.setReg(Gpr.RAX, 1n);
  cpu.run(10);
  assert.equal(cpu.getReg(Gpr.RCX), 0x00982201n);
  const leaf0 = machine([0x0f, 0xa2, ...HLT]);
  leaf0.setReg(Gpr.RAX, 0n);
  leaf0.run(10);
  assert.equal(leaf0.getReg(Gpr.RAX), 1n);
});

test('int3 raises #BP; jumping to an unmapped address is an execute page fault', () => {
  const cpu = machine([0xcc]);
  const r = cpu.run(10);
  assert.equal(r.kind, 'fault');
  if (r.kind === 'fault') assert.equal(r.fault.vector, Vector.BP);
  const cpu2 = machine([0xff, 0xe0]); // jmp rax
  cpu2.setReg(Gpr.RAX, 0x123000n);
  const r2 = cpu2.run(10);
  assert.equal(r2.kind, 'fault');
  if (r2.kind === 'fault') assert.match(r2.fault.message, /execute at 0x123000/);
});

test('code written at run time is re-decoded (self-modifying code)', () => {
  // mov byte [rip+N], 0x90 turns the following `hlt`-guarded int3 into a nop
  const code = [0xc6, 0x05, 0x00, 0x00, 0x00, 0x00, 0x90, 0xcc, ...HLT];
  const cpu = machine(code);
  cpu.mem.protect(CODE, 0x1000, Perm.RWX);
  // first run the int3 alone to get it compiled
  cpu.rip = CODE + 7n;
  assert.equal(cpu.run(10).kind, 'fault');
  cpu.rip = CODE;
  const r = cpu.run(10);
  assert.equal(r.kind, 'halt', 'the int3 was overwritten by a nop before it ran');
});

test('a self-looping block respects budgets and counts every instruction', () => {
  // mov ecx, 100000; l: dec ecx; jnz l; hlt
  const cpu = machine([0xb9, 0xa0, 0x86, 0x01, 0x00, 0xff, 0xc9, 0x75, 0xfc, ...HLT]);
  let r = cpu.run(50);
  assert.equal(r.kind, 'budget');
  while (r.kind === 'budget') r = cpu.run(1000);
  assert.equal(r.kind, 'halt');
  assert.equal(cpu.insnCount, 1 + 2 * 100000 + 1);
  assert.equal(cpu.getReg(Gpr.RCX), 0n);
});

test('return prediction: a ret traced after its call goes on at the return address, or leaves when the stack says otherwise', () => {
  // 0x00 call f; 0x05 mov eax,1; 0x0a hlt; 0x0b mov eax,2; 0x10 hlt; 0x20 f: [add qword [rsp],6]; ret
  const program = (moveReturn: boolean): number[] => {
    const code = new Array<number>(0x30).fill(0x90);
    const put = (at: number, bytes: number[]) => bytes.forEach((b, i) => { code[at + i] = b; });
    put(0x00, [0xe8, 0x1b, 0x00, 0x00, 0x00]);
    put(0x05, [0xb8, 0x01, 0x00, 0x00, 0x00]);
    put(0x0a, HLT);
    put(0x0b, [0xb8, 0x02, 0x00, 0x00, 0x00]);
    put(0x10, HLT);
    put(0x20, moveReturn ? [0x48, 0x83, 0x04, 0x24, 0x06, 0xc3] : [0xc3]);
    return code;
  };
  for (const moveReturn of [false, true]) {
    const cpu = machine(program(moveReturn));
    const returnedTo: bigint[] = [];
    cpu.onRet = () => returnedTo.push(cpu.rip);
    assert.equal(cpu.run(100).kind, 'halt');
    assert.equal(cpu.getReg(Gpr.RAX), moveReturn ? 2n : 1n);
    assert.deepEqual(returnedTo, [CODE + (moveReturn ? 0x0bn : 0x05n)], 'the return hook sees the real return address');
    assert.equal(cpu.insnCount, moveReturn ? 5 : 4, 'every instruction counted once, on either path');
    assert.equal(cpu.getReg(Gpr.RSP), DATA + 0x2000n);
  }
});

test('run(n) stops on time in a hot trace that loops back to its start mid-way and leaves at the fall-through (the quantum does not depend on how code was cut)', () => {
  // outer: mov ecx, 2; l: inc rax; dec ecx; jnz l; inc rbx; jmp outer — once hot, the trace at l is
  // [inc, dec, jnz l (back to its start), inc rbx, jmp, mov ecx]: going round once more may run all six
  const code = [0xb9, 0x02, 0x00, 0x00, 0x00, 0x48, 0xff, 0xc0, 0xff, 0xc9, 0x75, 0xf9, 0x48, 0xff, 0xc3, 0xeb, 0xef];
  const cpu = machine(code);
  const stepped = machine(code);
  let total = 0;
  for (let round = 0; round < 60; round++) {
    for (const n of [1000, 7, 8, 6, 9, 5, 4, 3, 11, 2, 13]) {
      assert.equal(cpu.run(n).kind, 'budget');
      total += n;
      assert.equal(cpu.insnCount, total, `round ${round}: after run(${n})`);
    }
  }
  for (let i = 0; i < total; i++) assert.equal(stepped.step(), null);
  assert.equal(cpu.getReg(Gpr.RAX), stepped.getReg(Gpr.RAX));
  assert.equal(cpu.getReg(Gpr.RBX), stepped.getReg(Gpr.RBX));
  assert.equal(cpu.rip, stepped.rip);
});

test('run(n) retires exactly n instructions, even when n ends inside a block or a loop (a quantum ends where it is drawn)', () => {
  // 20 × inc rax (one straight block), then mov ecx, 100; l: dec ecx; jnz l; hlt
  const incs = Array.from({ length: 20 }, () => [0x48, 0xff, 0xc0]).flat();
  const cpu = machine([...incs, 0xb9, 0x64, 0x00, 0x00, 0x00, 0xff, 0xc9, 0x75, 0xfc, ...HLT]);
  let total = 0;
  for (const n of [3, 1, 7, 12, 5, 2]) {
    assert.equal(cpu.run(n).kind, 'budget');
    total += n;
    assert.equal(cpu.insnCount, total, `after run(${n})`);
    assert.equal(cpu.getReg(Gpr.RAX), BigInt(Math.min(total, 20)));
  }
  // 30 run: 20 incs, the mov, and 9 of the loop's 200 (five decs): ecx is 95
  assert.equal(cpu.getReg(Gpr.RCX), 95n);
  let r = cpu.run(1);
  while (r.kind === 'budget') r = cpu.run(7);
  assert.equal(r.kind, 'halt');
  assert.equal(cpu.insnCount, 20 + 1 + 200 + 1);
});
