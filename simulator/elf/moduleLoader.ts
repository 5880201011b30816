// Loads a relocatable x86-64 object (a test module's .o) into guest memory,
// as insmod does: the allocated sections are laid out in the module area,
// grouped by permission (text RX, read-only data R, data and bss RW, each
// group on its own pages), relocated against the module's own symbols and
// the kernel's exports, then protected. It also finds what the kernel needs
// to start the module: module_init/module_exit, module parameters, the BUG
// table and the module's symbols for symbolization (%pS).
//
// Every problem a user can cause — a file that is not an ELF object, a
// truncated one, an unresolved symbol, a relocation that does not fit —
// ends in a ModuleLoadError with a one-line message; unresolved symbols are
// collected and named together.

import { Memory, OutOfPhysicalMemory, PAGE_SIZE, Perm } from '../memory/memory';
import {
  ElfError, ElfFile, ElfSymbol, ET_REL, SectionHeader, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHN_ABS,
  SHN_COMMON, SHN_UNDEF, SHT_NOBITS, STB_GLOBAL, STB_WEAK, STT_FUNC, STT_OBJECT, STT_NOTYPE,
  STT_SECTION, STT_FILE, elfTypeName,
} from './elfFile';
import { RelocationError, relocateSection } from './relocations';
import { printable } from '../text/printable';
import {
  BUG_ENTRY, BUG_TABLE_SECTION, BUGFLAG, MODULE_AREA_END, MODULE_AREA_START, MODULE_EXIT_SYMBOL,
  MODULE_INIT_SYMBOL, MODULE_PARAM_ENTRY, MODULE_PARAMS_SECTION,
} from '../sdk/abi';
import { UserError } from '../errors/userError';

export class ModuleLoadError extends UserError {
  /** For an unresolved-symbol error: every name, in first-use order. */
  readonly unresolved: readonly string[];
  constructor(message: string, unresolved: readonly string[] = []) {
    super(message);
    this.name = 'ModuleLoadError';
    this.unresolved = unresolved;
  }
}

export interface ModuleLoadOptions {
  /** Module name; default: `name=` in .modinfo, else "module". */
  name?: string;
  /** Address of a kernel export (function or variable), or undefined if there is none. */
  resolve: (name: string) => bigint | undefined;
  /** Where to start looking for free space; default MODULE_AREA_START. */
  areaStart?: bigint;
  /** End of the area; default MODULE_AREA_END. */
  areaEnd?: bigint;
}

export interface ModuleSection {
  index: number;
  name: string;
  address: bigint;
  size: number;
  /** Perm bits of the pages it lives on. */
  perm: number;
}

export type ModuleSymbolType = 'func' | 'object' | 'notype';

export interface ModuleSymbol {
  name: string;
  address: bigint;
  /** st_size; 0 when the object file gives none. */
  size: number;
  type: ModuleSymbolType;
  global: boolean;
  section: string;
}

export interface ModuleParam {
  name: string;
  /** Address of the variable. */
  address: bigint;
  /** The module_param type word: int, uint, long, ulong, bool, invbool, charp, byte, short, ushort, ullong, hexint. */
  type: string;
  /** sizeof the variable. */
  size: number;
  perm: number;
}

export interface BugEntry {
  /** Address of the ud2. */
  address: bigint;
  file: string;
  line: number;
  flags: number;
  /** WARN (resume after the ud2) rather than BUG. */
  warning: boolean;
}

export interface ModuleRegion {
  address: bigint;
  size: number;
  perm: number;
}

// ---- the loaded module --------------------------------------------------------

export class LoadedModule {
  /** Sorted by address; functions before objects at the same address. */
  readonly symbols: readonly ModuleSymbol[];

  constructor(
    readonly name: string,
    /** The object file it came from (for DWARF). */
    readonly elf: ElfFile,
    /** Lowest address; the module occupies [base, base + size). */
    readonly base: bigint,
    readonly size: number,
    readonly regions: readonly ModuleRegion[],
    readonly sections: readonly ModuleSection[],
    symbols: ModuleSymbol[],
    readonly initAddress: bigint | undefined,
    readonly exitAddress: bigint | undefined,
    /** Module parameters (a .ko's __param entries are read by the kernel, abi/koModule.ts). */
    public params: readonly ModuleParam[],
    /** BUG()/WARN() sites (a .ko's relative-pointer __bug_table is read by abi/koModule.ts). */
    public bugs: readonly BugEntry[],
    /** .modinfo as key → values (a key such as `parm` may repeat). */
    readonly modinfo: ReadonlyMap<string, readonly string[]>,
  ) {
    this.symbols = symbols.sort(compareSymbols);
  }

  /** Whether `addr` lies in the module's memory. */
  contains(addr: bigint): boolean {
    return addr >= this.base && addr < this.base + BigInt(this.size);
  }

  /** Load address of section `index` (by ELF section index), if it was allocated. */
  sectionAddress(index: number): bigint | undefined {
    return this.sections.find((s) => s.index === index)?.address;
  }

  sectionByName(name: string): ModuleSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** The section holding `addr`. */
  sectionAt(addr: bigint): ModuleSection | undefined {
    return this.sections.find((s) => addr >= s.address && addr < s.address + BigInt(Math.max(s.size, 1)));
  }

  /** A symbol by name, preferring functions and global symbols. */
  symbol(name: string): ModuleSymbol | undefined {
    let best: ModuleSymbol | undefined;
    for (const s of this.symbols) {
      if (s.name !== name) continue;
      if (!best || rank(s) > rank(best)) best = s;
    }
    return best;
  }

  /**
   * The symbol containing `addr` and the offset into it. A symbol covers
   * [address, address + size); one without a size extends to the next
   * symbol in its section.
   */
  lookup(addr: bigint): { symbol: ModuleSymbol; offset: bigint; size: bigint } | undefined {
    const syms = this.symbols;
    let lo = 0, hi = syms.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (syms[mid].address <= addr) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    // The covering symbol that starts highest; at one address, a function beats an object.
    let best = -1;
    for (let i = found; i >= 0; i--) {
      const s = syms[i];
      if (best >= 0 && s.address < syms[best].address) break;
      if (addr < s.address + this.effectiveSize(i) && (best < 0 || rank(s) > rank(syms[best]))) best = i;
    }
    if (best < 0) return undefined;
    const b = syms[best];
    return { symbol: b, offset: addr - b.address, size: this.effectiveSize(best) };
  }

  /** `name+0xoff/0xsize`, like the kernel's %pS; undefined outside every symbol. */
  symbolize(addr: bigint): string | undefined {
    const hit = this.lookup(addr);
    if (!hit) return undefined;
    return `${hit.symbol.name}+0x${hit.offset.toString(16)}/0x${hit.size.toString(16)}`;
  }

  private effectiveSize(i: number): bigint {
    const s = this.symbols[i];
    if (s.size > 0) return BigInt(s.size);
    // Like kallsyms: up to the next symbol at a higher address in the same section.
    for (let j = i + 1; j < this.symbols.length; j++) {
      const n = this.symbols[j];
      if (n.address > s.address) return n.section === s.section ? n.address - s.address : this.sectionEnd(s) - s.address;
    }
    return this.sectionEnd(s) - s.address;
  }

  private sectionEnd(s: ModuleSymbol): bigint {
    const sec = this.sections.find((x) => x.name === s.section && s.address >= x.address && s.address <= x.address + BigInt(x.size));
    return sec ? sec.address + BigInt(sec.size) : s.address + 1n;
  }

  /** Remove the module's pages from memory (rmmod). */
  unload(mem: Memory): void {
    mem.unmap(this.base, this.size);
  }
}

function rank(s: ModuleSymbol): number {
  return (s.type === 'func' ? 4 : s.type === 'object' ? 2 : 0) + (s.global ? 1 : 0);
}

function compareSymbols(a: ModuleSymbol, b: ModuleSymbol): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  return rank(a) - rank(b);
}

// ---- loading ------------------------------------------------------------------

/** Page groups in the order they are laid out. */
const GROUP_PERMS = [Perm.RX, Perm.R, Perm.RW, Perm.RWX] as const;

/** A module larger than this is certainly not a test module. */
const MAX_MODULE_SIZE = 256 << 20;

function permOf(sec: SectionHeader): number {
  const w = (sec.flags & SHF_WRITE) !== 0, x = (sec.flags & SHF_EXECINSTR) !== 0;
  return w && x ? Perm.RWX : x ? Perm.RX : w ? Perm.RW : Perm.R;
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/**
 * Load `object` (the bytes of a .o, or an already parsed ElfFile) into `mem`.
 * Throws ModuleLoadError; on error nothing stays mapped.
 */
export function loadModule(mem: Memory, object: Uint8Array | ElfFile, opts: ModuleLoadOptions): LoadedModule {
  try {
    return loadModuleUnguarded(mem, object, opts);
  } catch (e) {
    if (e instanceof ModuleLoadError) throw e;
    if (e instanceof ElfError || e instanceof RelocationError) throw new ModuleLoadError(e.message);
    if (e instanceof OutOfPhysicalMemory) throw new ModuleLoadError(`module does not fit in simulated memory (${e.message})`);
    // A check missed by the ELF reader must still not crash the host.
    if (e instanceof RangeError || e instanceof TypeError) throw new ModuleLoadError(`malformed ELF: ${e.message}`);
    throw e;
  }
}

function loadModuleUnguarded(mem: Memory, object: Uint8Array | ElfFile, opts: ModuleLoadOptions): LoadedModule {
  const elf = object instanceof ElfFile ? object : ElfFile.parse(object);
  if (elf.header.type !== ET_REL) {
    throw new ModuleLoadError(`not a relocatable object (${elfTypeName(elf.header.type)}); a module is built with ksw cc (gcc -c)`);
  }
  const symbols = elf.symbols();
  if (symbols.length === 0) throw new ModuleLoadError('malformed module: no symbol table');

  // 1. Layout, relative to the module base.
  const alloc = elf.sections.filter((s) => (s.flags & SHF_ALLOC) !== 0);
  const offsets = new Map<number, number>();
  const regions: { offset: number; size: number; perm: number }[] = [];
  let cursor = 0;
  for (const perm of GROUP_PERMS) {
    const group = alloc.filter((s) => permOf(s) === perm);
    if (group.length === 0) continue;
    const start = cursor;
    for (const s of group) {
      const align = Math.min(Math.max(s.addralign, 1), PAGE_SIZE);
      if ((align & (align - 1)) !== 0) throw new ModuleLoadError(`malformed ELF: section ${s.name} has alignment ${s.addralign}, not a power of two`);
      cursor = alignUp(cursor, align);
      offsets.set(s.index, cursor);
      cursor += s.size;
      if (cursor > MAX_MODULE_SIZE) throw new ModuleLoadError(`module too large (over ${MAX_MODULE_SIZE >> 20} MiB)`);
    }
    cursor = alignUp(Math.max(cursor, start + 1), PAGE_SIZE);
    regions.push({ offset: start, size: cursor - start, perm });
  }
  const size = Math.max(cursor, PAGE_SIZE);

  // 2. Symbols: every undefined one must resolve (weak ones may be 0).
  const resolved = new Map<number, bigint>();
  const unresolved: string[] = [];
  for (const sym of symbols) {
    if (sym.index === 0) continue;
    if (sym.shndx === SHN_COMMON) {
      throw new ModuleLoadError(`common symbol '${sym.name}': compile with -fno-common`);
    }
    if (sym.shndx !== SHN_UNDEF || sym.type === STT_FILE) continue;
    if (!sym.name) continue;
    const addr = opts.resolve(sym.name);
    if (addr !== undefined) resolved.set(sym.index, BigInt.asUintN(64, addr));
    else if (sym.bind === STB_WEAK) resolved.set(sym.index, 0n);
    else if (!unresolved.includes(sym.name)) unresolved.push(sym.name);
  }
  if (unresolved.length) {
    throw new ModuleLoadError(`unresolved symbol${unresolved.length > 1 ? 's' : ''}: ${unresolved.join(', ')}`, unresolved);
  }

  // 3. Place it: the lowest free range with an unmapped guard page on each side.
  const base = placeModule(mem, size, opts.areaStart ?? MODULE_AREA_START, opts.areaEnd ?? MODULE_AREA_END);
  const sectionAddr = (index: number): bigint | undefined => {
    const off = offsets.get(index);
    return off === undefined ? undefined : base + BigInt(off);
  };
  const symbolAddress = (sym: ElfSymbol): bigint => {
    if (sym.index === 0) return 0n;
    const r = resolved.get(sym.index);
    if (r !== undefined) return r;
    if (sym.shndx === SHN_UNDEF) return 0n;
    if (sym.shndx === SHN_ABS) return sym.value;
    const at = sectionAddr(sym.shndx);
    if (at === undefined) {
      if (!elf.sections[sym.shndx]) throw new ModuleLoadError(`malformed ELF: symbol '${sym.name}' is in missing section ${sym.shndx}`);
      return sym.value; // a non-allocated section: offsets within it, as debug sections use
    }
    return at + sym.value;
  };

  // 4. Relocate host copies of the allocated sections.
  const images = new Map<number, Uint8Array>();
  for (const s of alloc) {
    if (s.type !== SHT_NOBITS) images.set(s.index, Uint8Array.from(elf.sectionData(s)));
  }
  for (const rela of elf.relocationSections()) {
    const target = images.get(rela.targetIndex);
    if (!target) {
      const t = elf.sections[rela.targetIndex];
      if (t && (t.flags & SHF_ALLOC) !== 0 && t.type === SHT_NOBITS && rela.entries.length) {
        throw new ModuleLoadError(`malformed ELF: ${rela.section.name} relocates ${t.name}, which has no contents`);
      }
      continue; // debug and other non-allocated sections: the DWARF reader relocates its own copies
    }
    relocateSection(elf, rela, target, sectionAddr(rela.targetIndex)!, symbolAddress);
  }

  // 5. Read what the kernel needs from the relocated images.
  const sections: ModuleSection[] = alloc.map((s) => ({
    index: s.index, name: s.name, address: sectionAddr(s.index)!, size: s.size, perm: permOf(s),
  }));
  const reader = new ImageReader(sections, images);
  const modinfo = parseModinfo(elf);
  const initAddress = entryPoint(symbols, MODULE_INIT_SYMBOL, 'init_module', reader, symbolAddress);
  const exitAddress = entryPoint(symbols, MODULE_EXIT_SYMBOL, 'cleanup_module', reader, symbolAddress);
  const params = readParams(elf, reader, sectionAddr);
  const bugs = readBugTable(elf, reader, sectionAddr);
  const moduleSymbols = collectSymbols(elf, symbols, sectionAddr);

  // 6. Map, copy, protect. Nothing can fail for the user's reasons any more,
  // but a failure must not leave a half-mapped module behind.
  try {
    mem.map(base, size, Perm.RW);
    for (const s of sections) {
      const img = images.get(s.index);
      if (img && img.length) mem.write(s.address, img, true);
    }
    for (const r of regions) mem.protect(base + BigInt(r.offset), r.size, r.perm);
  } catch (e) {
    mem.unmap(base, size);
    throw e;
  }

  return new LoadedModule(opts.name ?? modinfo.get('name')?.[0] ?? 'module', elf, base, size,
    regions.map((r) => ({ address: base + BigInt(r.offset), size: r.size, perm: r.perm })),
    sections, moduleSymbols, initAddress, exitAddress, params, bugs, modinfo);
}

function placeModule(mem: Memory, size: number, areaStart: bigint, areaEnd: bigint): bigint {
  const page = BigInt(PAGE_SIZE);
  let from = areaStart;
  for (;;) {
    const at = mem.findFree(from, size + PAGE_SIZE, areaEnd);
    if (at === null) throw new ModuleLoadError('no room in the module area');
    if (at === areaStart || !mem.isMapped(at - page)) return at;
    from = at + page; // keep the page below free too: it is the previous module's guard page
  }
}

/** Reads relocated bytes by guest address, from the host images (no Memory, no permissions). */
class ImageReader {
  constructor(private readonly sections: ModuleSection[], private readonly images: Map<number, Uint8Array>) {}

  /** Whether [addr, addr+len) lies inside one allocated section. */
  contains(addr: bigint, len: number): boolean {
    return this.locate(addr, len) !== undefined;
  }

  private locate(addr: bigint, len: number): { img: Uint8Array | undefined; off: number } | undefined {
    for (const s of this.sections) {
      if (addr >= s.address && addr + BigInt(len) <= s.address + BigInt(s.size)) {
        return { img: this.images.get(s.index), off: Number(addr - s.address) };
      }
    }
    return undefined;
  }

  u64(addr: bigint): bigint | undefined {
    const at = this.locate(addr, 8);
    if (!at) return undefined;
    if (!at.img) return 0n; // bss
    return new DataView(at.img.buffer, at.img.byteOffset).getBigUint64(at.off, true);
  }

  u16(addr: bigint): number | undefined {
    const at = this.locate(addr, 2);
    if (!at) return undefined;
    if (!at.img) return 0;
    return new DataView(at.img.buffer, at.img.byteOffset).getUint16(at.off, true);
  }

  cstring(addr: bigint, max = 4096): string | undefined {
    const at = this.locate(addr, 1);
    if (!at || !at.img) return undefined;
    const end = at.img.indexOf(0, at.off);
    if (end < 0 || end - at.off > max) return undefined;
    return Buffer.from(at.img.subarray(at.off, end)).toString('utf8');
  }
}

function entryPoint(symbols: readonly ElfSymbol[], pointerName: string, aliasName: string, reader: ImageReader,
  symbolAddress: (s: ElfSymbol) => bigint): bigint | undefined {
  const ptr = symbols.find((s) => s.name === pointerName && s.shndx !== SHN_UNDEF && s.type !== STT_SECTION);
  if (ptr) {
    const v = reader.u64(symbolAddress(ptr));
    if (v === undefined) throw new ModuleLoadError(`malformed module: ${pointerName} is not in an allocated section`);
    return v === 0n ? undefined : v;
  }
  // Objects built against Linux-style headers: init_module/cleanup_module aliases.
  const fn = symbols.find((s) => s.name === aliasName && s.shndx !== SHN_UNDEF && s.type === STT_FUNC);
  return fn ? symbolAddress(fn) : undefined;
}

function readParams(elf: ElfFile, reader: ImageReader, sectionAddr: (i: number) => bigint | undefined): ModuleParam[] {
  const sec = elf.sectionByName(MODULE_PARAMS_SECTION);
  const base = sec && sectionAddr(sec.index);
  if (!sec || base === undefined) return [];
  const E = MODULE_PARAM_ENTRY;
  if (sec.size % E.SIZE !== 0) throw new ModuleLoadError(`malformed module: ${MODULE_PARAMS_SECTION} is not a whole number of entries`);
  const out: ModuleParam[] = [];
  for (let off = 0; off < sec.size; off += E.SIZE) {
    const at = base + BigInt(off);
    const namePtr = reader.u64(at + BigInt(E.NAME)), arg = reader.u64(at + BigInt(E.ARG));
    const typePtr = reader.u64(at + BigInt(E.TYPE));
    const name = namePtr === undefined ? undefined : reader.cstring(namePtr);
    const type = typePtr === undefined ? undefined : reader.cstring(typePtr);
    if (!name || !type || arg === undefined) throw new ModuleLoadError(`malformed module: bad entry in ${MODULE_PARAMS_SECTION}`);
    const size = reader.u16(at + BigInt(E.SIZE_FIELD)) ?? 0;
    // insmod writes the value there: it must be the module's own memory (a bad relocation may point anywhere)
    if (!reader.contains(arg, Math.max(size, type === 'charp' ? 8 : 1))) {
      throw new ModuleLoadError(`malformed module: parameter '${printable(name)}' is stored at 0x${arg.toString(16)}, outside the module's sections`);
    }
    out.push({ name, type, address: arg, perm: reader.u16(at + BigInt(E.PERM)) ?? 0, size });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function readBugTable(elf: ElfFile, reader: ImageReader, sectionAddr: (i: number) => bigint | undefined): BugEntry[] {
  const sec = elf.sectionByName(BUG_TABLE_SECTION);
  const base = sec && sectionAddr(sec.index);
  if (!sec || base === undefined) return [];
  const E = BUG_ENTRY;
  const out: BugEntry[] = [];
  for (let off = 0; off + E.SIZE <= sec.size; off += E.SIZE) {
    const at = base + BigInt(off);
    const address = reader.u64(at + BigInt(E.ADDR)) ?? 0n;
    const filePtr = reader.u64(at + BigInt(E.FILE));
    const flags = reader.u16(at + BigInt(E.FLAGS)) ?? 0;
    out.push({
      address, file: (filePtr && reader.cstring(filePtr)) || '?', line: reader.u16(at + BigInt(E.LINE)) ?? 0,
      flags, warning: (flags & BUGFLAG.WARNING) !== 0,
    });
  }
  return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

function collectSymbols(elf: ElfFile, symbols: readonly ElfSymbol[], sectionAddr: (i: number) => bigint | undefined): ModuleSymbol[] {
  const out: ModuleSymbol[] = [];
  for (const s of symbols) {
    if (!s.name || s.index === 0) continue;
    if (s.type !== STT_FUNC && s.type !== STT_OBJECT && s.type !== STT_NOTYPE) continue;
    const at = sectionAddr(s.shndx);
    if (at === undefined) continue;
    if (s.type === STT_NOTYPE && s.name.startsWith('.L')) continue; // assembler-local labels
    out.push({
      name: s.name, address: at + s.value, size: s.size,
      type: s.type === STT_FUNC ? 'func' : s.type === STT_OBJECT ? 'object' : 'notype',
      global: s.bind === STB_GLOBAL || s.bind === STB_WEAK, section: elf.sections[s.shndx].name,
    });
  }
  return out;
}

/** `.modinfo`: NUL-separated "key=value" strings. */
export function parseModinfo(elf: ElfFile): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const sec = elf.sectionByName('.modinfo');
  if (!sec) return out;
  const text = Buffer.from(elf.sectionData(sec)).toString('utf8');
  for (const entry of text.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const key = entry.slice(0, eq), value = entry.slice(eq + 1);
    const list = out.get(key);
    if (list) list.push(value); else out.set(key, [value]);
  }
  return out;
}
