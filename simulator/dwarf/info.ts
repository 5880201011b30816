// .debug_info and .debug_abbrev: compilation units and their DIE trees,
// with attribute values decoded (but not yet interpreted). Indexed string
// and address forms (strx, addrx) are resolved on access, since the bases
// they need are attributes of the unit's root DIE.

import { ByteReader, DwarfError, stringAt } from './reader';
import { DW_AT, DW_FORM, DW_UT } from './constants';
import { DebugSections } from './sections';

export interface AttrSpec { name: number; form: number; implicitConst?: bigint }
export interface Abbrev { code: number; tag: number; hasChildren: boolean; attrs: AttrSpec[] }

export type AttrValue =
  /** Constant class read as unsigned (data1/2/4/8, udata). */
  | { kind: 'udata'; value: bigint; form: number }
  /** Constant class read as signed (sdata, implicit_const). */
  | { kind: 'sdata'; value: bigint }
  | { kind: 'addr'; value: bigint }
  | { kind: 'addrx'; index: number }
  | { kind: 'string'; value: string }
  | { kind: 'strx'; index: number }
  /** A reference, as an absolute .debug_info offset. */
  | { kind: 'ref'; offset: number }
  /** exprloc, blockN and data16. */
  | { kind: 'block'; bytes: Uint8Array; form: number }
  | { kind: 'flag'; value: boolean }
  | { kind: 'secoffset'; value: number }
  | { kind: 'loclistx'; index: number }
  | { kind: 'rnglistx'; index: number }
  /** Recognized, but pointing outside this object (type signatures, supplementary files). */
  | { kind: 'unsupported'; form: number };

export interface Die {
  offset: number;
  tag: number;
  attrs: Map<number, AttrValue>;
  children: Die[];
  parent: Die | undefined;
  unit: Unit;
}

export interface Unit {
  offset: number;
  version: number;
  unitType: number;
  addressSize: number;
  is64: boolean;
  /** Offset of the first byte after the unit. */
  end: number;
  root: Die | undefined;
  strOffsetsBase: number;
  addrBase: number;
  rnglistsBase: number;
  loclistsBase: number;
  /** The unit's base address (DW_AT_low_pc of the root, else 0). */
  baseAddress: bigint;
}

const MAX_DEPTH = 512;

export function parseAbbrevTable(data: Uint8Array | undefined, offset: number): Map<number, Abbrev> {
  if (!data) throw new DwarfError('.debug_abbrev is missing');
  const r = new ByteReader(data, offset, data.length, '.debug_abbrev');
  const table = new Map<number, Abbrev>();
  for (;;) {
    const code = r.uleb();
    if (code === 0) break;
    const tag = r.uleb();
    const hasChildren = r.u8() !== 0;
    const attrs: AttrSpec[] = [];
    for (;;) {
      const name = r.uleb(), form = r.uleb();
      if (name === 0 && form === 0) break;
      attrs.push(form === DW_FORM.implicit_const ? { name, form, implicitConst: r.slebBig() } : { name, form });
    }
    table.set(code, { code, tag, hasChildren, attrs });
  }
  return table;
}

/**
 * Parse every unit of .debug_info. A unit that cannot be parsed is skipped
 * with a warning (the next one starts where its length says); `dies` gets
 * every DIE by offset, for references.
 */
export function parseUnits(s: DebugSections, dies: Map<number, Die>, warnings: string[]): Unit[] {
  const data = s.info;
  if (!data) return [];
  const units: Unit[] = [];
  const abbrevCache = new Map<number, Map<number, Abbrev>>();
  let offset = 0;
  while (offset < data.length) {
    let end: number;
    try {
      const r = new ByteReader(data, offset, data.length, '.debug_info');
      const { length } = r.unitLength();
      end = r.pos + length;
      if (end > data.length) throw new DwarfError(`.debug_info: unit at 0x${offset.toString(16)} runs past the end of the section`);
    } catch (e) {
      if (!(e instanceof DwarfError)) throw e;
      warnings.push(e.message);
      break;
    }
    try {
      const unit = parseUnit(s, data, offset, end, abbrevCache, dies);
      if (unit) units.push(unit);
    } catch (e) {
      if (!(e instanceof DwarfError)) throw e;
      warnings.push(`unit at 0x${offset.toString(16)} skipped: ${e.message}`);
    }
    if (end <= offset) break;
    offset = end;
  }
  return units;
}

function parseUnit(s: DebugSections, data: Uint8Array, offset: number, end: number,
  abbrevCache: Map<number, Map<number, Abbrev>>, dies: Map<number, Die>): Unit | undefined {
  const r = new ByteReader(data, offset, end, '.debug_info');
  const { is64 } = r.unitLength();
  const version = r.u16();
  if (version < 2 || version > 5) throw new DwarfError(`unsupported DWARF version ${version}`);
  let unitType: number = DW_UT.compile, addressSize: number, abbrevOffset: number;
  if (version >= 5) {
    unitType = r.u8();
    addressSize = r.u8();
    abbrevOffset = r.offset(is64);
    if (unitType === DW_UT.skeleton || unitType === DW_UT.split_compile) r.skip(8); // dwo_id
    else if (unitType === DW_UT.type || unitType === DW_UT.split_type) { r.skip(8); r.offset(is64); }
  } else {
    abbrevOffset = r.offset(is64);
    addressSize = r.u8();
  }
  if (addressSize !== 8 && addressSize !== 4) throw new DwarfError(`unsupported address size ${addressSize}`);
  let abbrevs = abbrevCache.get(abbrevOffset);
  if (!abbrevs) {
    abbrevs = parseAbbrevTable(s.abbrev, abbrevOffset);
    abbrevCache.set(abbrevOffset, abbrevs);
  }
  const unit: Unit = {
    offset, version, unitType, addressSize, is64, end, root: undefined,
    strOffsetsBase: 8, addrBase: 8, rnglistsBase: 12, loclistsBase: 12, baseAddress: 0n,
  };
  const ctx: FormContext = { r, unit, s };
  const stack: Die[] = [];
  while (r.pos < end) {
    const dieOffset = r.pos;
    const code = r.uleb();
    if (code === 0) {
      if (stack.length === 0) break; // padding after the root
      stack.pop();
      if (stack.length === 0) break;
      continue;
    }
    const ab = abbrevs.get(code);
    if (!ab) throw new DwarfError(`unknown abbreviation code ${code} at 0x${dieOffset.toString(16)}`);
    const attrs = new Map<number, AttrValue>();
    for (const spec of ab.attrs) {
      const v = spec.form === DW_FORM.implicit_const
        ? { kind: 'sdata' as const, value: spec.implicitConst ?? 0n }
        : readForm(ctx, spec.form);
      attrs.set(spec.name, v);
    }
    const parent = stack[stack.length - 1];
    const die: Die = { offset: dieOffset, tag: ab.tag, attrs, children: [], parent, unit };
    dies.set(dieOffset, die);
    if (parent) parent.children.push(die);
    else if (!unit.root) {
      unit.root = die;
      applyUnitBases(unit, die, s);
    } else break; // a second top-level DIE: not valid, stop here
    if (ab.hasChildren) {
      if (stack.length >= MAX_DEPTH) throw new DwarfError('DIE tree too deep');
      stack.push(die);
    } else if (!parent) break; // a root without children
  }
  return unit;
}

function applyUnitBases(unit: Unit, root: Die, s: DebugSections): void {
  const num = (at: number): number | undefined => {
    const v = root.attrs.get(at);
    if (!v) return undefined;
    if (v.kind === 'secoffset') return v.value;
    if (v.kind === 'udata' || v.kind === 'sdata') return Number(v.value);
    return undefined;
  };
  unit.strOffsetsBase = num(DW_AT.str_offsets_base) ?? unit.strOffsetsBase;
  unit.addrBase = num(DW_AT.addr_base) ?? unit.addrBase;
  unit.rnglistsBase = num(DW_AT.rnglists_base) ?? unit.rnglistsBase;
  unit.loclistsBase = num(DW_AT.loclists_base) ?? unit.loclistsBase;
  const low = root.attrs.get(DW_AT.low_pc);
  if (low?.kind === 'addr') unit.baseAddress = low.value;
  else if (low?.kind === 'addrx') unit.baseAddress = indexedAddress(unit, low.index, s); // needs addrBase, set above
}

interface FormContext { r: ByteReader; unit: Unit; s: DebugSections }

function readForm(ctx: FormContext, form: number, depth = 0): AttrValue {
  const { r, unit, s } = ctx;
  switch (form) {
    case DW_FORM.addr: return { kind: 'addr', value: r.address(unit.addressSize) };
    case DW_FORM.block2: return { kind: 'block', bytes: r.bytesN(r.u16()), form };
    case DW_FORM.block4: return { kind: 'block', bytes: r.bytesN(r.u32()), form };
    case DW_FORM.block: return { kind: 'block', bytes: r.bytesN(r.uleb()), form };
    case DW_FORM.block1: return { kind: 'block', bytes: r.bytesN(r.u8()), form };
    case DW_FORM.exprloc: return { kind: 'block', bytes: r.bytesN(r.uleb()), form };
    case DW_FORM.data16: return { kind: 'block', bytes: r.bytesN(16), form };
    case DW_FORM.data1: return { kind: 'udata', value: BigInt(r.u8()), form };
    case DW_FORM.data2: return { kind: 'udata', value: BigInt(r.u16()), form };
    case DW_FORM.data4: return { kind: 'udata', value: BigInt(r.u32()), form };
    case DW_FORM.data8: return { kind: 'udata', value: r.u64(), form };
    case DW_FORM.udata: return { kind: 'udata', value: r.ulebBig(), form };
    case DW_FORM.sdata: return { kind: 'sdata', value: r.slebBig() };
    case DW_FORM.string: return { kind: 'string', value: r.cstr() };
    case DW_FORM.strp: return { kind: 'string', value: stringAt(s.str, r.offset(unit.is64), '.debug_str') };
    case DW_FORM.line_strp: return { kind: 'string', value: stringAt(s.lineStr, r.offset(unit.is64), '.debug_line_str') };
    case DW_FORM.flag: return { kind: 'flag', value: r.u8() !== 0 };
    case DW_FORM.flag_present: return { kind: 'flag', value: true };
    case DW_FORM.ref1: return { kind: 'ref', offset: unit.offset + r.u8() };
    case DW_FORM.ref2: return { kind: 'ref', offset: unit.offset + r.u16() };
    case DW_FORM.ref4: return { kind: 'ref', offset: unit.offset + r.u32() };
    case DW_FORM.ref8: return { kind: 'ref', offset: unit.offset + Number(r.u64()) };
    case DW_FORM.ref_udata: return { kind: 'ref', offset: unit.offset + r.uleb() };
    case DW_FORM.ref_addr:
      return { kind: 'ref', offset: unit.version <= 2 ? Number(r.address(unit.addressSize)) : r.offset(unit.is64) };
    case DW_FORM.sec_offset: return { kind: 'secoffset', value: r.offset(unit.is64) };
    case DW_FORM.strx: case DW_FORM.GNU_str_index: return { kind: 'strx', index: r.uleb() };
    case DW_FORM.strx1: return { kind: 'strx', index: r.u8() };
    case DW_FORM.strx2: return { kind: 'strx', index: r.u16() };
    case DW_FORM.strx3: return { kind: 'strx', index: r.u24() };
    case DW_FORM.strx4: return { kind: 'strx', index: r.u32() };
    case DW_FORM.addrx: case DW_FORM.GNU_addr_index: return { kind: 'addrx', index: r.uleb() };
    case DW_FORM.addrx1: return { kind: 'addrx', index: r.u8() };
    case DW_FORM.addrx2: return { kind: 'addrx', index: r.u16() };
    case DW_FORM.addrx3: return { kind: 'addrx', index: r.u24() };
    case DW_FORM.addrx4: return { kind: 'addrx', index: r.u32() };
    case DW_FORM.loclistx: return { kind: 'loclistx', index: r.uleb() };
    case DW_FORM.rnglistx: return { kind: 'rnglistx', index: r.uleb() };
    case DW_FORM.ref_sig8: r.skip(8); return { kind: 'unsupported', form };
    case DW_FORM.ref_sup4: r.skip(4); return { kind: 'unsupported', form };
    case DW_FORM.ref_sup8: r.skip(8); return { kind: 'unsupported', form };
    case DW_FORM.strp_sup: case DW_FORM.GNU_ref_alt: case DW_FORM.GNU_strp_alt:
      r.offset(unit.is64);
      return { kind: 'unsupported', form };
    case DW_FORM.indirect: {
      if (depth > 4) throw new DwarfError('DW_FORM_indirect nested too deeply');
      const actual = r.uleb();
      if (actual === DW_FORM.implicit_const) throw new DwarfError('DW_FORM_indirect to DW_FORM_implicit_const');
      return readForm(ctx, actual, depth + 1);
    }
    default:
      throw new DwarfError(`unknown attribute form 0x${form.toString(16)}`);
  }
}

// ---- access helpers -------------------------------------------------------------

/** A string attribute (strp, string, strx, line_strp). */
export function stringValue(unit: Unit, v: AttrValue | undefined, s: DebugSections): string | undefined {
  if (!v) return undefined;
  if (v.kind === 'string') return v.value;
  if (v.kind === 'strx') {
    const size = unit.is64 ? 8 : 4;
    const data = s.strOffsets;
    if (!data) throw new DwarfError('.debug_str_offsets is missing');
    const r = new ByteReader(data, unit.strOffsetsBase + v.index * size, data.length, '.debug_str_offsets');
    return stringAt(s.str, r.offset(unit.is64), '.debug_str');
  }
  return undefined;
}

/** Entry `index` of .debug_addr for this unit. */
export function indexedAddress(unit: Unit, index: number, s: DebugSections): bigint {
  const data = s.addr;
  if (!data) throw new DwarfError('.debug_addr is missing');
  const r = new ByteReader(data, unit.addrBase + index * unit.addressSize, data.length, '.debug_addr');
  return r.address(unit.addressSize);
}

/** An address attribute (addr or addrx). */
export function addressValue(unit: Unit, v: AttrValue | undefined, s: DebugSections): bigint | undefined {
  if (!v) return undefined;
  if (v.kind === 'addr') return v.value;
  if (v.kind === 'addrx') return indexedAddress(unit, v.index, s);
  return undefined;
}

/** A constant attribute as a number (unsigned forms zero-extended). */
export function numberValue(v: AttrValue | undefined): number | undefined {
  if (!v) return undefined;
  if (v.kind === 'udata' || v.kind === 'sdata') {
    const n = Number(v.value);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

export function flagValue(v: AttrValue | undefined): boolean {
  return !!v && v.kind === 'flag' && v.value;
}
