// A task's register file as the debugger sees it: the 64-bit general
// registers, RIP, RFLAGS (rebuilt from the CPU's lazy flag slots), FS/GS
// base, and the sub-registers (eax, ax, al) expressions may name. Works on
// the engine's live arrays or a task's saved copy, which share one layout.

import { GPR_NAMES, RegSlot, RflagsBit } from '../cpu/registers';
import { readRflags, writeRflags } from '../cpu/rflags';
import { joinAddress, splitAddress } from '../memory/memory';

/** Registers in the layout of Cpu.regs / Task.regs, and the flag slots. */
export interface RegisterFile {
  regs: Int32Array;
  flags: Int32Array;
}

export function getGpr(rf: RegisterFile, n: number): bigint {
  return joinAddress(rf.regs[2 * n], rf.regs[2 * n + 1]);
}

export function setGpr(rf: RegisterFile, n: number, v: bigint): void {
  [rf.regs[2 * n], rf.regs[2 * n + 1]] = splitAddress(BigInt.asUintN(64, v));
}

export function getRip(rf: RegisterFile): bigint {
  return joinAddress(rf.regs[RegSlot.RIP], rf.regs[RegSlot.RIP + 1]);
}

export function setRip(rf: RegisterFile, v: bigint): void {
  [rf.regs[RegSlot.RIP], rf.regs[RegSlot.RIP + 1]] = splitAddress(BigInt.asUintN(64, v));
}

export function getRflags(rf: RegisterFile): number {
  return readRflags(rf.flags);
}

export function setRflags(rf: RegisterFile, v: number): void {
  writeRflags(rf.flags, v);
}

const FLAG_NAMES: [number, string][] = [
  [RflagsBit.CF, 'CF'], [RflagsBit.PF, 'PF'], [RflagsBit.AF, 'AF'], [RflagsBit.ZF, 'ZF'], [RflagsBit.SF, 'SF'],
  [RflagsBit.TF, 'TF'], [RflagsBit.IF, 'IF'], [RflagsBit.DF, 'DF'], [RflagsBit.OF, 'OF'], [RflagsBit.AC, 'AC'], [RflagsBit.ID, 'ID'],
];

/** "0x246 [ PF ZF IF ]", as gdb shows eflags. */
export function describeRflags(v: number): string {
  const set = FLAG_NAMES.filter(([bit]) => v & bit).map(([, n]) => n);
  return `0x${v.toString(16)} [ ${set.join(' ')}${set.length ? ' ' : ''}]`;
}

export function flagBit(name: string): number | undefined {
  return FLAG_NAMES.find(([, n]) => n.toLowerCase() === name.toLowerCase())?.[0];
}

const NAMES32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const NAMES16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const NAMES8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil'];

/** A register an expression may name: the GPR number and which bits of it. */
export interface RegisterRef {
  kind: 'gpr' | 'rip' | 'rflags' | 'fs_base' | 'gs_base';
  gpr: number;
  size: 1 | 2 | 4 | 8;
  /** ah/bh/ch/dh. */
  high8: boolean;
}

export function registerByName(raw: string): RegisterRef | undefined {
  const name = raw.replace(/^\$/, '').toLowerCase();
  const g = (GPR_NAMES as readonly string[]).indexOf(name);
  if (g >= 0) return { kind: 'gpr', gpr: g, size: 8, high8: false };
  if (name === 'rip' || name === 'pc') return { kind: 'rip', gpr: -1, size: 8, high8: false };
  if (name === 'rflags' || name === 'eflags') return { kind: 'rflags', gpr: -1, size: 8, high8: false };
  if (name === 'fs_base' || name === 'gs_base') return { kind: name, gpr: -1, size: 8, high8: false };
  let i = NAMES32.indexOf(name);
  if (i >= 0) return { kind: 'gpr', gpr: i, size: 4, high8: false };
  i = NAMES16.indexOf(name);
  if (i >= 0) return { kind: 'gpr', gpr: i, size: 2, high8: false };
  i = NAMES8.indexOf(name);
  if (i >= 0) return { kind: 'gpr', gpr: i, size: 1, high8: false };
  i = ['ah', 'ch', 'dh', 'bh'].indexOf(name);
  if (i >= 0) return { kind: 'gpr', gpr: i, size: 1, high8: true };
  const r = /^r(8|9|1[0-5])(d|w|b)?$/.exec(name);
  if (r) return { kind: 'gpr', gpr: Number(r[1]), size: r[2] === 'd' ? 4 : r[2] === 'w' ? 2 : r[2] === 'b' ? 1 : 8, high8: false };
  return undefined;
}

export function readRegister(rf: RegisterFile, ref: RegisterRef): bigint {
  switch (ref.kind) {
    case 'rip': return getRip(rf);
    case 'rflags': return BigInt(getRflags(rf));
    case 'fs_base': return joinAddress(rf.regs[RegSlot.FS_BASE], rf.regs[RegSlot.FS_BASE + 1]);
    case 'gs_base': return joinAddress(rf.regs[RegSlot.GS_BASE], rf.regs[RegSlot.GS_BASE + 1]);
    default: {
      const full = getGpr(rf, ref.gpr);
      if (ref.high8) return (full >> 8n) & 0xffn;
      return BigInt.asUintN(ref.size * 8, full);
    }
  }
}

/** Write a register; a 32-bit write zero-extends as on x86, 8/16-bit writes merge. */
export function writeRegister(rf: RegisterFile, ref: RegisterRef, v: bigint): void {
  switch (ref.kind) {
    case 'rip': setRip(rf, v); return;
    case 'rflags': setRflags(rf, Number(BigInt.asUintN(32, v))); return;
    case 'fs_base': [rf.regs[RegSlot.FS_BASE], rf.regs[RegSlot.FS_BASE + 1]] = splitAddress(BigInt.asUintN(64, v)); return;
    case 'gs_base': [rf.regs[RegSlot.GS_BASE], rf.regs[RegSlot.GS_BASE + 1]] = splitAddress(BigInt.asUintN(64, v)); return;
    default: {
      const old = getGpr(rf, ref.gpr);
      let next: bigint;
      if (ref.size === 8) next = v;
      else if (ref.size === 4) next = BigInt.asUintN(32, v);
      else if (ref.high8) next = (old & ~0xff00n) | ((v & 0xffn) << 8n);
      else { const mask = (1n << BigInt(ref.size * 8)) - 1n; next = (old & ~mask) | (v & mask); }
      setGpr(rf, ref.gpr, next);
    }
  }
}

/** DWARF x86-64 register numbers (0–16) → our GPR numbers; 16 is the return address column (RIP). */
export const DWARF_TO_GPR = [0, 2, 1, 3, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15];
