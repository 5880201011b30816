// Lazy condition codes across blocks (QEMU's CC_OP/CC_SRC/CC_DST): a block
// that leaves with the six arithmetic flags of one add, sub, cmp, logic
// instruction or neg current does not compute them. It stores which
// operation made them and that operation's inputs in the flag array's
// PENDING slots instead, and the flags are computed only if someone reads
// them: the next block whose code reads or writes flags (it settles at the
// first instruction that touches them; compiler.ts), or host code
// (Cpu.getRflags, debug/registers.ts). The next block almost always
// overwrites them unread, so most are never computed.
//
// Whoever copies the flag array whole (a context switch, a snapshot) copies
// the pending state with it; whoever reads or writes single flag slots
// settles first. settleFlags computes exactly what the inline code of
// emit/alu.ts would have written.

import { FlagSlot } from './registers';
import { HOST_CALL_START } from './registerLocals';

/** Flag-array slots of the pending state, after FlagSlot's (registers.ts: FlagSlot.COUNT covers them). */
export const enum PendingSlot {
  /** The operation (LazyOp) whose flags are pending, or 0 when F[CF..OF] hold them. */
  OP = 8,
  /** Its inputs: a, ah, b, bh (a logic operation's result r, rh in a, ah). */
  A = 9, AH = 10, B = 11, BH = 12,
}

/** Operation kinds; an op id is kind * 4 + log2(operand size). */
export const enum LazyKind { SUB = 1, ADD = 2, LOGIC = 3, NEG = 4 }

/** The op id of a kind at an operand size of 1, 2, 4 or 8 bytes. */
export function lazyOp(kind: LazyKind, size: number): number {
  return kind * 4 + (size === 1 ? 0 : size === 2 ? 1 : size === 4 ? 2 : 3);
}

/** The code a block runs before touching the flags: the pending ones computed first. */
export const SETTLE_CODE = 'if(F[8]!==0)H.settleFlags(F);';
/** The code run once all six flags are assigned anew: the pending ones are dropped. */
export const DROP_PENDING_CODE = 'F[8]=0;';

/** Compute the pending flags (if any) into F[CF..OF] and clear the pending state. */
export function settleFlags(F: Int32Array): void {
  const op = F[PendingSlot.OP];
  if (op === 0) return;
  F[PendingSlot.OP] = 0;
  const a = F[PendingSlot.A], ah = F[PendingSlot.AH], b = F[PendingSlot.B], bh = F[PendingSlot.BH];
  const kind = op >> 2, sizeLog = op & 3;
  const bits = 8 << sizeLog;
  let r: number, rh = 0, cf: number, of: number, af: number;
  switch (kind) {
    case LazyKind.SUB:
      if (bits === 64) {
        r = (a - b) | 0;
        const u = (a >>> 0) < (b >>> 0) ? 1 : 0;
        rh = (ah - bh - u) | 0;
        cf = (u === 1 ? (ah >>> 0) <= (bh >>> 0) : (ah >>> 0) < (bh >>> 0)) ? 1 : 0;
        of = ((ah ^ bh) & (ah ^ rh)) >>> 31;
      } else if (bits === 32) {
        r = (a - b) | 0;
        cf = (a >>> 0) < (b >>> 0) ? 1 : 0;
        of = ((a ^ b) & (a ^ r)) >>> 31;
      } else {
        const t = a - b;
        r = t & ((1 << bits) - 1);
        cf = t < 0 ? 1 : 0;
        of = (((a ^ b) & (a ^ r)) >> (bits - 1)) & 1;
      }
      af = ((a ^ b ^ r) >> 4) & 1;
      break;
    case LazyKind.ADD:
      if (bits === 64) {
        r = (a + b) | 0;
        const u = (r >>> 0) < (a >>> 0) ? 1 : 0;
        rh = (ah + bh + u) | 0;
        cf = (u === 1 ? (rh >>> 0) <= (ah >>> 0) : (rh >>> 0) < (ah >>> 0)) ? 1 : 0;
        of = ((ah ^ rh) & (bh ^ rh)) >>> 31;
      } else if (bits === 32) {
        r = (a + b) | 0;
        cf = (r >>> 0) < (a >>> 0) ? 1 : 0;
        of = ((a ^ r) & (b ^ r)) >>> 31;
      } else {
        const m = (1 << bits) - 1, t = a + b;
        r = t & m;
        cf = t > m ? 1 : 0;
        of = (((a ^ r) & (b ^ r)) >> (bits - 1)) & 1;
      }
      af = ((a ^ b ^ r) >> 4) & 1;
      break;
    case LazyKind.LOGIC:
      r = a; rh = ah; cf = 0; of = 0; af = 0;
      break;
    case LazyKind.NEG:
      if (bits === 64) {
        r = (-a) | 0;
        rh = (-ah - (a !== 0 ? 1 : 0)) | 0;
        cf = (a | ah) !== 0 ? 1 : 0;
        of = ah === -0x80000000 && a === 0 ? 1 : 0;
      } else {
        r = bits === 32 ? (-a) | 0 : (-a) & ((1 << bits) - 1);
        cf = a !== 0 ? 1 : 0;
        of = a === (bits === 32 ? -0x80000000 : 1 << (bits - 1)) ? 1 : 0;
      }
      af = (a & 15) !== 0 ? 1 : 0;
      break;
    default:
      throw new Error(`no lazy flag operation ${op}`);
  }
  F[FlagSlot.CF] = cf;
  F[FlagSlot.PF] = r & 255;
  F[FlagSlot.AF] = af;
  if (bits === 64) {
    F[FlagSlot.ZF] = (r | rh) === 0 ? 1 : 0;
    F[FlagSlot.SF] = rh >>> 31;
  } else {
    F[FlagSlot.ZF] = r === 0 ? 1 : 0;
    F[FlagSlot.SF] = (r >>> (bits - 1)) & 1;
  }
  F[FlagSlot.OF] = of;
}

/**
 * Does this generated code touch the arithmetic flags: read or write F's
 * slots, or call host code that may (a helper given F or closing over it,
 * a host call, rflags)? A block settles the pending flags before the
 * first instruction whose code does. Helpers known to leave the flags
 * alone are left out; anything unknown counts as touching them.
 */
export function touchesFlags(code: string): boolean {
  return TOUCHES_RE.test(code);
}

/** Does this code touch the flags only by assigning F's slots (no read, no helper or host call)? */
export function onlyAssignsFlags(code: string): boolean {
  return !OTHER_TOUCH_RE.test(code.replace(ASSIGN_RE, ''));
}

const ASSIGN_RE = /\bF\[[0-5]\]=(?!=)/g;
const OTHER_TOUCH_RE = new RegExp(
  '\\bF\\b|' + HOST_CALL_START + '|\\bH\\.|C\\.(?:getRflags|setRflags|syscall|hostCall|probeHit)');

const TOUCHES_RE = new RegExp(
  '\\bF\\[[0-5]\\]|\\bF[,)]|' + HOST_CALL_START + '|C\\.(?:getRflags|setRflags|syscall|hostCall|probeHit)|' +
  // (stringOp of kinds 0–2, movs stos lods, reads DF only; stringFault only hands back a string instruction's fault)
  'H\\.(?!misaligned\\(|probeWrite\\d*\\(|invalidOpcode\\(|mulLo64\\(|mulU64\\(|mulS64\\(|divU64\\(|divS64\\(|div1\\(|idiv1\\(|' +
  'stringFault\\(|stringOp\\([012],)');
