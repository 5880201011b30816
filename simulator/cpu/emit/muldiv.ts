// mul imul div idiv. The 32- and 64-bit one-operand forms run inline in the
// common case: products by the host's 64-bit unit (wasm64.ts, no JS helper
// in between), quotients with RDX = 0 (C's u64 `/`, `%`) or RDX the sign of
// RAX (cqo; C's s64 `/`, `%`) by the host's 32-bit divider when both
// operands fit 32 bits, else by wasm i64.div. Everything else — a dividend
// really 128 bits wide, a zero divisor (#DE), a divisor of −1 (the one
// overflow of a sign-extended dividend) — goes to the helpers (arith.ts).
// Two/three-operand imul is inline when its flags are dead.
//
// The inline code names RAX/RDX by their slots R[0], R[1] (RAX) and R[4],
// R[5] (RDX): the register-locals pass keeps them in locals.

import { Mnemonic } from 'iced-x86';
import { Emitter, MASK } from './context';
import { EmitTable } from './table';
import { FlagBit } from '../decode';

/** The helper for a form without an inline path, or the slow side of one. */
function helperCall(e: Emitter, helper: string): string {
  return e.accumulatorCall(`H.${helper}(R,${helper.endsWith('mul1') ? 'F,' : ''}${e.insn.opSize},b,bh);`);
}

function oneOperand(e: Emitter, helper: string): void {
  e.load(e.insn.ops[0], 'b', 'bh');
  e.emit(helperCall(e, helper));
}

/** CF = OF = the product did not fit the low half (`overflow`: an expression of the product in Q). */
function productFlags(e: Emitter, overflow: string): void {
  if (e.needs(FlagBit.CF | FlagBit.OF)) e.emit(`t=${overflow}?1:0;`);
  e.flags({ CF: 't', OF: 't' });
}

/** mul r/m (imul r/m when `signed`): RDX:RAX = RAX × src (EDX:EAX for 32 bits; narrower forms through the helper). */
function product(e: Emitter, signed: boolean): void {
  const size = e.insn.opSize;
  if (size < 4) { oneOperand(e, signed ? 'imul1' : 'mul1'); return; }
  e.load(e.insn.ops[0], 'b', 'bh');
  const mul = signed ? 'H.mulS64' : 'H.mulU64';
  if (size === 8) {
    e.emit(`${mul}(R[0],R[1],b,bh);R[0]=Q[0];R[1]=Q[1];R[4]=Q[2];R[5]=Q[3];`);
    // CF = OF = the high half is not just the low half's extension
    productFlags(e, signed ? '(Q[2]!==(Q[1]>>31)||Q[3]!==(Q[1]>>31))' : '(Q[2]|Q[3])!==0');
  } else {
    e.emit(signed ? `${mul}(R[0],R[0]>>31,b,b>>31);` : `${mul}(R[0],0,b,0);`);
    e.emit('R[0]=Q[0];R[1]=0;R[4]=Q[1];R[5]=0;');
    productFlags(e, signed ? 'Q[1]!==(Q[0]>>31)' : 'Q[1]!==0');
  }
}

/** div r/m: RDX:RAX / src → RAX quotient, RDX remainder. Inline when RDX = 0 and src ≠ 0. */
function div(e: Emitter): void {
  const size = e.insn.opSize;
  if (size < 4) { oneOperand(e, 'div1'); return; }
  e.load(e.insn.ops[0], 'b', 'bh');
  const slow = helperCall(e, 'div1');
  if (size === 4) {
    // (t/u)|0: V8 divides two uint32s with the machine's 32-bit divider
    e.emit(`if(R[4]===0&&b!==0){t=R[0]>>>0;u=b>>>0;R[0]=(t/u)|0;R[1]=0;R[4]=(t%u)|0;R[5]=0;}else{${slow}}`);
    return;
  }
  e.emit('if((R[4]|R[5])===0&&(b|bh)!==0){' +
    // both below 2^32 (RAX's and RDX's high halves, the divisor's are 0)
    'if((R[1]|bh)===0){t=R[0]>>>0;u=b>>>0;R[0]=(t/u)|0;R[4]=(t%u)|0;}' +
    `else{H.divU64(R[0],R[1],b,bh);R[0]=Q[0];R[1]=Q[1];R[4]=Q[2];R[5]=Q[3];}}else{${slow}}`);
}

/** idiv r/m: signed, truncating. Inline when RDX is RAX's sign and src is neither 0 nor −1. */
function idiv(e: Emitter): void {
  const size = e.insn.opSize;
  if (size < 4) { oneOperand(e, 'idiv1'); return; }
  e.load(e.insn.ops[0], 'b', 'bh');
  const slow = helperCall(e, 'idiv1');
  // with src ≠ −1 the quotient of a sign-extended dividend always fits; (t/b)|0 is the 32-bit signed divider
  if (size === 4) {
    e.emit(`if(R[4]===(R[0]>>31)&&b!==0&&b!==-1){t=R[0];R[0]=(t/b)|0;R[1]=0;R[4]=(t%b)|0;R[5]=0;}else{${slow}}`);
    return;
  }
  e.emit('if(R[4]===(R[1]>>31)&&R[5]===R[4]&&(b|bh)!==0&&(b&bh)!==-1){' +
    // both fit int32 (sign-extended)
    'if(R[1]===(R[0]>>31)&&bh===(b>>31)){t=R[0];R[0]=(t/b)|0;R[1]=R[0]>>31;R[4]=(t%b)|0;R[5]=R[4]>>31;}' +
    `else{H.divS64(R[0],R[1],b,bh);R[0]=Q[0];R[1]=Q[1];R[4]=Q[2];R[5]=Q[3];}}else{${slow}}`);
}

function imul(e: Emitter): void {
  const ops = e.insn.ops;
  if (ops.length === 1) { product(e, true); return; }
  const [dst, s1, s2] = ops.length === 3 ? ops : [ops[0], ops[0], ops[1]];
  const size = e.insn.opSize;
  e.load(s1, 'a', 'ah');
  e.load(s2, 'b', 'bh');
  const flagsLive = e.needs(FlagBit.CF | FlagBit.OF);
  if (size === 4 && !flagsLive) e.emit('r=Math.imul(a,b);');
  else if (size === 8 && !flagsLive) e.emit('r=H.mulLo64(a,ah,b,bh);rh=Q[1];');
  else e.emit(`r=H.imulN(F,${size},a,ah,b,bh);rh=Q[4];`);
  if (size < 4) e.emit(`r&=${MASK[size]};`);
  e.store(dst, 'r', 'rh');
}

export const mulDivEmitters: EmitTable = {
  [Mnemonic.Mul]: (e) => product(e, false),
  [Mnemonic.Imul]: imul,
  [Mnemonic.Div]: div,
  [Mnemonic.Idiv]: idiv,
};
