// The wasm tier's translator (on unless KSW_WASM=0; tier.ts): a trace
// block (compiler.ts) that uses only the subset the instruction families
// cover (ops/) and control.ts's transfers becomes one WebAssembly function. Guest registers live in i64
// locals for the whole call; loads and stores inline the TLB hit path on the
// guest's physical memory (memoryOps.ts); flags are lazy (flags.ts), and the
// one exit site writes back the registers and the six flags current where
// the block left (the instruction count `xn` picks the case), as the JS
// blocks do — so a fault, a trap or a side exit sees exact flags and
// registers. The pieces, in the order they build on each other:
// context.ts → flags.ts → memoryOps.ts → control.ts → this file.
//
// Anything outside the subset returns null and the block stays JS.

import { FlowControl } from 'iced-x86';
import { Insn } from '../decode';
import { Code, functionBytes, Op, VOID } from './encoder';
import { Kind } from './flags';
import { LazyKind, lazyOp, PendingSlot } from '../lazyFlags';
import { Import, IMPORT_TYPES, Unsupported, WasmLayout } from './context';
import { chainExit } from './chain';
import { ControlCode, wasmSkipStats } from './control';
import { WASM_OPS } from './ops/index';
import { REPEATABLE } from './ops/string';
import { lockable } from './ops/atomic';

export type { WasmLayout } from './context';
export { Import, IMPORT_TYPES } from './context';

/** The flag producers whose flags an exit may leave pending (lazyFlags.ts), as the JS tier's emit/alu.ts does. */
const LAZY_KIND: Partial<Record<Kind, LazyKind>> = { [Kind.Add]: LazyKind.ADD, [Kind.Sub]: LazyKind.SUB, [Kind.Logic]: LazyKind.LOGIC, [Kind.Neg]: LazyKind.NEG };

/** KSW_WASM=why: say which instruction kept each trace in JS. */
const WHY = typeof process !== 'undefined' && process.env.KSW_WASM === 'why';

/**
 * Compile a trace (compiler.ts: the instructions of a block starting at lo:hi) to a wasm function
 * (encoder.ts functionBytes: tier.ts puts several in one module),
 * or null when too little of it is within the subset. A trace is translated whole, or else up to
 * the first instruction outside the subset (at least MIN_PREFIX instructions): the code leaves
 * there and the dispatcher runs the rest, as after a side exit.
 */
export function translateTrace(trace: Insn[], lo: number, hi: number, layout: WasmLayout): Uint8Array | null {
  const backEdge = trace.findIndex((d) => d.targetLo === lo && d.targetHi === hi &&
    (d.flowControl === FlowControl.ConditionalBranch || d.flowControl === FlowControl.UnconditionalBranch));
  const whole = translate(trace, lo, hi, trace.length, backEdge, layout);
  if (typeof whole !== 'number') return whole;
  if (whole < MIN_PREFIX) return null;
  const prefix = translate(trace.slice(0, whole), lo, hi, trace.length, backEdge < whole ? backEdge : -1, layout);
  return typeof prefix === 'number' ? null : prefix;
}

/** Translations that took two passes (a flag carried from the round before; test/unit/wasmTier.test.ts). */
export const twoPassStats = { translations: 0 };

/** Fewest instructions worth a function of their own (a dispatcher trip and a wasm call each way). */
const MIN_PREFIX = 4;

/**
 * The function, or the position of the first instruction outside the subset. A loop whose round reads
 * a flag before the instruction that writes it (the previous round's, flags.ts source) is
 * translated twice: the first pass's producers are the plan the second reads them from.
 */
function translate(insns: Insn[], lo: number, hi: number, length: number, backEdge: number, layout: WasmLayout): Uint8Array | number {
  let t = new Translator(insns, lo, hi, length, backEdge, layout);
  try {
    const bytes = t.function();
    if (!t.needsPlan) { wasmSkipStats.translated += t.skips; return bytes; }
    const plan = t.producers;
    t = new Translator(insns, lo, hi, length, backEdge, layout);
    t.plan = plan;
    const planned = t.function();
    twoPassStats.translations++;
    wasmSkipStats.translated += t.skips;
    return planned;
  } catch (e) {
    if (!(e instanceof Unsupported)) throw e;
    if (WHY) process.stderr.write(`wasm tier: left to JS at ${insns[t.k].text}\n`);
    return t.k;
  }
}

class Translator extends ControlCode {
  function(): Uint8Array {
    const n = this.insns.length, c = this.c;
    // body first (registers are discovered as it goes), prologue prepended afterwards
    this.open(Op.Block); this.exitNest = this.nest;
    this.open(Op.Loop); this.topNest = this.nest;
    for (let j = 0; j < n; j++) { this.k = j; this.joinAt(j); this.insn(this.insns[j], j, j === n - 1); }
    this.checkPlan();
    c.op(Op.Unreachable);
    this.end(); this.end();
    const readsF = this.readsF; // (the body's reads: the exit site settles for its own)
    this.epilogue();
    // prologue: registers into locals (discovered by the body)
    const prologue = new Code();
    // flags a block left pending (lazyFlags.ts) into F's slots when this code reads one or leaves one as it was
    if (readsF) prologue.i32(0).mem(Op.I32Load, this.L.F + 4 * PendingSlot.OP).hint(false).op(Op.If, VOID).call(Import.Settle).op(Op.End);
    for (const [r, l] of this.gpr) prologue.i32(0).mem(Op.I64Load, this.L.R + 8 * r).set(l);
    const groups: [number, number][] = [];
    for (const t of this.localTypes) {
      if (groups.length > 0 && groups[groups.length - 1][1] === t) groups[groups.length - 1][0]++;
      else groups.push([1, t]);
    }
    return functionBytes(groups, prologue.append(c));
  }

  private insn(d: Insn, j: number, last: boolean): void {
    if ((d.lock && !lockable(d)) || ((d.rep || d.repne) && !REPEATABLE.has(d.mnemonic))) throw new Unsupported();
    if (this.control(d, j, last)) return;
    const op = WASM_OPS[d.mnemonic];
    if (op === undefined) throw new Unsupported();
    op(this, d, j);
    if (last) this.exitTo(j + 1, d.nextLo, d.nextHi); // (the trace ended: a length limit, a loop, a probe or host function ahead)
  }

  /** Where each flag comes from at exit position `pos` (flags.ts source: the code flag() makes depends on nothing else). */
  private flagSources(pos: number): string {
    let key = '';
    for (let f = 0; f < 6; f++) {
      const src = this.source(f, pos);
      key += src === null ? 'F,' : src.now >= 0 ? `${src.now},` : `c${src.carried},`;
    }
    return key;
  }

  /**
   * At exit position `pos`: when one add, sub/cmp, logic instruction or neg made all six flags,
   * leave them pending as a JS block does (lazyFlags.ts: the operation and its inputs, computed
   * only when read — the next block's first flag write usually drops them) rather than compute
   * them all here: the exit site's flag code was ~20 % of the translations' bytes.
   */
  private leavePending(pos: number): boolean {
    const first = this.source(0, pos);
    if (first === null || first.now < 0) return false;
    for (let f = 1; f < 6; f++) if (this.source(f, pos)?.now !== first.now) return false;
    const p = this.producers[first.now]!;
    const kind = p.join !== undefined || p.cnt >= 0 ? undefined : LAZY_KIND[p.kind];
    if (kind === undefined) return false;
    const c = this.c, F = this.L.F;
    c.i32(0).get(kind === LazyKind.LOGIC ? p.r : p.a).mem(Op.I64Store, F + 4 * PendingSlot.A);
    if (kind === LazyKind.ADD || kind === LazyKind.SUB) c.i32(0).get(p.b).mem(Op.I64Store, F + 4 * PendingSlot.B);
    c.i32(0).i32(lazyOp(kind, p.w)).mem(Op.I32Store, F + 4 * PendingSlot.OP);
    return true;
  }

  private epilogue(): void {
    const c = this.c, L = this.L;
    for (const r of this.written) c.i32(0).get(this.gpr.get(r)!).mem(Op.I64Store, L.R + 8 * r);
    // the flags current at the exit: one case per set of producers — positions with the same
    // producer of each flag (a run of loads and stores, each a fault exit) share their case
    const n = this.insns.length;
    const cases: number[] = [], caseOf = new Map<string, number>(), table: number[] = [];
    for (let pos = 0; pos <= n; pos++) {
      if (!this.exitAt.has(pos)) { table.push(-1); continue; }
      const key = this.flagSources(pos);
      let at = caseOf.get(key);
      if (at === undefined) { caseOf.set(key, at = cases.length); cases.push(pos); }
      table.push(at);
    }
    this.open(Op.Block); // done
    const doneNest = this.nest;
    for (let i = cases.length; i >= 0; i--) this.open(Op.Block); // one per case, the outermost the default
    c.get(this.xn).brTable(table.map((at) => at < 0 ? cases.length : at), cases.length);
    for (const pos of cases) {
      this.end();
      if (!this.leavePending(pos)) this.exitFlags(pos);
      c.br(this.nest - doneNest);
    }
    this.end(); // the default case: no such position
    c.op(Op.Unreachable);
    this.end(); // done
    c.get(this.xfault).op(Op.I32Eqz);
    this.open(Op.If);
    c.i32(0).get(this.xip).mem(Op.I64Store, L.R + 4 * 32);
    this.end();
    c.get(this.base).get(this.xn).op(Op.I32Add).get(this.skipped).op(Op.I32Sub);
    chainExit(c, L, this.xip, IMPORT_TYPES.length, (t) => this.local(t));
  }

  /**
   * The flags at exit position `pos` into F's slots. Flags the code did not write stay as
   * they are there — pending ones too (lazyFlags.ts), unless the exit writes others or reads
   * F (a flag carried from a round before the first): then they are settled first.
   */
  private exitFlags(pos: number): void {
    const c = this.c, F = this.L.F;
    const sources = [0, 1, 2, 3, 4, 5].map((f) => this.source(f, pos));
    if (sources.every((s) => s === null)) return;
    if (sources.some((s) => s === null || s.now < 0)) {
      c.i32(0).mem(Op.I32Load, F + 4 * PendingSlot.OP).hint(false);
      this.open(Op.If);
      c.call(Import.Settle);
      this.end();
    } else c.i32(0).i32(0).mem(Op.I32Store, F + 4 * PendingSlot.OP); // (all six written: pending ones are dropped)
    for (let f = 0; f < 6; f++) {
      if (sources[f] === null) continue;
      c.i32(0);
      this.flag(f, pos);
      c.mem(Op.I32Store, F + 4 * f);
    }
  }
}
