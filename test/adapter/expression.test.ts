// The debugger's C-like expressions on their own (no adapter): precedence,
// signedness, casts, pointer arithmetic and dereferences over a small fake
// memory, registers with and without $, and clear errors.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Memory, Perm } from '../../simulator/memory/memory';
import { EvalError, Evaluator } from '../../simulator/debug/expression';
import type { FrameContext } from '../../simulator/debug/frameContext';
import { formatScalar, parseTypeName } from '../../simulator/debug/ctypes';
import { RegSlot } from '../../simulator/cpu/registers';

const BASE = 0x10000n;

function context(): FrameContext {
  const mem = new Memory(1 << 20);
  mem.map(BASE, 0x1000, Perm.RW);
  mem.writeU64(BASE, 0x1122334455667788n, true);
  mem.writeU64(BASE + 8n, 42n, true);
  const regs = new Int32Array(RegSlot.COUNT), flags = new Int32Array(8);
  regs[0] = 7; // rax = 7
  regs[2 * 4] = 0x1000; // rsp
  return {
    mem, debugInfo: null, frame: { index: 0, pc: 0x400000n, lookupPc: 0x400000n, cfa: 0x1010n, sp: 0x1000n }, regs: { regs, flags },
    symbolAddress: (n) => (n === 'table' ? BASE : undefined), writable: true,
  };
}

function evaluate(text: string): string {
  const ev = new Evaluator(context());
  const v = ev.evaluate(text);
  return formatScalar(ev.scalar(v), v.type);
}

test('arithmetic follows C precedence and integer widths', () => {
  assert.equal(evaluate('1 + 2 * 3'), '7');
  assert.equal(evaluate('(1 + 2) * 3'), '9');
  assert.equal(evaluate('1 << 4 | 1'), '17');
  assert.equal(evaluate('-5 / 2'), '-2');
  assert.equal(evaluate('7 % 3 == 1 && 2 > 1'), '1');
  assert.equal(evaluate('0x10 + 010'), '24');
  assert.equal(evaluate("'A' + 1"), '66');
  assert.equal(evaluate('(u8)0x1ff'), '255');
  assert.equal(evaluate('(int)0xffffffff'), '-1');
  assert.equal(evaluate('(unsigned int)-1'), '4294967295');
  assert.equal(evaluate('1 ? 2 : 3'), '2');
});

test('registers by name, with or without $, and sub-registers', () => {
  assert.equal(evaluate('rax + 1'), '0x8');
  assert.equal(evaluate('$rax * 2'), '0xe');
  assert.equal(evaluate('$eax'), '7');
  assert.equal(evaluate('$al'), '7');
});

test('dereferences, casts of addresses and pointer arithmetic', () => {
  assert.equal(evaluate('*(u64 *)0x10000'), '0x1122334455667788');
  assert.equal(evaluate('*(u32 *)0x10000'), '1432778632');
  assert.equal(evaluate('*((u64 *)0x10000 + 1)'), '0x2a');
  assert.equal(evaluate('((u64 *)0x10000)[1]'), '0x2a');
  assert.equal(evaluate('*(u8 *)(0x10000 + 7)'), '17');
  assert.equal(evaluate('(u64 *)0x10010 - (u64 *)0x10000'), '2');
  assert.equal(evaluate('*(u64 *)&table'), '0x1122334455667788');
  assert.equal(evaluate('table'), '0x1122334455667788', 'a symbol without debug info reads as a u64');
  assert.equal(evaluate('sizeof(u32)'), '4');
});

test('errors say what is wrong', () => {
  const ev = new Evaluator(context());
  assert.throws(() => ev.evaluate('nope'), (e: Error) => e instanceof EvalError && /no symbol 'nope'/.test(e.message));
  assert.throws(() => ev.scalar(ev.evaluate('*(u64 *)0')), /cannot access memory at 0x0/);
  assert.throws(() => ev.evaluate('*(void *)0x10000'), /cannot dereference/);
  assert.throws(() => ev.evaluate('1 +'), /incomplete expression/);
  assert.throws(() => ev.evaluate('p->next'), /struct members are not available/);
  assert.throws(() => ev.evaluate('1 / 0'), /division by zero/);
});

test('store writes through an lvalue', () => {
  const ctx = context();
  const ev = new Evaluator(ctx);
  ev.store(ev.evaluate('*(u64 *)0x10008'), 99n);
  assert.equal(ctx.mem.readU64(BASE + 8n, true), 99n);
  ev.store(ev.evaluate('$eax'), 0x1234n);
  assert.equal(ctx.regs!.regs[0], 0x1234);
});

test('DWARF type spellings parse back into sizes and element types', () => {
  const arr = parseTypeName('long unsigned int[32]', 256);
  assert.equal(arr.kind, 'array');
  assert.equal(arr.kind === 'array' && arr.element.size, 8);
  assert.equal(arr.kind === 'array' && arr.count, 32);
  const p = parseTypeName('const char *');
  assert.equal(p.kind === 'pointer' && p.target.size, 1);
  assert.equal(parseTypeName('struct work_node *').kind, 'pointer');
  assert.equal(parseTypeName('u32').size, 4);
});
