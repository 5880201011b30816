// Bounds-checked little-endian reading of DWARF data. Any read past the end
// of the data throws DwarfError, so malformed debug info can never escape
// as a RangeError.

import { UserError } from '../errors/userError';

export class DwarfError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'DwarfError';
  }
}

export class ByteReader {
  private readonly dv: DataView;
  pos: number;

  /** Reads `bytes[start, end)`; `what` names the data in error messages. */
  constructor(readonly bytes: Uint8Array, start = 0, readonly end = bytes.length, readonly what = 'DWARF data') {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (start < 0 || end > bytes.length || start > end) throw new DwarfError(`${what}: offset 0x${start.toString(16)} is out of range`);
    this.pos = start;
  }

  get atEnd(): boolean { return this.pos >= this.end; }
  get remaining(): number { return this.end - this.pos; }

  private need(n: number): number {
    const p = this.pos;
    if (n < 0 || p + n > this.end) throw new DwarfError(`${this.what}: unexpected end of data at offset 0x${p.toString(16)}`);
    this.pos = p + n;
    return p;
  }

  skip(n: number): void { this.need(n); }
  u8(): number { return this.dv.getUint8(this.need(1)); }
  i8(): number { return this.dv.getInt8(this.need(1)); }
  u16(): number { return this.dv.getUint16(this.need(2), true); }
  u24(): number { const p = this.need(3); return this.dv.getUint16(p, true) | (this.dv.getUint8(p + 2) << 16); }
  u32(): number { return this.dv.getUint32(this.need(4), true); }
  u64(): bigint { return this.dv.getBigUint64(this.need(8), true); }

  /** An unsigned value of `size` bytes (1, 2, 4 or 8). */
  uN(size: number): bigint {
    switch (size) {
      case 1: return BigInt(this.u8());
      case 2: return BigInt(this.u16());
      case 4: return BigInt(this.u32());
      case 8: return this.u64();
      default: throw new DwarfError(`${this.what}: unsupported value size ${size}`);
    }
  }

  /** A 4- or 8-byte section offset, which must fit a JS number. */
  offset(is64: boolean): number {
    if (!is64) return this.u32();
    return this.safe(this.u64(), 'offset');
  }

  /** An address of `size` bytes. */
  address(size: number): bigint { return this.uN(size); }

  ulebBig(): bigint {
    let result = 0n, shift = 0n;
    for (;;) {
      const b = this.u8();
      if (shift < 64n) result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
    }
  }

  slebBig(): bigint {
    let result = 0n, shift = 0n, b: number;
    do {
      b = this.u8();
      if (shift < 64n) result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
    } while (b & 0x80);
    if (shift < 64n && (b & 0x40)) result |= -(1n << shift);
    return BigInt.asIntN(64, result);
  }

  /** An unsigned LEB128 used as a count, index or size: must fit a JS number. */
  uleb(): number {
    // Fast path for the common small values.
    let result = 0, shift = 0;
    const start = this.pos;
    for (;;) {
      const b = this.u8();
      if (shift < 28) {
        result |= (b & 0x7f) << shift;
        if ((b & 0x80) === 0) return result >>> 0;
        shift += 7;
        continue;
      }
      this.pos = start;
      return this.safe(this.ulebBig(), 'value');
    }
  }

  sleb(): number {
    const v = this.slebBig();
    return this.safe(v, 'value');
  }

  /** A NUL-terminated UTF-8 string. */
  cstr(): string {
    const start = this.pos;
    let i = start;
    while (i < this.end && this.bytes[i] !== 0) i++;
    if (i >= this.end) throw new DwarfError(`${this.what}: unterminated string at offset 0x${start.toString(16)}`);
    this.pos = i + 1;
    return Buffer.from(this.bytes.subarray(start, i)).toString('utf8');
  }

  bytesN(n: number): Uint8Array {
    const p = this.need(n);
    return this.bytes.subarray(p, p + n);
  }

  /** A reader over the next `n` bytes, which this reader skips. */
  sub(n: number, what = this.what): ByteReader {
    const p = this.need(n);
    return new ByteReader(this.bytes, p, p + n, what);
  }

  /** The initial length of a unit: its byte length and whether it is 64-bit DWARF. */
  unitLength(): { length: number; is64: boolean } {
    const l = this.u32();
    if (l === 0xffffffff) return { length: this.safe(this.u64(), 'unit length'), is64: true };
    if (l >= 0xfffffff0) throw new DwarfError(`${this.what}: reserved unit length 0x${l.toString(16)}`);
    return { length: l, is64: false };
  }

  private safe(v: bigint, what: string): number {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new DwarfError(`${this.what}: ${what} 0x${v.toString(16)} is too large`);
    }
    return Number(v);
  }
}

/** Null-terminated string at `offset` in a string section. */
export function stringAt(section: Uint8Array | undefined, offset: number, what: string): string {
  if (!section) throw new DwarfError(`${what} is missing`);
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= section.length) {
    throw new DwarfError(`${what}: string offset 0x${offset.toString(16)} is out of range`);
  }
  return new ByteReader(section, offset, section.length, what).cstr();
}
