// SSE/SSE2 emitters: the families in sseMove.ts (moves, movq/movd, mask
// extraction), sseInteger.ts (packed integers and bitwise logic) and
// sseFloat.ts (scalar/packed float, compares, conversions, MXCSR). Operand
// plumbing is in sseCommon.ts; runtime helpers in ../helpers/sse*.ts.
//
// Only legacy (non-VEX) SSE and SSE2 are here, as baseline x86-64 gcc and
// musl emit them. SSE3 and later, AVX (VEX/EVEX), MMX-register forms and
// x87 get no emitter, so the compiler raises #UD naming the instruction.

import { EmitTable } from './table';
import { sseMoveEmitters } from './sseMove';
import { sseIntegerEmitters } from './sseInteger';
import { sseFloatEmitters } from './sseFloat';

export const sseEmitters: EmitTable = {
  ...sseMoveEmitters,
  ...sseIntegerEmitters,
  ...sseFloatEmitters,
};
