// Compare-and-branch fusion. When a cmp or test is immediately followed by a
// jcc, setcc or cmovcc that reads only what the compare decides, the
// consumer tests the compare's operands directly (`(fa|0)<(fb|0)`) instead of
// going through the flag slots — the commonest pair in compiled code. The
// compare still writes whatever flags someone else may read later.

import { ConditionCode, Mnemonic } from 'iced-x86';
import type { Insn } from '../decode';
import { OpKind } from '../decode';

export type FusionKind = 'cmp' | 'test';

export interface Fusion {
  kind: FusionKind;
  size: number;
}

/** Conditional jumps, setcc and cmovcc: the instructions that consume a condition (also listed among those that never fault). */
export const CONDITION_CONSUMERS: readonly number[] = [
  Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb, Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne, Mnemonic.Jbe, Mnemonic.Ja,
  Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp, Mnemonic.Jnp, Mnemonic.Jl, Mnemonic.Jge, Mnemonic.Jle, Mnemonic.Jg,
  Mnemonic.Sete, Mnemonic.Setne, Mnemonic.Setb, Mnemonic.Setae, Mnemonic.Setbe, Mnemonic.Seta,
  Mnemonic.Setl, Mnemonic.Setge, Mnemonic.Setle, Mnemonic.Setg, Mnemonic.Sets, Mnemonic.Setns,
  Mnemonic.Cmove, Mnemonic.Cmovne, Mnemonic.Cmovb, Mnemonic.Cmovae, Mnemonic.Cmovbe, Mnemonic.Cmova,
  Mnemonic.Cmovl, Mnemonic.Cmovge, Mnemonic.Cmovle, Mnemonic.Cmovg, Mnemonic.Cmovs, Mnemonic.Cmovns,
];

const CONSUMERS = new Set<number>(CONDITION_CONSUMERS);

const CMP_CCS = new Set<number>([ConditionCode.e, ConditionCode.ne, ConditionCode.b, ConditionCode.ae, ConditionCode.be,
  ConditionCode.a, ConditionCode.l, ConditionCode.ge, ConditionCode.le, ConditionCode.g]);
const TEST_CCS = new Set<number>([ConditionCode.e, ConditionCode.ne, ConditionCode.s, ConditionCode.ns, ConditionCode.l,
  ConditionCode.ge, ConditionCode.le, ConditionCode.g]);

/** Does insns[i] (a compare) fuse with insns[i + 1] (its consumer)? */
export function fusionAt(insns: Insn[], i: number): Fusion | null {
  const producer = insns[i], consumer = insns[i + 1];
  if (!consumer || !CONSUMERS.has(consumer.mnemonic)) return null;
  const size = producer.opSize;
  if (![1, 2, 4, 8].includes(size)) return null;
  if (producer.ops.some((o) => o.kind === OpKind.Xmm)) return null;
  if (producer.mnemonic === Mnemonic.Cmp && CMP_CCS.has(consumer.cc)) return { kind: 'cmp', size };
  if (producer.mnemonic === Mnemonic.Test && TEST_CCS.has(consumer.cc)) return { kind: 'test', size };
  return null;
}

/**
 * The consumer's condition over the locals the fused compare left: fa/fah,
 * fb/fbh (cmp's operands, narrow sizes zero-extended) or fr/frh (test's AND).
 */
export function fusedCondition(f: Fusion, cc: ConditionCode): string {
  if (f.kind === 'test') {
    const zero = f.size === 8 ? '((fr|frh)===0)' : '(fr===0)';
    const neg = f.size === 8 ? '(frh<0)' : f.size === 4 ? '(fr<0)' : `((fr&${f.size === 2 ? 0x8000 : 0x80})!==0)`;
    switch (cc) {
      case ConditionCode.e: return zero;
      case ConditionCode.ne: return `(!${zero})`;
      case ConditionCode.s: case ConditionCode.l: return neg; // OF = 0 after test
      case ConditionCode.ns: case ConditionCode.ge: return `(!${neg})`;
      case ConditionCode.le: return `(${zero}||${neg})`;
      default: return `(!${zero}&&!${neg})`; // g
    }
  }
  const eq = f.size === 8 ? '(fa===fb&&fah===fbh)' : '(fa===fb)';
  const lt = (x: string, y: string, signed: boolean): string => {
    if (f.size === 8) {
      const hiLt = signed ? `${x}h<${y}h` : `(${x}h>>>0)<(${y}h>>>0)`;
      return `(${hiLt}||(${x}h===${y}h&&(${x}>>>0)<(${y}>>>0)))`;
    }
    if (f.size === 4) return signed ? `((${x}|0)<(${y}|0))` : `((${x}>>>0)<(${y}>>>0))`;
    const sh = 32 - 8 * f.size;
    return signed ? `(((${x}<<${sh})>>${sh})<((${y}<<${sh})>>${sh}))` : `(${x}<${y})`;
  };
  switch (cc) {
    case ConditionCode.e: return eq;
    case ConditionCode.ne: return `(!${eq})`;
    case ConditionCode.b: return lt('fa', 'fb', false);
    case ConditionCode.ae: return `(!${lt('fa', 'fb', false)})`;
    case ConditionCode.a: return lt('fb', 'fa', false);
    case ConditionCode.be: return `(!${lt('fb', 'fa', false)})`;
    case ConditionCode.l: return lt('fa', 'fb', true);
    case ConditionCode.ge: return `(!${lt('fa', 'fb', true)})`;
    case ConditionCode.g: return lt('fb', 'fa', true);
    default: return `(!${lt('fb', 'fa', true)})`; // le
  }
}
