// Where an indirect call or jump in a trace will most likely go, worked out
// while the trace is compiled (compiler.ts traceSuccessor): the trace then
// goes on at that target behind a guard — the block compares the real target
// with the guess and leaves for the real one when they differ — instead of
// ending at every `call *%r13` (qsort's comparator), `jmp *%rdx` (musl's
// qsort wrapper) or `call *ops->fn` (kernel code's function pointers).
//
// A trace is compiled when the CPU stands at its first instruction, so the
// registers (R) and memory now are what the trace starts from. The guess
// follows the trace's instructions back from the branch: plain copies,
// constants, pointer arithmetic by constants, loads and stores at addresses
// it can work out (the stack's, RIP-relative globals), and reads what the
// registers or memory hold now where the trace did not change them. It is
// only a guess: a wrong one (a store it did not see, a register written in
// a way it does not model) costs a guard that always leaves, never a wrong
// result. So it never faults, never records a read, and gives up (null) on
// anything it does not model.

import { Mnemonic } from 'iced-x86';
import { Insn, MemOperand, Operand, OpKind } from './decode';
import { Gpr } from './registers';
import type { Memory } from '../memory/memory';
import { PAGE_SIZE, Perm } from '../memory/memory';

/** Indirect calls and jumps that traces went on through to a guessed target, in the traces compiled (tests). */
export const indirectGuessStats = { traced: 0 };

/** A 64-bit value as its halves. */
type Value = [number, number];

/** Instructions that write registers other than their first operand (or all of several), or whose effect is not modelled: the guess gives up at them. */
const OPAQUE = new Set<number>([
  Mnemonic.Mul, Mnemonic.Div, Mnemonic.Idiv, Mnemonic.Cqo, Mnemonic.Cdq, Mnemonic.Cwd, Mnemonic.Cdqe, Mnemonic.Cwde,
  Mnemonic.Cbw, Mnemonic.Xchg, Mnemonic.Xadd, Mnemonic.Cmpxchg, Mnemonic.Cmpxchg16b, Mnemonic.Syscall, Mnemonic.Cpuid,
  Mnemonic.Rdtsc, Mnemonic.Rdtscp, Mnemonic.Movsb, Mnemonic.Movsw, Mnemonic.Movsd, Mnemonic.Movsq, Mnemonic.Stosb,
  Mnemonic.Stosw, Mnemonic.Stosd, Mnemonic.Stosq, Mnemonic.Lodsb, Mnemonic.Lodsw, Mnemonic.Lodsd, Mnemonic.Lodsq,
  Mnemonic.Scasb, Mnemonic.Scasw, Mnemonic.Scasd, Mnemonic.Scasq, Mnemonic.Cmpsb, Mnemonic.Cmpsw, Mnemonic.Cmpsd,
  Mnemonic.Cmpsq, Mnemonic.Leave, Mnemonic.Enter,
]);

/** Instructions with a register first operand that they do not write. */
const READS_FIRST = new Set<number>([Mnemonic.Cmp, Mnemonic.Test, Mnemonic.Bt, Mnemonic.Push, Mnemonic.Call, Mnemonic.Jmp]);

/** How far back the guess follows values through the trace (its queries each walk back at most the trace). */
const MAX_QUERIES = 64;

export class IndirectGuess {
  private queries = 0;

  constructor(private readonly insns: readonly Insn[], private readonly regs: Int32Array, private readonly mem: Memory) {}

  /** The target of the indirect call or jump `d` that ends the trace so far (insns), or null. */
  static target(insns: readonly Insn[], d: Insn, regs: Int32Array, mem: Memory): Value | null {
    const guess = new IndirectGuess(insns, regs, mem);
    const n = insns.length - 1; // d itself is the trace's last instruction
    const op = d.ops[0];
    if (op === undefined) return null;
    return guess.operand(op, n);
  }

  /** A 64-bit operand's value before instruction n. */
  private operand(op: Operand, n: number): Value | null {
    if (op.kind === OpKind.Reg) return op.size === 8 ? this.reg(op.reg, n) : null;
    if (op.kind === OpKind.Imm) return [op.lo, op.hi];
    if (op.kind === OpKind.Mem && op.size === 8) {
      const at = this.address(op, n);
      return at === null ? null : this.load(at, n);
    }
    return null;
  }

  /** A memory operand's address before instruction n (no segment, no 32-bit addressing). */
  private address(m: MemOperand, n: number): Value | null {
    if (m.seg !== 0 || m.addr32) return null;
    let v: Value = [m.dispLo, m.dispHi];
    for (const [reg, scale] of [[m.base, 1], [m.index, m.scale]] as const) {
      if (reg < 0) continue;
      const r = this.reg(reg, n);
      if (r === null) return null;
      for (let s = 0; s < scale; s++) v = add(v, r);
    }
    return v;
  }

  /** General register `reg`'s value before instruction n. */
  private reg(reg: number, n: number): Value | null {
    if (++this.queries > MAX_QUERIES) return null;
    for (let i = n - 1; i >= 0; i--) {
      const d = this.insns[i];
      if (OPAQUE.has(d.mnemonic)) return null;
      if (reg === Gpr.RSP) {
        const moved = stackMove(d);
        if (moved !== null) {
          const rsp = this.reg(Gpr.RSP, i);
          return rsp === null ? null : add(rsp, [moved, moved < 0 ? -1 : 0]);
        }
      }
      const dst = d.ops[0];
      if (d.mnemonic === Mnemonic.Pop && dst?.kind === OpKind.Reg && dst.reg === reg) {
        if (dst.size !== 8) return null;
        const rsp = this.reg(Gpr.RSP, i);
        return rsp === null ? null : this.load(rsp, i);
      }
      if (dst === undefined || dst.kind !== OpKind.Reg || dst.reg !== reg || READS_FIRST.has(d.mnemonic)) continue;
      if (dst.size !== 8) return null;
      const src = d.ops[1];
      switch (d.mnemonic) {
        case Mnemonic.Mov:
          return src === undefined ? null : this.operand(src, i);
        case Mnemonic.Lea:
          return src?.kind === OpKind.Mem ? this.address(src, i) : null;
        case Mnemonic.Add:
        case Mnemonic.Sub: {
          if (src?.kind !== OpKind.Imm) return null;
          const v = this.reg(reg, i);
          return v === null ? null : add(v, d.mnemonic === Mnemonic.Add ? [src.lo, src.hi] : negate([src.lo, src.hi]));
        }
        default:
          return null;
      }
    }
    return [this.regs[2 * reg], this.regs[2 * reg + 1]];
  }

  /** The 8 bytes at `at` before instruction n: the last store there the trace made, else memory now. */
  private load(at: Value, n: number): Value | null {
    if (++this.queries > MAX_QUERIES) return null;
    for (let i = n - 1; i >= 0; i--) {
      const d = this.insns[i];
      if (d.mnemonic === Mnemonic.Push || d.mnemonic === Mnemonic.Call) {
        const rsp = this.reg(Gpr.RSP, i);
        if (rsp === null) return null;
        if (!same(add(rsp, [-8, -1]), at)) continue;
        if (d.mnemonic === Mnemonic.Call) return [d.nextLo, d.nextHi];
        const src = d.ops[0];
        return src.kind === OpKind.Reg && src.size === 8 ? this.reg(src.reg, i) : src.kind === OpKind.Imm ? [src.lo, src.hi] : null;
      }
      const dst = d.ops[0];
      if (d.mnemonic !== Mnemonic.Mov || dst?.kind !== OpKind.Mem) continue;
      const where = this.address(dst, i);
      if (where === null || !same(where, at)) continue; // (a store it cannot place may alias: only a guess)
      return dst.size === 8 ? this.operand(d.ops[1], i) : null;
    }
    return this.peek(at);
  }

  /** The 8 bytes in guest memory at `at` now, if readable on one page (no fault, no recorded access). */
  private peek(at: Value): Value | null {
    const off = at[0] & (PAGE_SIZE - 1);
    if (off > PAGE_SIZE - 8) return null;
    const page = this.mem.pageAt(at[0], at[1]);
    if (!page || !(page.perm & Perm.R)) return null;
    const dv = this.mem.dv, p = page.frame + off;
    return [dv.getInt32(p, true), dv.getInt32(p + 4, true)];
  }
}

/** How an instruction moves RSP (bytes, + up), or null if it does not (or not by a constant: then it is not modelled). */
function stackMove(d: Insn): number | null {
  switch (d.mnemonic) {
    case Mnemonic.Push: return -8;
    case Mnemonic.Pop: return 8;
    case Mnemonic.Call: return -8;
    case Mnemonic.Ret: return 8 + (d.ops.length > 0 && d.ops[0].kind === OpKind.Imm ? d.ops[0].lo & 0xffff : 0);
    default: return null;
  }
}

function add(a: Value, b: Value): Value {
  const lo = (a[0] >>> 0) + (b[0] >>> 0);
  return [lo | 0, (a[1] + b[1] + (lo > 0xffffffff ? 1 : 0)) | 0];
}

function negate(a: Value): Value {
  return add([~a[0], ~a[1]], [1, 0]);
}

function same(a: Value, b: Value): boolean {
  return a[0] === b[0] && a[1] === b[1];
}
