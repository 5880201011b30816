// Address range lists: DWARF 5 .debug_rnglists and DWARF 2–4 .debug_ranges.

import { ByteReader, DwarfError } from './reader';
import { DW_RLE } from './constants';
import { AttrValue, indexedAddress, Unit } from './info';
import { DebugSections } from './sections';

/** [start, end) */
export type AddressRange = [bigint, bigint];

const MAX_ENTRIES = 100_000;

/** Offset of the list an attribute (sec_offset or rnglistx) designates, in .debug_rnglists / .debug_ranges. */
function listOffset(unit: Unit, v: AttrValue, data: Uint8Array, what: string): number {
  if (v.kind === 'secoffset') return v.value;
  if (v.kind === 'udata') return Number(v.value);
  if (v.kind === 'rnglistx') {
    const size = unit.is64 ? 8 : 4;
    const r = new ByteReader(data, unit.rnglistsBase + v.index * size, data.length, what);
    return unit.rnglistsBase + r.offset(unit.is64);
  }
  throw new DwarfError(`${what}: DW_AT_ranges has an unexpected form`);
}

/** The ranges of a DW_AT_ranges value, with empty ranges dropped. */
export function readRanges(unit: Unit, v: AttrValue, s: DebugSections): AddressRange[] {
  const out: AddressRange[] = [];
  const add = (a: bigint, b: bigint) => { if (b > a) out.push([a, b]); };
  if (unit.version >= 5) {
    const data = s.rnglists;
    if (!data) throw new DwarfError('.debug_rnglists is missing');
    const r = new ByteReader(data, listOffset(unit, v, data, '.debug_rnglists'), data.length, '.debug_rnglists');
    let base = unit.baseAddress;
    const A = unit.addressSize;
    for (let n = 0; n < MAX_ENTRIES; n++) {
      const kind = r.u8();
      switch (kind) {
        case DW_RLE.end_of_list: return out;
        case DW_RLE.base_addressx: base = indexedAddress(unit, r.uleb(), s); break;
        case DW_RLE.startx_endx: add(indexedAddress(unit, r.uleb(), s), indexedAddress(unit, r.uleb(), s)); break;
        case DW_RLE.startx_length: { const a = indexedAddress(unit, r.uleb(), s); add(a, a + r.ulebBig()); break; }
        case DW_RLE.offset_pair: { const a = r.ulebBig(), b = r.ulebBig(); add(base + a, base + b); break; }
        case DW_RLE.base_address: base = r.address(A); break;
        case DW_RLE.start_end: add(r.address(A), r.address(A)); break;
        case DW_RLE.start_length: { const a = r.address(A); add(a, a + r.ulebBig()); break; }
        default: throw new DwarfError(`.debug_rnglists: unknown entry kind ${kind}`);
      }
    }
    throw new DwarfError('.debug_rnglists: list too long');
  }
  const data = s.ranges;
  if (!data) throw new DwarfError('.debug_ranges is missing');
  const r = new ByteReader(data, listOffset(unit, v, data, '.debug_ranges'), data.length, '.debug_ranges');
  const A = unit.addressSize, all = (1n << BigInt(A * 8)) - 1n;
  let base = unit.baseAddress;
  for (let n = 0; n < MAX_ENTRIES; n++) {
    const a = r.address(A), b = r.address(A);
    if (a === 0n && b === 0n) return out;
    if (a === all) { base = b; continue; }
    add(base + a, base + b);
  }
  throw new DwarfError('.debug_ranges: list too long');
}
