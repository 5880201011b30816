// The code emitter: each instruction is turned into a few lines of
// JavaScript, and a basic block's lines become one function (see
// compiler.ts). This file holds what every instruction family needs:
// operand reads and writes, effective addresses, and flag assignments that
// are only emitted when a later instruction can observe them.
//
// Names visible to generated code (bound by the compiler):
//   R regs (Int32Array, RegSlot layout)   F flags (Int32Array, FlagSlot)
//   X xmm (Int32Array, 4 words per reg)   S memory scratch (S[0] = ld64 high half)
//   Q helper results (Int32Array)         T trap word (T[0] ≠ 0: leave the block)
//   P parity table                        H helper functions   C the Cpu
//   ld8 ld16 ld32 ld64 st8 st16 st32 st64 memory accessors
// Temporaries declared in every block: ml mh (address), a ah b bh r rh t u,
// and fa fah fb fbh fr frh for a fused compare's operands (fusion.ts).

import { FlagBit, Insn, MemOperand, Operand, OpKind, UnsupportedOperand } from '../decode';
import { conditionExpr } from './conditions';
import { load64, loadExpr } from './loads';
import { ACCUMULATOR_END, ACCUMULATOR_START, HOST_CALL_END, HOST_CALL_START, STACK_HOOK_END, STACK_HOOK_START, STRING_END, STRING_START } from '../registerLocals';

export const MASK: Record<number, number> = { 1: 0xff, 2: 0xffff, 4: -1 };
export const SIGN: Record<number, number> = { 1: 0x80, 2: 0x8000, 4: -0x80000000 };

export class Emitter {
  out: string[] = [];
  /** Flags some later instruction may read (FlagBit mask). */
  live = FlagBit.ALL;
  /** Index of the instruction in the block. */
  index = 0;
  insn!: Insn;
  private eaDone = false;
  /** Set by emitters whose instruction stores to memory (trap check follows). */
  stores = false;
  /** Set by emitters that end the block (they assign RIP themselves). */
  endsBlock = false;
  /** This compare fuses with the next instruction: leave its operands in fa/fb (fr for test). */
  fuseProducer = false;
  /** This consumer's condition, computed from a fused compare's operands (else from flags). */
  fusedCondition: string | null = null;
  /** Whether loads go through the read TLB inline (loads.ts): not when the memory records accesses. */
  inlineMemory = false;
  /**
   * Flags of this instruction that only a fault or trap later in the block
   * could show (compiler.ts, deferredFlags): flags() keeps their inputs in
   * locals of their own and leaves the assignments in `deferred`, for the
   * block to run only when such a fault or trap happens.
   */
  deferrable = 0;
  /** Deferred flag assignments of this instruction: [FlagBit, code]. */
  deferred: [number, string][] = [];
  /** Code to run before them: the flags' temporaries computed again from the kept inputs (or ''). */
  deferredCalc = '';
  /** Locals that hold deferred flags' inputs (declared by the block). */
  readonly deferredLocals: string[] = [];
  /**
   * When all six arithmetic flags of this instruction are deferred and it
   * is one lazyFlags.ts knows: the code leaving them pending (op id and
   * inputs into F's PENDING slots) instead of computing them, for the exits
   * where they are all current (DeferredFlags.atExit). Else ''.
   */
  pendingStore = '';

  begin(insn: Insn, index: number, live: number, deferrable = 0): void {
    this.insn = insn;
    this.index = index;
    this.live = live;
    this.deferrable = deferrable;
    this.deferred = [];
    this.deferredCalc = '';
    this.pendingStore = '';
    this.eaDone = false;
    this.stores = false;
    this.endsBlock = false;
    this.fuseProducer = false;
    this.fusedCondition = null;
  }

  /** The condition of a jcc/setcc/cmovcc: fused with the preceding compare, or from the flags. */
  condition(): string {
    return this.fusedCondition ?? conditionExpr(this.insn.cc);
  }

  emit(code: string): void {
    this.out.push(code);
  }

  /**
   * `call`, a call out of the block to host code that may read the clock
   * (rdtsc, the call/return hooks, probe handlers, syscalls), with
   * C.insnCount exact meanwhile: the hot loop updates it only between
   * blocks, so inside one it is the count at the block's start, and how code
   * is cut into blocks (which depends on how often it ran since code was
   * last dropped) must not show in simulated time. `retired`: instructions
   * of this block retired before the call (this one included once it has
   * retired); `base` counts those of earlier iterations of a looping block.
   */
  exact(retired: number, call: string): string {
    // marked: the host may look at or change registers (registerLocals.ts)
    return `${HOST_CALL_START}C.insnCount+=base+${retired};${call};C.insnCount-=base+${retired};${HOST_CALL_END}`;
  }

  /**
   * A call/return hook (C.onCall/C.onRet, the shadow stacks): like exact(),
   * but the hook only reads RIP and RSP and changes no register, so less of
   * the register state is written back around it (registerLocals.ts).
   */
  stackHook(retired: number, call: string): string {
    return `${STACK_HOOK_START}C.insnCount+=base+${retired};${call};C.insnCount-=base+${retired};${STACK_HOOK_END}`;
  }

  /** A helper call that reads and writes only RAX and RDX of R (one-operand mul/div). */
  accumulatorCall(call: string): string {
    return `${ACCUMULATOR_START}${call}${ACCUMULATOR_END}`;
  }

  /**
   * The string instructions' helper call (H.stringOp): it reads and writes
   * only RAX, RCX, RSI and RDI of R, and returns instead of throwing, so those
   * are written back before it and reloaded after it, before a fault is thrown.
   */
  stringCall(call: string): string {
    return `${STRING_START}${call}${STRING_END}`;
  }

  needs(flag: FlagBit): boolean {
    return (this.live & flag) !== 0;
  }

  // ---- addresses --------------------------------------------------------

  /** Emit `ml`/`mh` for a memory operand (once per instruction). */
  ea(m: MemOperand): void {
    if (this.eaDone) return;
    this.eaDone = true;
    this.emit(eaCode(m));
  }

  // ---- operands ---------------------------------------------------------

  /** Expression for the low 32 bits (or the whole value if narrower) of an operand, zero-extended for sizes 1 and 2. */
  readLo(op: Operand, size: number = this.insn.opSize): string {
    switch (op.kind) {
      case OpKind.Reg: return regRead(op.reg, size, op.high8);
      case OpKind.Imm: return String(size === 4 || size === 8 ? op.lo | 0 : op.lo & MASK[size]);
      case OpKind.Mem:
        this.ea(op);
        if (!this.inlineMemory) return size === 1 ? 'ld8(ml,mh)' : size === 2 ? 'ld16(ml,mh)' : 'ld32(ml,mh)';
        return loadExpr(size === 1 || size === 2 ? size : 4);
      default: throw new UnsupportedOperand('xmm operand in integer context');
    }
  }

  /** Emit code loading a 64-bit (or narrower) operand into `lo`/`hi` temporaries. */
  load(op: Operand, lo: string, hi: string, size: number = this.insn.opSize): void {
    if (size !== 8) { this.emit(`${lo}=${this.readLo(op, size)};`); return; }
    switch (op.kind) {
      case OpKind.Reg: this.emit(`${lo}=R[${2 * op.reg}];${hi}=R[${2 * op.reg + 1}];`); return;
      case OpKind.Imm: this.emit(`${lo}=${op.lo | 0};${hi}=${op.hi | 0};`); return;
      case OpKind.Mem: this.ea(op); this.emit(this.load64(lo, hi, 'ml', 'mh')); return;
      default: throw new UnsupportedOperand('xmm operand in integer context');
    }
  }

  /** Emit a write of `lo`/`hi` to an operand with x86-64 partial-register rules. */
  store(op: Operand, lo: string, hi: string, size: number = this.insn.opSize): void {
    if (op.kind === OpKind.Reg) { this.emit(regWrite(op.reg, size, op.high8, lo, hi)); return; }
    if (op.kind !== OpKind.Mem) throw new UnsupportedOperand('store to a non-writable operand');
    this.ea(op);
    this.stores = true;
    this.emit(storeCall(size, lo, hi));
  }

  /** Statements loading 64 bits at the address (addrLo, addrHi: plain variables or register slots) into dst, dstHi. */
  load64(dst: string, dstHi: string, addrLo: string, addrHi: string): string {
    return this.inlineMemory ? load64(addrLo, addrHi, dst, dstHi) : `${dst}=ld64(${addrLo},${addrHi});${dstHi}=S[0];`;
  }

  // ---- flags --------------------------------------------------------------

  /**
   * Assign the live subset of the given flags (expressions must yield 0/1, PF
   * the result byte). `calc`: the code (already emitted) that computed the
   * temporaries the expressions read from the instruction's inputs; a
   * deferred flag then keeps only those inputs and runs `calc` again when it
   * is written, so the common path need not compute what only flags use.
   * `lazy`: the instruction's lazyFlags.ts op id and the temporaries
   * holding its inputs (a, ah, b, bh, or r, rh: see PendingSlot; '0' for
   * none), should all six flags be deferred (pendingStore).
   */
  flags(f: { CF?: string; PF?: string; AF?: string; ZF?: string; SF?: string; OF?: string }, calc?: string,
    lazy?: { op: number; inputs: string[] }): void {
    let code = '';
    const kept = new Set<string>();
    const replay = calc !== undefined && deferrableNames(calc) !== null ? calc : '';
    const derived = new Set(Array.from(replay.matchAll(ASSIGNED_RE), (m) => m[1]));
    const rename = (text: string) => text.replace(NAME_RE, (n) => `z${this.index}${n}`);
    const assign = (bit: FlagBit, slot: number, expr: string | undefined): void => {
      if (expr === undefined || !this.needs(bit)) return;
      let names = (this.deferrable & bit) !== 0 ? deferrableNames(expr) : null;
      if (names === null) { code += `F[${slot}]=${expr};`; return; }
      // deferred: keep the inputs (z<index><name>) as they are now
      if (names.some((n) => derived.has(n))) {
        this.deferredCalc = rename(replay);
        names = [...names.filter((n) => !derived.has(n)), ...deferrableNames(replay)!.filter((n) => !derived.has(n))];
      }
      for (const n of names) {
        if (kept.has(n)) continue;
        kept.add(n);
        const local = `z${this.index}${n}`;
        if (!this.deferredLocals.includes(local)) this.deferredLocals.push(local);
        code += `${local}=${n};`;
      }
      this.deferred.push([bit, `F[${slot}]=${rename(expr)};`]);
    };
    for (const n of derived) if (!this.deferredLocals.includes(`z${this.index}${n}`)) this.deferredLocals.push(`z${this.index}${n}`);
    this.deferredCalc = '';
    assign(FlagBit.CF, 0, f.CF);
    assign(FlagBit.PF, 1, f.PF);
    assign(FlagBit.AF, 2, f.AF);
    assign(FlagBit.ZF, 3, f.ZF);
    assign(FlagBit.SF, 4, f.SF);
    assign(FlagBit.OF, 5, f.OF);
    let deferredBits = 0;
    for (const [bit] of this.deferred) deferredBits |= bit;
    // (an input the replayed calc assigns holds its value only after the replay: no pending store then)
    if (lazy !== undefined && deferredBits === FlagBit.ARITH && !lazy.inputs.some((n) => derived.has(n))) {
      let store = `F[8]=${lazy.op};`;
      lazy.inputs.forEach((n, slot) => {
        if (n === '0') return; // a slot the operation does not read
        const local = `z${this.index}${n}`;
        if (!kept.has(n)) {
          kept.add(n);
          if (!this.deferredLocals.includes(local)) this.deferredLocals.push(local);
          code += `${local}=${n};`;
        }
        store += `F[${9 + slot}]=${local};`;
      });
      this.pendingStore = store;
    }
    if (code) this.emit(code);
  }

  /** SF/ZF/PF of a result held in r (and rh when 64-bit). */
  resultFlags(size: number): { ZF: string; SF: string; PF: string } {
    if (size === 8) return { ZF: '((r|rh)===0?1:0)', SF: '(rh>>>31)', PF: '(r&255)' };
    if (size === 4) return { ZF: '(r===0?1:0)', SF: '(r>>>31)', PF: '(r&255)' };
    return { ZF: '(r===0?1:0)', SF: `((r>>${size * 8 - 1})&1)`, PF: '(r&255)' };
  }

  // ---- control --------------------------------------------------------------

  /** Leave the block with RIP = the given constant address. */
  jumpTo(lo: number, hi: number): string {
    return `R[32]=${lo | 0};R[33]=${hi | 0};`;
  }
}

/** The block's temporaries a flag expression may use and still be deferred (its inputs copied to locals). */
const TEMPORARIES = new Set(['a', 'ah', 'b', 'bh', 'r', 'rh', 't', 'u']);
const NAME_RE = /[A-Za-z_$][\w$]*/g;
const ASSIGNED_RE = /([A-Za-z_$][\w$]*)=(?!=)/g;

/** The temporaries a flag expression reads, or null when it reads anything else (it is then computed at once). */
function deferrableNames(expr: string): string[] | null {
  if (/[[.]/.test(expr)) return null;
  const names = expr.match(NAME_RE) ?? [];
  return names.every((n) => TEMPORARIES.has(n)) ? names : null;
}

/**
 * A store of `size` bytes (lo, and hi for 8) at ml/mh through the accessor.
 * (Written out through the write TLB like the loads, stores measured slower:
 * the longer code costs V8 more to compile than the calls it saves.)
 */
export function storeCall(size: number, lo: string, hi: string): string {
  return size === 8 ? `st64(ml,mh,${lo},${hi});` : `st${size * 8}(ml,mh,${lo});`;
}

export function regRead(reg: number, size: number, high8 = false): string {
  const s = 2 * reg;
  if (high8) return `((R[${s}]>>8)&255)`;
  switch (size) {
    case 1: return `(R[${s}]&255)`;
    case 2: return `(R[${s}]&65535)`;
    default: return `R[${s}]`;
  }
}

export function regWrite(reg: number, size: number, high8: boolean, lo: string, hi: string): string {
  const s = 2 * reg;
  if (high8) return `R[${s}]=(R[${s}]&-65281)|((${lo}&255)<<8);`;
  switch (size) {
    case 1: return `R[${s}]=(R[${s}]&-256)|(${lo}&255);`;
    case 2: return `R[${s}]=(R[${s}]&-65536)|(${lo}&65535);`;
    case 4: return `R[${s}]=${lo};R[${s + 1}]=0;`;
    default: return `R[${s}]=${lo};R[${s + 1}]=${hi};`;
  }
}

/**
 * JS computing ml/mh (64-bit effective address) for a memory operand. Only
 * int32 operations: each carry out of the low halves is an unsigned compare
 * (the sum is below an addend), so V8 never goes through doubles here.
 */
export function eaCode(m: MemOperand): string {
  if (m.addr32) return ea32(m);
  const parts: [string, string][] = []; // [lo, hi] of each 64-bit addend
  if (m.base >= 0) parts.push([`R[${2 * m.base}]`, `R[${2 * m.base + 1}]`]);
  if (m.index >= 0) {
    const lo = `R[${2 * m.index}]`, hi = `R[${2 * m.index + 1}]`;
    const s = Math.log2(m.scale);
    parts.push(s === 0 ? [lo, hi] : [`(${lo}<<${s})`, `((${hi}<<${s})|(${lo}>>>${32 - s}))`]);
  }
  if (m.seg === 4 || m.seg === 5) {
    const b = m.seg === 4 ? 34 : 36;
    parts.push([`R[${b}]`, `R[${b + 1}]`]);
  }
  if (parts.length === 0) return `ml=${m.dispLo | 0};mh=${m.dispHi | 0};`;
  const disp = m.dispLo !== 0 || m.dispHi !== 0;
  const dispHi = m.dispHi !== 0 ? `+${m.dispHi | 0}` : '';
  const [lo0, hi0] = parts[0];
  // the commonest form, [reg+disp], in one step
  if (parts.length === 1 && disp) return `ml=(${lo0}+${m.dispLo | 0})|0;mh=(${hi0}${dispHi}+((ml>>>0)<${m.dispLo >>> 0}?1:0))|0;`;
  let code = `ml=${lo0};mh=${hi0};`;
  for (const [lo, hi] of parts.slice(1)) code += `t=${lo};ml=(ml+t)|0;mh=(mh+${hi}+((ml>>>0)<(t>>>0)?1:0))|0;`;
  if (disp) code += `ml=(ml+${m.dispLo | 0})|0;mh=(mh${dispHi}+((ml>>>0)<${m.dispLo >>> 0}?1:0))|0;`;
  return code;
}

/** The effective address under a 67h prefix: 32-bit arithmetic, zero-extended. */
function ea32(m: MemOperand): string {
  const parts: string[] = [];
  if (m.base >= 0) parts.push(`R[${2 * m.base}]`);
  if (m.index >= 0) parts.push(m.scale === 1 ? `R[${2 * m.index}]` : `(R[${2 * m.index}]<<${Math.log2(m.scale)})`);
  if (m.seg === 4 || m.seg === 5) parts.push(`R[${m.seg === 4 ? 34 : 36}]`);
  if (m.dispLo !== 0) parts.push(String(m.dispLo | 0));
  return parts.length === 0 ? 'ml=0;mh=0;' : `ml=(${parts.join('+')})|0;mh=0;`;
}
