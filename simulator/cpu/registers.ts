// Register file layout. 64-bit registers live as two 32-bit halves in one
// Int32Array (`regs`): the low half of general register n at 2n, the high
// half at 2n+1. Keeping them out of BigInt is what makes the hot path fast
// (see DESIGN.md §5).

/** General-purpose register numbers, in x86 encoding order. */
export const enum Gpr {
  RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7,
  R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15,
}

export const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;

/** Slots of `regs` beyond the 16 general registers. */
export const enum RegSlot {
  RIP = 32,      // low half; high half at 33
  FS_BASE = 34,  // 34/35
  GS_BASE = 36,  // 36/37
  COUNT = 38,
}

/**
 * Arithmetic flags are kept one per slot of an Int32Array (`flags`), each 0
 * or 1, except PF which holds the result byte whose parity it stands for
 * (parity is computed only when someone reads PF).
 */
export const enum FlagSlot {
  CF = 0, PF = 1, AF = 2, ZF = 3, SF = 4, OF = 5, DF = 6,
  /** The remaining RFLAGS bits (IF, TF, AC, ID, …) as a plain bit mask. */
  OTHER = 7,
  /** With the pending flags' slots (lazyFlags.ts PendingSlot: 8–12). */
  COUNT = 13,
}

/** RFLAGS bit positions (architectural). */
export const enum RflagsBit {
  CF = 1 << 0, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7,
  TF = 1 << 8, IF = 1 << 9, DF = 1 << 10, OF = 1 << 11,
  AC = 1 << 18, ID = 1 << 21,
}

/** Bit 1 of RFLAGS always reads as 1. */
export const RFLAGS_FIXED = 0x2;

/** Number of 128-bit XMM registers; each is four int32 words in `xmm`. */
export const XMM_COUNT = 16;

/** Parity of a byte: 1 when the number of set bits is even (x86 PF). */
export const PARITY_EVEN = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let bits = 0;
    for (let v = i; v; v >>= 1) bits += v & 1;
    t[i] = bits % 2 === 0 ? 1 : 0;
  }
  return t;
})();
