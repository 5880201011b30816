// The wasm tier's one dispatch table: every instruction family's
// translations by mnemonic (control transfers are control.ts's).

import { integerOps } from './integer';
import { mulDivOps } from './muldiv';
import { shiftCountOps } from './shiftCount';
import { bitOps } from './bits';
import { stackOps } from './stack';
import { stringOps } from './string';
import { sseOps } from './sse';
import { atomicOps } from './atomic';
import { sseFloatOps } from './sseFloat';
import type { WasmOpTable } from './table';

export const WASM_OPS: WasmOpTable = {
  ...integerOps,
  ...mulDivOps,
  ...shiftCountOps,
  ...bitOps,
  ...stackOps,
  ...stringOps,
  ...atomicOps,
  ...sseOps, // (after stringOps: movsd is either)
  ...sseFloatOps,
};
