// What lived at an address in a returned frame, per the function's prologue
// and DWARF: the return address, saved registers, the canary, a local array's
// element, padding — checked against the prologue gcc emits for
// test_mthread_buggy at the harness's flags (push r15 r14 r13 r12 rbp rbx,
// sub $0x118,%rsp, the canary stored at 0x108(%rsp); see objdump -d).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { boot, frameOffset, moduleObject } from './harness';

const opts = { skip: (() => { try { moduleObject(); return false; } catch (e) { return (e as Error).message; } })() };

test('origin: every kind of slot in a gcc frame is named', opts, () => {
  const k = boot({ test: 3 });
  const fn = k.ksw.validate('fn=test_mthread_buggy').fn;
  const cfa = 0xffffc90000008000n;
  const at = (depth: number): string | null => k.ksw.origins.describe(fn, cfa, cfa - BigInt(depth));
  assert.equal(at(8), 'return address');
  assert.equal(at(1), 'return address');
  assert.equal(at(16), 'saved r15');
  assert.equal(at(48), 'saved rbp', 'rbp pushed as a callee-saved register (no frame pointer)');
  assert.equal(at(56), 'saved rbx');
  assert.equal(at(72), 'canary', 'the canary at 0x108(%rsp) after 6 pushes and sub $0x118');
  const buf = frameOffset(k, 'test_mthread_buggy', 'buf'); // CFA-relative (frame base is the CFA)
  assert.equal(k.ksw.origins.describe(fn, cfa, cfa + BigInt(buf + 8 * 3)), 'buf[3]');
  assert.equal(k.ksw.origins.describe(fn, cfa, cfa + BigInt(buf + 8 * 3 + 4)), 'buf[3]+4');
  assert.equal(at(336), 'padding', 'the lowest byte of the frame, below the locals');
  assert.equal(at(337), null, 'below the frame: not this frame');
  assert.equal(k.ksw.origins.describe(fn, cfa, cfa), null, 'the caller\'s frame: not this one');
});
