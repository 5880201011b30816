// .debug_line: line number programs (DWARF 2–5), run into rows and then
// into address ranges, each mapped to an absolute file path and a line.

import * as path from 'node:path';
import { ByteReader, DwarfError, stringAt } from './reader';
import { DW_FORM, DW_LNCT, DW_LNE, DW_LNS } from './constants';
import { DebugSections } from './sections';

export interface LineRow {
  address: bigint;
  /** Index into the program's `files`. */
  file: number;
  line: number;
  column: number;
  isStmt: boolean;
  endSequence: boolean;
}

export interface LineProgram {
  /** Offset of the program in .debug_line (DW_AT_stmt_list points here). */
  offset: number;
  version: number;
  /** Absolute (when the compilation directory is known) paths, by file index. */
  files: (string | undefined)[];
  /** Rows in program order, one array per sequence. */
  sequences: LineRow[][];
}

/** One address range of the line table. */
export interface LineRange {
  start: bigint;
  /** Exclusive. */
  end: bigint;
  file: string;
  line: number;
  column: number;
  isStmt: boolean;
}

const MAX_OPS_PER_PROGRAM = 10_000_000;

/**
 * Parse the line program at `offset`. `compDir` is the compilation unit's
 * directory (DW_AT_comp_dir), used for DWARF 2–4 directory 0 and relative
 * paths.
 */
export function parseLineProgram(sections: DebugSections, offset: number, compDir: string | undefined): LineProgram {
  const data = sections.line;
  if (!data) throw new DwarfError('.debug_line is missing');
  const r = new ByteReader(data, offset, data.length, '.debug_line');
  const { length, is64 } = r.unitLength();
  const unitEnd = r.pos + length;
  if (unitEnd > data.length) throw new DwarfError(`.debug_line: program at 0x${offset.toString(16)} runs past the end of the section`);
  const u = new ByteReader(data, r.pos, unitEnd, '.debug_line');
  const version = u.u16();
  if (version < 2 || version > 5) throw new DwarfError(`.debug_line: unsupported version ${version}`);
  if (version >= 5) {
    u.u8(); // address size (set_address operands carry their own length)
    u.u8(); // segment selector size
  }
  const headerLength = u.offset(is64);
  const programStart = u.pos + headerLength;
  if (programStart > unitEnd) throw new DwarfError('.debug_line: header runs past the end of the program');
  const minInsnLength = u.u8();
  if (version >= 4) u.u8(); // maximum_operations_per_instruction (VLIW only)
  const defaultIsStmt = u.u8() !== 0;
  const lineBase = u.i8();
  const lineRange = u.u8();
  const opcodeBase = u.u8();
  if (lineRange === 0) throw new DwarfError('.debug_line: line_range is 0');
  const standardLengths: number[] = [0];
  for (let i = 1; i < opcodeBase; i++) standardLengths.push(u.u8());

  const dirs: (string | undefined)[] = [];
  const files: (string | undefined)[] = [];
  const join = (dir: string | undefined, name: string): string => {
    if (path.posix.isAbsolute(name)) return name;
    let d = dir ?? '';
    if (!path.posix.isAbsolute(d) && compDir) d = path.posix.join(compDir, d);
    return d ? path.posix.join(d, name) : name;
  };

  if (version >= 5) {
    const dirFormat = entryFormat(u);
    const dirCount = u.uleb();
    for (let i = 0; i < dirCount; i++) dirs.push(readEntry(u, dirFormat, sections, is64).path);
    const fileFormat = entryFormat(u);
    const fileCount = u.uleb();
    for (let i = 0; i < fileCount; i++) {
      const e = readEntry(u, fileFormat, sections, is64);
      files.push(e.path === undefined ? undefined : join(dirs[e.dir], e.path));
    }
  } else {
    dirs.push(compDir);
    for (;;) {
      const d = u.cstr();
      if (!d) break;
      dirs.push(d);
    }
    files.push(undefined); // file numbers start at 1
    for (;;) {
      const name = u.cstr();
      if (!name) break;
      const dir = u.uleb();
      u.uleb(); // mtime
      u.uleb(); // length
      files.push(join(dirs[dir], name));
    }
  }

  // The program.
  const p = new ByteReader(data, programStart, unitEnd, '.debug_line');
  const sequences: LineRow[][] = [];
  let rows: LineRow[] = [];
  let address = 0n, file = 1, line = 1, column = 0, isStmt = defaultIsStmt;
  const reset = () => { address = 0n; file = 1; line = 1; column = 0; isStmt = defaultIsStmt; };
  const emit = (endSequence: boolean) => rows.push({ address, file, line, column, isStmt, endSequence });
  const minLen = BigInt(minInsnLength);
  let ops = 0;
  while (!p.atEnd) {
    if (++ops > MAX_OPS_PER_PROGRAM) throw new DwarfError('.debug_line: program too long');
    const op = p.u8();
    if (op >= opcodeBase) {
      const adj = op - opcodeBase;
      address = BigInt.asUintN(64, address + BigInt(Math.floor(adj / lineRange)) * minLen);
      line += lineBase + (adj % lineRange);
      emit(false);
      continue;
    }
    switch (op) {
      case 0: { // extended
        const len = p.uleb();
        if (len === 0) break;
        const e = p.sub(len);
        const sub = e.u8();
        switch (sub) {
          case DW_LNE.end_sequence:
            emit(true);
            sequences.push(rows);
            rows = [];
            reset();
            break;
          case DW_LNE.set_address:
            address = e.uN(e.remaining); // the operand is the rest of the opcode
            break;
          case DW_LNE.define_file: {
            const name = e.cstr();
            const dir = e.uleb();
            files.push(join(dirs[dir], name));
            break;
          }
          default: // set_discriminator and unknown extended opcodes: their length says how much to skip
            break;
        }
        break;
      }
      case DW_LNS.copy: emit(false); break;
      case DW_LNS.advance_pc: address = BigInt.asUintN(64, address + p.ulebBig() * minLen); break;
      case DW_LNS.advance_line: line += p.sleb(); break;
      case DW_LNS.set_file: file = p.uleb(); break;
      case DW_LNS.set_column: column = p.uleb(); break;
      case DW_LNS.negate_stmt: isStmt = !isStmt; break;
      case DW_LNS.set_basic_block: break;
      case DW_LNS.const_add_pc:
        address = BigInt.asUintN(64, address + BigInt(Math.floor((255 - opcodeBase) / lineRange)) * minLen);
        break;
      case DW_LNS.fixed_advance_pc: address = BigInt.asUintN(64, address + BigInt(p.u16())); break;
      case DW_LNS.set_prologue_end: break;
      case DW_LNS.set_epilogue_begin: break;
      case DW_LNS.set_isa: p.uleb(); break;
      default: // an unknown standard opcode: skip its ULEB operands
        for (let i = 0; i < (standardLengths[op] ?? 0); i++) p.uleb();
    }
  }
  if (rows.length) sequences.push(rows); // a program without a final end_sequence
  return { offset, version, files, sequences };
}

type EntryFormat = { type: number; form: number }[];

function entryFormat(r: ByteReader): EntryFormat {
  const n = r.u8();
  const out: EntryFormat = [];
  for (let i = 0; i < n; i++) out.push({ type: r.uleb(), form: r.uleb() });
  return out;
}

function readEntry(r: ByteReader, format: EntryFormat, sections: DebugSections, is64: boolean): { path?: string; dir: number } {
  let p: string | undefined, dir = 0;
  for (const { type, form } of format) {
    const v = readLineForm(r, form, sections, is64);
    if (type === DW_LNCT.path && typeof v === 'string') p = v;
    else if (type === DW_LNCT.directory_index && typeof v === 'number') dir = v;
  }
  return { path: p, dir };
}

function readLineForm(r: ByteReader, form: number, s: DebugSections, is64: boolean): string | number | undefined {
  switch (form) {
    case DW_FORM.string: return r.cstr();
    case DW_FORM.line_strp: return stringAt(s.lineStr, r.offset(is64), '.debug_line_str');
    case DW_FORM.strp: return stringAt(s.str, r.offset(is64), '.debug_str');
    case DW_FORM.udata: return r.uleb();
    case DW_FORM.data1: return r.u8();
    case DW_FORM.data2: return r.u16();
    case DW_FORM.data4: return r.u32();
    case DW_FORM.data8: r.skip(8); return undefined;
    case DW_FORM.data16: r.skip(16); return undefined;
    case DW_FORM.block: r.skip(r.uleb()); return undefined;
    default: throw new DwarfError(`.debug_line: unsupported form 0x${form.toString(16)} in a file entry`);
  }
}

/**
 * Turn rows into sorted, non-overlapping-by-start ranges: each row covers
 * up to the next row of its sequence. Rows of zero length (several rows at
 * one address) are dropped; the last row at an address wins.
 */
export function lineRanges(program: LineProgram): LineRange[] {
  const out: LineRange[] = [];
  for (const seq of program.sequences) {
    for (let i = 0; i + 1 < seq.length; i++) {
      const a = seq[i], b = seq[i + 1];
      if (a.endSequence || b.address <= a.address) continue;
      const file = program.files[a.file];
      if (file === undefined) continue;
      out.push({ start: a.address, end: b.address, file, line: a.line, column: a.column, isStmt: a.isStmt });
    }
  }
  return out;
}
