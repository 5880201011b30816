// A tiny WebAssembly binary writer for the wasm tier (translate.ts): the
// opcodes the translator uses, LEB128 immediates, and one module layout — a
// function imported memory, a few imported functions and one exported
// function. No text format, no parser at run time: the translator appends
// opcodes to a Code and module() wraps them (WebAssembly core spec §5).

/** Opcodes (WebAssembly core spec §5.4), only those the translator emits. */
export const enum Op {
  Unreachable = 0x00, Block = 0x02, Loop = 0x03, If = 0x04, Else = 0x05, End = 0x0b, Br = 0x0c, BrIf = 0x0d,
  BrTable = 0x0e, Return = 0x0f, Call = 0x10, CallIndirect = 0x11, ReturnCallIndirect = 0x13, Drop = 0x1a, Select = 0x1b,
  LocalGet = 0x20, LocalSet = 0x21, LocalTee = 0x22,
  I32Load = 0x28, I64Load = 0x29, I32Load8U = 0x2d, I64Load8U = 0x31, I64Load16U = 0x33, I64Load32U = 0x35,
  I32Store = 0x36, I64Store = 0x37, I64Store8 = 0x3c, I64Store16 = 0x3d, I64Store32 = 0x3e,
  I32Const = 0x41, I64Const = 0x42,
  I32Eqz = 0x45, I32Eq = 0x46, I32Ne = 0x47, I32LtS = 0x48, I32LtU = 0x49, I32GtS = 0x4a, I32GtU = 0x4b, I32LeS = 0x4c, I32GeU = 0x4f, I32LeU = 0x4d,
  I64Eqz = 0x50, I64Eq = 0x51, I64Ne = 0x52, I64LtS = 0x53, I64LtU = 0x54, I64GtS = 0x55, I64GtU = 0x56,
  I64LeS = 0x57, I64LeU = 0x58, I64GeS = 0x59, I64GeU = 0x5a,
  I32Clz = 0x67, I32Ctz = 0x68, I32Popcnt = 0x69, I32Add = 0x6a, I32Sub = 0x6b, I32And = 0x71, I32Or = 0x72, I32Xor = 0x73,
  I32Shl = 0x74, I32ShrU = 0x76, I32Rotl = 0x77, I32Rotr = 0x78,
  I64Clz = 0x79, I64Ctz = 0x7a, I64Popcnt = 0x7b,
  I64Add = 0x7c, I64Sub = 0x7d, I64Mul = 0x7e, I64DivS = 0x7f, I64DivU = 0x80, I64RemS = 0x81, I64RemU = 0x82,
  I64And = 0x83, I64Or = 0x84, I64Xor = 0x85,
  I64Shl = 0x86, I64ShrS = 0x87, I64ShrU = 0x88, I64Rotl = 0x89, I64Rotr = 0x8a,
  I32WrapI64 = 0xa7, I64ExtendI32S = 0xac, I64ExtendI32U = 0xad,
  I64Extend8S = 0xc2, I64Extend16S = 0xc3, I64Extend32S = 0xc4,
  // doubles (ops/sseFloat.ts's fast paths)
  F64Load = 0x2b, F64Store = 0x39, F64Const = 0x44, F64Eq = 0x61, F64Lt = 0x63, F64Gt = 0x64, F64Le = 0x65, F64Ge = 0x66,
  F64Abs = 0x99, F64Trunc = 0x9d, F64Sqrt = 0x9f, F64Add = 0xa0, F64Sub = 0xa1, F64Mul = 0xa2, F64Div = 0xa3,
  I32TruncF64S = 0xaa, I64TruncF64S = 0xb0, F64ConvertI32S = 0xb7, F64ConvertI64S = 0xb9,
  I64ReinterpretF64 = 0xbd, F64ReinterpretI64 = 0xbf,
}

export const I32 = 0x7f, I64 = 0x7e, F64 = 0x7c, VOID = 0x40;

/** SIMD opcodes (the 0xfd prefix's, WebAssembly core spec §5.4.8), only those the translator emits (ops/sse.ts). */
export const enum SimdOp {
  V128Load = 0x00, V128Store = 0x0b, V128Const = 0x0c, I8x16Shuffle = 0x0d, I8x16Swizzle = 0x0e,
  I8x16Eq = 0x23, I8x16GtS = 0x27, I16x8Eq = 0x2d, I16x8GtS = 0x31, I32x4Eq = 0x37, I32x4GtS = 0x3b,
  V128And = 0x4e, V128AndNot = 0x4f, V128Or = 0x50, V128Xor = 0x51,
  I8x16Bitmask = 0x64, I8x16Add = 0x6e, I8x16Sub = 0x71, I8x16MinU = 0x77, I8x16MaxU = 0x79,
  I16x8Add = 0x8e, I16x8Sub = 0x91, I32x4Add = 0xae, I32x4Sub = 0xb1, I64x2Add = 0xce, I64x2Sub = 0xd1,
}

/** An f64 constant's bytes are read through these (Code.f64). */
const F64_SCRATCH = new Float64Array(1), F64_BYTES = new Uint8Array(F64_SCRATCH.buffer);

export function uleb(n: number): number[] {
  const out: number[] = [];
  do { let b = n & 127; n >>>= 7; if (n) b |= 128; out.push(b); } while (n);
  return out;
}

/**
 * A function body under construction: opcodes and immediates, appended in
 * order to a growing byte buffer. (Written a byte at a time, LEB128 in
 * place: arrays per immediate and rest parameters were a third of the
 * translator's time, most of it in the garbage collector.)
 */
export class Code {
  private buf = new Uint8Array(1024);
  /** Bytes written so far. */
  length = 0;
  /** Branch hints: offset of an if or br_if, 1 likely or 0 unlikely, each (functionBytes). */
  readonly hints: number[] = [];
  /** The next opcode (an if or br_if) is a branch that is likely taken (its `if` arm runs), or not. */
  hint(likely: boolean): this { this.hints.push(this.length, likely ? 1 : 0); return this; }
  /** One to three opcodes or single-byte immediates (each 0–255). */
  op(a: number, b = -1, c = -1): this {
    this.byte(a);
    if (b >= 0) this.byte(b);
    if (c >= 0) this.byte(c);
    return this;
  }
  get(local: number): this { return this.op(Op.LocalGet).u(local); }
  set(local: number): this { return this.op(Op.LocalSet).u(local); }
  tee(local: number): this { return this.op(Op.LocalTee).u(local); }
  i32(n: number): this { return this.op(Op.I32Const).s64(n | 0, (n | 0) < 0 ? -1 : 0); }
  i64(lo: number, hi: number): this { return this.op(Op.I64Const).s64(lo, hi); }
  /** An f64 constant (little-endian bytes). */
  f64(v: number): this {
    this.op(Op.F64Const);
    F64_SCRATCH[0] = v;
    for (let i = 0; i < 8; i++) this.byte(F64_BYTES[i]);
    return this;
  }
  /** A memory access with a constant offset (alignment hint 0: guest accesses may be unaligned). */
  mem(op: Op, offset: number): this { return this.op(op, 0).u(offset); }
  call(index: number): this { return this.op(Op.Call).u(index); }
  /** A SIMD instruction without immediates. */
  simd(op: SimdOp): this { return this.op(0xfd).u(op); }
  /** v128.load or v128.store at a constant offset (the address operand, i32, pushed before). */
  simdMem(op: SimdOp.V128Load | SimdOp.V128Store, offset: number): this { return this.op(0xfd).u(op).u(0).u(offset); }
  /** A SIMD instruction with 16 byte immediates (v128.const, i8x16.shuffle's lanes). */
  simdBytes(op: SimdOp.V128Const | SimdOp.I8x16Shuffle, bytes: readonly number[]): this {
    this.op(0xfd).u(op);
    for (const b of bytes) this.byte(b);
    return this;
  }
  br(depth: number): this { return this.op(Op.Br).u(depth); }
  brIf(depth: number): this { return this.op(Op.BrIf).u(depth); }
  /** br_table: the target depth per value of the i32 on the stack, `otherwise` beyond. */
  brTable(depths: readonly number[], otherwise: number): this {
    this.op(Op.BrTable).u(depths.length);
    for (const d of depths) this.u(d);
    return this.u(otherwise);
  }

  /** Unsigned LEB128 (uleb). */
  u(n: number): this {
    for (;;) {
      const b = n & 127;
      n >>>= 7;
      if (n === 0) { this.byte(b); return this; }
      this.byte(b | 128);
    }
  }

  /** Signed LEB128 of a 64-bit value given as its 32-bit halves (no BigInt). */
  s64(lo: number, hi: number): this {
    lo >>>= 0; hi |= 0;
    for (;;) {
      const b = lo & 127;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>= 7;
      const done = (hi === 0 && lo === 0 && (b & 64) === 0) || (hi === -1 && lo === 0xffffffff && (b & 64) !== 0);
      this.byte(done ? b : b | 128);
      if (done) return this;
    }
  }

  /** Append another body's bytes. */
  append(other: Code): this {
    const bytes = other.bytes();
    for (let i = 0; i < other.hints.length; i += 2) this.hints.push(this.length + other.hints[i], other.hints[i + 1]);
    this.reserve(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  /** The bytes written so far (a view: valid until the next write). */
  bytes(): Uint8Array { return this.buf.subarray(0, this.length); }

  private byte(b: number): void {
    if (this.length === this.buf.length) this.reserve(1);
    this.buf[this.length++] = b;
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(2 * this.buf.length, this.length + n));
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
  }
}

export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

export interface FuncType { params: number[]; results: number[] }

/** The store of an i64's low w bytes (1, 2, 4 or 8). */
export function i64StoreOp(w: number): Op {
  return w === 8 ? Op.I64Store : w === 4 ? Op.I64Store32 : w === 2 ? Op.I64Store16 : Op.I64Store8;
}

/**
 * One function's entry in a module's code section (without its size): the
 * locals (groups of [count, type]) and the body (without its `end`) — then,
 * when the body has branch hints, their entry of the hint section and its
 * length (u32 LE) and HINTED: what the tier translates a trace to and stores
 * (moduleBytes puts several in one module, their hints in its section).
 * A function's bytes end with End, so one without hints is just that.
 */
export function functionBytes(locals: [number, number][], body: Code): Uint8Array {
  const head = [...uleb(locals.length), ...locals.flatMap(([n, t]) => [...uleb(n), t])];
  const hints = body.hints.length === 0 ? [] : [...uleb(body.hints.length / 2)];
  for (let i = 0; i < body.hints.length; i += 2) hints.push(...uleb(head.length + body.hints[i]), 1, body.hints[i + 1]);
  const code = body.bytes(), fnLength = head.length + code.length + 1;
  const out = new Uint8Array(fnLength + (hints.length === 0 ? 0 : hints.length + 5));
  out.set(head);
  out.set(code, head.length);
  out[fnLength - 1] = Op.End;
  if (hints.length === 0) return out;
  out.set(hints, fnLength);
  new DataView(out.buffer).setUint32(fnLength + hints.length, hints.length, true);
  out[out.length - 1] = HINTED;
  return out;
}

/** The last byte of a translation with branch hints (functionBytes). */
const HINTED = 0xff;

/** A translation's function and its branch hints' entry (null: none, or a trailer that does not fit — a damaged one, which then fails validation). */
function splitHints(t: Uint8Array): { fn: Uint8Array; hints: Uint8Array | null } {
  if (t.length < 5 || t[t.length - 1] !== HINTED) return { fn: t, hints: null };
  const n = new DataView(t.buffer, t.byteOffset + t.length - 5, 4).getUint32(0, true);
  if (n > t.length - 5) return { fn: t, hints: null };
  const end = t.length - 5 - n;
  return { fn: t.subarray(0, end), hints: t.subarray(end, end + n) };
}

/** The type section's contents: the function types `types`, in order. */
export function typeSection(types: readonly FuncType[]): number[] {
  return [types.length, ...types.flatMap((t) => [0x60, ...uleb(t.params.length), ...t.params, ...uleb(t.results.length), ...t.results])];
}

/** The import of the guest memory `e.m`: shared (memory/wasmBacking.ts), min 0 pages, max 65536. */
export const MEMORY_IMPORT: readonly number[] = [...name('e'), ...name('m'), 2, 3, 0, 0x80, 0x80, 0x04];

/** The name of the branch hint section (a custom section: per function its index and hints). */
const HINT_SECTION_NAME = name('metadata.code.branch_hint');

/**
 * A module importing memory `e.m`, the functions `imports` (module "e",
 * fields f0, f1, …) and the table of functions `e.t` (the blocks' chain,
 * chain.ts), and exporting each of `funcs` (functionBytes), all of
 * type () -> i32, as its index in decimal ("0", "1", …), their branch hints
 * in its hint section. Several functions
 * share a module: V8's fixed cost per module and per instance (its code
 * space, the import wrappers) is most of the cost of a small one.
 *
 * The branch hint section (custom section "metadata.code.branch_hint") holds
 * the hints of the functions that have some. V8 reads it with
 * --experimental-wasm-branch-hinting (wasmInstance.ts sets it): a branch hinted unlikely
 * (a memory access's TLB miss) becomes TurboFan's deferred code, laid out after the hot
 * code with the spills its calls need, instead of every hit path saving its live values.
 * The hints and the bodies are copied straight into the module's bytes (a
 * big program's warm run makes modules of ~3 MB of stored functions at start:
 * spreading their hints through arrays cost Lua ~40 ms).
 */
export function moduleBytes(imports: FuncType[], translations: readonly Uint8Array[]): Uint8Array {
  const hinted: [index: number[], hints: Uint8Array][] = [];
  let hintBytes = 0;
  const funcs = translations.map((t, i) => {
    const { fn, hints } = splitHints(t);
    if (hints !== null) {
      const index = uleb(imports.length + i);
      hinted.push([index, hints]);
      hintBytes += index.length + hints.length;
    }
    return fn;
  });
  const types = [...imports, { params: [], results: [I32] }];
  const typeSec = typeSection(types);
  const importSec = [imports.length + 2, ...MEMORY_IMPORT,
    ...imports.flatMap((_, i) => [...name('e'), ...name(`f${i}`), 0, ...uleb(i)]),
    ...name('e'), ...name('t'), 1, 0x70, 0, 0]; // funcref table, min 0, no max
  const n = funcs.length, runType = uleb(imports.length);
  const funcSec = [...uleb(n)];
  const exportSec = [...uleb(n)];
  for (let i = 0; i < n; i++) {
    funcSec.push(...runType);
    exportSec.push(...name(String(i)), 0, ...uleb(imports.length + i));
  }
  const head = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...section(1, typeSec), ...section(2, importSec), ...section(3, funcSec),
    ...section(7, exportSec)];
  const hintHead = hinted.length === 0 ? [] : [...HINT_SECTION_NAME, ...uleb(hinted.length)];
  const hintSectionHead = hinted.length === 0 ? [] : [0, ...uleb(hintHead.length + hintBytes), ...hintHead];
  let codeLength = uleb(n).length;
  for (const f of funcs) codeLength += uleb(f.length).length + f.length;
  const codeHead = [10, ...uleb(codeLength), ...uleb(n)];
  const out = new Uint8Array(head.length + hintSectionHead.length + hintBytes + codeHead.length - uleb(n).length + codeLength);
  let at = 0;
  const put = (bytes: ArrayLike<number>) => { out.set(bytes, at); at += bytes.length; };
  put(head);
  put(hintSectionHead);
  for (const [index, hints] of hinted) { put(index); put(hints); }
  put(codeHead);
  for (const f of funcs) { put(uleb(f.length)); put(f); }
  return out;
}
