// The Disassembly view: iced-x86's Intel formatter, with branch targets and
// RIP-relative operands annotated by symbol (the JS formatter has no symbol
// resolver), source lines from DWARF, and the original bytes under kprobe
// int3s. Going backwards decodes forward from a function start, the only
// reliable instruction boundary on x86.

import * as iced from 'iced-x86';
import type { DisassembledInstruction, SourceRef } from './types';

export interface DisassemblySource {
  /** Bytes as the program sees them (probes removed); throws when unmapped. */
  readBytes(addr: bigint, len: number): Uint8Array;
  /** `name+0xoff` for an address inside a known symbol. */
  symbolize(addr: bigint): string | undefined;
  /** Start of the function containing addr. */
  functionStart(addr: bigint): { name: string; start: bigint } | undefined;
  lineFor(addr: bigint): { source: SourceRef; line: number } | undefined;
}

const MAX_INSN = 15;

/**
 * How far from its reference one request decodes: more than a Disassembly
 * view shows, and a bound on the work (an offset of -1e9 used to decode
 * until the heap ran out).
 */
export const MAX_DISASSEMBLY_REACH = 4096;

/**
 * The part of [offset, offset+count) within MAX_DISASSEMBLY_REACH of the
 * reference, and a note saying what was left out when something was.
 */
export function clampDisassembly(offset: number, count: number): { offset: number; count: number; note?: string } {
  const lo = Math.max(offset, -MAX_DISASSEMBLY_REACH);
  const hi = Math.min(offset + count, MAX_DISASSEMBLY_REACH);
  const got = Math.max(0, hi - lo);
  if (got === count) return { offset, count };
  return {
    offset: lo, count: got,
    note: `answered ${got} of ${count} instructions (from offset ${offset}): one request decodes at most ${MAX_DISASSEMBLY_REACH} instructions either side of its address`,
  };
}

interface Decoded { address: bigint; length: number; bytes: Uint8Array; text: string; invalid: boolean }

export class Disassembler {
  private readonly formatter = new iced.Formatter(iced.FormatterSyntax.Intel);
  private readonly instruction = new iced.Instruction();

  constructor(private readonly src: DisassemblySource) {
    this.formatter.firstOperandCharIndex = 8;
    this.formatter.spaceAfterOperandSeparator = true;
    // gdb-like numbers: 0x-prefixed lowercase hex
    this.formatter.hexPrefix = '0x';
    this.formatter.hexSuffix = '';
    this.formatter.uppercaseHex = false;
    this.formatter.branchLeadingZeros = false;
  }

  dispose(): void {
    this.formatter.free();
    this.instruction.free();
  }

  /** `count` instructions, starting `instructionOffset` instructions from `address`. */
  disassemble(address: bigint, instructionOffset: number, count: number): DisassembledInstruction[] {
    ({ offset: instructionOffset, count } = clampDisassembly(instructionOffset, count));
    let decoded: Decoded[];
    if (instructionOffset >= 0) {
      decoded = this.forward(address, instructionOffset + count).slice(instructionOffset);
    } else {
      const before = this.backward(address, -instructionOffset);
      decoded = [...before, ...this.forward(address, Math.max(0, count + instructionOffset))].slice(0, count);
    }
    let prevFn: string | undefined;
    return decoded.map((d) => {
      const fn = this.src.functionStart(d.address);
      const line = d.invalid ? undefined : this.src.lineFor(d.address);
      const out: DisassembledInstruction = {
        address: hex(d.address),
        instructionBytes: Array.from(d.bytes, (b) => b.toString(16).padStart(2, '0')).join(' '),
        instruction: d.text,
        ...(d.invalid ? { presentationHint: 'invalid' as const } : {}),
      };
      if (fn && fn.name !== prevFn) out.symbol = fn.name;
      prevFn = fn?.name;
      if (line) { out.location = line.source; out.line = line.line; }
      return out;
    });
  }

  /** Decode `n` instructions from `address`; unreadable memory gives "(bad)" one-byte entries. */
  private forward(address: bigint, n: number): Decoded[] {
    const out: Decoded[] = [];
    let pc = address;
    while (out.length < n) {
      const d = this.decodeAt(pc);
      out.push(d);
      pc += BigInt(d.length);
    }
    return out;
  }

  /** The `n` instructions that end right before `address`. */
  private backward(address: bigint, n: number): Decoded[] {
    let start = this.src.functionStart(address - 1n)?.start;
    // enough functions back to have n instructions (one at most 15 bytes)
    for (let guard = 0; start !== undefined && guard < 64; guard++) {
      const list = this.decodeRange(start, address);
      if (list && list.length >= n) return list.slice(-n);
      const prev = this.src.functionStart(start - 1n)?.start;
      if (prev === undefined || prev >= start) break;
      start = prev;
    }
    const list = start !== undefined ? this.decodeRange(start, address) : null;
    const got = list ?? [];
    const pad: Decoded[] = [];
    const first = got.length > 0 ? got[0].address : address;
    for (let i = n - got.length; i > 0; i--) pad.push(bad(first - BigInt(i)));
    return [...pad, ...got].slice(-n);
  }

  /** Instructions from `from` up to `to` (null when decoding does not land on `to`). */
  private decodeRange(from: bigint, to: bigint): Decoded[] | null {
    const out: Decoded[] = [];
    let pc = from;
    while (pc < to) {
      const d = this.decodeAt(pc);
      out.push(d);
      pc += BigInt(d.length);
    }
    return pc === to ? out : null;
  }

  private decodeAt(pc: bigint): Decoded {
    let bytes: Uint8Array;
    try {
      bytes = this.readUpTo(pc, MAX_INSN);
    } catch {
      return bad(pc);
    }
    const decoder = new iced.Decoder(64, bytes, iced.DecoderOptions.None);
    try {
      decoder.ip = BigInt.asUintN(64, pc);
      const ins = this.instruction;
      decoder.decodeOut(ins);
      if (ins.isInvalid || ins.code === iced.Code.INVALID) return { ...bad(pc), bytes: bytes.subarray(0, 1) };
      let text = this.formatter.format(ins);
      const target = this.branchTarget(ins);
      if (target !== undefined) {
        const sym = this.src.symbolize(target);
        if (sym) text += ` <${sym}>`;
      } else if (ins.isIpRelMemoryOperand) {
        const sym = this.src.symbolize(ins.ipRelMemoryAddress);
        if (sym) text += `  ; ${sym}`;
      }
      return { address: pc, length: ins.length, bytes: bytes.slice(0, ins.length), text, invalid: false };
    } finally {
      decoder.free();
    }
  }

  private branchTarget(ins: iced.Instruction): bigint | undefined {
    for (let i = 0; i < ins.opCount; i++) {
      const k = ins.opKind(i);
      if (k === iced.OpKind.NearBranch64 || k === iced.OpKind.NearBranch32 || k === iced.OpKind.NearBranch16) return ins.nearBranchTarget;
    }
    return undefined;
  }

  /** Up to `len` bytes: fewer when the next page is unmapped. */
  private readUpTo(pc: bigint, len: number): Uint8Array {
    try {
      return this.src.readBytes(pc, len);
    } catch (e) {
      const inPage = Number(0x1000n - (pc & 0xfffn));
      if (inPage >= len) throw e;
      return this.src.readBytes(pc, inPage);
    }
  }
}

function bad(address: bigint): Decoded {
  return { address, length: 1, bytes: new Uint8Array(0), text: '(bad)', invalid: true };
}

function hex(v: bigint): string {
  return '0x' + BigInt.asUintN(64, v).toString(16);
}
