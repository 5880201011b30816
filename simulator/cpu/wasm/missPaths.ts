// The wasm tier's TLB-miss paths, out of line (memoryOps.ts): one small
// module per tier whose functions every block module imports, so a load or
// store in a trace inlines only its hit path and one call. A store's miss
// path inline was ~170 bytes (the watched-range check, a second store, the
// accessor's arguments, the trap's import call): with it, V8's TurboFan took
// ~2.5x as long over kmix's traces (its register allocator, ~56 % of the
// time, grows faster than a function's size), and a warm run's TurboFan
// work on background threads is more than the guest code's own time.
// Wasm-to-wasm calls across instances go straight to the callee's code.

import { Code, functionBytes, FuncType, I32, I64, i64StoreOp, MEMORY_IMPORT, name, Op, section, typeSection, uleb } from './encoder';
import { FAULT_BIT, LOAD_MISS_TYPE, STORE_MISS_TYPE } from './context';

/** Byte offsets the miss paths use: the write TLB's entries, the trap words, the scratch word. */
export interface MissLayout { wTlb: number; T: number; W: number }

/** The miss paths' exports, in the order of Import.LoadMiss… (context.ts). */
export const MISS_EXPORTS = ['l', 's1', 's2', 's4', 's8'] as const;

// the module's own imports (tier.ts's accessors): load, store, trapAt
const IMPORTS: FuncType[] = [
  { params: [I32, I32, I32, I32, I32], results: [I32] },
  { params: [I32, I32, I32, I32, I32, I32, I32], results: [] },
  { params: [I32, I32], results: [] },
];
const enum Imported { Load = 0, Store = 1, TrapAt = 2 }

/** The module: imports memory e.m and the accessors e.f0 (load), e.f1 (store), e.f2 (trapAt); exports MISS_EXPORTS. */
export function missPathsModule(L: MissLayout): Uint8Array {
  const bodies = [loadMiss(L), ...[1, 2, 4, 8].map((w) => storeMiss(L, w))];
  const types = [...IMPORTS, LOAD_MISS_TYPE, STORE_MISS_TYPE];
  const typeSec = typeSection(types);
  const importSec = [IMPORTS.length + 1, ...MEMORY_IMPORT,
    ...IMPORTS.flatMap((_, i) => [...name('e'), ...name(`f${i}`), 0, i])];
  const funcSec = [bodies.length, IMPORTS.length, ...bodies.slice(1).map(() => IMPORTS.length + 1)];
  const exportSec = [MISS_EXPORTS.length, ...MISS_EXPORTS.flatMap((n, i) => [...name(n), 0, ...uleb(IMPORTS.length + i)])];
  const codeSec = [bodies.length, ...bodies.flatMap((b) => [...uleb(b.length), ...b])];
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...section(1, typeSec), ...section(2, importSec),
    ...section(3, funcSec), ...section(7, exportSec), ...section(10, codeSec)]);
}

/** The accessor's value, the high word from W[0] for 8 bytes (tier.ts load). Params: w, ad, ipLo, ipHi. */
function loadMiss(L: MissLayout): Uint8Array {
  const c = new Code();
  c.get(0).get(1).op(Op.I32WrapI64).get(1).i64(32, 0).op(Op.I64ShrU, Op.I32WrapI64).get(2).get(3).call(Imported.Load).op(Op.I64ExtendI32U);
  c.get(0).i32(8).op(Op.I32Eq).op(Op.If, I64);
  c.i32(0).mem(Op.I64Load32U, L.W).i64(32, 0).op(Op.I64Shl);
  c.op(Op.Else).i64(0, 0).op(Op.End).op(Op.I64Or);
  return functionBytes([], c); // (no branch hints: the bytes are the code section's entry)
}

/**
 * A w-byte store that missed the write TLB's inline check: off the slot's
 * page, crossing out of it, or at or above the page's watched range
 * (memory/wasmWriteTlb.ts). On the page and outside the range (start | end
 * << 16 in the entry's last word) the store is done here, in wasm — an armed
 * canary's stack page takes its caller's stores — else the accessor does it
 * (filling the TLB, trapping on a watch, faulting). Then, as a JS block after
 * a store, a set trap bit names this store (trapAt). Params: ad, v, ipLo,
 * ipHi; locals: lo32, slot offset, T[0], page offset, the entry's last word.
 */
function storeMiss(L: MissLayout, w: number): Uint8Array {
  const c = new Code(), LO = 4, S = 5, ST = 6, O = 7, WR = 8, at = L.wTlb;
  c.op(Op.Block, 0x40).op(Op.Block, 0x40); // (the tail; the accessor's call)
  c.get(0).op(Op.I32WrapI64).tee(LO).i32(8).op(Op.I32ShrU).i32(0xfff0).op(Op.I32And).tee(S).mem(Op.I32Load, at + 12).set(WR);
  // the slot maps the address's page: ad + K = offset + 4096 - start
  c.get(S).mem(Op.I64Load, at).get(0).op(Op.I64Add);
  c.get(LO).i32(4095).op(Op.I32And).tee(O).i32(4096).op(Op.I32Add).get(WR).i32(0xffff).op(Op.I32And, Op.I32Sub, Op.I64ExtendI32U);
  c.op(Op.I64Ne).brIf(0);
  if (w > 1) c.get(O).i32(4096 - w).op(Op.I32GtU).brIf(0); // crosses into the next page
  // the range overlaps the w bytes: offset < end && offset + w > start
  c.get(O).get(WR).i32(16).op(Op.I32ShrU, Op.I32LtU);
  c.get(O).i32(w).op(Op.I32Add).get(WR).i32(0xffff).op(Op.I32And, Op.I32GtU);
  c.op(Op.I32And).brIf(0);
  c.get(S).mem(Op.I32Load, at + 8).get(LO).op(Op.I32Add).get(1);
  c.mem(i64StoreOp(w), 0);
  c.br(1);
  c.op(Op.End);
  c.i32(w).get(LO).get(0).i64(32, 0).op(Op.I64ShrU, Op.I32WrapI64);
  c.get(1).op(Op.I32WrapI64).get(1).i64(32, 0).op(Op.I64ShrU, Op.I32WrapI64).get(2).get(3).call(Imported.Store);
  c.op(Op.End);
  c.i32(0).mem(Op.I32Load, L.T).tee(ST).i32(FAULT_BIT).op(Op.I32And, Op.I32Eqz).get(ST).i32(0).op(Op.I32Ne, Op.I32And); // a trap, not a fault
  c.op(Op.If, 0x40).get(2).get(3).call(Imported.TrapAt).op(Op.End);
  c.get(ST);
  return functionBytes([[5, I32]], c);
}
