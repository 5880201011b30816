// Rarely executed instructions with long semantics: enter with a nesting
// level, cmpxchg8b/cmpxchg16b.

import type { Memory } from '../../memory/memory';
import { GeneralProtection } from '../faults';

export function createRareHelpers(mem: Memory, R: Int32Array, F: Int32Array) {
  const S = mem.scratch;
  const sub = (slot: number, n: number): void => {
    const t = (R[slot] >>> 0) - n;
    R[slot] = t | 0;
    R[slot + 1] = (R[slot + 1] - (t < 0 ? 1 : 0)) | 0;
  };
  return {
    /** enter size, level (level > 0): copies level−1 frame pointers from the old frame. */
    enterNested(size: number, level: number): void {
      sub(8, 8); mem.st64(R[8], R[9], R[10], R[11]);
      const frameLo = R[8], frameHi = R[9];
      let bpLo = R[10], bpHi = R[11];
      for (let i = 1; i < level; i++) {
        const t = (bpLo >>> 0) - 8; bpHi = (bpHi - (t < 0 ? 1 : 0)) | 0; bpLo = t | 0;
        const vlo = mem.ld64(bpLo, bpHi), vhi = S[0];
        sub(8, 8); mem.st64(R[8], R[9], vlo, vhi);
      }
      sub(8, 8); mem.st64(R[8], R[9], frameLo, frameHi);
      R[10] = frameLo; R[11] = frameHi;
      sub(8, size);
    },

    cmpxchgWide(wide: boolean, lo: number, hi: number): void {
      if (wide && (lo & 15) !== 0) throw new GeneralProtection('cmpxchg16b operand not 16-byte aligned');
      const hi4 = (lo >>> 0) + 4 > 0xffffffff ? (hi + 1) | 0 : hi;
      const hi8 = (lo >>> 0) + 8 > 0xffffffff ? (hi + 1) | 0 : hi;
      if (!wide) {
        const m0 = mem.ld32(lo, hi), m1 = mem.ld32((lo + 4) | 0, hi4);
        if (m0 === R[0] && m1 === R[4]) { mem.st32(lo, hi, R[6]); mem.st32((lo + 4) | 0, hi4, R[2]); F[3] = 1; }
        else { mem.st32(lo, hi, m0); mem.st32((lo + 4) | 0, hi4, m1); R[0] = m0; R[1] = 0; R[4] = m1; R[5] = 0; F[3] = 0; }
        return;
      }
      const a = mem.ld64(lo, hi), ah = S[0];
      const b = mem.ld64((lo + 8) | 0, hi8), bh = S[0];
      if (a === R[0] && ah === R[1] && b === R[4] && bh === R[5]) {
        mem.st64(lo, hi, R[6], R[7]); mem.st64((lo + 8) | 0, hi8, R[2], R[3]); F[3] = 1;
      } else {
        mem.st64(lo, hi, a, ah); mem.st64((lo + 8) | 0, hi8, b, bh);
        R[0] = a; R[1] = ah; R[4] = b; R[5] = bh; F[3] = 0;
      }
    },
  };
}
