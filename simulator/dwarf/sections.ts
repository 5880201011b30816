// The debug sections of an object file, ready to parse. In a relocatable
// object most cross-references in .debug_* are zero until the .rela.debug_*
// sections are applied: offsets into .debug_str/.debug_line/.debug_abbrev
// and, above all, every code address. So each section is copied and
// relocated here, with allocated sections at the addresses the caller gives
// (the module loader's placement) and debug sections at 0, each being its
// own address space as in a linked file.

import type * as Zlib from 'node:zlib';
import { ElfFile, ElfSymbol, ET_REL, SectionHeader, SHN_ABS, SHN_UNDEF, SHT_NOBITS } from '../elf/elfFile';
import { RelocationError, relocateSection } from '../elf/relocations';

/** node:zlib, required on first use: only compressed debug sections need it, and loading it slows every start-up. */
const zlib = (): typeof Zlib => require('node:zlib');

const SHF_COMPRESSED = 0x800;
const ELFCOMPRESS_ZLIB = 1;

/** Address of allocated section `index`, or undefined if it has none. */
export type SectionAddress = (index: number) => bigint | undefined;

export interface DebugSections {
  info?: Uint8Array;
  abbrev?: Uint8Array;
  str?: Uint8Array;
  lineStr?: Uint8Array;
  strOffsets?: Uint8Array;
  addr?: Uint8Array;
  line?: Uint8Array;
  rnglists?: Uint8Array;
  loclists?: Uint8Array;
  /** DWARF 2–4 */
  ranges?: Uint8Array;
  loc?: Uint8Array;
}

const NAMES: Record<string, keyof DebugSections> = {
  '.debug_info': 'info', '.debug_abbrev': 'abbrev', '.debug_str': 'str', '.debug_line_str': 'lineStr',
  '.debug_str_offsets': 'strOffsets', '.debug_addr': 'addr', '.debug_line': 'line',
  '.debug_rnglists': 'rnglists', '.debug_loclists': 'loclists', '.debug_ranges': 'ranges', '.debug_loc': 'loc',
};

/**
 * Copy (decompressing if needed) and relocate the debug sections of `elf`.
 * For an executable (not ET_REL) the bytes are used as they are, and
 * `sectionAddress` is not needed. Problems are added to `warnings`.
 */
export function loadDebugSections(elf: ElfFile, sectionAddress: SectionAddress, warnings: string[]): DebugSections {
  const out: DebugSections = {};
  const relocatable = elf.header.type === ET_REL;
  const symbolAddress = (sym: ElfSymbol): bigint => {
    if (sym.shndx === SHN_UNDEF) return 0n;
    if (sym.shndx === SHN_ABS) return sym.value;
    const base = sectionAddress(sym.shndx);
    return (base ?? 0n) + sym.value;
  };
  const relas = relocatable ? elf.relocationSections() : [];
  for (const sec of elf.sections) {
    const key = NAMES[sec.name];
    if (!key || sec.type === SHT_NOBITS) continue;
    const got = sectionBytes(elf, sec, warnings);
    if (!got) continue;
    let data = got.data;
    if (relocatable) {
      const mine = relas.filter((r) => r.targetIndex === sec.index);
      if (mine.length) {
        if (!got.owned) data = Uint8Array.from(data); // never patch the caller's file bytes
        for (const rela of mine) {
          try {
            relocateSection(elf, rela, data, 0n, symbolAddress);
          } catch (e) {
            if (!(e instanceof RelocationError)) throw e;
            warnings.push(`${sec.name}: ${e.message}`);
          }
        }
      }
    }
    out[key] = data;
  }
  return out;
}

function sectionBytes(elf: ElfFile, sec: SectionHeader, warnings: string[]): { data: Uint8Array; owned: boolean } | undefined {
  const raw = elf.sectionData(sec);
  if ((sec.flags & SHF_COMPRESSED) === 0) return { data: raw, owned: false };
  // Elf64_Chdr: ch_type u32, ch_reserved u32, ch_size u64, ch_addralign u64.
  if (raw.length < 24) { warnings.push(`${sec.name}: truncated compression header`); return undefined; }
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const type = dv.getUint32(0, true);
  if (type !== ELFCOMPRESS_ZLIB) { warnings.push(`${sec.name}: unsupported compression type ${type}`); return undefined; }
  try {
    return { data: new Uint8Array(zlib().inflateSync(raw.subarray(24))), owned: true };
  } catch (e) {
    warnings.push(`${sec.name}: cannot decompress (${(e as Error).message})`);
    return undefined;
  }
}
