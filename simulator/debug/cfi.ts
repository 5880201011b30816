// Call frame information (.eh_frame, as loaded and relocated in guest
// memory): for an address, where the caller's callee-saved registers were
// saved. The shadow stack already gives every frame's CFA exactly; CFI adds
// rbx, rbp and r12–r15 in caller frames, where gcc -O2 keeps many locals.

/** The register rules of one CFI row that matter here: CFA and saved registers. */
export interface CfiRow {
  /** CFA = register + offset (DWARF register numbers). */
  cfaReg: number;
  cfaOffset: number;
  /** DWARF register → offset from the CFA where its caller's value is saved. */
  saved: Map<number, number>;
}

interface Cie {
  codeAlign: number;
  dataAlign: number;
  fdeEncoding: number;
  initial: Uint8Array;
}

interface Fde {
  start: bigint;
  end: bigint;
  cie: Cie;
  instructions: Uint8Array;
}

class Reader {
  pos = 0;
  constructor(readonly b: Uint8Array, private readonly dv = new DataView(b.buffer, b.byteOffset, b.byteLength)) {}
  u8(): number { return this.b[this.pos++]; }
  u16(): number { const v = this.dv.getUint16(this.pos, true); this.pos += 2; return v; }
  u32(): number { const v = this.dv.getUint32(this.pos, true); this.pos += 4; return v; }
  i32(): number { const v = this.dv.getInt32(this.pos, true); this.pos += 4; return v; }
  u64(): bigint { const v = this.dv.getBigUint64(this.pos, true); this.pos += 8; return v; }
  uleb(): number {
    let result = 0, shift = 0, byte: number;
    do { byte = this.b[this.pos++]; result += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
    return result;
  }
  sleb(): number {
    let result = 0, shift = 0, byte: number;
    do { byte = this.b[this.pos++]; result += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
    if (byte & 0x40) result -= 2 ** shift;
    return result;
  }
  cstring(): string {
    const start = this.pos;
    while (this.b[this.pos] !== 0) this.pos++;
    return Buffer.from(this.b.subarray(start, this.pos++)).toString('latin1');
  }
}

const DW_EH_PE_omit = 0xff;

/** An encoded pointer (DW_EH_PE_*) at the reader's position; `base` is the address of byte 0. */
function readEncoded(r: Reader, enc: number, base: bigint): bigint {
  const at = base + BigInt(r.pos);
  let v: bigint;
  switch (enc & 0x0f) {
    case 0x00: v = r.u64(); break;
    case 0x02: v = BigInt(r.u16()); break;
    case 0x03: v = BigInt(r.u32()); break;
    case 0x04: v = r.u64(); break;
    case 0x0a: v = BigInt(r.u16() << 16 >> 16); break;
    case 0x0b: v = BigInt(r.i32()); break;
    case 0x0c: v = BigInt.asIntN(64, r.u64()); break;
    case 0x01: v = BigInt(r.uleb()); break;
    case 0x09: v = BigInt(r.sleb()); break;
    default: throw new Error(`unsupported pointer encoding 0x${enc.toString(16)}`);
  }
  if ((enc & 0x70) === 0x10) v += at; // pcrel
  return BigInt.asUintN(64, v);
}

/** The FDEs of an .eh_frame section whose bytes are at `address` in guest memory. */
export class CallFrameInfo {
  private readonly fdes: Fde[] = [];

  constructor(bytes: Uint8Array, address: bigint) {
    const cies = new Map<number, Cie>();
    let off = 0;
    while (off + 4 <= bytes.length) {
      const r = new Reader(bytes);
      r.pos = off;
      const length = r.u32();
      if (length === 0) break;
      if (length === 0xffffffff) break; // 64-bit DWARF: not produced by gcc for x86-64
      const end = r.pos + length;
      const idPos = r.pos;
      const id = r.u32();
      try {
        if (id === 0) cies.set(off, this.cie(r, end));
        else {
          const cie = cies.get(idPos - id);
          if (cie) {
            const start = readEncoded(r, cie.fdeEncoding, address);
            const range = readEncoded(r, cie.fdeEncoding & 0x0f, address);
            if (cie.fdeEncoding !== DW_EH_PE_omit) {
              // augmentation data ('z'): skip it
              const augLen = r.uleb();
              r.pos += augLen;
            }
            this.fdes.push({ start, end: start + range, cie, instructions: bytes.subarray(r.pos, end) });
          }
        }
      } catch {
        // a malformed entry costs only its own frames' registers
      }
      off = end;
    }
    this.fdes.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  private cie(r: Reader, end: number): Cie {
    const version = r.u8();
    const aug = r.cstring();
    const codeAlign = r.uleb();
    const dataAlign = r.sleb();
    if (version === 1) r.u8(); else r.uleb(); // return address register
    let fdeEncoding = 0;
    if (aug.startsWith('z')) {
      const len = r.uleb();
      const augEnd = r.pos + len;
      for (const c of aug.slice(1)) {
        if (c === 'R') fdeEncoding = r.u8();
        else if (c === 'P') { const e = r.u8(); readEncoded(r, e & 0x7f, 0n); }
        else if (c === 'L') r.u8();
      }
      r.pos = augEnd;
    }
    return { codeAlign, dataAlign, fdeEncoding, initial: r.b.subarray(r.pos, end) };
  }

  get size(): number {
    return this.fdes.length;
  }

  /** The CFI row in effect at `pc`, or undefined when no FDE covers it. */
  rowAt(pc: bigint): CfiRow | undefined {
    const fde = this.fdes.find((f) => pc >= f.start && pc < f.end);
    if (!fde) return undefined;
    const init: CfiRow = { cfaReg: 7, cfaOffset: 8, saved: new Map() };
    run(fde.cie.initial, fde.cie, init, undefined, -1n);
    const initialSaved = new Map(init.saved);
    const row: CfiRow = { cfaReg: init.cfaReg, cfaOffset: init.cfaOffset, saved: new Map(init.saved) };
    run(fde.instructions, fde.cie, row, initialSaved, pc - fde.start);
    return row;
  }
}

/** Execute CFA instructions until the location passes `upTo` (offset in the function; -1: all). */
function run(code: Uint8Array, cie: Cie, row: CfiRow, initial: Map<number, number> | undefined, upTo: bigint): void {
  const r = new Reader(code);
  const stack: CfiRow[] = [];
  let loc = 0n;
  const advance = (delta: number): boolean => {
    loc += BigInt(delta * cie.codeAlign);
    return upTo >= 0n && loc > upTo;
  };
  while (r.pos < code.length) {
    const op = r.u8();
    const high = op & 0xc0, low = op & 0x3f;
    if (high === 0x40) { if (advance(low)) return; continue; }
    if (high === 0x80) { row.saved.set(low, r.uleb() * cie.dataAlign); continue; }
    if (high === 0xc0) { restore(row, initial, low); continue; }
    switch (op) {
      case 0x00: break; // nop
      case 0x02: if (advance(r.u8())) return; break;
      case 0x03: if (advance(r.u16())) return; break;
      case 0x04: if (advance(r.u32())) return; break;
      case 0x05: { const reg = r.uleb(); row.saved.set(reg, r.uleb() * cie.dataAlign); break; }
      case 0x06: restore(row, initial, r.uleb()); break;
      case 0x07: case 0x08: row.saved.delete(r.uleb()); break; // undefined / same value
      case 0x09: { row.saved.delete(r.uleb()); r.uleb(); break; } // in another register: not tracked
      case 0x0a: stack.push({ cfaReg: row.cfaReg, cfaOffset: row.cfaOffset, saved: new Map(row.saved) }); break;
      case 0x0b: { const s = stack.pop(); if (s) { row.cfaReg = s.cfaReg; row.cfaOffset = s.cfaOffset; row.saved = s.saved; } break; }
      case 0x0c: row.cfaReg = r.uleb(); row.cfaOffset = r.uleb(); break;
      case 0x0d: row.cfaReg = r.uleb(); break;
      case 0x0e: row.cfaOffset = r.uleb(); break;
      case 0x11: { const reg = r.uleb(); row.saved.set(reg, r.sleb() * cie.dataAlign); break; }
      case 0x12: row.cfaReg = r.uleb(); row.cfaOffset = r.sleb() * cie.dataAlign; break;
      case 0x13: row.cfaOffset = r.sleb() * cie.dataAlign; break;
      case 0x2e: r.uleb(); break; // GNU_args_size
      case 0x0f: case 0x10: case 0x14: case 0x15: case 0x16: {
        // expressions and val_offset: skip their operands; the register is not recoverable
        if (op !== 0x0f) row.saved.delete(r.uleb());
        if (op === 0x14 || op === 0x15) r.uleb(); else r.pos += r.uleb();
        break;
      }
      default: return; // unknown: stop here rather than misread
    }
  }
}

function restore(row: CfiRow, initial: Map<number, number> | undefined, reg: number): void {
  const v = initial?.get(reg);
  if (v === undefined) row.saved.delete(reg); else row.saved.set(reg, v);
}
