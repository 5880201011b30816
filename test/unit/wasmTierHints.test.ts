// Branch hints of the wasm tier's functions (encoder.ts): a translation
// carries its hints after the function's bytes; moduleBytes puts them in the
// module's "metadata.code.branch_hint" section, each at the offset of its
// `if` in the function, and the module runs as without them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, functionBytes, I32, moduleBytes, Op } from '../../simulator/cpu/wasm/encoder';
import { instantiateWasmWith, newFuncTable, validWasm } from '../../simulator/cpu/wasmInstance';
import { WasmBacking } from '../../simulator/memory/wasmBacking';

/** () -> i32: 7 if local 0 (zero) is nonzero, else 9 — its `if` hinted `likely`. */
function hinted(likely: boolean): { code: Code; ifAt: number } {
  const c = new Code();
  c.get(0);
  const ifAt = c.length;
  c.hint(likely).op(Op.If, I32).i32(7).op(Op.Else).i32(9).op(Op.End);
  return { code: c, ifAt };
}

const IMPORTS = [{ params: [I32], results: [] }];
const env = { e: { m: new WasmBacking(65536).memory, f0: () => undefined, t: newFuncTable(0) } };

/** The branch hint section's bytes in a module (after its name), or null. */
function hintSection(module: Uint8Array): number[] | null {
  const name = Array.from('metadata.code.branch_hint', (c) => c.charCodeAt(0));
  for (let at = 8; at < module.length;) {
    const id = module[at];
    let size = 0, shift = 0, p = at + 1;
    for (;;) { const b = module[p++]; size |= (b & 127) << shift; shift += 7; if (b < 128) break; }
    if (id === 0 && module[p] === name.length && name.every((ch, i) => module[p + 1 + i] === ch)) {
      return Array.from(module.subarray(p + 1 + name.length, p + size));
    }
    at = p + size;
  }
  return null;
}

test('a function\'s hints reach the module\'s hint section at its if\'s offset, for its index', () => {
  const a = hinted(false), b = hinted(true);
  const plain = functionBytes([[1, I32]], new Code().i32(5));
  const fa = functionBytes([[1, I32]], a.code), fb = functionBytes([[1, I32]], b.code);
  const module = moduleBytes(IMPORTS, [fa, plain, fb]);
  assert.ok(validWasm(module));
  // functions 1 and 3 (after the one import); the offsets count from the locals (3 bytes: 1 group, [1, i32]), as V8 reads them
  assert.deepEqual(hintSection(module), [2, 1, 1, 3 + a.ifAt, 1, 0, 3, 1, 3 + b.ifAt, 1, 1]);
  const exports = instantiateWasmWith(module, env);
  assert.deepEqual([0, 1, 2].map((i) => (exports[String(i)] as () => number)()), [9, 5, 9]);
  assert.equal(hintSection(moduleBytes(IMPORTS, [plain])), null, 'no hints, no section');
});

test('a translation cut short (a damaged stored one) makes no valid module, unless exactly its hints are cut', () => {
  const f = functionBytes([[1, I32]], hinted(false).code);
  const trailer = 9; // the hints (count, offset, 1, value), their length (u32), HINTED: cut, the plain function is left
  for (let cut = 1; cut < f.length; cut++) {
    assert.equal(validWasm(moduleBytes(IMPORTS, [f.subarray(0, f.length - cut)])), cut === trailer, `cut ${cut}`);
  }
});
