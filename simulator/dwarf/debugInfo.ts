// Debug information of a module (or an executable): line table, functions,
// their parameters and locals with locations, and global variables.
//
//   const dbg = DebugInfo.forModule(loadedModule);
//   dbg.lineFor(rip)              → { file, line, column, address } | undefined
//   dbg.addressesFor(file, line)  → statement addresses of that line
//   dbg.functionAt(rip)           → DwarfFunction (name, ranges, frameBase, params, locals)
//   dbg.variablesAt(rip)          → the parameters and locals in scope there, with their locations at rip
//
// Malformed or unsupported debug info never throws from here: what cannot
// be read is skipped and described in `warnings` (pass `strict: true` to
// get a DwarfError for the first problem instead).

import { ElfFile, ET_REL } from '../elf/elfFile';
import type { LoadedModule } from '../elf/moduleLoader';
import { DW_AT, DW_TAG } from './constants';
import {
  addressValue, AttrValue, Die, flagValue, numberValue, parseUnits, stringValue, Unit,
} from './info';
import { LineProgram, LineRange, lineRanges, parseLineProgram } from './lineTable';
import { decodeLocationAttr, locationAt, SimpleLocation, VarLocation } from './location';
import { AddressRange, readRanges } from './ranges';
import { DwarfError } from './reader';
import { DebugSections, loadDebugSections, SectionAddress } from './sections';
import { indexStructs, StructLayout } from './structs';

export type { StructLayout } from './structs';

export { DwarfError } from './reader';
export type { VarLocation, SimpleLocation, LocationListEntry } from './location';
export type { AddressRange } from './ranges';
export { dwarfRegisterName, X86_64_DWARF_REGISTERS } from './constants';

export interface SourceLocation {
  /** Absolute path when the compilation directory is known. */
  file: string;
  line: number;
  column: number;
  /** Start of the line-table row that covers the address. */
  address: bigint;
}

export interface CompileUnitInfo {
  name?: string;
  compDir?: string;
  producer?: string;
  version: number;
  ranges: AddressRange[];
}

export type VariableKind = 'param' | 'local' | 'global';

export interface DwarfVariable {
  name: string;
  kind: VariableKind;
  /** C spelling of the type, e.g. "unsigned long", "char *", "u64[32]". */
  typeName: string;
  byteSize?: number;
  declFile?: string;
  declLine?: number;
  location: VarLocation;
  /** The lexical block's ranges; undefined when the variable is in scope in the whole function. */
  scope?: AddressRange[];
}

export interface DwarfFunction {
  name: string;
  linkageName?: string;
  /** Entry address. */
  lowPc: bigint;
  /** End (exclusive) of the range holding the entry; `ranges` has every part. */
  highPc: bigint;
  /** Every address range of the function's code (a `.cold` part is a second range). */
  ranges: AddressRange[];
  declFile?: string;
  declLine?: number;
  external: boolean;
  /**
   * Where DW_OP_fbreg offsets count from. gcc uses the CFA ({kind:'cfa'}):
   * the value RSP had before the call instruction, i.e. RSP at the first
   * instruction of the function + 8.
   */
  frameBase: VarLocation;
  params: DwarfVariable[];
  locals: DwarfVariable[];
  unit: CompileUnitInfo;
}

export interface ScopedVariable extends DwarfVariable {
  /** The location at the queried address. */
  here: SimpleLocation;
}

export interface DebugInfoOptions {
  /** Throw a DwarfError for the first problem instead of skipping it. */
  strict?: boolean;
}

const MAX_TYPE_DEPTH = 24;

export class DebugInfo {
  readonly units: CompileUnitInfo[] = [];
  /** Sorted by entry address. */
  readonly functions: DwarfFunction[] = [];
  readonly globals: DwarfVariable[] = [];
  /** Problems met while reading; each is one line. */
  readonly warnings: string[] = [];
  /** Line table ranges sorted by start address. */
  readonly lines: LineRange[] = [];

  private readonly dies = new Map<number, Die>();
  private readonly programs = new Map<number, LineProgram>();
  private readonly fnIndex: { start: bigint; end: bigint; fn: DwarfFunction }[] = [];
  private sections: DebugSections = {};

  private constructor() {}

  /** Debug info of a module placed by the module loader (its .rela.debug_* applied with the module's addresses). */
  static forModule(module: LoadedModule, opts: DebugInfoOptions = {}): DebugInfo {
    return DebugInfo.fromElf(module.elf, (i) => module.sectionAddress(i), opts);
  }

  /**
   * Debug info of an ELF file. For a relocatable object, `sectionAddress`
   * places its allocated sections (default: all at 0, which only makes sense
   * for an object with one code section); for an executable, the sections'
   * own addresses are used.
   */
  static fromElf(elf: ElfFile, sectionAddress?: SectionAddress, opts: DebugInfoOptions = {}): DebugInfo {
    const d = new DebugInfo();
    const place: SectionAddress = sectionAddress ?? ((i) => (elf.header.type === ET_REL ? 0n : elf.sections[i]?.addr));
    try {
      d.sections = loadDebugSections(elf, place, d.warnings);
      if (!d.sections.info) d.warnings.push('no DWARF debug info (compile with -g)');
      else d.read();
    } catch (e) {
      d.warnings.push(describe(e));
    }
    if (opts.strict && d.warnings.length) throw new DwarfError(d.warnings[0]);
    d.functions.sort((a, b) => cmp(a.lowPc, b.lowPc));
    d.lines.sort((a, b) => cmp(a.start, b.start));
    for (const fn of d.functions) for (const [start, end] of fn.ranges) d.fnIndex.push({ start, end, fn });
    d.fnIndex.sort((a, b) => cmp(a.start, b.start));
    return d;
  }

  // ---- queries ----------------------------------------------------------------

  /** The source line of `addr`. */
  lineFor(addr: bigint): SourceLocation | undefined {
    const i = lastAtOrBefore(this.lines, addr, (r) => r.start);
    if (i < 0) return undefined;
    const r = this.lines[i];
    if (addr >= r.end) return undefined;
    return { file: r.file, line: r.line, column: r.column, address: r.start };
  }

  /**
   * Addresses where code of `line` in `file` starts, ascending: the rows
   * marked as statements (is_stmt), or, when optimized code has none for
   * that line, every row of it. `file` matches an absolute path exactly, a
   * relative path as a path suffix, or a bare name as the base name.
   */
  addressesFor(file: string, line: number): bigint[] {
    const match = fileMatcher(file);
    const stmt = new Set<bigint>(), any = new Set<bigint>();
    for (const r of this.lines) {
      if (r.line !== line || !match(r.file)) continue;
      any.add(r.start);
      if (r.isStmt) stmt.add(r.start);
    }
    return [...(stmt.size ? stmt : any)].sort(cmp);
  }

  /** The innermost function whose code contains `addr`. */
  functionAt(addr: bigint): DwarfFunction | undefined {
    let best: DwarfFunction | undefined, bestSize = 0n;
    for (const e of this.fnIndex) {
      if (e.start > addr) break;
      if (addr < e.end && (!best || e.end - e.start < bestSize)) { best = e.fn; bestSize = e.end - e.start; }
    }
    return best;
  }

  functionByName(name: string): DwarfFunction | undefined {
    return this.functions.find((f) => f.name === name) ?? this.functions.find((f) => f.linkageName === name);
  }

  /** Parameters and locals in scope at `addr`, each with its location there. */
  variablesAt(addr: bigint): { fn: DwarfFunction; variables: ScopedVariable[] } | undefined {
    const fn = this.functionAt(addr);
    if (!fn) return undefined;
    const inScope = (v: DwarfVariable) => !v.scope || v.scope.some(([a, b]) => addr >= a && addr < b);
    const variables = [...fn.params, ...fn.locals].filter(inScope).map((v) => ({ ...v, here: locationAt(v.location, addr) }));
    return { fn, variables };
  }

  private structIndex: Map<string, StructLayout> | undefined;

  /** The layout of `struct NAME` as this object's DWARF defines it (for kernel ABI structs). */
  struct(name: string): StructLayout | undefined {
    this.structIndex ??= indexStructs(this.dies.values(), this.sections);
    return this.structIndex.get(name);
  }

  // ---- reading ------------------------------------------------------------------

  private read(): void {
    const units = parseUnits(this.sections, this.dies, this.warnings);
    for (const unit of units) {
      try {
        this.readUnit(unit);
      } catch (e) {
        this.warnings.push(`unit at 0x${unit.offset.toString(16)}: ${describe(e)}`);
      }
    }
  }

  private readUnit(unit: Unit): void {
    const root = unit.root;
    if (!root || (root.tag !== DW_TAG.compile_unit && root.tag !== DW_TAG.partial_unit && root.tag !== DW_TAG.skeleton_unit)) return;
    const s = this.sections;
    const compDir = stringValue(unit, root.attrs.get(DW_AT.comp_dir), s);
    const info: CompileUnitInfo = {
      name: stringValue(unit, root.attrs.get(DW_AT.name), s), compDir,
      producer: stringValue(unit, root.attrs.get(DW_AT.producer), s), version: unit.version,
      ranges: this.tryRanges(root),
    };
    this.units.push(info);
    let program: LineProgram | undefined;
    const stmt = root.attrs.get(DW_AT.stmt_list);
    const stmtOffset = stmt?.kind === 'secoffset' ? stmt.value : stmt?.kind === 'udata' ? Number(stmt.value) : undefined;
    if (stmtOffset !== undefined) {
      program = this.programs.get(stmtOffset);
      if (!program) {
        try {
          program = parseLineProgram(s, stmtOffset, compDir);
          this.programs.set(stmtOffset, program);
          this.lines.push(...lineRanges(program));
        } catch (e) {
          this.warnings.push(`line table: ${describe(e)}`);
        }
      }
    }
    const ctx: UnitContext = { unit, info, program };
    const walk = (die: Die, depth: number) => {
      for (const child of die.children) {
        if (child.tag === DW_TAG.subprogram) {
          this.tryFunction(child, ctx);
          if (depth < 64) walk(child, depth + 1); // nested functions
        } else if (child.tag === DW_TAG.variable && die === root) {
          const v = this.variable(child, 'global', ctx, undefined);
          if (v && v.location.kind !== 'optimized-out') this.globals.push(v);
        } else if (child.tag === DW_TAG.lexical_block && depth > 0 && depth < 64) {
          walk(child, depth + 1);
        }
      }
    };
    walk(root, 0);
  }

  private tryRanges(die: Die): AddressRange[] {
    try {
      return this.rangesOf(die);
    } catch (e) {
      this.warnings.push(`ranges of DIE 0x${die.offset.toString(16)}: ${describe(e)}`);
      return [];
    }
  }

  /** DW_AT_low_pc/high_pc or DW_AT_ranges. */
  private rangesOf(die: Die): AddressRange[] {
    const unit = die.unit, s = this.sections;
    const ranges = die.attrs.get(DW_AT.ranges);
    if (ranges) return readRanges(unit, ranges, s);
    const low = addressValue(unit, die.attrs.get(DW_AT.low_pc), s);
    const highAttr = die.attrs.get(DW_AT.high_pc);
    if (low === undefined || !highAttr) return [];
    let high: bigint | undefined;
    if (highAttr.kind === 'udata' || highAttr.kind === 'sdata') high = low + highAttr.value;
    else high = addressValue(unit, highAttr, s);
    return high !== undefined && high > low ? [[low, high]] : [];
  }

  private tryFunction(die: Die, ctx: UnitContext): void {
    try {
      const fn = this.func(die, ctx);
      if (fn) this.functions.push(fn);
    } catch (e) {
      this.warnings.push(`function at DIE 0x${die.offset.toString(16)}: ${describe(e)}`);
    }
  }

  private func(die: Die, ctx: UnitContext): DwarfFunction | undefined {
    if (flagValue(die.attrs.get(DW_AT.declaration))) return undefined;
    const ranges = this.rangesOf(die);
    if (ranges.length === 0) return undefined; // an abstract instance (inlined everywhere) or a declaration
    const s = this.sections, unit = die.unit;
    const entry = addressValue(unit, die.attrs.get(DW_AT.low_pc), s) ?? ranges[0][0];
    const name = this.str(die, DW_AT.name) ?? this.str(die, DW_AT.linkage_name) ?? `<function at 0x${entry.toString(16)}>`;
    const frameBaseAttr = die.attrs.get(DW_AT.frame_base);
    const fn: DwarfFunction = {
      name, linkageName: this.str(die, DW_AT.linkage_name), lowPc: entry,
      highPc: (ranges.find(([a, b]) => entry >= a && entry < b) ?? ranges[0])[1], ranges,
      declFile: this.declFile(die, ctx), declLine: numberValue(this.attr(die, DW_AT.decl_line)),
      external: flagValue(this.attr(die, DW_AT.external)),
      frameBase: frameBaseAttr ? this.location(unit, frameBaseAttr) : { kind: 'optimized-out', reason: 'no frame base' },
      params: [], locals: [], unit: ctx.info,
    };
    this.collectVariables(die, fn, ctx, undefined, 0);
    return fn;
  }

  private collectVariables(die: Die, fn: DwarfFunction, ctx: UnitContext, scope: AddressRange[] | undefined, depth: number): void {
    for (const child of die.children) {
      if (child.tag === DW_TAG.formal_parameter) {
        const v = this.variable(child, 'param', ctx, scope);
        if (v) fn.params.push(v);
      } else if (child.tag === DW_TAG.variable) {
        const v = this.variable(child, 'local', ctx, scope);
        if (v) fn.locals.push(v);
      } else if (child.tag === DW_TAG.lexical_block && depth < 64) {
        const r = this.tryRanges(child);
        this.collectVariables(child, fn, ctx, r.length ? r : scope, depth + 1);
      }
      // inlined subroutines, labels, call sites and nested functions are not this function's variables
    }
  }

  private variable(die: Die, kind: VariableKind, ctx: UnitContext, scope: AddressRange[] | undefined): DwarfVariable | undefined {
    const name = this.str(die, DW_AT.name);
    if (!name) return undefined;
    const locAttr = die.attrs.get(DW_AT.location);
    const constAttr = this.attr(die, DW_AT.const_value);
    let location: VarLocation;
    if (locAttr) location = this.location(die.unit, locAttr);
    else if (constAttr && (constAttr.kind === 'udata' || constAttr.kind === 'sdata')) location = { kind: 'value', value: constAttr.value };
    else if (flagValue(this.attr(die, DW_AT.declaration))) return undefined; // `extern int x;` inside a function
    else location = { kind: 'optimized-out' };
    const type = this.describeType(this.attr(die, DW_AT.type), 0);
    return {
      name, kind, typeName: type.name, byteSize: type.size, declFile: this.declFile(die, ctx),
      declLine: numberValue(this.attr(die, DW_AT.decl_line)), location, scope,
    };
  }

  private location(unit: Unit, v: AttrValue): VarLocation {
    try {
      return decodeLocationAttr(unit, v, this.sections);
    } catch (e) {
      this.warnings.push(`location list: ${describe(e)}`);
      return { kind: 'optimized-out', reason: 'unreadable location list' };
    }
  }

  private declFile(die: Die, ctx: UnitContext): string | undefined {
    const n = numberValue(this.attr(die, DW_AT.decl_file));
    return n === undefined ? undefined : ctx.program?.files[n];
  }

  /** An attribute of the DIE or of what it completes (abstract origin, specification). */
  private attr(die: Die, at: number): AttrValue | undefined {
    let d: Die | undefined = die;
    for (let hops = 0; d && hops < 8; hops++) {
      const v = d.attrs.get(at);
      if (v) return v;
      const next: AttrValue | undefined = d.attrs.get(DW_AT.abstract_origin) ?? d.attrs.get(DW_AT.specification);
      d = next?.kind === 'ref' ? this.dies.get(next.offset) : undefined;
    }
    return undefined;
  }

  private str(die: Die, at: number): string | undefined {
    let d: Die | undefined = die;
    for (let hops = 0; d && hops < 8; hops++) {
      const v = d.attrs.get(at);
      if (v) return stringValue(d.unit, v, this.sections);
      const next: AttrValue | undefined = d.attrs.get(DW_AT.abstract_origin) ?? d.attrs.get(DW_AT.specification);
      d = next?.kind === 'ref' ? this.dies.get(next.offset) : undefined;
    }
    return undefined;
  }

  /** The C spelling and size of the type a DW_AT_type points to (no DW_AT_type: void). */
  private describeType(ref: AttrValue | undefined, depth: number): TypeDescription {
    if (!ref) return { name: 'void' };
    if (ref.kind !== 'ref' || depth > MAX_TYPE_DEPTH) return { name: '?' };
    const die = this.dies.get(ref.offset);
    if (!die) return { name: '?' };
    const name = this.str(die, DW_AT.name);
    const byteSize = numberValue(die.attrs.get(DW_AT.byte_size));
    const inner = () => this.describeType(die.attrs.get(DW_AT.type), depth + 1);
    switch (die.tag) {
      case DW_TAG.base_type: return { name: name ?? '?', size: byteSize };
      case DW_TAG.typedef: return { name: name ?? '?', size: inner().size };
      case DW_TAG.structure_type: return { name: `struct ${name ?? '{...}'}`, size: byteSize };
      case DW_TAG.union_type: return { name: `union ${name ?? '{...}'}`, size: byteSize };
      case DW_TAG.enumeration_type: return { name: `enum ${name ?? '{...}'}`, size: byteSize };
      case DW_TAG.pointer_type: {
        const t = inner();
        const spelled = t.fn ? `${t.fn.ret} (*)(${t.fn.params})` : `${t.name}${t.name.endsWith('*') ? '' : ' '}*`;
        return { name: spelled, size: byteSize ?? die.unit.addressSize };
      }
      case DW_TAG.const_type: case DW_TAG.volatile_type: case DW_TAG.restrict_type: case DW_TAG.atomic_type: {
        const q = die.tag === DW_TAG.const_type ? 'const' : die.tag === DW_TAG.volatile_type ? 'volatile'
          : die.tag === DW_TAG.restrict_type ? 'restrict' : '_Atomic';
        const t = inner();
        return { name: t.name.endsWith('*') ? `${t.name}${q}` : `${q} ${t.name}`, size: t.size };
      }
      case DW_TAG.array_type: {
        const t = inner();
        let dims = '', count: number | undefined = 1;
        for (const c of die.children) {
          if (c.tag !== DW_TAG.subrange_type) continue;
          const n = numberValue(c.attrs.get(DW_AT.count)) ?? (() => {
            const ub = c.attrs.get(DW_AT.upper_bound);
            const u = ub && (ub.kind === 'udata' || ub.kind === 'sdata') ? BigInt.asIntN(64, ub.value) : undefined;
            return u === undefined || u < 0n ? undefined : Number(u) + 1;
          })();
          dims += n === undefined ? '[]' : `[${n}]`;
          count = n === undefined || count === undefined ? undefined : count * n;
        }
        return { name: `${t.name}${dims || '[]'}`, size: count !== undefined && t.size !== undefined ? count * t.size : byteSize };
      }
      case DW_TAG.subroutine_type: {
        const ret = inner();
        const params: string[] = [];
        for (const c of die.children) {
          if (c.tag === DW_TAG.formal_parameter) params.push(this.describeType(c.attrs.get(DW_AT.type), depth + 1).name);
          else if (c.tag === DW_TAG.unspecified_parameters) params.push('...');
        }
        const list = params.join(', ') || 'void';
        return { name: `${ret.name} (${list})`, fn: { ret: ret.name, params: list } };
      }
      default: return { name: name ?? '?', size: byteSize };
    }
  }
}

interface TypeDescription {
  name: string;
  size?: number;
  /** For a function type: how a pointer to it is spelled needs the parts. */
  fn?: { ret: string; params: string };
}

interface UnitContext { unit: Unit; info: CompileUnitInfo; program: LineProgram | undefined }

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lastAtOrBefore<T>(arr: readonly T[], key: bigint, get: (t: T) => bigint): number {
  let lo = 0, hi = arr.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (get(arr[mid]) <= key) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found;
}

function fileMatcher(query: string): (file: string) => boolean {
  const q = query.replace(/\\/g, '/');
  if (q.startsWith('/')) return (f) => f === q;
  if (q.includes('/')) return (f) => f === q || f.endsWith('/' + q);
  return (f) => f === q || f.endsWith('/' + q);
}

function describe(e: unknown): string {
  if (e instanceof DwarfError) return e.message;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
