// The wasm tier's control transfers (translate.ts), mirroring compiler.ts's
// traces: direct jumps and calls are traced through (a call pushes its
// return address and the trace goes on in the callee), a `ret` the trace
// predicted pops, compares with the prediction and leaves when it differs
// (so does an indirect call or jump to the target the trace guessed),
// conditional branches are side exits — or the loop's way round, with the
// budget check that makes a run stop exactly where the JS block would, or a
// jump to a later instruction of the trace (skipFrom: the JS block leaves
// there, the wasm code goes on without counting what it skipped). The
// instruction that ends the trace leaves for wherever it goes.

import { FlowControl, Mnemonic } from 'iced-x86';
import { Insn, OpKind } from '../decode';
import { Gpr, RegSlot } from '../registers';
import { I32, I64, Op } from './encoder';
import { HookBit, Import, Unsupported, WasmLayout } from './context';
import { MemoryCode } from './memoryOps';
import { Kind, Producer } from './flags';

/** Forward branches inside traces that jump there instead of leaving, in the translations made (translate.ts; test/unit/wasmTier.test.ts). */
export const wasmSkipStats = { translated: 0 };

const LOOP_INSN_LIMIT = 8192; // as compiler.ts

export class ControlCode extends MemoryCode {
  /**
   * `length`: the whole trace's, which the JS block's budget check uses (the code may be shorter:
   * a loop's round alone). `backEdge`: the branch that goes round again (the first one back to
   * the start), or -1.
   */
  constructor(insns: Insn[], readonly lo: number, readonly hi: number, readonly length: number, readonly backEdge: number, L: WasmLayout) {
    super(insns, L);
    this.roundEnd = backEdge + 1;
  }

  /** A control transfer at position j (`last`: it ends the trace); false when d is not one. */
  control(d: Insn, j: number, last: boolean): boolean {
    const c = this.c;
    switch (d.flowControl) {
      case FlowControl.UnconditionalBranch:
        if (d.mnemonic !== Mnemonic.Jmp || d.ops.length !== 0) throw new Unsupported();
        if (j === this.backEdge) this.loopBack(j + 1);
        else if (last) this.exitTo(j + 1, d.targetLo, d.targetHi);
        return true; // (traced through: the next instruction is its target)
      case FlowControl.IndirectBranch: {
        if (d.mnemonic !== Mnemonic.Jmp) throw new Unsupported();
        const to = this.local(I64);
        this.read(d.ops[0], 8); c.set(to);
        this.leaveUnlessNext(to, j, last, false);
        return true;
      }
      case FlowControl.ConditionalBranch:
        if (d.cc === 0 || isRcx(d)) throw new Unsupported();
        if (j !== this.backEdge && this.skipFrom(d, j)) return true;
        this.condition(d.cc, j);
        this.open(Op.If);
        if (j === this.backEdge) this.loopBack(j + 1);
        else this.exitTo(j + 1, d.targetLo, d.targetHi);
        this.end();
        if (last) this.exitTo(j + 1, d.nextLo, d.nextHi);
        return true;
      case FlowControl.Call:
        if (d.mnemonic !== Mnemonic.Call || d.ops.length !== 0) throw new Unsupported();
        this.call(d, j, [d.targetLo, d.targetHi]);
        if (last) this.exitTo(j + 1, d.targetLo, d.targetHi);
        return true;
      case FlowControl.IndirectCall: {
        if (d.mnemonic !== Mnemonic.Call || d.ops[0].kind === OpKind.Imm) throw new Unsupported();
        const to = this.local(I64);
        this.read(d.ops[0], 8); c.set(to); // (before the push: the operand may be RSP-relative)
        this.call(d, j, to);
        this.leaveUnlessNext(to, j, last, false);
        return true;
      }
      case FlowControl.Return: {
        if (d.mnemonic !== Mnemonic.Ret) throw new Unsupported();
        const extra = d.ops.length > 0 && d.ops[0].kind === OpKind.Imm ? d.ops[0].lo & 0xffff : 0;
        const to = this.local(I64);
        this.pop(to, extra);
        this.hook(HookBit.RET, 0, 0, to, j);
        this.leaveUnlessNext(to, j, last, true);
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * The end of a transfer to `to` (an i64 local) at position j: the trace's end leaves for it; inside
   * the trace (a predicted return, a guessed indirect target: compiler.ts traceSuccessor) the trace goes
   * on at the next instruction, leaving unless `to` is there (or, `trap`, a trap bit is set).
   */
  private leaveUnlessNext(to: number, j: number, last: boolean, trap: boolean): void {
    if (last) { this.exitVia(j + 1, to); return; }
    const c = this.c, next = this.insns[j + 1];
    c.get(to).i64(next.ipLo, next.ipHi).op(Op.I64Ne);
    if (trap) c.i32(0).mem(Op.I32Load, this.L.T).op(Op.I32Or);
    this.open(Op.If);
    this.exitVia(j + 1, to);
    this.end();
  }

  /** Push the return address; RIP = `to` for the call hook and a trap after the push. */
  private call(d: Insn, j: number, to: [number, number] | number): void {
    this.c.i64(d.nextLo, d.nextHi).set(this.v);
    this.push(() => this.hook(HookBit.CALL, d.nextLo, d.nextHi, to, j), to);
  }

  /**
   * The CPU's call or return hook (the shadow stacks; C.onCall/onRet, only when set — tier.ts
   * keeps W[1]'s bits), with RSP and RIP (`rip`) in R as the hook reads them and the
   * instruction count exact (Emitter.stackHook). After a call's hook, a trap leaves for the callee.
   */
  private hook(bit: HookBit, retLo: number, retHi: number, rip: [number, number] | number, j: number): void {
    const c = this.c, L = this.L;
    c.i32(0).mem(Op.I32Load, L.W + 4).i32(bit).op(Op.I32And).hint(false);
    this.open(Op.If);
    c.i32(0).get(this.reg(Gpr.RSP)).mem(Op.I64Store, L.R + 8 * Gpr.RSP);
    c.i32(0);
    if (typeof rip === 'number') c.get(rip); else c.i64(rip[0], rip[1]);
    c.mem(Op.I64Store, L.R + 4 * RegSlot.RIP);
    c.i32(bit === HookBit.CALL ? 1 : 0).i32(retLo).i32(retHi);
    this.retired(j + 1);
    c.call(Import.StackHook);
    if (bit === HookBit.CALL) this.trapExit(rip);
    this.end();
  }

  /** The forward branches inside the trace whose ways are being translated, the innermost last. */
  private readonly ways: Way[] = [];
  /** Forward branches this translation made skips (a declined pass's are not counted: translate.ts adds them up). */
  skips = 0;

  /**
   * A conditional branch to an instruction later in the trace (`if` without `else`: the trace
   * follows the way the branch skips) jumps there inside the code instead of leaving — a side exit
   * to the dispatcher — and the skipped instructions are not counted. The flags meet at the
   * target (joinAt): each one the skipped way wrote comes, lazily, from the producer current at
   * the branch that skipped, else from the way's. Ways nest as wasm blocks do: a branch inside a
   * way may skip to the way's end too (memcpy's `jb` and `je` to its aligned copy) or to an
   * instruction before it, not past it. Taken only when every flag has a producer before the
   * branch (the join reads no flag of the round before). False: the branch leaves as a side exit.
   */
  private skipFrom(d: Insn, j: number): boolean {
    const outer = this.ways.length > 0 ? this.ways[this.ways.length - 1] : null;
    let t = -1;
    for (let k = j + 2; k < this.insns.length; k++) {
      if (this.insns[k].ipLo === d.targetLo && this.insns[k].ipHi === d.targetHi) { t = k; break; }
    }
    if (t < 0 || (outer !== null && t > outer.t)) return false;
    for (let f = 0; f < 6; f++) if (this.lastProducer(f, j + 1) < 0) return false;
    const c = this.c, took = this.local(I32);
    let way = outer;
    if (way === null || way.t !== t) {
      this.open(Op.Block);
      way = { t, nest: this.nest, from: [] };
      this.ways.push(way);
    }
    way.from.push({ j, took });
    this.condition(d.cc, j);
    c.tee(took);
    this.open(Op.If);
    c.get(this.skipped).i32(t - j - 1).op(Op.I32Add).set(this.skipped);
    c.br(this.nest - way.nest);
    this.end();
    this.skips++;
    return true;
  }

  /** Before instruction `pos`: where a way ends, its block ends and a Join producer stands for the flags the way wrote. */
  joinAt(pos: number): void {
    const way = this.ways.length > 0 ? this.ways[this.ways.length - 1] : null;
    if (way === null || way.t !== pos) return;
    this.end();
    this.ways.pop();
    const first = way.from[0].j;
    const wrote: (Producer | null)[] = [];
    let any = false;
    for (let f = 0; f < 6; f++) {
      const w = this.lastProducer(f, pos);
      wrote.push(w > first ? this.producers[w] : null);
      any ||= w > first;
    }
    if (!any) return;
    const from = way.from.map(({ j, took }) => ({ took, before: [0, 1, 2, 3, 4, 5].map((f) => this.producers[this.lastProducer(f, j + 1)]!) }));
    // (after the way's last instruction's own exits: they read its flags through the `took`s, 0 on that way)
    this.producers[pos - 1] = { kind: Kind.Join, w: 8, a: -1, b: -1, r: -1, c: -1, n: 0, cnt: -1, saved: -1, join: { from, way: wrote } };
  }

  /**
   * Round again if the budget allows, else leave at the block's start, `done` instructions into
   * the round. As compiler.ts's loops: another round goes on only if the whole JS trace would
   * still fit the budget, so a run stops where it would in JS.
   */
  private loopBack(done: number): void {
    const c = this.c;
    const limit = Math.max(1, Math.floor(LOOP_INSN_LIMIT / done));
    c.get(this.it).i32(1).op(Op.I32Add).tee(this.it).i32(limit).op(Op.I32LtS);
    this.retired(done + this.length);
    c.i32(0).mem(Op.I32Load, this.L.T + 4).op(Op.I32LeS, Op.I32And);
    this.open(Op.If);
    this.retired(done);
    c.set(this.base).i32(0).set(this.skipped);
    c.br(this.nest - this.topNest);
    this.end();
    this.exitTo(done, this.lo, this.hi);
  }
}

/** A way that forward branches inside the trace skip (ControlCode.skipFrom): its end (their target), the wasm block they leave, each branch's position and local `took`. */
interface Way { t: number; nest: number; from: { j: number; took: number }[] }

function isRcx(d: Insn): boolean {
  return d.mnemonic === Mnemonic.Loop || d.mnemonic === Mnemonic.Loope || d.mnemonic === Mnemonic.Loopne ||
    d.mnemonic === Mnemonic.Jrcxz || d.mnemonic === Mnemonic.Jecxz;
}
