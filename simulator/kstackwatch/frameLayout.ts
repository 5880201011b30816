// What a function keeps where in its frame, relative to its CFA (the stack
// pointer before its call pushed the return address), read from its
// prologue the way gcc emits it: pushes of callee-saved registers, an
// optional frame pointer, `sub $N,%rsp`, and the canary store. Used off the
// hot path only (origin lines of corruption reports).

import { Mnemonic } from 'iced-x86';
import { InsnDecoder, isInvalid, OpKind } from '../cpu/decode';
import { Gpr, GPR_NAMES } from '../cpu/registers';
import { splitAddress } from '../memory/memory';

export interface FrameLayout {
  /** Bytes below the CFA the frame occupies once the prologue ran (return address included). */
  extent: number;
  /** RBP = CFA - rbpDepth after `mov %rsp,%rbp`; null without a frame pointer. */
  rbpDepth: number | null;
  /** RSP = CFA - rspDepth after the prologue. */
  rspDepth: number;
  /** Callee-saved registers pushed, each at CFA - depth (8 bytes). */
  saved: { name: string; depth: number }[];
  /** The canary's slot at CFA - canaryDepth (8 bytes); null without a stack protector. */
  canaryDepth: number | null;
}

/** Prologue instructions looked at: gcc's prologues are far shorter. */
const PROLOGUE_INSNS = 24;

export function prologueLayout(bytes: Uint8Array, address: bigint, decoder: InsnDecoder): FrameLayout {
  const layout: FrameLayout = { extent: 8, rbpDepth: null, rspDepth: 8, saved: [], canaryDepth: null };
  let depth = 8; // the return address
  let canaryReg = -1;
  let off = 0;
  for (let n = 0; n < PROLOGUE_INSNS && off < bytes.length; n++) {
    const [lo, hi] = splitAddress(address + BigInt(off));
    const d = decoder.decode(bytes.subarray(off, off + 15), lo, hi);
    if (isInvalid(d)) break;
    off += d.length;
    const [dst, src] = d.ops;
    const m = d.mnemonic;
    if (m === Mnemonic.Push && dst?.kind === OpKind.Reg) {
      depth += 8;
      layout.saved.push({ name: GPR_NAMES[dst.reg], depth });
    } else if (m === Mnemonic.Mov && dst?.kind === OpKind.Reg && dst.reg === Gpr.RBP && src?.kind === OpKind.Reg && src.reg === Gpr.RSP) {
      layout.rbpDepth = depth;
    } else if (m === Mnemonic.Sub && dst?.kind === OpKind.Reg && dst.reg === Gpr.RSP && src?.kind === OpKind.Imm) {
      depth += src.lo;
    } else if (m === Mnemonic.Mov && src?.kind === OpKind.Mem && src.seg === 5 && src.dispLo === 0x28 && dst?.kind === OpKind.Reg) {
      canaryReg = dst.reg;
    } else if (canaryReg >= 0 && m === Mnemonic.Mov && dst?.kind === OpKind.Mem && src?.kind === OpKind.Reg && src.reg === canaryReg && dst.index < 0) {
      if (dst.base === Gpr.RSP) layout.canaryDepth = depth - (dst.dispLo | 0);
      else if (dst.base === Gpr.RBP && layout.rbpDepth !== null) layout.canaryDepth = layout.rbpDepth - (dst.dispLo | 0);
      canaryReg = -1;
    } else if (m === Mnemonic.Call || m === Mnemonic.Ret || (m >= Mnemonic.Ja && m <= Mnemonic.Js)) {
      break; // the body has begun
    }
  }
  layout.rspDepth = depth;
  layout.extent = depth;
  return layout;
}
