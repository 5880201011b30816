// Entry point of the case generator: every family, in the order of the
// subtests. The case model is in gen.ts, the families in cases-integer.ts and
// cases-sse.ts, the undefined-flags table in flags.ts.

import { DiffCase, Generator } from './gen';
import {
  harness, movFamily, movExtend, leaFamily, aluFamily, unaryFamily, shiftFamily, doubleShiftFamily, mulFamily, divFamily, divEdgeFamily, signExtendFamily, setccFamily, cmovFamily, jccFamily, flagSequenceFamily, exchangeFamily, lockFamily, bitTestFamily, bitScanFamily, bswapFamily, stringFamily, stackFamily, flagOpsFamily, miscFamily, callRetFamily, pageCrossFamily,
} from './cases-integer';
import {
  sseMoveFamily, sseIntFamily, sseShiftFamily, sseFloatFamily, sseConvertFamily, sse2MoveFamily, sse2IntFamily, sse2FloatFamily, sse2ConvertFamily, mxcsrFamilies,
} from './cases-sse';
import { sse3Family, ssse3Family, sse41IntFamily, sse41RoundFamily, sse41DotFamily, sse42Family } from './cases-sse4';

export type { DiffCase, RegInit } from './gen';
export { regName } from './gen';

export function generateCases(seed = 0x5eed): DiffCase[] {
  const g = new Generator(seed);
  harness(g);
  movFamily(g);
  movExtend(g);
  leaFamily(g);
  aluFamily(g);
  unaryFamily(g);
  shiftFamily(g);
  doubleShiftFamily(g);
  mulFamily(g);
  divFamily(g);
  signExtendFamily(g);
  setccFamily(g);
  cmovFamily(g);
  jccFamily(g);
  flagSequenceFamily(g);
  exchangeFamily(g);
  lockFamily(g);
  bitTestFamily(g);
  bitScanFamily(g);
  bswapFamily(g);
  stringFamily(g);
  stackFamily(g);
  sseMoveFamily(g);
  sseIntFamily(g);
  sseShiftFamily(g);
  sseFloatFamily(g);
  sseConvertFamily(g);
  sse2MoveFamily(g);
  sse2IntFamily(g);
  sse2FloatFamily(g);
  sse2ConvertFamily(g);
  sse3Family(g);
  ssse3Family(g);
  sse41IntFamily(g);
  sse41RoundFamily(g);
  sse41DotFamily(g);
  sse42Family(g);
  flagOpsFamily(g);
  miscFamily(g);
  callRetFamily(g);
  mxcsrFamilies(g);
  pageCrossFamily(g);
  divEdgeFamily(g); // last: it draws from the seeded PRNG, the families before keep their cases
  return g.cases;
}

/** The families in generation order (one subtest each). */
export function familiesOf(cases: readonly DiffCase[]): string[] {
  return [...new Set(cases.map((c) => c.family))];
}
