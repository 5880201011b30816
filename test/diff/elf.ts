// Minimal ELF64 (x86-64, little-endian) reader for the test harness binaries:
// program headers (to load them) and the symbol table (to find labels).

export interface LoadSegment {
  vaddr: bigint;
  memsz: number;
  /** File bytes of the segment (filesz of them; the rest up to memsz is zero). */
  data: Uint8Array;
  readable: boolean;
  writable: boolean;
  executable: boolean;
}

export interface ElfImage {
  entry: bigint;
  segments: LoadSegment[];
  symbols: Map<string, bigint>;
  /** Address of a symbol; throws when missing. */
  symbol(name: string): bigint;
  /** Initial bytes at a virtual address (from the file; zero beyond filesz). */
  readVirtual(addr: bigint, length: number): Uint8Array;
}

const PT_LOAD = 1;
const SHT_SYMTAB = 2;

export function parseElf(file: Uint8Array): ElfImage {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (dv.getUint32(0, false) !== 0x7f454c46) throw new Error('not an ELF file');
  if (file[4] !== 2 || file[5] !== 1) throw new Error('not a little-endian ELF64 file');
  if (dv.getUint16(18, true) !== 62) throw new Error('not an x86-64 ELF file');
  const u64 = (off: number): bigint => dv.getBigUint64(off, true);
  const entry = u64(24);
  const phoff = Number(u64(32));
  const shoff = Number(u64(40));
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  const shentsize = dv.getUint16(58, true);
  const shnum = dv.getUint16(60, true);

  const segments: LoadSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (dv.getUint32(p, true) !== PT_LOAD) continue;
    const flags = dv.getUint32(p + 4, true);
    const offset = Number(u64(p + 8));
    const filesz = Number(u64(p + 32));
    segments.push({
      vaddr: u64(p + 16),
      memsz: Number(u64(p + 40)),
      data: file.subarray(offset, offset + filesz),
      executable: (flags & 1) !== 0,
      writable: (flags & 2) !== 0,
      readable: (flags & 4) !== 0,
    });
  }

  const symbols = new Map<string, bigint>();
  for (let i = 0; i < shnum; i++) {
    const s = shoff + i * shentsize;
    if (dv.getUint32(s + 4, true) !== SHT_SYMTAB) continue;
    const symOff = Number(u64(s + 24));
    const symSize = Number(u64(s + 32));
    const strIndex = dv.getUint32(s + 40, true);
    const strOff = Number(u64(shoff + strIndex * shentsize + 24));
    for (let e = symOff; e + 24 <= symOff + symSize; e += 24) {
      const nameOff = dv.getUint32(e, true);
      if (nameOff === 0) continue;
      let end = strOff + nameOff;
      while (file[end] !== 0) end++;
      const name = Buffer.from(file.subarray(strOff + nameOff, end)).toString('latin1');
      if (!symbols.has(name)) symbols.set(name, u64(e + 8));
    }
  }

  return {
    entry,
    segments,
    symbols,
    symbol(name: string): bigint {
      const v = symbols.get(name);
      if (v === undefined) throw new Error(`symbol '${name}' not found`);
      return v;
    },
    readVirtual(addr: bigint, length: number): Uint8Array {
      for (const seg of segments) {
        if (addr >= seg.vaddr && addr + BigInt(length) <= seg.vaddr + BigInt(seg.memsz)) {
          const out = new Uint8Array(length);
          const start = Number(addr - seg.vaddr);
          out.set(seg.data.subarray(start, Math.min(start + length, seg.data.length)));
          return out;
        }
      }
      throw new Error(`address 0x${addr.toString(16)} (+${length}) is not in a loadable segment`);
    },
  };
}
