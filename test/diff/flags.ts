// Which RFLAGS bits an instruction leaves undefined (Intel SDM vol. 2, the
// "Flags Affected" section of each instruction). Those bits are masked out
// before native and simulated results are compared: real CPUs (and Intel vs
// AMD) disagree on them. Every operation the generator emits must have a rule
// here — `undefinedFlags` throws for unknown ones, so this stays the one table.

export const CF = 1 << 0;
export const PF = 1 << 2;
export const AF = 1 << 4;
export const ZF = 1 << 6;
export const SF = 1 << 7;
export const DF = 1 << 10;
export const OF = 1 << 11;
export const ARITH_FLAGS = CF | PF | AF | ZF | SF | OF;
/** The RFLAGS bits the harness sets up and compares. */
export const COMPARED_FLAGS = ARITH_FLAGS | DF;

export interface FlagContext {
  /** Operand size in bits. */
  width: number;
  /** Shift/rotate count as given (before masking), when the operation has one. */
  count?: number;
}

type Rule = number | ((ctx: FlagContext) => number);

function maskedCount(ctx: FlagContext): number {
  if (ctx.count === undefined) throw new Error('flag rule needs a count');
  return ctx.count & (ctx.width === 64 ? 63 : 31);
}

/** SHL/SAL/SHR/SAR. */
function shiftRule(op: 'shl' | 'shr' | 'sar'): Rule {
  return (ctx) => {
    const n = maskedCount(ctx);
    if (n === 0) return 0; // flags unaffected
    let undef = AF; // "For a non-zero count, the AF flag is undefined."
    if (n !== 1) undef |= OF; // "OF is affected only for 1-bit shifts"
    // "CF is undefined for SHL and SHR where the count is >= the operand size".
    if (op !== 'sar' && n >= ctx.width) undef |= CF;
    return undef;
  };
}

/** ROL/ROR/RCL/RCR: only CF and OF are affected; OF only defined for count 1. */
const rotateRule: Rule = (ctx) => {
  const n = maskedCount(ctx);
  return n === 0 || n === 1 ? 0 : OF;
};

/** SHLD/SHRD. */
const doubleShiftRule: Rule = (ctx) => {
  const n = maskedCount(ctx);
  if (n === 0) return 0;
  if (n > ctx.width) return ARITH_FLAGS; // result and flags undefined
  return AF | (n === 1 ? 0 : OF);
};

export const UNDEFINED_FLAGS: Record<string, Rule> = {
  // Data movement, conversions: no flag is touched (so all must stay as they were).
  mov: 0, movabs: 0, movzx: 0, movsx: 0, movsxd: 0, lea: 0, xchg: 0, bswap: 0,
  cbw: 0, cwde: 0, cdqe: 0, cwd: 0, cdq: 0, cqo: 0,
  setcc: 0, cmovcc: 0, not: 0, push: 0, pop: 0, enter: 0, leave: 0,
  movs: 0, stos: 0, lods: 0,
  // Arithmetic: all six defined.
  add: 0, adc: 0, sub: 0, sbb: 0, cmp: 0, neg: 0, inc: 0, dec: 0,
  cmpxchg: 0, xadd: 0, cmps: 0, scas: 0, cmpxchg8b: 0, cmpxchg16b: 0,
  // Logic: OF=CF=0, SF ZF PF by result, AF undefined.
  and: AF, or: AF, xor: AF, test: AF,
  // Multiply: CF OF defined, the rest undefined. Divide: all undefined.
  mul: SF | ZF | AF | PF, imul: SF | ZF | AF | PF,
  div: ARITH_FLAGS, idiv: ARITH_FLAGS,
  shl: shiftRule('shl'), shr: shiftRule('shr'), sar: shiftRule('sar'),
  rol: rotateRule, ror: rotateRule, rcl: rotateRule, rcr: rotateRule,
  shld: doubleShiftRule, shrd: doubleShiftRule,
  // Bit test: CF = the bit, ZF unaffected, OF SF AF PF undefined.
  bt: OF | SF | AF | PF, bts: OF | SF | AF | PF, btr: OF | SF | AF | PF, btc: OF | SF | AF | PF,
  // Bit scan: only ZF defined.
  bsf: CF | OF | SF | AF | PF, bsr: CF | OF | SF | AF | PF,
  // TZCNT/LZCNT: ZF (result zero) and CF (source zero) defined.
  tzcnt: OF | SF | PF | AF, lzcnt: OF | SF | PF | AF,
  // POPCNT: OF SF AF CF PF cleared, ZF = (source == 0): all defined.
  popcnt: 0,
  // SSE: no RFLAGS effect, except (U)COMISS/SD which set ZF PF CF and clear OF SF AF.
  sse: 0, comis: 0, ucomis: 0,
};

export function undefinedFlags(op: string, ctx: FlagContext): number {
  const rule = UNDEFINED_FLAGS[op];
  if (rule === undefined) throw new Error(`no undefined-flags rule for '${op}'`);
  return typeof rule === 'number' ? rule : rule(ctx);
}

export function formatFlags(rflags: bigint | number, mask = COMPARED_FLAGS): string {
  const v = Number(BigInt(rflags) & 0xffffffffn);
  const names: [string, number][] = [['CF', CF], ['PF', PF], ['AF', AF], ['ZF', ZF], ['SF', SF], ['DF', DF], ['OF', OF]];
  return names.filter(([, bit]) => mask & bit).map(([n, bit]) => (v & bit ? n : n.toLowerCase())).join(' ');
}
