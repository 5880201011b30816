// Wasm blocks chained to wasm blocks without the JS dispatcher (the wasm
// tier, tier.ts). Every wasm block's function has a slot in one table of
// functions; the CPU's dispatch table (cpu.ts run) lies in the wasm memory,
// with a third word per entry: the entry's table slot and length, or -1 for
// a JS block. Entering a wasm block means calling this module's `chain`: it
// calls the block through the table and, while nothing trapped, looks the
// next RIP up in the dispatch table exactly as Cpu.run would, and calls the
// block found there if it is wasm and fits the budget left — otherwise it
// returns, and Cpu.run goes on where it would have been had every block
// returned to it (a miss, a cold or JS block, the budget ending inside the
// next block, a trap). So a run stops at the same instruction, with the
// same lookups (coverage, hot counts) as without chaining: only the trips
// through JS between two wasm blocks are gone.

import { Code, I32, name, Op, section, uleb } from './encoder';
import { FuncTable, instantiateWasmWith, newFuncTable } from '../wasmInstance';
import { RegSlot } from '../registers';

/** Byte offsets in the wasm memory the dispatcher reads and writes, and the dispatch table's index mask. */
export interface ChainLayout {
  R: number; T: number; W: number;
  /** The dispatch table's three word arrays: RIP low and high halves, and chainWord (or -1). */
  dLo: number; dHi: number; dChain: number;
  mask: number;
}

/** W's word with the instructions the chain retired before the block running now (tier.ts's stack hook adds them). */
export const CHAIN_COUNT_WORD = 2;
/** W's word counting the blocks entered from the chain rather than from Cpu.run (KSW_WASM=stats, tests). */
export const CHAINED_WORD = 3;
/** W's word counting the chain's entries from Cpu.run. */
export const ENTERED_WORD = 4;

/** Dispatch entries carry a block's length in the low bits of their chain word. */
const LENGTH_BITS = 7;

/** A dispatch entry's chain word for a wasm block in table slot `index`, or -1 when too long to say. */
export function chainWord(index: number, length: number): number {
  return index >= 0 && length < 1 << LENGTH_BITS ? index * (1 << LENGTH_BITS) + length : -1;
}

/** The table of the wasm blocks' functions and the dispatcher that chains them. */
export class WasmChain {
  private readonly table: FuncTable;
  private readonly free: number[] = [];
  /** What each table slot's owner is told when the slot is taken back. */
  private readonly owners: (((index: number) => void) | null)[] = [];
  /** Run the block in table slot `index` and the wasm blocks after it; the instructions retired. */
  readonly enter: (index: number) => number;

  constructor(memory: unknown, layout: ChainLayout) {
    this.table = newFuncTable(0);
    const exported = instantiateWasmWith(dispatcherModule(layout), { e: { m: memory, t: this.table } }).chain;
    this.enter = exported as (index: number) => number;
  }

  /** A table slot for a block's function; `released` is called when the slot is taken back (release, releaseAll). */
  add(fn: unknown, released: (index: number) => void): number {
    let index = this.free.pop();
    if (index === undefined) {
      index = this.table.length;
      this.table.grow(Math.max(16, index));
      for (let i = this.table.length - 1; i > index; i--) this.free.push(i);
    }
    this.table.set(index, fn);
    this.owners[index] = released;
    return index;
  }

  /**
   * Take a slot back (its block was dropped: the dispatch table no longer
   * names it). The function goes out of the table, so a dropped block's
   * module can be collected and its slot never runs another's code.
   */
  release(index: number): void {
    const owner = this.owners[index];
    if (owner === null || owner === undefined) return;
    this.owners[index] = null;
    this.table.set(index, null);
    this.free.push(index);
    owner(index);
  }

  /** Take every slot back (the CPU dropped all its blocks). */
  releaseAll(): void {
    for (let i = 0; i < this.owners.length; i++) this.release(i);
  }
}

/**
 * The dispatcher: chain(index) → instructions retired. Locals: 0 index
 * (param), 1 count, 2 budget (T[1] at entry), 3 left, 4 RIP low, 5 slot
 * (byte offset in the dispatch arrays), 6 chain word.
 */
function dispatcherModule(L: ChainLayout): Uint8Array {
  const c = new Code();
  const INDEX = 0, COUNT = 1, BUDGET = 2, LEFT = 3, LO = 4, SLOT = 5, WORD = 6;
  const BLOCK_TYPE = 0;
  c.i32(0).mem(Op.I32Load, L.T + 4).set(BUDGET);
  c.i32(0).i32(0).mem(Op.I32Load, L.W + 4 * ENTERED_WORD).i32(1).op(Op.I32Add).mem(Op.I32Store, L.W + 4 * ENTERED_WORD);
  c.op(Op.Block, 0x40).op(Op.Loop, 0x40);
  // the count so far where the stack hook can read it (the insnCount host code sees)
  c.i32(0).get(COUNT).mem(Op.I32Store, L.W + 4 * CHAIN_COUNT_WORD);
  c.get(COUNT).get(INDEX).op(Op.CallIndirect, ...uleb(BLOCK_TYPE), 0).op(Op.I32Add).set(COUNT);
  c.i32(0).mem(Op.I32Load, L.T).brIf(1);
  c.get(BUDGET).get(COUNT).op(Op.I32Sub).set(LEFT);
  // Cpu.run's lookup: the same hash of RIP, the same table
  c.i32(0).mem(Op.I32Load, L.R + 4 * RegSlot.RIP).tee(LO).get(LO).i32(14).op(Op.I32ShrU, Op.I32Xor)
    .i32(L.mask).op(Op.I32And).i32(2).op(Op.I32Shl).set(SLOT);
  c.get(SLOT).mem(Op.I32Load, L.dLo).get(LO).op(Op.I32Ne).brIf(1);
  c.get(SLOT).mem(Op.I32Load, L.dHi).i32(0).mem(Op.I32Load, L.R + 4 * RegSlot.RIP + 4).op(Op.I32Ne).brIf(1);
  c.get(SLOT).mem(Op.I32Load, L.dChain).tee(WORD).i32(0).op(Op.I32LtS).brIf(1); // a JS block
  c.get(WORD).i32((1 << LENGTH_BITS) - 1).op(Op.I32And).get(LEFT).op(Op.I32GtS).brIf(1); // the budget ends inside it
  c.get(WORD).i32(LENGTH_BITS).op(Op.I32ShrU).set(INDEX);
  c.i32(0).get(LEFT).mem(Op.I32Store, L.T + 4);
  c.i32(0).i32(0).mem(Op.I32Load, L.W + 4 * CHAINED_WORD).i32(1).op(Op.I32Add).mem(Op.I32Store, L.W + 4 * CHAINED_WORD);
  c.br(0);
  c.op(Op.End, Op.End);
  c.get(COUNT);
  const func = [1, 6, I32, ...c.bytes(), Op.End];
  const types = [2, 0x60, 0, 1, I32, 0x60, 1, I32, 1, I32];
  const imports = [2, ...name('e'), ...name('m'), 2, 0, 0, ...name('e'), ...name('t'), 1, 0x70, 0, 0];
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, [1, 1]),
    ...section(7, [1, ...name('chain'), 0, 0]),
    ...section(10, [1, ...uleb(func.length), ...func]),
  ]);
}
