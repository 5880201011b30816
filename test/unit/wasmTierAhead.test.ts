// A big block store's wasm modules compiled on a worker thread while the
// program runs (cpu/wasm/compileAhead.ts, storedModules.ts AHEAD_FROM).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompileAhead, compileAheadStats, prestartCompileAhead } from '../../simulator/cpu/wasm/compileAhead';
import { AHEAD_FROM, AHEAD_STARTED_FROM, GROUP, StoredModules } from '../../simulator/cpu/wasm/storedModules';
import { instantiateCompiled } from '../../simulator/cpu/wasmInstance';

/** A module exporting `f`, () -> i32 returning `k` (0-63: one LEB byte). */
function constModule(k: number): Uint8Array {
  return Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7f, 3, 2, 1, 0, 7, 5, 1, 1, 0x66, 0, 0,
    10, 6, 1, 4, 0, 0x41, k, 0x0b);
}

/** Distinct stand-ins for stored functions (StoredModules only groups them and hands them on). */
const funcs = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => Uint8Array.of(i & 0xff, i >> 8));

test('a store of AHEAD_FROM groups starts compiling them elsewhere at once, in file order, and instantiates what comes back', () => {
  const stored = funcs(AHEAD_FROM * GROUP + 3);
  let started: (readonly Uint8Array[])[] = [];
  const modules = new Map<number, object | null | undefined>([[0, { compiled: 0 }], [1, null]]); // 1: it did not compile; others: not started there
  const made: [number, object | null | undefined][] = [];
  const store = new StoredModules(stored, (group, module) => {
    made.push([stored.indexOf(group[0]) / GROUP, module]);
    return module === null ? null : group.map((_, i) => () => i);
  }, (groups) => {
    started = groups.map((g) => [...g]);
    return { take: (g) => modules.get(g) };
  });
  assert.equal(started.length, AHEAD_FROM + 1);
  assert.deepEqual(started.flat(), stored);
  assert.equal(store.runOf(stored[GROUP + 5]), null, 'a group whose module did not compile runs through the batches');
  assert.equal(store.runOf(stored[5])!(), 5);
  assert.equal(store.runOf(stored[2 * GROUP + 1])!(), 1);
  assert.deepEqual(made, [[1, null], [0, { compiled: 0 }], [2, undefined]], 'group 2: compiled by the main thread (no module given)');
});

test('a smaller store compiles its modules itself when asked', () => {
  const stored = funcs(AHEAD_FROM * GROUP - 1);
  let asked = false;
  const store = new StoredModules(stored, (group) => group.map(() => () => 7), () => { asked = true; return { take: () => undefined }; });
  assert.equal(asked, false);
  assert.equal(store.runOf(stored[0])!(), 7);
});

test('the worker compiles every module not taken from it; the main thread gets the module it compiled, or compiles itself one the worker had not started', async () => {
  const n = 6, bad = 4;
  const bytes = Array.from({ length: n }, (_, i) => (i === bad ? Uint8Array.of(0, 0x61, 0x73, 0x6d, 9) : constModule(10 + i)));
  const ahead = new CompileAhead(n, (i) => bytes[i]);
  // (sent as copies: moving a buffer to the worker would detach it here, see CompileAhead)
  assert.deepEqual(bytes.map((b) => b.byteLength > 0), bytes.map(() => true), 'no buffer sent was detached');
  const first = ahead.take(0); // (the worker may or may not have begun: either is right)
  if (first !== undefined) assert.equal((instantiateCompiled(first!, {}).f as () => number)(), 10);
  await ahead.finished();
  for (let i = 1; i < n; i++) {
    const module = ahead.take(i);
    if (i === bad) { assert.equal(module, null, 'bytes that are no module come back as null'); continue; }
    assert.ok(module !== undefined && module !== null, `module ${i} was compiled by the worker`);
    assert.equal((instantiateCompiled(module, {}).f as () => number)(), 10 + i);
  }
  assert.equal(ahead.take(1), undefined, 'a module is taken once');
});

test('a worker started ahead waits for its modules, and the next CompileAhead compiles them on it', async () => {
  prestartCompileAhead();
  const ahead0 = compileAheadStats.startedAhead;
  const n = 3;
  const ahead = new CompileAhead(n, (i) => constModule(20 + i));
  assert.equal(compileAheadStats.startedAhead, ahead0 + 1, 'the worker started ahead was used');
  await ahead.finished();
  for (let i = 0; i < n; i++) {
    const module = ahead.take(i);
    assert.ok(module !== undefined && module !== null, `module ${i} was compiled by the worker`);
    assert.equal((instantiateCompiled(module, {}).f as () => number)(), 20 + i);
  }
  const next = new CompileAhead(1, () => constModule(30));
  assert.equal(compileAheadStats.startedAhead, ahead0 + 1, 'a worker started ahead serves one CompileAhead');
  await next.finished();
  assert.equal((instantiateCompiled(next.take(0)!, {}).f as () => number)(), 30);
});

test('with a worker started ahead, a store of AHEAD_STARTED_FROM groups has it compile them; a store of fewer does not', async () => {
  const startAt = (n: number): boolean => {
    let asked = false;
    new StoredModules(funcs(n), (group) => group.map(() => () => 0), () => { asked = true; return { take: () => undefined }; });
    return asked;
  };
  prestartCompileAhead();
  assert.equal(startAt(AHEAD_STARTED_FROM * GROUP - 1), false, 'one group and a few functions: compiled when asked');
  assert.equal(startAt(AHEAD_STARTED_FROM * GROUP), true, 'the worker started ahead compiles them');
  // (the worker started ahead is the next CompileAhead's: use it, so it ends)
  const ahead = new CompileAhead(1, () => constModule(1));
  await ahead.finished();
  assert.equal(startAt(AHEAD_STARTED_FROM * GROUP), false, 'none started ahead: below AHEAD_FROM groups');
});
