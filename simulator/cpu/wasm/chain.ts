// Wasm blocks chained to wasm blocks without the JS dispatcher (the wasm
// tier, tier.ts). Every wasm block's function has a slot in one table of
// functions, which each block module imports; the CPU's dispatch table
// (cpu.ts run) lies in the wasm memory, each entry with a chain word: the
// entry's table slot and length, or -1 for a JS block. A wasm block ends
// with chainExit's code: while nothing trapped, it looks the next RIP up in
// the dispatch table exactly as Cpu.run would, and tail-calls
// (return_call_indirect) the block found there if it is wasm and fits the
// budget left — otherwise it returns (tier.ts tells Cpu.run the
// instructions the chain retired), and Cpu.run goes on where it would have
// been had every block returned to it (a miss, a cold or JS block, the
// budget ending inside the next block, a trap). So a run stops at the same
// instruction, with the same lookups (coverage, hot counts) as without
// chaining: only the trips through JS between two wasm blocks are gone.
// Each block has its own indirect jump to the next (no central
// dispatcher's call and return): the host's branch predictor learns each
// block's successors apart, and the host stack stays as it is however long
// the chain.

import { Code, I32, Op } from './encoder';
import { FuncTable, newFuncTable } from '../wasmInstance';

/** Byte offsets in the wasm memory the chain code reads and writes, and the dispatch table's index mask. */
export interface ChainLayout {
  T: number; W: number;
  /** The dispatch table: DISPATCH_STRIDE words per entry, RIP low and high halves and chainWord (or -1). */
  dispatch: number;
  mask: number;
}

/** Words per dispatch entry (a power of two: one cache line holds whole entries). */
export const DISPATCH_STRIDE = 4;

/**
 * W's word with the budget T[1] when Cpu.run entered the chain: T[1] drops by
 * each block's instructions as the chain goes on, so the chain retired
 * W[CHAIN_BUDGET_WORD] - T[1] before the block running now (tier.ts: what
 * the chain returns, what the stack hook adds).
 */
export const CHAIN_BUDGET_WORD = 2;
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

/**
 * The dispatch slot of a RIP's low half in a direct-mapped table of `mask + 1` entries (Cpu.run's, step's).
 * chainExit builds the same hash in wasm.
 */
export function dispatchSlot(lo: number, mask: number): number {
  return (lo ^ (lo >>> 14)) & mask;
}

/**
 * A wasm block's last code, with the instructions it retired on the stack
 * and its exit RIP in the i64 local `xip` (valid unless a trap bit is set:
 * a fault leaves it unset). Leaves the function: returns the instructions
 * it retired, or tail-calls the next block with the budget T[1] brought
 * down by them (see CHAIN_BUDGET_WORD). `blockType`: the index of the
 * blocks' type () -> i32 in the module (encoder.ts moduleBytes); `local`
 * allocates a local of the function.
 */
export function chainExit(c: Code, L: ChainLayout, xip: number, blockType: number, local: (type: number) => number): void {
  const RET = local(I32), LEFT = local(I32), LO = local(I32), SLOT = local(I32), WORD = local(I32);
  const CHAINED = L.W + 4 * CHAINED_WORD;
  c.set(RET);
  c.op(Op.Block, 0x40);
  c.i32(0).mem(Op.I32Load, L.T).brIf(0);
  c.i32(0).mem(Op.I32Load, L.T + 4).get(RET).op(Op.I32Sub).set(LEFT);
  // Cpu.run's lookup: the same hash of RIP, the same table
  c.get(xip).op(Op.I32WrapI64).tee(LO).get(LO).i32(14).op(Op.I32ShrU, Op.I32Xor)
    .i32(L.mask).op(Op.I32And).i32(Math.log2(4 * DISPATCH_STRIDE)).op(Op.I32Shl).set(SLOT);
  c.get(SLOT).mem(Op.I64Load, L.dispatch).get(xip).op(Op.I64Ne).brIf(0); // (the entry's RIP halves, little-endian: an i64)
  c.get(SLOT).mem(Op.I32Load, L.dispatch + 8).tee(WORD).i32(0).op(Op.I32LtS).brIf(0); // a JS block
  c.get(WORD).i32((1 << LENGTH_BITS) - 1).op(Op.I32And).get(LEFT).op(Op.I32GtS).brIf(0); // the budget ends inside it
  c.i32(0).get(LEFT).mem(Op.I32Store, L.T + 4);
  c.i32(0).i32(0).mem(Op.I32Load, CHAINED).i32(1).op(Op.I32Add).mem(Op.I32Store, CHAINED);
  c.get(WORD).i32(LENGTH_BITS).op(Op.I32ShrU);
  c.op(Op.ReturnCallIndirect).u(blockType).u(0);
  c.op(Op.End);
  c.get(RET);
}

/** The table of the wasm blocks' functions (each block module imports it as e.t). */
export class WasmChain {
  readonly table: FuncTable = newFuncTable(0);
  private readonly free: number[] = [];
  /** What each table slot's owner is told when the slot is taken back. */
  private readonly owners: (((index: number) => void) | null)[] = [];

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
