// SSE/SSE2 emitters (filled in by the SSE family).

import { EmitTable } from './table';

export const sseEmitters: EmitTable = {};
