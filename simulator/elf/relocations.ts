// x86-64 RELA relocations, applied to a host copy of a section's bytes. The
// module loader uses this for the sections it places in guest memory, and
// the DWARF reader for debug sections (whose bytes in a .o are mostly zero
// until relocated). Callers decide what a symbol's address is.

import { ElfFile, ElfRelocation, ElfSymbol, RelocationSection } from './elfFile';
import { UserError } from '../errors/userError';

export const R_X86_64_NONE = 0, R_X86_64_64 = 1, R_X86_64_PC32 = 2, R_X86_64_GOT32 = 3,
  R_X86_64_PLT32 = 4, R_X86_64_GOTPCREL = 9, R_X86_64_32 = 10, R_X86_64_32S = 11,
  R_X86_64_16 = 12, R_X86_64_PC16 = 13, R_X86_64_8 = 14, R_X86_64_PC8 = 15,
  R_X86_64_PC64 = 24, R_X86_64_GOTPCRELX = 41, R_X86_64_REX_GOTPCRELX = 42;

const TYPE_NAMES: Record<number, string> = {
  0: 'R_X86_64_NONE', 1: 'R_X86_64_64', 2: 'R_X86_64_PC32', 3: 'R_X86_64_GOT32', 4: 'R_X86_64_PLT32',
  5: 'R_X86_64_COPY', 6: 'R_X86_64_GLOB_DAT', 7: 'R_X86_64_JUMP_SLOT', 8: 'R_X86_64_RELATIVE',
  9: 'R_X86_64_GOTPCREL', 10: 'R_X86_64_32', 11: 'R_X86_64_32S', 12: 'R_X86_64_16', 13: 'R_X86_64_PC16',
  14: 'R_X86_64_8', 15: 'R_X86_64_PC8', 16: 'R_X86_64_DTPMOD64', 17: 'R_X86_64_DTPOFF64',
  18: 'R_X86_64_TPOFF64', 19: 'R_X86_64_TLSGD', 20: 'R_X86_64_TLSLD', 21: 'R_X86_64_DTPOFF32',
  22: 'R_X86_64_GOTTPOFF', 23: 'R_X86_64_TPOFF32', 24: 'R_X86_64_PC64', 25: 'R_X86_64_GOTOFF64',
  26: 'R_X86_64_GOTPC32', 41: 'R_X86_64_GOTPCRELX', 42: 'R_X86_64_REX_GOTPCRELX',
};

export function relocationTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `relocation type ${type}`;
}

/** A relocation that cannot be applied; the message is one line. */
export class RelocationError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'RelocationError';
  }
}

interface Field { size: 1 | 2 | 4 | 8; pcRelative: boolean; check: 'none' | 'unsigned' | 'signed' }

const FIELDS: Record<number, Field> = {
  [R_X86_64_64]: { size: 8, pcRelative: false, check: 'none' },
  [R_X86_64_PC64]: { size: 8, pcRelative: true, check: 'none' },
  [R_X86_64_PC32]: { size: 4, pcRelative: true, check: 'signed' },
  // No PLT in a module: a call goes straight to the symbol (L = S).
  [R_X86_64_PLT32]: { size: 4, pcRelative: true, check: 'signed' },
  [R_X86_64_32]: { size: 4, pcRelative: false, check: 'unsigned' },
  [R_X86_64_32S]: { size: 4, pcRelative: false, check: 'signed' },
  [R_X86_64_16]: { size: 2, pcRelative: false, check: 'unsigned' },
  [R_X86_64_PC16]: { size: 2, pcRelative: true, check: 'signed' },
  [R_X86_64_8]: { size: 1, pcRelative: false, check: 'unsigned' },
  [R_X86_64_PC8]: { size: 1, pcRelative: true, check: 'signed' },
};

/** Whether `type` is one this file can apply. */
export function isSupportedRelocation(type: number): boolean {
  return type === R_X86_64_NONE || FIELDS[type] !== undefined;
}

function hex(v: bigint): string {
  return (v < 0n ? '-0x' + (-v).toString(16) : '0x' + v.toString(16));
}

/**
 * Patch one relocation into `target` at byte offset `offset`.
 * S = symbol address, A = addend, P = address of the patched bytes.
 * Throws RelocationError (without context; callers add it) on an unknown
 * type, an offset outside the section, or a value that does not fit.
 */
export function applyRelocation(target: Uint8Array, offset: number, type: number, S: bigint, A: bigint, P: bigint): void {
  if (type === R_X86_64_NONE) return;
  const f = FIELDS[type];
  if (!f) {
    const hint = type === R_X86_64_GOTPCREL || type === R_X86_64_GOTPCRELX || type === R_X86_64_REX_GOTPCRELX
      || type === R_X86_64_GOT32 ? ' (position-independent code: compile with -fno-pic)' : '';
    // "relocation type N" for a type without a name: never "relocation relocation type N"
    throw new RelocationError(`unsupported ${TYPE_NAMES[type] ? `relocation ${TYPE_NAMES[type]}` : relocationTypeName(type)}${hint}`);
  }
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + f.size > target.length) {
    throw new RelocationError(`relocation offset 0x${offset.toString(16)} is outside the section (${target.length} bytes)`);
  }
  let value = S + A - (f.pcRelative ? P : 0n);
  const bits = BigInt(f.size * 8);
  if (f.check === 'signed') {
    value = BigInt.asIntN(64, value);
    const limit = 1n << (bits - 1n);
    if (value < -limit || value >= limit) {
      throw new RelocationError(`${relocationTypeName(type)} value ${hex(value)} does not fit in a signed ${bits}-bit field`);
    }
  } else if (f.check === 'unsigned') {
    value = BigInt.asUintN(64, value);
    if (value >= 1n << bits) {
      throw new RelocationError(`${relocationTypeName(type)} value ${hex(value)} does not fit in an unsigned ${bits}-bit field`);
    }
  }
  const dv = new DataView(target.buffer, target.byteOffset, target.byteLength);
  const u = BigInt.asUintN(f.size * 8, value);
  switch (f.size) {
    case 1: dv.setUint8(offset, Number(u)); break;
    case 2: dv.setUint16(offset, Number(u), true); break;
    case 4: dv.setUint32(offset, Number(u), true); break;
    case 8: dv.setBigUint64(offset, u, true); break;
  }
}

/** Address of a symbol, as the caller's placement defines it. */
export type SymbolAddress = (sym: ElfSymbol) => bigint;

/**
 * Apply every entry of `rela` to `target`: the bytes of the section it
 * patches, placed at `baseAddress` (P = baseAddress + r_offset).
 * Errors name the relocation section, the offset and the symbol.
 */
export function relocateSection(elf: ElfFile, rela: RelocationSection, target: Uint8Array, baseAddress: bigint,
  symbolAddress: SymbolAddress): void {
  const symbols = elf.symbols(rela.symtabIndex || undefined);
  for (const r of rela.entries) {
    const sym = symbols[r.symIndex];
    if (!sym) throw new RelocationError(`malformed ELF: ${rela.section.name} refers to missing symbol ${r.symIndex}`);
    applyEntry(elf, rela, r, sym, target, baseAddress, symbolAddress);
  }
}

function applyEntry(elf: ElfFile, rela: RelocationSection, r: ElfRelocation, sym: ElfSymbol, target: Uint8Array,
  baseAddress: bigint, symbolAddress: SymbolAddress): void {
  const where = () => {
    const name = sym.name || (sym.index === 0 ? '' : sectionNameOf(elf, sym));
    return `${rela.section.name} at offset 0x${r.offset.toString(16)}${name ? ` (${name})` : ''}`;
  };
  if (r.offset > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RelocationError(`relocation offset 0x${r.offset.toString(16)} is outside the section, in ${where()}`);
  }
  try {
    applyRelocation(target, Number(r.offset), r.type, r.type === R_X86_64_NONE ? 0n : symbolAddress(sym),
      r.addend, baseAddress + r.offset);
  } catch (e) {
    if (e instanceof RelocationError) throw new RelocationError(`${e.message}, in ${where()}`);
    throw e;
  }
}

function sectionNameOf(elf: ElfFile, sym: ElfSymbol): string {
  const s = elf.sections[sym.shndx];
  return s ? s.name : '';
}

/** The RELA sections that patch section `index`. */
export function relocationsFor(elf: ElfFile, index: number): RelocationSection[] {
  return elf.relocationSections().filter((r) => r.targetIndex === index);
}
