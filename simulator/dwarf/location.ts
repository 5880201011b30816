// Variable locations: DWARF expressions reduced to the simple forms a
// debugger can use without evaluating a stack machine (a register, a
// register or frame-base offset, a static address, a constant), and
// location lists (DWARF 5 .debug_loclists, DWARF 2–4 .debug_loc) of those.
// Anything more complex is reported as optimized out.

import { ByteReader, DwarfError } from './reader';
import { DW_LLE, DW_OP, dwarfRegisterName } from './constants';
import { AttrValue, indexedAddress, Unit } from './info';
import { DebugSections } from './sections';

export type SimpleLocation =
  /** At frame base + offset (DW_OP_fbreg); see the function's frameBase. */
  | { kind: 'fbreg'; offset: number }
  /** In a register (DWARF register number; see X86_64_DWARF_REGISTERS). */
  | { kind: 'reg'; reg: number; name: string }
  /** At register + offset. */
  | { kind: 'breg'; reg: number; name: string; offset: number }
  /** At a fixed address (static and global variables). */
  | { kind: 'addr'; address: bigint }
  /** The canonical frame address (frame bases: DW_OP_call_frame_cfa). */
  | { kind: 'cfa' }
  /** Not in memory: this constant value. */
  | { kind: 'value'; value: bigint }
  | { kind: 'optimized-out'; reason?: string };

export interface LocationListEntry {
  start: bigint;
  /** Exclusive. */
  end: bigint;
  location: SimpleLocation;
}

export type VarLocation = SimpleLocation | { kind: 'list'; entries: LocationListEntry[] };

const OPTIMIZED_OUT: SimpleLocation = { kind: 'optimized-out' };

/** Reduce a DWARF expression to a SimpleLocation (or optimized-out when it is not simple). */
export function decodeExpression(bytes: Uint8Array, unit: Unit, s: DebugSections): SimpleLocation {
  if (bytes.length === 0) return OPTIMIZED_OUT;
  try {
    const r = new ByteReader(bytes, 0, bytes.length, 'DWARF expression');
    const first = decodeOp(r, unit, s);
    if (!first) return { kind: 'optimized-out', reason: 'complex expression' };
    if (r.atEnd) {
      // A bare constant is a location in DWARF terms, which is not what a compiler means by it.
      return first.kind === 'value' ? { kind: 'optimized-out', reason: 'complex expression' } : first;
    }
    const op = r.u8();
    // DW_OP_lit/const + DW_OP_stack_value: the value itself.
    if (op === DW_OP.stack_value && first.kind === 'value' && r.atEnd) return first;
    // DW_OP_regN DW_OP_piece <whole>: the whole variable in one register.
    if (op === DW_OP.piece && (first.kind === 'reg' || first.kind === 'fbreg' || first.kind === 'breg')) {
      r.uleb();
      if (r.atEnd) return first;
    }
    return { kind: 'optimized-out', reason: 'complex expression' };
  } catch (e) {
    if (e instanceof DwarfError) return { kind: 'optimized-out', reason: 'malformed expression' };
    throw e;
  }
}

/** The location one operation designates, or undefined when it is not a simple one. */
function decodeOp(r: ByteReader, unit: Unit, s: DebugSections): SimpleLocation | undefined {
  const op = r.u8();
  if (op >= DW_OP.reg0 && op <= DW_OP.reg31) return { kind: 'reg', reg: op - DW_OP.reg0, name: dwarfRegisterName(op - DW_OP.reg0) };
  if (op >= DW_OP.breg0 && op <= DW_OP.breg31) {
    const reg = op - DW_OP.breg0;
    return { kind: 'breg', reg, name: dwarfRegisterName(reg), offset: r.sleb() };
  }
  if (op >= DW_OP.lit0 && op <= DW_OP.lit31) return { kind: 'value', value: BigInt(op - DW_OP.lit0) };
  switch (op) {
    case DW_OP.fbreg: return { kind: 'fbreg', offset: r.sleb() };
    case DW_OP.regx: { const reg = r.uleb(); return { kind: 'reg', reg, name: dwarfRegisterName(reg) }; }
    case DW_OP.bregx: { const reg = r.uleb(); return { kind: 'breg', reg, name: dwarfRegisterName(reg), offset: r.sleb() }; }
    case DW_OP.addr: return { kind: 'addr', address: r.address(unit.addressSize) };
    case DW_OP.addrx: return { kind: 'addr', address: indexedAddress(unit, r.uleb(), s) };
    case DW_OP.call_frame_cfa: return { kind: 'cfa' };
    case DW_OP.const1u: return { kind: 'value', value: BigInt(r.u8()) };
    case DW_OP.const1s: return { kind: 'value', value: BigInt(r.i8()) };
    case DW_OP.const2u: return { kind: 'value', value: BigInt(r.u16()) };
    case DW_OP.const2s: return { kind: 'value', value: BigInt.asIntN(16, BigInt(r.u16())) };
    case DW_OP.const4u: return { kind: 'value', value: BigInt(r.u32()) };
    case DW_OP.const4s: return { kind: 'value', value: BigInt.asIntN(32, BigInt(r.u32())) };
    case DW_OP.const8u: return { kind: 'value', value: r.u64() };
    case DW_OP.const8s: return { kind: 'value', value: BigInt.asIntN(64, r.u64()) };
    case DW_OP.constu: return { kind: 'value', value: r.ulebBig() };
    case DW_OP.consts: return { kind: 'value', value: r.slebBig() };
    default: return undefined;
  }
}

/** Decode a DW_AT_location / DW_AT_frame_base value: an expression or a location list. */
export function decodeLocationAttr(unit: Unit, v: AttrValue, s: DebugSections): VarLocation {
  if (v.kind === 'block') return decodeExpression(v.bytes, unit, s);
  if (v.kind === 'secoffset' || v.kind === 'loclistx' || (v.kind === 'udata' && unit.version < 4)) {
    return { kind: 'list', entries: readLocationList(unit, v, s) };
  }
  return { kind: 'optimized-out', reason: 'unsupported location form' };
}

const MAX_ENTRIES = 100_000;

export function readLocationList(unit: Unit, v: AttrValue, s: DebugSections): LocationListEntry[] {
  const out: LocationListEntry[] = [];
  const add = (start: bigint, end: bigint, expr: Uint8Array) => {
    if (end > start) out.push({ start, end, location: decodeExpression(expr, unit, s) });
  };
  const A = unit.addressSize;
  if (unit.version >= 5) {
    const data = s.loclists;
    if (!data) throw new DwarfError('.debug_loclists is missing');
    let offset: number;
    if (v.kind === 'loclistx') {
      const size = unit.is64 ? 8 : 4;
      const r0 = new ByteReader(data, unit.loclistsBase + v.index * size, data.length, '.debug_loclists');
      offset = unit.loclistsBase + r0.offset(unit.is64);
    } else offset = v.kind === 'secoffset' ? v.value : Number((v as { value: bigint }).value);
    const r = new ByteReader(data, offset, data.length, '.debug_loclists');
    let base = unit.baseAddress;
    const expr = () => r.bytesN(r.uleb());
    for (let n = 0; n < MAX_ENTRIES; n++) {
      const kind = r.u8();
      switch (kind) {
        case DW_LLE.end_of_list: return out;
        case DW_LLE.base_addressx: base = indexedAddress(unit, r.uleb(), s); break;
        case DW_LLE.startx_endx: { const a = indexedAddress(unit, r.uleb(), s), b = indexedAddress(unit, r.uleb(), s); add(a, b, expr()); break; }
        case DW_LLE.startx_length: { const a = indexedAddress(unit, r.uleb(), s); const l = r.ulebBig(); add(a, a + l, expr()); break; }
        case DW_LLE.offset_pair: { const a = r.ulebBig(), b = r.ulebBig(); add(base + a, base + b, expr()); break; }
        case DW_LLE.default_location: expr(); break; // no pc range to attach it to
        case DW_LLE.base_address: base = r.address(A); break;
        case DW_LLE.start_end: { const a = r.address(A), b = r.address(A); add(a, b, expr()); break; }
        case DW_LLE.start_length: { const a = r.address(A); const l = r.ulebBig(); add(a, a + l, expr()); break; }
        case DW_LLE.GNU_view_pair: r.uleb(); r.uleb(); break; // location views: no expression follows
        default: throw new DwarfError(`.debug_loclists: unknown entry kind ${kind}`);
      }
    }
    throw new DwarfError('.debug_loclists: list too long');
  }
  const data = s.loc;
  if (!data) throw new DwarfError('.debug_loc is missing');
  const offset = v.kind === 'secoffset' ? v.value : v.kind === 'udata' ? Number(v.value) : -1;
  const r = new ByteReader(data, offset, data.length, '.debug_loc');
  const all = (1n << BigInt(A * 8)) - 1n;
  let base = unit.baseAddress;
  for (let n = 0; n < MAX_ENTRIES; n++) {
    const a = r.address(A), b = r.address(A);
    if (a === 0n && b === 0n) return out;
    if (a === all) { base = b; continue; }
    add(base + a, base + b, r.bytesN(r.u16()));
  }
  throw new DwarfError('.debug_loc: list too long');
}

/** The simple location of a variable at `pc` (a list is searched; outside every entry it is optimized out). */
export function locationAt(loc: VarLocation, pc: bigint): SimpleLocation {
  if (loc.kind !== 'list') return loc;
  for (const e of loc.entries) if (pc >= e.start && pc < e.end) return e.location;
  return OPTIMIZED_OUT;
}
