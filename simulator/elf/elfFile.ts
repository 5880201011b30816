// A small, defensive ELF64 reader. It is shared by the user-mode loader
// (static executables) and, later, the kernel module loader (relocatable .o
// files), so it exposes the raw tables — headers, sections, symbols, string
// tables, RELA relocations — and leaves their meaning to the callers.
//
// Files come straight from users, so nothing here may trust an offset, a
// count or an entry size: every read is bounds-checked and every malformed
// input ends in an `ElfError` whose message is one line a user can act on.
// A RangeError from a typed array or DataView never escapes.

import { UserError } from '../errors/userError';

export class ElfError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'ElfError';
  }
}

// ---- constants (the subset callers need) -------------------------------

export const ET_REL = 1, ET_EXEC = 2, ET_DYN = 3, ET_CORE = 4;
export const EM_X86_64 = 62;

export const PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4,
  PT_PHDR = 6, PT_TLS = 7, PT_GNU_STACK = 0x6474e551, PT_GNU_RELRO = 0x6474e552;
export const PF_X = 1, PF_W = 2, PF_R = 4;

export const SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_RELA = 4,
  SHT_NOBITS = 8, SHT_REL = 9, SHT_DYNSYM = 11, SHT_SYMTAB_SHNDX = 18;
export const SHF_WRITE = 0x1, SHF_ALLOC = 0x2, SHF_EXECINSTR = 0x4;

export const SHN_UNDEF = 0, SHN_LORESERVE = 0xff00, SHN_ABS = 0xfff1, SHN_COMMON = 0xfff2,
  SHN_XINDEX = 0xffff;
export const STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;
export const STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4,
  STT_TLS = 6;

const ELF_TYPE_NAMES: Record<number, string> = {
  0: 'ET_NONE', [ET_REL]: 'ET_REL', [ET_EXEC]: 'ET_EXEC', [ET_DYN]: 'ET_DYN', [ET_CORE]: 'ET_CORE',
};

/** Machines a user is likely to hand us by mistake, for readable errors. */
const MACHINE_NAMES: Record<number, string> = {
  0: 'none', 2: 'sparc', 3: 'i386', 8: 'mips', 20: 'powerpc', 21: 'ppc64', 22: 's390',
  40: 'arm', 42: 'superh', 43: 'sparcv9', 50: 'ia64', 62: 'x86-64', 183: 'aarch64',
  243: 'riscv', 247: 'bpf', 258: 'loongarch',
};

export function elfTypeName(type: number): string {
  return ELF_TYPE_NAMES[type] ?? `type ${type}`;
}

export function machineName(machine: number): string {
  return MACHINE_NAMES[machine] ?? 'unknown';
}

// ---- parsed structures ----------------------------------------------------
// File offsets and sizes are plain numbers (checked to fit the file, so they
// are exact); addresses and addends are bigint because they use all 64 bits.

export interface ElfHeader {
  type: number;
  machine: number;
  version: number;
  osabi: number;
  entry: bigint;
  phoff: number;
  shoff: number;
  flags: number;
  ehsize: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export interface ProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  paddr: bigint;
  filesz: number;
  memsz: number;
  align: number;
}

export interface SectionHeader {
  index: number;
  name: string;
  nameOffset: number;
  type: number;
  flags: number;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export interface ElfSymbol {
  index: number;
  name: string;
  value: bigint;
  size: number;
  bind: number;
  type: number;
  other: number;
  /** Section index, resolved through SHT_SYMTAB_SHNDX when it is SHN_XINDEX. */
  shndx: number;
}

export interface ElfRelocation {
  offset: bigint;
  type: number;
  symIndex: number;
  addend: bigint;
}

export interface RelocationSection {
  section: SectionHeader;
  /** Index of the section the relocations patch (sh_info). */
  targetIndex: number;
  /** Index of the symbol table the entries refer to (sh_link). */
  symtabIndex: number;
  entries: ElfRelocation[];
}

const EHDR_SIZE = 64, PHDR_SIZE = 56, SHDR_SIZE = 64, SYM_SIZE = 24, RELA_SIZE = 24;
/** Memory sizes beyond this are nonsense for anything we can simulate. */
const MAX_MEMSZ = 2 ** 40;

export interface ElfParseOptions {
  /** Expected e_machine (default x86-64); null accepts any machine. */
  machine?: number | null;
}

// ---- bounds-checked little-endian reader -----------------------------------

class Reader {
  private readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number { return this.bytes.length; }

  /** Throw "truncated ELF: <what> past end of file" unless [off, off+len) fits. */
  need(off: number, len: number, what: string): void {
    if (!Number.isSafeInteger(off) || !Number.isSafeInteger(len) || off < 0 || len < 0 ||
      off + len > this.bytes.length) {
      throw new ElfError(`truncated ELF: ${what} past end of file`);
    }
  }
  u8(off: number): number { return this.dv.getUint8(off); }
  u16(off: number): number { return this.dv.getUint16(off, true); }
  u32(off: number): number { return this.dv.getUint32(off, true); }
  i64(off: number): bigint { return this.dv.getBigInt64(off, true); }
  u64(off: number): bigint { return this.dv.getBigUint64(off, true); }
  /** A 64-bit count/offset that must be exact as a JS number. */
  num(off: number, what: string): number {
    const v = this.dv.getBigUint64(off, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`malformed ELF: ${what} is too large (${v})`);
    return Number(v);
  }
}

// ---- the file --------------------------------------------------------------

export class ElfFile {
  readonly header: ElfHeader;
  readonly programHeaders: ProgramHeader[];
  readonly sections: SectionHeader[];
  private readonly r: Reader;
  private readonly symbolCache = new Map<number, ElfSymbol[]>();

  private constructor(bytes: Uint8Array, opts: ElfParseOptions) {
    this.r = new Reader(bytes);
    this.header = this.parseHeader(opts.machine === undefined ? EM_X86_64 : opts.machine);
    this.programHeaders = this.parseProgramHeaders();
    this.sections = this.parseSections();
  }

  /** Parse and validate headers, program headers and section headers. */
  static parse(bytes: Uint8Array, opts: ElfParseOptions = {}): ElfFile {
    return guard(() => new ElfFile(bytes, opts));
  }

  get bytes(): Uint8Array { return this.r.bytes; }

  // -- sections --

  sectionByName(name: string): SectionHeader | undefined {
    return this.sections.find((s) => s.name === name);
  }

  section(index: number): SectionHeader {
    const s = this.sections[index];
    if (!s) throw new ElfError(`malformed ELF: section index ${index} out of range (${this.sections.length} sections)`);
    return s;
  }

  /** File bytes of a section (empty for SHT_NOBITS). A view, not a copy. */
  sectionData(sec: SectionHeader): Uint8Array {
    if (sec.type === SHT_NOBITS || sec.type === SHT_NULL) return new Uint8Array(0);
    return this.r.bytes.subarray(sec.offset, sec.offset + sec.size);
  }

  /** The file bytes a segment contributes (p_filesz of them). */
  segmentData(ph: ProgramHeader): Uint8Array {
    return this.r.bytes.subarray(ph.offset, ph.offset + ph.filesz);
  }

  /** NUL-terminated string at `offset` in string-table section `strtabIndex`. */
  stringAt(strtabIndex: number, offset: number): string {
    return guard(() => this.readString(this.section(strtabIndex), offset));
  }

  // -- symbols --

  /** The symbols of `.symtab` (or of the symbol table at `index`), entry 0 included. */
  symbols(index?: number): ElfSymbol[] {
    return guard(() => {
      const i = index ?? this.sections.findIndex((s) => s.type === SHT_SYMTAB);
      if (i < 0) return [];
      let cached = this.symbolCache.get(i);
      if (!cached) {
        cached = this.parseSymbols(this.section(i));
        this.symbolCache.set(i, cached);
      }
      return cached;
    });
  }

  // -- relocations --

  /** Every SHT_RELA section with its decoded entries. */
  relocationSections(): RelocationSection[] {
    return guard(() => this.sections.filter((s) => s.type === SHT_RELA).map((s) => this.parseRela(s)));
  }

  // ---- parsing --------------------------------------------------------------

  private parseHeader(expectMachine: number | null): ElfHeader {
    const r = this.r;
    if (r.length < 4 || r.u8(0) !== 0x7f || r.u8(1) !== 0x45 || r.u8(2) !== 0x4c || r.u8(3) !== 0x46) {
      throw new ElfError('not an ELF file');
    }
    r.need(0, 16, 'ELF identification');
    const cls = r.u8(4), data = r.u8(5);
    if (cls === 1) throw new ElfError('32-bit ELF (ELFCLASS32), expected 64-bit x86-64');
    if (cls !== 2) throw new ElfError(`malformed ELF: unknown class ${cls}`);
    if (data === 2) throw new ElfError('big-endian ELF, expected little-endian x86-64');
    if (data !== 1) throw new ElfError(`malformed ELF: unknown data encoding ${data}`);
    r.need(0, EHDR_SIZE, 'ELF header');
    const machine = r.u16(18);
    if (expectMachine !== null && machine !== expectMachine) {
      throw new ElfError(`ELF for machine ${machine} (${machineName(machine)}), expected ${machineName(expectMachine)}`);
    }
    return {
      type: r.u16(16), machine, version: r.u32(20), osabi: r.u8(7),
      entry: r.u64(24), phoff: r.num(32, 'e_phoff'), shoff: r.num(40, 'e_shoff'),
      flags: r.u32(48), ehsize: r.u16(52), phentsize: r.u16(54), phnum: r.u16(56),
      shentsize: r.u16(58), shnum: r.u16(60), shstrndx: r.u16(62),
    };
  }

  private parseProgramHeaders(): ProgramHeader[] {
    const h = this.header, r = this.r;
    if (h.phnum === 0) return [];
    if (h.phentsize !== PHDR_SIZE) throw new ElfError(`malformed ELF: program header size ${h.phentsize}, expected ${PHDR_SIZE}`);
    r.need(h.phoff, h.phnum * PHDR_SIZE, 'program header table');
    const out: ProgramHeader[] = [];
    for (let i = 0; i < h.phnum; i++) {
      const o = h.phoff + i * PHDR_SIZE;
      const ph: ProgramHeader = {
        type: r.u32(o), flags: r.u32(o + 4), offset: r.num(o + 8, `segment ${i} offset`),
        vaddr: r.u64(o + 16), paddr: r.u64(o + 24), filesz: r.num(o + 32, `segment ${i} file size`),
        memsz: r.num(o + 40, `segment ${i} memory size`), align: r.num(o + 48, `segment ${i} alignment`),
      };
      if (ph.type === PT_LOAD || ph.type === PT_TLS || ph.type === PT_INTERP) {
        r.need(ph.offset, ph.filesz, `segment ${i} data`);
        if (ph.memsz < ph.filesz) throw new ElfError(`malformed ELF: segment ${i} memory size is smaller than its file size`);
        if (ph.memsz > MAX_MEMSZ) throw new ElfError(`malformed ELF: segment ${i} memory size ${ph.memsz} is too large`);
      }
      out.push(ph);
    }
    return out;
  }

  private parseSections(): SectionHeader[] {
    const h = this.header, r = this.r;
    if (h.shoff === 0) return [];
    if (h.shentsize !== SHDR_SIZE) throw new ElfError(`malformed ELF: section header size ${h.shentsize}, expected ${SHDR_SIZE}`);
    r.need(h.shoff, SHDR_SIZE, 'section header table');
    // Extended numbering: with ≥ SHN_LORESERVE sections the real count and
    // string-table index live in section 0's sh_size and sh_link.
    let shnum = h.shnum, shstrndx = h.shstrndx;
    if (shnum === 0) shnum = r.num(h.shoff + 32, 'section count');
    if (shstrndx === SHN_XINDEX) shstrndx = r.u32(h.shoff + 40);
    r.need(h.shoff, shnum * SHDR_SIZE, 'section header table');
    const out: SectionHeader[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = h.shoff + i * SHDR_SIZE;
      const s: SectionHeader = {
        index: i, name: '', nameOffset: r.u32(o), type: r.u32(o + 4), flags: r.num(o + 8, `section ${i} flags`),
        addr: r.u64(o + 16), offset: r.num(o + 24, `section ${i} offset`), size: r.num(o + 32, `section ${i} size`),
        link: r.u32(o + 40), info: r.u32(o + 44), addralign: r.num(o + 48, `section ${i} alignment`),
        entsize: r.num(o + 56, `section ${i} entry size`),
      };
      if (s.type !== SHT_NOBITS && s.type !== SHT_NULL) r.need(s.offset, s.size, `section ${i} data`);
      out.push(s);
    }
    if (shnum > 0 && shstrndx !== SHN_UNDEF) {
      const strtab = out[shstrndx];
      if (!strtab) throw new ElfError(`malformed ELF: section name table index ${shstrndx} out of range (${shnum} sections)`);
      if (strtab.type !== SHT_STRTAB) throw new ElfError('malformed ELF: section name table is not a string table');
      for (const s of out) s.name = this.readString(strtab, s.nameOffset, `name of section ${s.index}`);
    }
    return out;
  }

  private readString(strtab: SectionHeader, offset: number, what = 'string'): string {
    if (strtab.type !== SHT_STRTAB) throw new ElfError(`malformed ELF: section ${strtab.index} is not a string table`);
    if (offset >= strtab.size) {
      if (offset === 0 && strtab.size === 0) return '';
      throw new ElfError(`malformed ELF: ${what} at offset ${offset} is outside its string table (${strtab.size} bytes)`);
    }
    const bytes = this.r.bytes;
    const start = strtab.offset + offset, end = strtab.offset + strtab.size;
    let i = start;
    while (i < end && bytes[i] !== 0) i++;
    if (i === end) throw new ElfError(`malformed ELF: ${what} is not NUL-terminated`);
    return Buffer.from(bytes.subarray(start, i)).toString('utf8');
  }

  private parseSymbols(sec: SectionHeader): ElfSymbol[] {
    const r = this.r, label = `symbol table '${sec.name || sec.index}'`;
    if (sec.type !== SHT_SYMTAB && sec.type !== SHT_DYNSYM) throw new ElfError(`malformed ELF: section ${sec.index} is not a symbol table`);
    if (sec.entsize !== SYM_SIZE) throw new ElfError(`malformed ELF: ${label} entry size ${sec.entsize}, expected ${SYM_SIZE}`);
    if (sec.size % SYM_SIZE !== 0) throw new ElfError(`malformed ELF: ${label} size is not a multiple of ${SYM_SIZE}`);
    const strtab = this.sections[sec.link];
    if (!strtab || strtab.type !== SHT_STRTAB) throw new ElfError(`malformed ELF: ${label} has no string table (link ${sec.link})`);
    const xindex = this.sections.find((s) => s.type === SHT_SYMTAB_SHNDX && s.link === sec.index);
    const count = sec.size / SYM_SIZE;
    const out: ElfSymbol[] = [];
    for (let i = 0; i < count; i++) {
      const o = sec.offset + i * SYM_SIZE;
      const info = r.u8(o + 4);
      let shndx = r.u16(o + 6);
      if (shndx === SHN_XINDEX) {
        if (!xindex) throw new ElfError(`malformed ELF: symbol ${i} uses SHN_XINDEX but there is no SHT_SYMTAB_SHNDX section`);
        if ((i + 1) * 4 > xindex.size) throw new ElfError(`malformed ELF: SHT_SYMTAB_SHNDX section is too small for symbol ${i}`);
        shndx = r.u32(xindex.offset + i * 4);
      }
      out.push({
        index: i, name: this.readString(strtab, r.u32(o), `name of symbol ${i}`), value: r.u64(o + 8),
        size: r.num(o + 16, `size of symbol ${i}`), bind: info >> 4, type: info & 0xf, other: r.u8(o + 5), shndx,
      });
    }
    return out;
  }

  private parseRela(sec: SectionHeader): RelocationSection {
    const r = this.r, label = `relocation section '${sec.name || sec.index}'`;
    if (sec.entsize !== RELA_SIZE) throw new ElfError(`malformed ELF: ${label} entry size ${sec.entsize}, expected ${RELA_SIZE}`);
    if (sec.size % RELA_SIZE !== 0) throw new ElfError(`malformed ELF: ${label} size is not a multiple of ${RELA_SIZE}`);
    const symtab = this.sections[sec.link];
    if (sec.link !== 0 && (!symtab || (symtab.type !== SHT_SYMTAB && symtab.type !== SHT_DYNSYM))) {
      throw new ElfError(`malformed ELF: ${label} links to section ${sec.link}, which is not a symbol table`);
    }
    const symCount = symtab && sec.link !== 0 ? Math.floor(symtab.size / SYM_SIZE) : 0;
    const entries: ElfRelocation[] = [];
    for (let o = sec.offset; o < sec.offset + sec.size; o += RELA_SIZE) {
      const info = r.u64(o + 8);
      const symIndex = Number(info >> 32n);
      if (sec.link !== 0 && symIndex >= symCount) {
        throw new ElfError(`malformed ELF: ${label} refers to symbol ${symIndex}, but the table has ${symCount}`);
      }
      entries.push({ offset: r.u64(o), type: Number(info & 0xffffffffn), symIndex, addend: r.i64(o + 16) });
    }
    return { section: sec, targetIndex: sec.info, symtabIndex: sec.link, entries };
  }
}

/**
 * Run `fn`, turning any stray RangeError/TypeError from a bug in the checks
 * above into an ElfError, so a hostile file can never crash the host with a
 * stack trace.
 */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ElfError) throw e;
    if (e instanceof RangeError || e instanceof TypeError) throw new ElfError(`malformed ELF: ${e.message}`);
    throw e;
  }
}
