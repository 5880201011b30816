// Builds small ELF64 files in memory, so ELF and loader tests do not depend
// on a toolchain being installed and can produce exactly the (broken) files
// they need.

export interface BuildSegment {
  type: number;
  flags: number;
  vaddr: bigint;
  data: Uint8Array;
  memsz?: number;
  align?: number;
}

export interface BuildSection {
  name: string;
  type: number;
  flags?: number;
  addr?: bigint;
  data?: Uint8Array;
  /** For SHT_NOBITS: the size without file data. */
  size?: number;
  /** Section index, or the name of a section of this build. */
  link?: number | string;
  info?: number | string;
  entsize?: number;
  align?: number;
}

export interface BuildSymbol {
  name: string;
  value?: bigint;
  size?: number;
  bind?: number;
  type?: number;
  /** Section index, or the name of a section of this build. */
  section?: number | string;
}

export interface BuildOptions {
  type: number;
  machine?: number;
  entry?: bigint;
  segments?: BuildSegment[];
  sections?: BuildSection[];
}

/** A string table and the offset of each string in it. */
export function strtab(names: string[]): { data: Uint8Array; offsets: Map<string, number> } {
  const offsets = new Map<string, number>();
  const parts: Buffer[] = [Buffer.from([0])];
  let off = 1;
  for (const n of names) {
    if (n === '' || offsets.has(n)) continue;
    offsets.set(n, off);
    parts.push(Buffer.from(n + '\0', 'utf8'));
    off += n.length + 1;
  }
  offsets.set('', 0);
  return { data: Buffer.concat(parts), offsets };
}

/** `.symtab` + `.strtab` sections for `symbols` (a null symbol 0 is prepended). */
export function symbolSections(symbols: BuildSymbol[], sectionNames: string[]): BuildSection[] {
  const strs = strtab(symbols.map((s) => s.name));
  const data = Buffer.alloc(24 * (symbols.length + 1));
  let firstGlobal = symbols.length + 1;
  symbols.forEach((s, i) => {
    const o = 24 * (i + 1);
    const bind = s.bind ?? 1;
    if (bind !== 0 && firstGlobal > i + 1) firstGlobal = i + 1;
    data.writeUInt32LE(strs.offsets.get(s.name) ?? 0, o);
    data.writeUInt8((bind << 4) | (s.type ?? 0), o + 4);
    const shndx = typeof s.section === 'string' ? sectionNames.indexOf(s.section) + 1 : s.section ?? 0;
    data.writeUInt16LE(shndx, o + 6);
    data.writeBigUInt64LE(s.value ?? 0n, o + 8);
    data.writeBigUInt64LE(BigInt(s.size ?? 0), o + 16);
  });
  return [
    { name: '.symtab', type: 2, data, link: '.strtab', info: firstGlobal, entsize: 24, align: 8 },
    { name: '.strtab', type: 3, data: strs.data },
  ];
}

/** RELA entries: [offset, type, symbol index, addend]. */
export function relaData(entries: [bigint, number, number, bigint][]): Uint8Array {
  const b = Buffer.alloc(24 * entries.length);
  entries.forEach(([off, type, sym, addend], i) => {
    b.writeBigUInt64LE(off, i * 24);
    b.writeBigUInt64LE((BigInt(sym) << 32n) | BigInt(type), i * 24 + 8);
    b.writeBigInt64LE(addend, i * 24 + 16);
  });
  return b;
}

/**
 * Lay out: ELF header, program headers, segment data (each at a file offset
 * congruent to its vaddr modulo 4 KiB, as loaders expect), section data,
 * .shstrtab, section headers.
 */
export function buildElf(o: BuildOptions): Uint8Array {
  const segs = o.segments ?? [];
  const userSections = o.sections ?? [];
  const names = ['', ...userSections.map((s) => s.name), '.shstrtab'];
  const shstr = strtab(names);
  const chunks: { off: number; data: Uint8Array }[] = [];
  let off = 64 + 56 * segs.length;

  const segOffsets = segs.map((s) => {
    const want = Number(s.vaddr % 4096n);
    off = off + ((want - (off % 4096) + 4096) % 4096);
    const at = off;
    chunks.push({ off: at, data: s.data });
    off += s.data.length;
    return at;
  });

  const indexOf = (ref: number | string | undefined): number =>
    typeof ref === 'string' ? names.indexOf(ref) : ref ?? 0;
  const allSections: BuildSection[] = [...userSections, { name: '.shstrtab', type: 3, data: shstr.data }];
  const secOffsets = allSections.map((s) => {
    off = (off + 7) & ~7;
    const at = off;
    if (s.type !== 8 && s.data) {
      chunks.push({ off: at, data: s.data });
      off += s.data.length;
    }
    return at;
  });
  off = (off + 7) & ~7;
  const shoff = off;
  const shnum = allSections.length + 1;
  const total = shoff + 64 * shnum;

  const b = Buffer.alloc(total);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(b, 0);
  b.writeUInt16LE(o.type, 16);
  b.writeUInt16LE(o.machine ?? 62, 18);
  b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(o.entry ?? 0n, 24);
  b.writeBigUInt64LE(segs.length ? 64n : 0n, 32);
  b.writeBigUInt64LE(BigInt(shoff), 40);
  b.writeUInt16LE(64, 52);
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(segs.length, 56);
  b.writeUInt16LE(64, 58);
  b.writeUInt16LE(shnum, 60);
  b.writeUInt16LE(shnum - 1, 62);

  segs.forEach((s, i) => {
    const p = 64 + 56 * i;
    b.writeUInt32LE(s.type, p);
    b.writeUInt32LE(s.flags, p + 4);
    b.writeBigUInt64LE(BigInt(segOffsets[i]), p + 8);
    b.writeBigUInt64LE(s.vaddr, p + 16);
    b.writeBigUInt64LE(s.vaddr, p + 24);
    b.writeBigUInt64LE(BigInt(s.data.length), p + 32);
    b.writeBigUInt64LE(BigInt(s.memsz ?? s.data.length), p + 40);
    b.writeBigUInt64LE(BigInt(s.align ?? 4096), p + 48);
  });
  for (const c of chunks) Buffer.from(c.data).copy(b, c.off);

  allSections.forEach((s, i) => {
    const h = shoff + 64 * (i + 1);
    b.writeUInt32LE(shstr.offsets.get(s.name) ?? 0, h);
    b.writeUInt32LE(s.type, h + 4);
    b.writeBigUInt64LE(BigInt(s.flags ?? 0), h + 8);
    b.writeBigUInt64LE(s.addr ?? 0n, h + 16);
    b.writeBigUInt64LE(BigInt(secOffsets[i]), h + 24);
    b.writeBigUInt64LE(BigInt(s.type === 8 ? s.size ?? 0 : s.data?.length ?? 0), h + 32);
    b.writeUInt32LE(indexOf(s.link), h + 40);
    b.writeUInt32LE(indexOf(s.info), h + 44);
    b.writeBigUInt64LE(BigInt(s.align ?? 1), h + 48);
    b.writeBigUInt64LE(BigInt(s.entsize ?? 0), h + 56);
  });
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/**
 * A complete static executable that writes "hi\n" to stdout and exits with
 * status 7, using only mov/lea/syscall:
 *   mov eax,1; mov edi,1; lea rsi,[rip+msg]; mov edx,3; syscall
 *   mov eax,60; mov edi,7; syscall; msg: "hi\n"
 */
export const HI_CODE = Uint8Array.from([
  0xb8, 0x01, 0x00, 0x00, 0x00, 0xbf, 0x01, 0x00, 0x00, 0x00, 0x48, 0x8d, 0x35, 0x13, 0x00, 0x00, 0x00,
  0xba, 0x03, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xb8, 0x3c, 0x00, 0x00, 0x00, 0xbf, 0x07, 0x00, 0x00, 0x00,
  0x0f, 0x05, 0x68, 0x69, 0x0a,
]);

export function hiExecutable(): Uint8Array {
  const text = 0x401000n;
  return buildElf({
    type: 2,
    entry: text,
    segments: [{ type: 1, flags: 5, vaddr: text, data: HI_CODE }],
    sections: [
      { name: '.text', type: 1, flags: 6, addr: text, data: HI_CODE, align: 16 },
      ...symbolSections([{ name: '_start', value: text, size: HI_CODE.length, type: 2, section: '.text' }], ['.text', '.symtab', '.strtab']),
    ],
  });
}
