// Which flags a block must compute, instruction by instruction (the
// compiler's liveness), and the flags it computes only when a fault or trap
// shows them (deferred flags).
//
// An instruction's flags are computed when something may read them before
// they are overwritten: a later instruction, a side exit's target, the
// block's successors — and whoever sees the state at a fault or trap in the
// middle of the block: a signal handler (its context's EFLAGS), the debugger
// stopped by a watchpoint, the code that runs on after a page fault. A
// faulting instruction changes nothing, so one that may fault reads every
// flag as it was before it; one whose store may trap (a watchpoint's #DB,
// taken after it) leaves every flag live after it.
//
// Flags that no instruction of the block reads are deferred (QEMU keeps its
// condition codes lazily for the same reason): the instruction copies the
// inputs of their expressions to locals of its own (Emitter.flags), and the
// assignments run only on the way out of the block — through whichever
// exit, fault or trap it leaves by — for the flags current there. Flags
// overwritten before the block ends, the common case, cost a few register
// moves instead of being computed.

import { Mnemonic } from 'iced-x86';
import { FlagBit, Insn, OpKind } from './decode';
import { CONDITION_CONSUMERS } from './emit/fusion';
import { SETTLE_CODE } from './lazyFlags';

/** Shifts and rotates: a count of 0 leaves the flags unchanged. */
const SHIFTS = new Set<number>([
  Mnemonic.Shl, Mnemonic.Sal, Mnemonic.Shr, Mnemonic.Sar, Mnemonic.Rol, Mnemonic.Ror,
  Mnemonic.Rcl, Mnemonic.Rcr, Mnemonic.Shld, Mnemonic.Shrd,
]);
/** Those whose count is the masked count (rcl/rcr of bytes and words take it modulo 9 or 17). */
const MASKED_COUNT = new Set<number>([Mnemonic.Shl, Mnemonic.Sal, Mnemonic.Shr, Mnemonic.Sar, Mnemonic.Rol, Mnemonic.Ror]);

/**
 * Does the instruction write its flags only sometimes (a shift by CL, which
 * may be 0)? Such a write does not kill liveness. A shift by a non-zero
 * immediate always writes them.
 */
export function writesFlagsSometimes(d: Insn): boolean {
  if (!SHIFTS.has(d.mnemonic)) return false;
  if (!MASKED_COUNT.has(d.mnemonic)) return true;
  if (d.ops.length === 1) return false; // by 1
  const count = d.ops[1];
  return count.kind !== OpKind.Imm || (count.lo & (d.opSize === 8 ? 63 : 31)) === 0;
}

/** Register-only instructions that cannot raise a fault (no memory, no helper that throws). */
const NEVER_FAULTS = new Set<number>([
  Mnemonic.Mov, Mnemonic.Movzx, Mnemonic.Movsx, Mnemonic.Movsxd, Mnemonic.Lea, Mnemonic.Add, Mnemonic.Adc,
  Mnemonic.Sub, Mnemonic.Sbb, Mnemonic.Cmp, Mnemonic.And, Mnemonic.Or, Mnemonic.Xor, Mnemonic.Test,
  Mnemonic.Inc, Mnemonic.Dec, Mnemonic.Neg, Mnemonic.Not, Mnemonic.Shl, Mnemonic.Sal, Mnemonic.Shr, Mnemonic.Sar,
  Mnemonic.Rol, Mnemonic.Ror, Mnemonic.Imul, Mnemonic.Bswap, Mnemonic.Nop, Mnemonic.Endbr64,
  Mnemonic.Cbw, Mnemonic.Cwde, Mnemonic.Cdqe, Mnemonic.Cwd, Mnemonic.Cdq, Mnemonic.Cqo,
  ...CONDITION_CONSUMERS,
]);

/** Can this instruction throw (a fault, #UD, #DE…)? Only then does the block record its index. */
export function mayFault(i: Insn): boolean {
  if (!NEVER_FAULTS.has(i.mnemonic)) return true;
  if (i.mnemonic === Mnemonic.Lea) return false; // computes an address, never touches it
  return i.ops.some((o) => o.kind === OpKind.Mem || o.kind === OpKind.Xmm);
}

/** Instructions with a memory operand that they only read, though they write flags. */
const READS_MEMORY_ONLY = new Set<number>([Mnemonic.Cmp, Mnemonic.Test, Mnemonic.Bt]);

/** Does the instruction write flags and store to memory (a store after which a trap may end the block)? */
function storesFlagged(i: Insn): boolean {
  return i.flagsWritten !== 0 && i.ops.length > 0 && i.ops[0].kind === OpKind.Mem && !READS_MEMORY_ONLY.has(i.mnemonic);
}

/** Flags an instruction reads, as far as liveness goes (with `exact`, a possible fault reads them all). */
export function flagsSeenBy(i: Insn, exact: boolean): number {
  return exact && mayFault(i) ? FlagBit.ALL : i.flagsRead;
}

/**
 * For each instruction, the flags that may be read after it: with `exact`,
 * by anyone (faults and traps included); without, by the code only (the
 * caller passes what the block's own code reads at its exits: a loop's next
 * iteration) — and a conditional writer (a shift by a count that may be 0)
 * is taken to read the flags it writes, so a deferred flag is never
 * overwritten only sometimes.
 */
export function liveness(insns: Insn[], liveOut: number, exitLive: number[], fusedConsumer: boolean[], exact: boolean): number[] {
  const result = new Array<number>(insns.length);
  let live: number = liveOut;
  for (let i = insns.length - 1; i >= 0; i--) {
    const insn = insns[i];
    live |= exitLive[i]; // a side exit's target may read flags too
    if (exact && storesFlagged(insn)) live = FlagBit.ALL;
    result[i] = live;
    const conditional = writesFlagsSometimes(insn);
    const kills = conditional ? 0 : insn.flagsWritten;
    // a consumer fused with its compare reads the compare's operands, not the flags
    live = (live & ~kills) | (fusedConsumer[i] ? 0 : insn.flagsRead);
    if (exact && mayFault(insn)) live = FlagBit.ALL;
    if (!exact && conditional) live |= insn.flagsWritten;
  }
  return result;
}

/** Flags a block's instructions read before writing them, from its first (no fault counted: see DeferredFlags' `loopAt`). */
export function flagsReadFirst(insns: Insn[]): number {
  let live = 0, killed = 0;
  for (const d of insns) {
    live |= d.flagsRead & ~killed;
    // a shift by a count that may be 0 leaves its flags as they were: they count as read
    if (writesFlagsSometimes(d)) live |= d.flagsWritten & ~killed;
    else killed |= d.flagsWritten;
  }
  return live;
}

/**
 * The deferred flags of a block: which ones each instruction may defer, and
 * the code that assigns them where a fault or trap shows them.
 */
export class DeferredFlags {
  /** Per instruction: the flags it may defer (live, but read by no instruction of the block). */
  readonly deferrable: number[];
  /** [producer, FlagBit, assignment, index of the next instruction writing that flag (or the block's length)]. */
  private readonly entries: [number, number, string, number][] = [];
  /** Per producer: the code computing its flags' temporaries again (Emitter.deferredCalc). */
  private readonly calcs = new Map<number, string>();
  /** Per producer whose six flags are all deferred: the code leaving them pending instead (Emitter.pendingStore). */
  private readonly pendingStores = new Map<number, string>();

  /**
   * `loopAt`: the index of the one instruction that sends the block round
   * again (a branch to its start), or -1. A flag deferred and current after
   * it is still current in the next round until the block's first writer
   * of it — and its inputs are still in the producer's locals then — so a
   * way out there (`it` > 0: a round was done) writes it too.
   */
  constructor(private readonly insns: Insn[], exact: number[], code: number[], private readonly loopAt = -1) {
    this.deferrable = insns.map((d, i) => (writesFlagsSometimes(d) ? 0 : exact[i] & ~code[i] & FlagBit.ARITH));
  }

  /** Index of the block's first instruction that writes the flag (the block's length if none). */
  private firstWriter(bit: number): number {
    let w = 0;
    while (w < this.insns.length && (this.insns[w].flagsWritten & bit) === 0) w++;
    return w;
  }

  /** Entries current at the end of a round, carried into the next round before index j (a looping block only). */
  private carried(j: number): [number, number, string, number][] {
    const p = this.loopAt;
    if (p < 0) return [];
    return this.entries.filter(([i, bit, , end]) => i <= p && end > p && j <= this.firstWriter(bit));
  }

  /** Record instruction i's deferred assignments (Emitter.deferred, run after Emitter.deferredCalc). */
  add(i: number, deferred: [number, string][], calc: string, pendingStore = ''): void {
    if (calc !== '') this.calcs.set(i, calc);
    if (pendingStore !== '') this.pendingStores.set(i, pendingStore);
    for (const [bit, code] of deferred) {
      let end = i + 1;
      while (end < this.insns.length && (this.insns[end].flagsWritten & bit) === 0) end++;
      this.entries.push([i, bit, code, end]);
    }
  }

  /** The assignments of these entries, each producer's calc first. */
  private code(entries: [number, number, string, number][]): string {
    let code = '';
    let last = -1;
    for (const [i, , assign] of entries) {
      if (i !== last) code += this.calcs.get(i) ?? '';
      last = i;
      code += assign;
    }
    return code;
  }

  /** The deferred flags current just before instruction j (for host code that reads the flags there). */
  before(j: number): string {
    const carried = this.carried(j);
    const previousRound = carried.length > 0 ? `if(it>0){${this.code(carried)}}` : '';
    return previousRound + this.code(this.entries.filter(([i, , , end]) => i < j && j <= end));
  }

  /**
   * Code for every way out of the block: the deferred flags current where it
   * leaves (xn: the instructions done, or after a fault the faulting
   * instruction k), written by an instruction before xn and not overwritten
   * since — for the successor, a signal handler, the debugger. Where all six
   * are one producer's and lazyFlags.ts knows it, they are left pending (its
   * inputs stored, nothing computed); else the flags pending since before
   * the block are settled first, then the current ones are written over them.
   */
  atExit(): string {
    const n = this.insns.length;
    // the exits (values of xn) by the entries current there, contiguous ranges of xn each
    const groups = new Map<string, { entries: [number, number, string, number][]; ranges: [number, number][] }>();
    for (let xn = 0; xn <= n; xn++) {
      const current = this.entries.filter(([i, , , end]) => i < xn && xn <= end);
      if (current.length === 0) continue;
      const key = current.map(([i, bit]) => `${i}:${bit}`).join(',');
      const group = groups.get(key);
      if (group === undefined) groups.set(key, { entries: current, ranges: [[xn, xn]] });
      else if (group.ranges[group.ranges.length - 1][1] === xn - 1) group.ranges[group.ranges.length - 1][1] = xn;
      else group.ranges.push([xn, xn]);
    }
    let code = '';
    for (const { entries, ranges } of groups.values()) {
      const test = ranges.map(([from, to]) => (from === to ? `xn===${from}` : `(xn>${from - 1}&&xn<=${to})`)).join('||');
      code += `if(${test}){${this.exitCode(entries)}}`;
    }
    if (this.loopAt >= 0) {
      // the previous round's, where this round has not written the flag yet
      const byWriter = new Map<number, [number, number, string, number][]>();
      for (const entry of this.carried(0)) {
        const w = this.firstWriter(entry[1]);
        const group = byWriter.get(w);
        if (group) group.push(entry); else byWriter.set(w, [entry]);
      }
      for (const [w, entries] of byWriter) code += `if(it>0&&xn<=${w}){${this.exitCode(entries)}}`;
    }
    return code;
  }

  /** The code leaving the flags of these entries (current at an exit) in F: pending if it can, else computed. */
  private exitCode(entries: [number, number, string, number][]): string {
    const producer = entries[0][0];
    let bits = 0;
    for (const [i, bit] of entries) bits |= i === producer ? bit : 0;
    const pending = this.pendingStores.get(producer);
    if (pending !== undefined && bits === FlagBit.ARITH && entries.length === 6) return pending;
    let covered = 0;
    for (const [, bit] of entries) covered |= bit;
    // all six overwritten: the pending ones are dropped; else computed first, the rest kept
    return ((covered & FlagBit.ARITH) === FlagBit.ARITH ? 'F[8]=0;' : SETTLE_CODE) + this.code(entries);
  }
}
