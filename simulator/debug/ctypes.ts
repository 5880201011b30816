// C types as far as the debugger needs them: integer width and signedness,
// pointers (with what they point to), arrays, floats, and opaque aggregates.
// The DWARF reader gives a type's C spelling and size; this turns that
// spelling back into a structure, and formats values for display.

export type CType =
  | { kind: 'int'; name: string; size: number; signed: boolean }
  | { kind: 'bool'; name: string; size: number }
  | { kind: 'float'; name: string; size: number }
  | { kind: 'pointer'; name: string; size: 8; target: CType }
  | { kind: 'array'; name: string; size: number; element: CType; count: number }
  /** struct, union, function or anything else whose layout we do not know. */
  | { kind: 'opaque'; name: string; size: number }
  | { kind: 'void'; name: 'void'; size: 0 };

export const VOID: CType = { kind: 'void', name: 'void', size: 0 };
export const U64: CType = { kind: 'int', name: 'u64', size: 8, signed: false };
export const S64: CType = { kind: 'int', name: 'long', size: 8, signed: true };
export const S32: CType = { kind: 'int', name: 'int', size: 4, signed: true };

/** Integer and floating types by name: [size, signed]. */
const BASE_TYPES: Record<string, [number, boolean]> = {
  'char': [1, true], 'signed char': [1, true], 'unsigned char': [1, false],
  'short': [2, true], 'short int': [2, true], 'short unsigned int': [2, false], 'unsigned short': [2, false],
  'int': [4, true], 'signed': [4, true], 'signed int': [4, true], 'unsigned': [4, false], 'unsigned int': [4, false],
  'long': [8, true], 'long int': [8, true], 'long unsigned int': [8, false], 'unsigned long': [8, false],
  'long long': [8, true], 'long long int': [8, true], 'long long unsigned int': [8, false], 'unsigned long long': [8, false],
  'u8': [1, false], 'u16': [2, false], 'u32': [4, false], 'u64': [8, false],
  's8': [1, true], 's16': [2, true], 's32': [4, true], 's64': [8, true],
  '__u8': [1, false], '__u16': [2, false], '__u32': [4, false], '__u64': [8, false],
  '__s8': [1, true], '__s16': [2, true], '__s32': [4, true], '__s64': [8, true],
  'uint8_t': [1, false], 'uint16_t': [2, false], 'uint32_t': [4, false], 'uint64_t': [8, false],
  'int8_t': [1, true], 'int16_t': [2, true], 'int32_t': [4, true], 'int64_t': [8, true],
  'size_t': [8, false], 'ssize_t': [8, true], 'uintptr_t': [8, false], 'intptr_t': [8, true],
  'ptrdiff_t': [8, true], 'pid_t': [4, true], 'gfp_t': [4, false], 'atomic_long_t': [8, true],
  'ktime_t': [8, true], 'loff_t': [8, true], 'off_t': [8, true], 'time64_t': [8, true],
  '__int128': [16, true], '__int128 unsigned': [16, false],
};

const FLOAT_TYPES: Record<string, number> = { 'float': 4, 'double': 8, 'long double': 16 };

/** Strip qualifiers: "const volatile u64" → "u64", "char *const" → "char *". */
function unqualified(name: string): string {
  return name.replace(/\b(const|volatile|restrict|_Atomic)\b/g, '').replace(/\s+/g, ' ').replace(/\s+\*/g, ' *').trim();
}

/**
 * The structure behind a C spelling from DWARF ("u64[32]", "char *",
 * "struct work_node *", "unsigned int"). `size` is the total byte size when
 * known (it lets an unknown typedef still be read as an integer).
 */
export function parseTypeName(spelling: string, size?: number): CType {
  const name = unqualified(spelling);
  const array = /^(.*?)((?:\[\d*\])+)$/.exec(name);
  if (array) {
    const dims = [...array[2].matchAll(/\[(\d*)\]/g)].map((m) => (m[1] === '' ? 0 : Number(m[1])));
    let element = parseTypeName(array[1]);
    for (let i = dims.length - 1; i >= 1; i--) {
      element = { kind: 'array', name: `${array[1]}${dims.slice(i).map((d) => `[${d}]`).join('')}`, size: element.size * dims[i], element, count: dims[i] };
    }
    const count = dims[0];
    const elemSize = element.size || (size !== undefined && count ? size / count : 0);
    if (element.size === 0 && elemSize > 0 && element.kind === 'opaque') element = { ...element, size: elemSize };
    return { kind: 'array', name, size: size ?? elemSize * count, element, count };
  }
  if (/\(\*\)/.test(name)) return { kind: 'pointer', name, size: 8, target: { kind: 'opaque', name: 'function', size: 0 } };
  if (name.endsWith('*')) {
    const target = parseTypeName(name.slice(0, -1).trim());
    return { kind: 'pointer', name, size: 8, target };
  }
  return baseType(name, size);
}

function baseType(name: string, size?: number): CType {
  if (name === 'void') return VOID;
  if (name === '_Bool' || name === 'bool') return { kind: 'bool', name, size: size ?? 1 };
  const f = FLOAT_TYPES[name];
  if (f) return { kind: 'float', name, size: size ?? f };
  const b = BASE_TYPES[name];
  if (b) return { kind: 'int', name, size: size ?? b[0], signed: b[1] };
  if (/^enum\b/.test(name)) return { kind: 'int', name, size: size ?? 4, signed: false };
  if (/^(struct|union)\b/.test(name) || size === undefined || ![1, 2, 4, 8].includes(size)) {
    return { kind: 'opaque', name, size: size ?? 0 };
  }
  // an unknown typedef of a scalar size: read it as an integer
  return { kind: 'int', name, size, signed: !/^u|unsigned/.test(name) };
}

/** Type names the expression parser accepts in casts. */
export function isTypeKeyword(word: string): boolean {
  return word in BASE_TYPES || word in FLOAT_TYPES || ['unsigned', 'signed', 'short', 'long', 'char', 'int', 'void',
    'bool', '_Bool', 'struct', 'union', 'enum', 'const', 'volatile'].includes(word);
}

/** Little-endian bytes → unsigned bigint. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

export function bigIntToBytes(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let u = BigInt.asUintN(size * 8, v);
  for (let i = 0; i < size; i++) { out[i] = Number(u & 0xffn); u >>= 8n; }
  return out;
}

/** The numeric value of raw bits for a scalar type (sign-extended when signed). */
export function scalarValue(raw: bigint, t: CType): bigint {
  const bits = Math.max(1, t.size) * 8;
  const u = BigInt.asUintN(bits, raw);
  return t.kind === 'int' && t.signed ? BigInt.asIntN(bits, u) : u;
}

export function hex(v: bigint): string {
  return '0x' + BigInt.asUintN(64, v).toString(16);
}

/** A scalar value as the Variables view shows it. */
export function formatScalar(raw: bigint, t: CType, opts: { hex?: boolean } = {}): string {
  switch (t.kind) {
    case 'pointer': return hex(raw);
    case 'bool': return BigInt.asUintN(t.size * 8, raw) === 0n ? 'false' : 'true';
    case 'float': {
      const b = bigIntToBytes(raw, t.size);
      const dv = new DataView(b.buffer);
      return t.size === 4 ? String(dv.getFloat32(0, true)) : t.size === 8 ? String(dv.getFloat64(0, true)) : hex(raw);
    }
    case 'int': {
      const v = scalarValue(raw, t);
      // unsigned 64-bit values in kernel code are addresses, masks and magic numbers: hex reads best
      if (opts.hex || (!t.signed && t.size >= 8)) return '0x' + BigInt.asUintN(t.size * 8, v).toString(16);
      if (t.size === 1 && /char/.test(t.name)) {
        const c = Number(BigInt.asUintN(8, v));
        return c >= 0x20 && c < 0x7f ? `${v} '${String.fromCharCode(c)}'` : `${v}`;
      }
      return v.toString();
    }
    default: return hex(raw);
  }
}

/** Scalar types fit in a register or a data breakpoint. */
export function isScalar(t: CType): boolean {
  return t.kind === 'int' || t.kind === 'bool' || t.kind === 'pointer' || t.kind === 'float';
}
