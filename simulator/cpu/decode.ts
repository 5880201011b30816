// Decoding: iced-x86 turns bytes into an Instruction (in wasm memory); we copy
// what execution needs into a plain `Insn` once per instruction address, so
// nothing on the hot path ever calls into the decoder again.

import * as iced from 'iced-x86';

/** Our flag bits (one per FlagSlot), used for liveness. */
export const enum FlagBit {
  CF = 1 << 0, PF = 1 << 1, AF = 1 << 2, ZF = 1 << 3, SF = 1 << 4, OF = 1 << 5, DF = 1 << 6,
  ARITH = 0x3f, ALL = 0x7f,
}

export const enum OpKind { Reg, Imm, Mem, Xmm, St }

export interface RegOperand { kind: OpKind.Reg; reg: number; size: number; high8: boolean }
export interface ImmOperand { kind: OpKind.Imm; lo: number; hi: number; size: number }
export interface XmmOperand { kind: OpKind.Xmm; reg: number; size: number }
/** x87 stack register ST(reg), relative to TOP (see emit/x87.ts). */
export interface StOperand { kind: OpKind.St; reg: number; size: number }
export interface MemOperand {
  kind: OpKind.Mem;
  /** Base GPR, or -1. RIP-relative operands are folded into an absolute displacement. */
  base: number;
  index: number;
  scale: number;
  dispLo: number;
  dispHi: number;
  /** 0 = none, 4 = FS, 5 = GS (iced order ES CS SS DS FS GS). */
  seg: number;
  size: number;
  /** 67h address-size override: the address is computed in 32 bits. */
  addr32: boolean;
}
export type Operand = RegOperand | ImmOperand | XmmOperand | MemOperand | StOperand;

export interface Insn {
  ipLo: number; ipHi: number;
  nextLo: number; nextHi: number;
  length: number;
  mnemonic: iced.Mnemonic;
  code: iced.Code;
  ops: Operand[];
  /** Operand size of the instruction (size of op0 when it has one). */
  opSize: number;
  lock: boolean;
  rep: boolean;
  repne: boolean;
  /** Condition code (ConditionCode enum) for jcc/setcc/cmovcc. */
  cc: number;
  flowControl: iced.FlowControl;
  /** Branch target for direct branches/calls. */
  targetLo: number; targetHi: number;
  flagsRead: number;
  flagsWritten: number;
  /** Text for messages (#UD, disassembly). */
  text: string;
  /** Address size override (67h): only used by string instructions. */
  addr32: boolean;
  /** The instruction's bytes. */
  readonly bytes: Uint8Array;
}

const R = iced.Register;

/**
 * iced's Code.INVALID. Read from iced.Code, the first decode of a run would
 * build that whole enum object (the bundles make iced's enums on first read,
 * scripts/build.mjs): ~9,900 names both ways, ~10 ms of a new program's
 * start. A unit test (test/unit/decodeFacts.test.ts) checks the value.
 */
export const CODE_INVALID = 0 as iced.Code;

function icedFlagsToOurs(f: number): number {
  let r = 0;
  if (f & iced.RflagsBits.CF) r |= FlagBit.CF;
  if (f & iced.RflagsBits.PF) r |= FlagBit.PF;
  if (f & iced.RflagsBits.AF) r |= FlagBit.AF;
  if (f & iced.RflagsBits.ZF) r |= FlagBit.ZF;
  if (f & iced.RflagsBits.SF) r |= FlagBit.SF;
  if (f & iced.RflagsBits.OF) r |= FlagBit.OF;
  if (f & iced.RflagsBits.DF) r |= FlagBit.DF;
  return r;
}

/**
 * Instructions whose flags the architecture leaves undefined in part, and whose emitters write only
 * the defined ones (emit/bits.ts, emit/muldiv.ts): the simulator leaves the others as they were. So
 * they are not among the flags such an instruction writes — else flag liveness would let the flags
 * before it go uncomputed, and what the undefined ones then hold would depend on how the code was
 * compiled (a trace, a single step, the wasm tier).
 */
const KEEPS_UNDEFINED_FLAGS = new Set<iced.Mnemonic>([
  iced.Mnemonic.Bt, iced.Mnemonic.Bts, iced.Mnemonic.Btr, iced.Mnemonic.Btc, iced.Mnemonic.Bsf, iced.Mnemonic.Bsr,
  iced.Mnemonic.Tzcnt, iced.Mnemonic.Lzcnt, iced.Mnemonic.Mul, iced.Mnemonic.Imul, iced.Mnemonic.Div, iced.Mnemonic.Idiv,
]);

/** Size in bytes of each iced MemorySize, derived from its name (UInt64, Packed128_Int32, Float32…). */
const MEMORY_SIZE_BYTES: number[] = (() => {
  const table: number[] = [];
  for (const [name, value] of Object.entries(iced.MemorySize)) {
    if (typeof value !== 'number') continue;
    const packed = /^Packed(\d+)_/.exec(name);
    const plain = /^(?:U?Int|Float|BFloat)(\d+)$/.exec(name);
    const bits = packed ? +packed[1] : plain ? +plain[1] : 0;
    table[value] = bits / 8;
  }
  return table;
})();

/** GPR number, width and high-byte-ness of an iced register, or null if not a GPR. */
export function gprInfo(reg: iced.Register): { reg: number; size: number; high8: boolean } | null {
  if (reg >= R.AL && reg <= R.R15L) {
    const i = reg - R.AL;
    if (i >= 4 && i < 8) return { reg: i - 4, size: 1, high8: true }; // AH CH DH BH
    return { reg: i < 4 ? i : i, size: 1, high8: false };
  }
  if (reg >= R.AX && reg <= R.R15W) return { reg: reg - R.AX, size: 2, high8: false };
  if (reg >= R.EAX && reg <= R.R15D) return { reg: reg - R.EAX, size: 4, high8: false };
  if (reg >= R.RAX && reg <= R.R15) return { reg: reg - R.RAX, size: 8, high8: false };
  return null;
}

function splitBig(v: bigint): [number, number] {
  const u = BigInt.asUintN(64, v);
  return [Number(u & 0xffffffffn) | 0, Number(u >> 32n) | 0];
}

/**
 * An operand or instruction form the simulator does not implement: thrown by
 * the decoder and by the emitters (cpu/emit), caught only by the decoder and
 * the block compiler, which turn it into the guest's #UD. Any other
 * exception while compiling is a simulator bug and propagates as one.
 */
export class UnsupportedOperand extends Error {}

/** Does an instruction with these base and index registers use 32-bit addressing (a 67h prefix)? */
function isAddr32(memoryBase: iced.Register, memoryIndex: iced.Register): boolean {
  const reg = memoryBase !== R.None ? memoryBase : memoryIndex;
  if (reg !== R.None && reg !== R.RIP && reg !== R.EIP) return gprInfo(reg)?.size === 4;
  return reg === R.EIP;
}

/** Translate iced register index to our numbering for byte registers: SPL..DIL are 4..7 as GPRs. */
function byteRegFix(reg: iced.Register, info: { reg: number; size: number; high8: boolean }): { reg: number; size: number; high8: boolean } {
  // iced order: AL CL DL BL AH CH DH BH SPL BPL SIL DIL R8L..R15L
  if (reg >= R.SPL && reg <= R.DIL) return { reg: reg - R.SPL + 4, size: 1, high8: false };
  if (reg >= R.R8L && reg <= R.R15L) return { reg: reg - R.R8L + 8, size: 1, high8: false };
  return info;
}

/** What convertOperand needs of the instruction besides operand n, each read from iced once per instruction. */
interface Decoded { ins: iced.Instruction; memoryBase: iced.Register; memoryIndex: iced.Register }

function convertOperand(d: Decoded, n: number, kind: iced.OpKind, immSize: number): Operand {
  const ins = d.ins;
  switch (kind) {
    case iced.OpKind.Register: {
      const reg = ins.opRegister(n);
      const g = gprInfo(reg);
      if (g) return { kind: OpKind.Reg, ...byteRegFix(reg, g) };
      if (reg >= R.XMM0 && reg <= R.XMM15) return { kind: OpKind.Xmm, reg: reg - R.XMM0, size: 16 };
      if (reg >= R.ST0 && reg <= R.ST7) return { kind: OpKind.St, reg: reg - R.ST0, size: 10 };
      throw new UnsupportedOperand(`register ${R[reg]}`);
    }
    case iced.OpKind.Immediate8:
    case iced.OpKind.Immediate8_2nd:
    case iced.OpKind.Immediate16:
    case iced.OpKind.Immediate32:
    case iced.OpKind.Immediate64:
    case iced.OpKind.Immediate8to16:
    case iced.OpKind.Immediate8to32:
    case iced.OpKind.Immediate8to64:
    case iced.OpKind.Immediate32to64: {
      const [lo, hi] = splitBig(ins.immediate(n));
      return { kind: OpKind.Imm, lo, hi, size: immSize };
    }
    case iced.OpKind.Memory: {
      let base = -1, dLo: number, dHi: number;
      if (ins.isIpRelMemoryOperand) {
        [dLo, dHi] = splitBig(ins.ipRelMemoryAddress);
      } else {
        [dLo, dHi] = splitBig(ins.memoryDisplacement);
        if (d.memoryBase !== R.None) {
          const g = gprInfo(d.memoryBase);
          if (!g || g.size < 4) throw new UnsupportedOperand(`address base ${R[d.memoryBase]}`);
          base = g.reg;
        }
      }
      let index = -1;
      if (d.memoryIndex !== R.None) {
        const g = gprInfo(d.memoryIndex);
        if (!g || g.size < 4) throw new UnsupportedOperand(`address index ${R[d.memoryIndex]}`);
        index = g.reg;
      }
      const segReg = ins.memorySegment;
      const seg = segReg === R.FS ? 4 : segReg === R.GS ? 5 : 0;
      return {
        kind: OpKind.Mem, base, index, scale: ins.memoryIndexScale, dispLo: dLo, dispHi: dHi,
        seg, size: MEMORY_SIZE_BYTES[ins.memorySize] ?? 0, addr32: isAddr32(d.memoryBase, d.memoryIndex),
      };
    }
    default:
      throw new UnsupportedOperand(`operand kind ${iced.OpKind[kind]}`);
  }
}

/**
 * One decoded instruction. `text` is formatted on first use only (messages,
 * disassembly): formatting every compiled instruction was a large share of
 * start-up.
 */
class DecodedInsn implements Insn {
  private formatted: string | undefined;
  constructor(
    readonly ipLo: number, readonly ipHi: number, readonly nextLo: number, readonly nextHi: number,
    readonly length: number, readonly mnemonic: iced.Mnemonic, readonly code: iced.Code, readonly ops: Operand[],
    readonly opSize: number, readonly lock: boolean, readonly rep: boolean, readonly repne: boolean,
    readonly cc: number, readonly flowControl: iced.FlowControl, readonly targetLo: number, readonly targetHi: number,
    readonly flagsRead: number, readonly flagsWritten: number, readonly addr32: boolean,
    /** The instruction's bytes (formatted on demand; compared by the compiler's decode cache). */
    readonly bytes: Uint8Array,
  ) {}

  get text(): string {
    return this.formatted ??= formatInstruction(this.bytes, this.ipLo, this.ipHi);
  }
}

let textDecoder: { instruction: iced.Instruction; formatter: iced.Formatter } | null = null;

/** Intel-syntax text of the instruction at the start of `bytes`. */
function formatInstruction(bytes: Uint8Array, ipLo: number, ipHi: number): string {
  textDecoder ??= { instruction: new iced.Instruction(), formatter: new iced.Formatter(iced.FormatterSyntax.Intel) };
  const decoder = new iced.Decoder(64, bytes, iced.DecoderOptions.None);
  try {
    decoder.ip = joinIp(ipLo, ipHi);
    decoder.decodeOut(textDecoder.instruction);
    return textDecoder.formatter.format(textDecoder.instruction);
  } finally {
    decoder.free();
  }
}

function joinIp(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/**
 * What iced derives from the Code alone (its Instruction getters read
 * per-Code tables: mnemonic, flow control, condition code, operand count,
 * stack use). Kept per Code, since each getter is a call into wasm and
 * start-up runs hundreds of decodes before V8 has warmed those calls up.
 */
interface CodeFacts {
  mnemonic: iced.Mnemonic; flowControl: iced.FlowControl; cc: number; opCount: number; stack: boolean;
  /** Our flag bits read and written; -1 until an instruction of this Code without an immediate was decoded. */
  flagsRead: number; flagsWritten: number;
}

/**
 * Decodes instructions from byte buffers; holds one reusable iced
 * Instruction, made on the first decode (the bundles start iced-x86's wasm
 * on first use: a run that decodes nothing never starts it).
 */
export class InsnDecoder {
  private instruction: iced.Instruction | null = null;
  private readonly facts: (CodeFacts | undefined)[] = [];

  /**
   * Decode one instruction at `bytes[0]` (address ipLo/ipHi). Returns null
   * when the bytes are not a valid instruction; `text` then says why.
   */
  decode(bytes: Uint8Array, ipLo: number, ipHi: number): Insn | { invalid: string } {
    const decoder = new iced.Decoder(64, bytes, iced.DecoderOptions.None);
    try {
      decoder.ip = joinIp(ipLo, ipHi);
      const ins = (this.instruction ??= new iced.Instruction());
      decoder.decodeOut(ins);
      const code = ins.code; // (iced's isInvalid is code === INVALID)
      if (code === CODE_INVALID) {
        const hexBytes = Array.from(bytes.subarray(0, Math.min(bytes.length, 8)), (b) => b.toString(16).padStart(2, '0')).join(' ');
        return { invalid: decoder.lastError === iced.DecoderError.NoMoreBytes ? `(truncated) ${hexBytes}` : `(bad) ${hexBytes}` };
      }
      return this.convert(ins, code, bytes, ipLo, ipHi);
    } finally {
      decoder.free();
    }
  }

  private codeFacts(ins: iced.Instruction, code: iced.Code): CodeFacts {
    return this.facts[code] ??= {
      mnemonic: ins.mnemonic, flowControl: ins.flowControl, cc: ins.conditionCode, opCount: ins.opCount,
      stack: ins.isStackInstruction, flagsRead: -1, flagsWritten: -1,
    };
  }

  private convert(ins: iced.Instruction, code: iced.Code, bytes: Uint8Array, ipLo: number, ipHi: number): Insn | { invalid: string } {
    const facts = this.codeFacts(ins, code);
    const mnemonic = facts.mnemonic;
    const d: Decoded = { ins, memoryBase: ins.memoryBase, memoryIndex: ins.memoryIndex };
    const length = ins.length;
    // next = ip + length, carried into the high half without BigInt
    const nextLo = (ipLo + length) | 0;
    const nextHi = (nextLo >>> 0) < (ipLo >>> 0) ? (ipHi + 1) | 0 : ipHi;
    let opSize = 0;
    const ops: Operand[] = [];
    let targetLo = 0, targetHi = 0;
    let stringAddr32 = false;
    let immediate = false;
    try {
      for (let n = 0; n < facts.opCount; n++) {
        const k = ins.opKind(n);
        if (k === iced.OpKind.NearBranch64 || k === iced.OpKind.NearBranch32 || k === iced.OpKind.NearBranch16) {
          [targetLo, targetHi] = splitBig(ins.nearBranchTarget);
          continue;
        }
        if (mnemonic === iced.Mnemonic.Xlatb) { // [rbx+al]: implicit, emitted by the xlat emitter
          stringAddr32 = d.memoryBase === R.EBX;
          continue;
        }
        if (k >= iced.OpKind.MemorySegSI && k <= iced.OpKind.MemoryESRDI) { // string ops: implicit operands
          if (k === iced.OpKind.MemorySegESI || k === iced.OpKind.MemorySegEDI || k === iced.OpKind.MemoryESEDI) stringAddr32 = true;
          continue;
        }
        const op = convertOperand(d, n, k, opSize || 8);
        if (op.kind === OpKind.Imm) immediate = true;
        ops.push(op);
        if (n === 0) opSize = ops[0].size;
      }
    } catch (e) {
      if (e instanceof UnsupportedOperand) return { invalid: this.formatterText(ins) };
      throw e;
    }
    if (opSize === 0) opSize = ops.length > 0 ? ops[0].size : MEMORY_SIZE_BYTES[ins.memorySize] ?? 0;
    // push/pop: the operand size is the stack slot size (pushw imm16 moves RSP by 2)
    if (facts.stack && (mnemonic === iced.Mnemonic.Push || mnemonic === iced.Mnemonic.Pop)) {
      opSize = Math.abs(ins.stackPointerIncrement);
    }
    // iced's flags of a shift or rotate by an immediate depend on the count; any other Code's are the Code's
    let flagsRead = facts.flagsRead, flagsWritten = facts.flagsWritten;
    if (flagsRead < 0 || immediate) {
      flagsRead = icedFlagsToOurs(ins.rflagsRead);
      flagsWritten = icedFlagsToOurs(ins.rflagsWritten | ins.rflagsCleared | ins.rflagsSet |
        (KEEPS_UNDEFINED_FLAGS.has(mnemonic) ? 0 : ins.rflagsUndefined));
      if (!immediate) { facts.flagsRead = flagsRead; facts.flagsWritten = flagsWritten; }
    }
    return new DecodedInsn(
      ipLo, ipHi, nextLo, nextHi, length, mnemonic, code, ops, opSize,
      ins.hasLockPrefix, ins.hasRepePrefix /* the same prefix bit as hasRepPrefix */, ins.hasRepnePrefix,
      facts.cc, facts.flowControl, targetLo, targetHi, flagsRead, flagsWritten,
      stringAddr32 || (d.memoryBase !== R.None || d.memoryIndex !== R.None ? isAddr32(d.memoryBase, d.memoryIndex) : false),
      bytes.slice(0, length),
    );
  }

  private formatterText(ins: iced.Instruction): string {
    textDecoder ??= { instruction: new iced.Instruction(), formatter: new iced.Formatter(iced.FormatterSyntax.Intel) };
    return textDecoder.formatter.format(ins);
  }
}

export function isInvalid(x: Insn | { invalid: string }): x is { invalid: string } {
  return (x as { invalid?: string }).invalid !== undefined;
}
