// x87 FPU instructions. Each becomes one call to a helper in
// helpers/x87.ts, which owns the register stack and the soft-float
// arithmetic (exact 80-bit extended precision). Memory operands are
// addressed here (ml/mh) and read or written by the helper, which checks
// every access before changing FPU state. fcomi/fucomi(p) write ZF PF CF
// (and clear OF SF AF) themselves; fcmovcc reads the flags inline.
// Stack-register operands arrive as OpKind.St (ST(i), relative to TOP).

import { Mnemonic, Code } from 'iced-x86';
import { Emitter } from './context';
import { EmitTable } from './table';
import { MemOperand, Operand, OpKind, UnsupportedOperand } from '../decode';
import { X87Arith, X87Cmp, X87Mem, X87Store, X87Unary } from '../helpers/x87';

function st(op: Operand | undefined): number {
  if (!op || op.kind !== OpKind.St) throw new UnsupportedOperand('expected an x87 stack register');
  return op.reg;
}

/** Emit the effective address of a memory operand; returns the helper arguments. */
function mem(e: Emitter, op: Operand | undefined): string {
  if (!op || op.kind !== OpKind.Mem) throw new UnsupportedOperand('expected a memory operand');
  e.ea(op as MemOperand);
  return 'ml,mh';
}

function floatKind(size: number): X87Mem {
  switch (size) {
    case 4: return X87Mem.F32;
    case 8: return X87Mem.F64;
    case 10: return X87Mem.F80;
    default: throw new UnsupportedOperand(`x87: no float format of ${size} bytes`);
  }
}

function intKind(size: number): X87Mem {
  switch (size) {
    case 2: return X87Mem.I16;
    case 4: return X87Mem.I32;
    case 8: return X87Mem.I64;
    default: throw new UnsupportedOperand(`x87: no integer format of ${size} bytes`);
  }
}

function fld(e: Emitter): void {
  const [op] = e.insn.ops;
  if (op.kind === OpKind.St) e.emit(`H.x87LoadReg(${op.reg});`);
  else e.emit(`H.x87Load(${floatKind(op.size)},${mem(e, op)});`);
}

function fild(e: Emitter): void {
  const [op] = e.insn.ops;
  e.emit(`H.x87Load(${intKind(op.size)},${mem(e, op)});`);
}

function fst(e: Emitter, pop: boolean): void {
  const [op] = e.insn.ops;
  if (op.kind === OpKind.St) { e.emit(`H.x87StoreReg(${op.reg},${pop ? 1 : 0});`); return; }
  e.emit(`H.x87Store(${floatKind(op.size)},${pop ? X87Store.POP : X87Store.KEEP},${mem(e, op)});`);
  e.stores = true;
}

function fist(e: Emitter, mode: X87Store): void {
  const [op] = e.insn.ops;
  e.emit(`H.x87Store(${intKind(op.size)},${mode},${mem(e, op)});`);
  e.stores = true;
}

/** fadd fmul fsub fsubr fdiv fdivr (no pop): m32fp/m64fp, st0←st0 op st(i), st(i)←st(i) op st0. */
function arith(e: Emitter, op: X87Arith): void {
  const ops = e.insn.ops;
  if (ops.length === 1 && ops[0].kind === OpKind.Mem) {
    e.emit(`H.x87ArithMem(${op},${floatKind(ops[0].size)},${mem(e, ops[0])});`);
    return;
  }
  e.emit(`H.x87Arith(${op},${st(ops[0])},${st(ops[1])},0);`);
}

function arithPop(e: Emitter, op: X87Arith): void {
  const ops = e.insn.ops;
  const d = ops.length > 0 ? st(ops[0]) : 1;
  const s = ops.length > 1 ? st(ops[1]) : 0;
  e.emit(`H.x87Arith(${op},${d},${s},1);`);
}

function arithInt(e: Emitter, op: X87Arith): void {
  const [m] = e.insn.ops;
  e.emit(`H.x87ArithMem(${op},${intKind(m.size)},${mem(e, m)});`);
}

function fcom(e: Emitter, pops: number, mode: X87Cmp): void {
  const ops = e.insn.ops;
  if (ops.length === 1 && ops[0].kind === OpKind.Mem) {
    e.emit(`H.x87CompareMem(${floatKind(ops[0].size)},${pops},${mem(e, ops[0])});`);
    return;
  }
  // forms: (st0, st(i)), (st(i)), or none (st1)
  const i = ops.length === 0 ? 1 : st(ops[ops.length - 1]);
  e.emit(`H.x87Compare(${i},${pops},${mode});`);
}

function ficom(e: Emitter, pop: number): void {
  const [m] = e.insn.ops;
  e.emit(`H.x87CompareMem(${intKind(m.size)},${pop},${mem(e, m)});`);
}

function unary(op: X87Unary): (e: Emitter) => void {
  return (e) => e.emit(`H.x87Unary(${op});`);
}

/** fnstsw ax / fnstsw m16, fnstcw m16. */
function storeWord(e: Emitter, value: string): void {
  const [op] = e.insn.ops;
  if (op.kind === OpKind.Reg) { e.emit(`R[0]=(R[0]&-65536)|${value};`); return; }
  e.store(op, value, '0', 2);
}

/** fcmovcc conditions over our flag slots (CF F[0], ZF F[3], PF via the parity table). */
const CMOV_CONDITION: Partial<Record<number, string>> = {
  [Mnemonic.Fcmovb]: 'F[0]', [Mnemonic.Fcmovnb]: '(F[0]^1)',
  [Mnemonic.Fcmove]: 'F[3]', [Mnemonic.Fcmovne]: '(F[3]^1)',
  [Mnemonic.Fcmovbe]: '(F[0]|F[3])', [Mnemonic.Fcmovnbe]: '((F[0]|F[3])^1)',
  [Mnemonic.Fcmovu]: 'P[F[1]&255]', [Mnemonic.Fcmovnu]: '(P[F[1]&255]^1)',
};

function fcmov(e: Emitter): void {
  const cond = CMOV_CONDITION[e.insn.mnemonic]!;
  e.emit(`H.x87CondMove(${st(e.insn.ops[1])},${cond});`);
}

function constant(k: number): (e: Emitter) => void {
  return (e) => e.emit(`H.x87LoadConst(${k});`);
}

function env(e: Emitter, store: boolean): void {
  const [op] = e.insn.ops;
  const c = e.insn.code;
  if (c === Code.Fldenv_m14byte || c === Code.Fnstenv_m14byte || c === Code.Fstenv_m14byte) throw new UnsupportedOperand('16-bit fpu environment');
  e.emit(`H.x87Env(${store ? 1 : 0},${mem(e, op)});`);
  if (store) e.stores = true;
}

function save(e: Emitter, store: boolean): void {
  const [op] = e.insn.ops;
  const c = e.insn.code;
  if (c === Code.Fnsave_m94byte || c === Code.Fsave_m94byte || c === Code.Frstor_m94byte) throw new UnsupportedOperand('16-bit fpu state');
  e.emit(`H.x87Save(${store ? 1 : 0},${mem(e, op)});`);
  if (store) e.stores = true;
}

function fxsave(e: Emitter, store: boolean): void {
  const [op] = e.insn.ops;
  e.emit(`H.x87Fxsave(${store ? 1 : 0},${mem(e, op)});`);
  if (store) e.stores = true;
}

function nothing(): void { /* no state to change */ }

export const x87Emitters: EmitTable = {
  [Mnemonic.Fld]: fld,
  [Mnemonic.Fild]: fild,
  [Mnemonic.Fbld]: (e) => e.emit(`H.x87Load(${X87Mem.BCD},${mem(e, e.insn.ops[0])});`),
  [Mnemonic.Fst]: (e) => fst(e, false),
  [Mnemonic.Fstp]: (e) => fst(e, true),
  [Mnemonic.Fstpnce]: (e) => fst(e, true),
  [Mnemonic.Fist]: (e) => fist(e, X87Store.KEEP),
  [Mnemonic.Fistp]: (e) => fist(e, X87Store.POP),
  [Mnemonic.Fisttp]: (e) => fist(e, X87Store.TRUNC_POP),
  [Mnemonic.Fbstp]: (e) => { e.emit(`H.x87Store(${X87Mem.BCD},${X87Store.POP},${mem(e, e.insn.ops[0])});`); e.stores = true; },
  [Mnemonic.Fld1]: constant(0),
  [Mnemonic.Fldl2t]: constant(1),
  [Mnemonic.Fldl2e]: constant(2),
  [Mnemonic.Fldpi]: constant(3),
  [Mnemonic.Fldlg2]: constant(4),
  [Mnemonic.Fldln2]: constant(5),
  [Mnemonic.Fldz]: constant(6),
  [Mnemonic.Fxch]: (e) => e.emit(`H.x87Exchange(${e.insn.ops.length > 0 ? st(e.insn.ops[e.insn.ops.length - 1]) : 1});`),

  [Mnemonic.Fadd]: (e) => arith(e, X87Arith.ADD),
  [Mnemonic.Fmul]: (e) => arith(e, X87Arith.MUL),
  [Mnemonic.Fsub]: (e) => arith(e, X87Arith.SUB),
  [Mnemonic.Fsubr]: (e) => arith(e, X87Arith.SUBR),
  [Mnemonic.Fdiv]: (e) => arith(e, X87Arith.DIV),
  [Mnemonic.Fdivr]: (e) => arith(e, X87Arith.DIVR),
  [Mnemonic.Faddp]: (e) => arithPop(e, X87Arith.ADD),
  [Mnemonic.Fmulp]: (e) => arithPop(e, X87Arith.MUL),
  [Mnemonic.Fsubp]: (e) => arithPop(e, X87Arith.SUB),
  [Mnemonic.Fsubrp]: (e) => arithPop(e, X87Arith.SUBR),
  [Mnemonic.Fdivp]: (e) => arithPop(e, X87Arith.DIV),
  [Mnemonic.Fdivrp]: (e) => arithPop(e, X87Arith.DIVR),
  [Mnemonic.Fiadd]: (e) => arithInt(e, X87Arith.ADD),
  [Mnemonic.Fimul]: (e) => arithInt(e, X87Arith.MUL),
  [Mnemonic.Fisub]: (e) => arithInt(e, X87Arith.SUB),
  [Mnemonic.Fisubr]: (e) => arithInt(e, X87Arith.SUBR),
  [Mnemonic.Fidiv]: (e) => arithInt(e, X87Arith.DIV),
  [Mnemonic.Fidivr]: (e) => arithInt(e, X87Arith.DIVR),

  [Mnemonic.Fchs]: unary(X87Unary.CHS),
  [Mnemonic.Fabs]: unary(X87Unary.ABS),
  [Mnemonic.Fsqrt]: unary(X87Unary.SQRT),
  [Mnemonic.Frndint]: unary(X87Unary.RNDINT),
  [Mnemonic.Fscale]: unary(X87Unary.SCALE),
  [Mnemonic.Fxtract]: unary(X87Unary.XTRACT),
  [Mnemonic.Fprem]: unary(X87Unary.PREM),
  [Mnemonic.Fprem1]: unary(X87Unary.PREM1),
  [Mnemonic.F2xm1]: unary(X87Unary.F2XM1),
  [Mnemonic.Fyl2x]: unary(X87Unary.YL2X),
  [Mnemonic.Fyl2xp1]: unary(X87Unary.YL2XP1),
  [Mnemonic.Fpatan]: unary(X87Unary.PATAN),
  [Mnemonic.Fptan]: unary(X87Unary.PTAN),
  [Mnemonic.Fsin]: unary(X87Unary.SIN),
  [Mnemonic.Fcos]: unary(X87Unary.COS),
  [Mnemonic.Fsincos]: unary(X87Unary.SINCOS),

  [Mnemonic.Fcom]: (e) => fcom(e, 0, X87Cmp.ORDERED),
  [Mnemonic.Fcomp]: (e) => fcom(e, 1, X87Cmp.ORDERED),
  [Mnemonic.Fcompp]: (e) => e.emit(`H.x87Compare(1,2,${X87Cmp.ORDERED});`),
  [Mnemonic.Fucom]: (e) => fcom(e, 0, X87Cmp.UNORDERED),
  [Mnemonic.Fucomp]: (e) => fcom(e, 1, X87Cmp.UNORDERED),
  [Mnemonic.Fucompp]: (e) => e.emit(`H.x87Compare(1,2,${X87Cmp.UNORDERED});`),
  [Mnemonic.Fcomi]: (e) => fcom(e, 0, X87Cmp.EFLAGS),
  [Mnemonic.Fcomip]: (e) => fcom(e, 1, X87Cmp.EFLAGS),
  [Mnemonic.Fucomi]: (e) => fcom(e, 0, X87Cmp.EFLAGS | X87Cmp.UNORDERED),
  [Mnemonic.Fucomip]: (e) => fcom(e, 1, X87Cmp.EFLAGS | X87Cmp.UNORDERED),
  [Mnemonic.Ficom]: (e) => ficom(e, 0),
  [Mnemonic.Ficomp]: (e) => ficom(e, 1),
  [Mnemonic.Ftst]: (e) => e.emit('H.x87Test();'),
  [Mnemonic.Fxam]: (e) => e.emit('H.x87Examine();'),

  [Mnemonic.Fcmovb]: fcmov, [Mnemonic.Fcmove]: fcmov, [Mnemonic.Fcmovbe]: fcmov, [Mnemonic.Fcmovu]: fcmov,
  [Mnemonic.Fcmovnb]: fcmov, [Mnemonic.Fcmovne]: fcmov, [Mnemonic.Fcmovnbe]: fcmov, [Mnemonic.Fcmovnu]: fcmov,

  [Mnemonic.Fnstsw]: (e) => storeWord(e, 'H.x87Status()'),
  [Mnemonic.Fstsw]: (e) => storeWord(e, 'H.x87Status()'),
  [Mnemonic.Fnstcw]: (e) => storeWord(e, 'H.x87Control()'),
  [Mnemonic.Fstcw]: (e) => storeWord(e, 'H.x87Control()'),
  [Mnemonic.Fldcw]: (e) => e.emit(`H.x87SetControl(ld16(${mem(e, e.insn.ops[0])}));`),
  [Mnemonic.Fninit]: (e) => e.emit('H.x87Init();'),
  [Mnemonic.Finit]: (e) => e.emit('H.x87Init();'),
  [Mnemonic.Fnclex]: (e) => e.emit('H.x87ClearExceptions();'),
  [Mnemonic.Fclex]: (e) => e.emit('H.x87ClearExceptions();'),
  [Mnemonic.Ffree]: (e) => e.emit(`H.x87Free(${st(e.insn.ops[0])},0);`),
  [Mnemonic.Ffreep]: (e) => e.emit(`H.x87Free(${st(e.insn.ops[0])},1);`),
  [Mnemonic.Fincstp]: (e) => e.emit('H.x87MoveTop(1);'),
  [Mnemonic.Fdecstp]: (e) => e.emit('H.x87MoveTop(-1);'),
  [Mnemonic.Fldenv]: (e) => env(e, false),
  [Mnemonic.Fnstenv]: (e) => env(e, true),
  [Mnemonic.Fstenv]: (e) => env(e, true),
  [Mnemonic.Frstor]: (e) => save(e, false),
  [Mnemonic.Fnsave]: (e) => save(e, true),
  [Mnemonic.Fsave]: (e) => save(e, true),
  [Mnemonic.Fxsave]: (e) => fxsave(e, true),
  [Mnemonic.Fxsave64]: (e) => fxsave(e, true),
  [Mnemonic.Fxrstor]: (e) => fxsave(e, false),
  [Mnemonic.Fxrstor64]: (e) => fxsave(e, false),
  [Mnemonic.Fnop]: nothing,
  [Mnemonic.Wait]: nothing,
};
