// DR0–DR7 with x86 semantics. DR7 enables each slot (L0–L3/G0–G3) with a
// type (R/W bits: 00 execute, 01 write, 11 read/write) and a length (LEN:
// 00 = 1, 01 = 2, 11 = 4, 10 = 8 bytes); addresses must be naturally
// aligned. Data breakpoints are checked by the memory slow path (pages
// with an armed slot leave the fast path) and trap after the instruction,
// setting DR6 B0–B3.

import { splitAddress } from '../memory/memory';

export const enum BreakType { EXECUTE = 0, WRITE = 1, IO = 2, READ_WRITE = 3 }

export interface DebugSlot {
  enabled: boolean;
  type: BreakType;
  length: number;
  lo: number;
  hi: number;
}

const LENGTH_FROM_BITS = [1, 2, 8, 4];
/** LEN bits by length (the inverse of LENGTH_FROM_BITS; re-pointing a slot runs per watched call). */
const LENGTH_BITS = [0, 0, 1, 0, 3, 0, 0, 0, 2];

export class DebugRegisters {
  readonly dr = [0n, 0n, 0n, 0n];
  dr6 = 0xffff0ff0;
  dr7 = 0x400;

  /** Per slot, the last two decodings (a watch toggles between armed and parked). */
  private readonly cache: { addr: bigint; control: number; slot: DebugSlot }[][] = [[], [], [], []];

  /** Decoded view of one of DR0–3 (with its DR7 bits); unchanged registers give the same object. */
  slot(i: number): DebugSlot {
    const addr = this.dr[i];
    const control = ((this.dr7 >> (2 * i)) & 3) | (((this.dr7 >>> (16 + 4 * i)) & 15) << 2);
    const seen = this.cache[i];
    for (let j = 0; j < seen.length; j++) { const c = seen[j]; if (c.control === control && c.addr === addr) return c.slot; }
    const enabled = (control & 3) !== 0;
    const type = ((control >> 2) & 3) as BreakType;
    const length = type === BreakType.EXECUTE ? 1 : LENGTH_FROM_BITS[(control >> 4) & 3];
    const [lo, hi] = splitAddress(addr);
    const slot = { enabled, type, length, lo, hi };
    seen.unshift({ addr, control, slot });
    if (seen.length > 2) seen.pop();
    return slot;
  }

  /** Decoded view of DR0–3 + DR7. */
  slots(): DebugSlot[] {
    return [this.slot(0), this.slot(1), this.slot(2), this.slot(3)];
  }

  /** DR7 bits for one slot: local enable, type and length. */
  static control(slot: number, type: BreakType, length: 1 | 2 | 4 | 8): number {
    const lenBits = LENGTH_BITS[length];
    return (1 << (2 * slot)) | (type << (16 + 4 * slot)) | (lenBits << (18 + 4 * slot));
  }

  static controlMask(slot: number): number {
    return (3 << (2 * slot)) | (0xf << (16 + 4 * slot));
  }
}

/** Does [lo, lo+size) overlap the slot's range? (Both within one 4 GiB window.) */
export function overlaps(slot: DebugSlot, lo: number, hi: number, size: number): boolean {
  if (slot.hi !== hi) {
    // Ranges near a 4 GiB boundary: compare as 64-bit numbers (rare path).
    const a = hi * 4294967296 + (lo >>> 0), b = slot.hi * 4294967296 + (slot.lo >>> 0);
    return a < b + slot.length && b < a + size;
  }
  const a = lo >>> 0, b = slot.lo >>> 0;
  return a < b + slot.length && b < a + size;
}
