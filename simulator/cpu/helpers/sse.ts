// SSE/SSE2 runtime helpers: the functions generated code calls through `H`
// for what is not emitted inline (see emit/sse*.ts). Floating point lives in
// sseFloat.ts (fast paths) and sseSoft.ts (exact arithmetic with the full
// MXCSR model), packed integer lanes in sseInt.ts; this file adds the faults
// (misaligned 16-byte access, page checks for 16-byte stores) and ldmxcsr.

import type { Cpu } from '../cpu';
import { GeneralProtection, PageFault, hex } from '../faults';
import { joinAddress, Memory, Perm } from '../../memory/memory';
import { createSseFloatHelpers } from './sseFloat';
import { createSseIntHelpers } from './sseInt';
import { createSse4Helpers } from './sse4';

/** MXCSR bits a program may set (FZ, RC, exception masks, DAZ, flags); others → #GP. */
export const MXCSR_WRITABLE = 0xffff;

/** A 16-byte aligned access (movdqa, movaps, packed ops on m128) at a misaligned address. */
export function misalignedFault(lo: number, hi: number): never {
  throw new GeneralProtection(`misaligned 16-byte memory operand at ${hex(joinAddress(lo, hi))}`);
}

/**
 * A 16-byte store that crosses a page: check both pages first, so a fault
 * leaves memory untouched (two 8-byte stores could otherwise half-complete).
 */
export function probeWrite16At(mem: Memory, lo: number, hi: number): void {
  const sum = (lo >>> 0) + 15;
  const lastLo = sum | 0, lastHi = (hi + (sum > 0xffffffff ? 1 : 0)) | 0;
  checkWritable(mem, lo, hi);
  checkWritable(mem, lastLo, lastHi);
}

function checkWritable(mem: Memory, lo: number, hi: number): void {
  const page = mem.pageAt(lo, hi);
  if (!page) throw new PageFault(joinAddress(lo, hi), 'write', false);
  if (!(page.perm & Perm.W)) throw new PageFault(joinAddress(lo, hi), 'write', true);
}

export function createSseHelpers(cpu: Cpu): Record<string, unknown> {
  const mem = cpu.mem;

  const misaligned = misalignedFault;
  const probeWrite16 = (lo: number, hi: number): void => probeWrite16At(mem, lo, hi);

  function ldmxcsr(v: number): void {
    if ((v & ~MXCSR_WRITABLE) !== 0) throw new GeneralProtection(`ldmxcsr: reserved bits set in ${hex(v >>> 0)}`);
    cpu.mxcsr = v;
  }

  const float = createSseFloatHelpers(cpu);
  return {
    ...float,
    ...createSseIntHelpers(cpu),
    ...createSse4Helpers(cpu, float),
    misaligned, probeWrite16, ldmxcsr,
  };
}
