// cpuid and the exceptions generated code raises.

import { Breakpoint, InvalidOpcode } from '../faults';
import { joinAddress } from '../../memory/memory';

/** The vendor string our CPUID reports (12 bytes, in EBX, EDX, ECX order). */
export const CPUID_VENDOR = 'KStackWatch!';

function vendorWord(i: number): number {
  let w = 0;
  for (let b = 0; b < 4; b++) w |= CPUID_VENDOR.charCodeAt(4 * i + b) << (8 * b);
  return w;
}

/**
 * A fixed, documented CPUID that claims exactly what is implemented
 * (x86-64-v2, no AVX): leaf 0 → max leaf 1 and the vendor string; leaf 1 →
 * family 6, EDX FPU, TSC, CX8, CMOV, FXSR, SSE, SSE2 and ECX SSE3, SSSE3,
 * CX16, SSE4.1, SSE4.2, POPCNT; leaf 0x80000000 → max extended leaf
 * 0x80000001, whose ECX reports LAHF/SAHF in 64-bit mode and LZCNT (ABM) and
 * EDX SYSCALL and long mode. Every other leaf returns zeros (so leaf 7's
 * AVX2/BMI bits are never seen).
 */
export function cpuid(R: Int32Array): void {
  const leaf = R[0] >>> 0;
  let a = 0, b = 0, c = 0, d = 0;
  if (leaf === 0) { a = 1; b = vendorWord(0); d = vendorWord(1); c = vendorWord(2); }
  else if (leaf === 1) { a = 0x000906a0; d = 1 | (1 << 4) | (1 << 8) | (1 << 15) | (1 << 24) | (1 << 25) | (1 << 26);
    c = 1 | (1 << 9) | (1 << 13) | (1 << 19) | (1 << 20) | (1 << 23); }
  else if (leaf === 0x80000000) { a = 0x80000001 | 0; }
  else if (leaf === 0x80000001) { c = 1 | (1 << 5); d = (1 << 11) | (1 << 29); }
  R[0] = a; R[1] = 0; R[6] = b; R[7] = 0; R[2] = c; R[3] = 0; R[4] = d; R[5] = 0;
}

export function breakpoint(): Breakpoint {
  return new Breakpoint();
}

export function invalidOpcode(text: string, lo: number, hi: number): InvalidOpcode {
  return new InvalidOpcode(text, joinAddress(lo, hi));
}
