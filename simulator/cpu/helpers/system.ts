// cpuid and the exceptions generated code raises.

import { Breakpoint, InvalidOpcode } from '../faults';
import { joinAddress } from '../../memory/memory';

/**
 * The vendor CPUID reports (12 bytes, in EBX, EDX, ECX order). Intel's, so
 * that software which decodes features only for vendors it knows — libgcc's
 * __builtin_cpu_supports/__builtin_cpu_is (Intel, AMD, Zhaoxin…), glibc's
 * per-vendor tuning — reads our feature bits; the simulator names itself in
 * the brand string instead.
 */
export const CPUID_VENDOR = 'GenuineIntel';
/** Leaves 0x80000002–4: the processor brand string (48 bytes, NUL-padded), what /proc/cpuinfo calls "model name". */
export const CPUID_BRAND = 'KStackWatch Studio simulated x86-64-v2 CPU';
/**
 * Leaf 1 EAX: family 6, model 0x1a, stepping 5 — Nehalem (Core i7 9xx), the
 * first Intel core with all of x86-64-v2 (SSE4.2, POPCNT, CMPXCHG16B,
 * LAHF/SAHF in 64-bit mode) and nothing of v3. It claims one thing Nehalem
 * lacks: LZCNT (ABM), which we implement; and none of its AES/PCLMUL-less,
 * MMX-less gaps matter, since every bit below is the truth about this CPU.
 */
export const CPUID_SIGNATURE = 0x000106a5;

function stringWord(text: string, bytes: number, i: number): number {
  let w = 0;
  for (let b = 0; b < 4; b++) {
    const at = 4 * i + b;
    w |= (at < bytes && at < text.length ? text.charCodeAt(at) : 0) << (8 * b);
  }
  return w;
}

/**
 * A fixed, documented CPUID that claims exactly what is implemented
 * (x86-64-v2, no AVX): leaf 0 → max leaf 1 and the vendor string; leaf 1 →
 * the signature above, EDX FPU, TSC, CX8, CMOV, FXSR, SSE, SSE2 and ECX SSE3,
 * SSSE3, CX16, SSE4.1, SSE4.2, POPCNT; leaf 0x80000000 → max extended leaf
 * 0x80000004; 0x80000001 ECX LAHF/SAHF in 64-bit mode and LZCNT (ABM), EDX
 * SYSCALL and long mode; 0x80000002–4 the brand string. Every other leaf
 * returns zeros (so leaf 7's AVX2/BMI bits are never seen).
 */
export function cpuid(R: Int32Array): void {
  const leaf = R[0] >>> 0;
  let a = 0, b = 0, c = 0, d = 0;
  if (leaf === 0) { a = 1; b = stringWord(CPUID_VENDOR, 12, 0); d = stringWord(CPUID_VENDOR, 12, 1); c = stringWord(CPUID_VENDOR, 12, 2); }
  else if (leaf === 1) { a = CPUID_SIGNATURE; d = 1 | (1 << 4) | (1 << 8) | (1 << 15) | (1 << 24) | (1 << 25) | (1 << 26);
    c = 1 | (1 << 9) | (1 << 13) | (1 << 19) | (1 << 20) | (1 << 23); }
  else if (leaf === 0x80000000) { a = 0x80000004 | 0; }
  else if (leaf === 0x80000001) { c = 1 | (1 << 5); d = (1 << 11) | (1 << 29); }
  else if (leaf >= 0x80000002 && leaf <= 0x80000004) {
    const k = 4 * (leaf - 0x80000002);
    a = stringWord(CPUID_BRAND, 48, k); b = stringWord(CPUID_BRAND, 48, k + 1);
    c = stringWord(CPUID_BRAND, 48, k + 2); d = stringWord(CPUID_BRAND, 48, k + 3);
  }
  R[0] = a; R[1] = 0; R[6] = b; R[7] = 0; R[2] = c; R[3] = 0; R[4] = d; R[5] = 0;
}

export function breakpoint(): Breakpoint {
  return new Breakpoint();
}

export function invalidOpcode(text: string, lo: number, hi: number): InvalidOpcode {
  return new InvalidOpcode(text, joinAddress(lo, hi));
}
