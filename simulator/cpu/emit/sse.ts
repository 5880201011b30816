// SSE/SSE2 emitters: the families in sseMove.ts (moves, movq/movd, mask
// extraction), sseInteger.ts (packed integers and bitwise logic) and
// sseFloat.ts (scalar/packed float, compares, conversions, MXCSR). Operand
// plumbing is in sseCommon.ts; runtime helpers in ../helpers/sse*.ts.
//
// Legacy (non-VEX) SSE and SSE2 as baseline x86-64 gcc and musl emit them;
// SSE3 to SSE4.2 (x86-64-v2) are in sse4.ts. AVX (VEX/EVEX) and MMX-register
// forms get no emitter, so the compiler raises #UD naming the instruction.

import { EmitTable } from './table';
import { sseMoveEmitters } from './sseMove';
import { sseIntegerEmitters } from './sseInteger';
import { sseFloatEmitters } from './sseFloat';
import { sse4Emitters } from './sse4';

export const sseEmitters: EmitTable = {
  ...sseMoveEmitters,
  ...sseIntegerEmitters,
  ...sseFloatEmitters,
  ...sse4Emitters,
};
