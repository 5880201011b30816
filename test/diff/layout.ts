// Layout of one case's machine state in the harness binary. The same struct
// holds the input (as assembled into .data) and, after the case ran, the
// output (the harness stores the registers back over it). The states follow
// each other in one region (with gaps where a case needs its data buffer at
// a page boundary); the binary writes the whole region to stdout at the end,
// so native and simulated runs produce byte streams with identical layout.

export const GPR_OFF = 0; // 16 x u64, x86 encoding order (rax rcx rdx rbx rsp rbp rsi rdi r8..r15)
export const RFLAGS_OFF = 128; // u64
export const MXCSR_OFF = 136; // u32 (+4 bytes padding); loaded/stored for SSE cases only
export const XMM_OFF = 144; // xmm0..xmm3, 16 bytes each
export const XMM_STATE_COUNT = 4;
export const MEM_OFF = 208; // data buffer the memory forms operate on (16-byte aligned)
export const MEM_SIZE = 128;
export const STATE_SIZE = 336; // multiple of 16 so that every buffer stays 16-byte aligned

export interface MachineState {
  gpr: bigint[];
  rflags: bigint;
  mxcsr: number;
  /** Each a 128-bit unsigned value. */
  xmm: bigint[];
  mem: Uint8Array;
}

function u64(bytes: Uint8Array, off: number): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(off, true);
}

/** Decode the state at byte offset `base` of `bytes` (the harness's states region). */
export function decodeState(bytes: Uint8Array, base: number): MachineState {
  if (base + STATE_SIZE > bytes.length) throw new Error(`state at ${base} beyond the end of the buffer (${bytes.length} bytes)`);
  const gpr: bigint[] = [];
  for (let i = 0; i < 16; i++) gpr.push(u64(bytes, base + GPR_OFF + 8 * i));
  const xmm: bigint[] = [];
  for (let i = 0; i < XMM_STATE_COUNT; i++) {
    const off = base + XMM_OFF + 16 * i;
    xmm.push((u64(bytes, off + 8) << 64n) | u64(bytes, off));
  }
  return {
    gpr,
    rflags: u64(bytes, base + RFLAGS_OFF),
    mxcsr: Number(u64(bytes, base + MXCSR_OFF) & 0xffffffffn),
    xmm,
    mem: bytes.slice(base + MEM_OFF, base + MEM_OFF + MEM_SIZE),
  };
}
