// Simple C-like expressions over a stopped frame: numbers, variables
// (DWARF locals, parameters and globals), module symbols, registers ($rax
// or rax), unary and binary C operators with C precedence, casts such as
// `(u64 *)addr`, `*p`, `&x`, `a[i]` and `?:`. Conditions of breakpoints
// and the Debug Console use the same evaluator.

import {
  bigIntToBytes, bytesToBigInt, CType, isScalar, isTypeKeyword, parseTypeName, S32, S64, scalarValue, U64,
} from './ctypes';
import { FrameContext, lookupVariable } from './frameContext';
import { readRegister, RegisterRef, registerByName, writeRegister } from './registers';
import { UserError } from '../errors/userError';

/** An expression that cannot be evaluated (syntax, unknown name, unreadable memory). */
export class EvalError extends UserError {}

/** Where an lvalue lives. */
export type LValue = { kind: 'memory'; address: bigint } | { kind: 'register'; ref: RegisterRef };

export interface Value {
  type: CType;
  /** Scalar bits (rvalue) when there is no location. */
  raw?: bigint;
  lvalue?: LValue;
  /** A function designator (its address). */
  isFunction?: boolean;
}

// ---- tokens ----------------------------------------------------------------------

type Token = { t: 'num'; v: bigint } | { t: 'id'; v: string } | { t: 'op'; v: string } | { t: 'end' };

const OPERATORS = ['<<=', '>>=', '->', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '+', '-', '*', '/', '%', '&', '|',
  '^', '~', '!', '<', '>', '(', ')', '[', ']', '?', ':', '.', ','];

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    const num = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)/.exec(text.slice(i));
    if (num && /[0-9]/.test(c)) {
      const s = num[1];
      out.push({ t: 'num', v: /^0[0-7]+$/.test(s) ? BigInt('0o' + s.slice(1)) : BigInt(s) });
      i += num[0].length;
      continue;
    }
    const ch = /^'(\\?.)'/.exec(text.slice(i));
    if (ch) {
      const body = ch[1];
      const esc: Record<string, number> = { '\\n': 10, '\\t': 9, '\\0': 0, '\\r': 13, "\\'": 39, '\\\\': 92 };
      out.push({ t: 'num', v: BigInt(esc[body] ?? body.charCodeAt(body.length - 1)) });
      i += ch[0].length;
      continue;
    }
    const id = /^\$?[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i));
    if (id) {
      // `a.b` is member access unless the dot is part of a symbol like foo.constprop.0
      let word = id[0];
      if (word.includes('.') && !/\.(constprop|isra|part|cold|lto_priv)\.\d+$/.test(word)) word = word.slice(0, word.indexOf('.'));
      out.push({ t: 'id', v: word });
      i += word.length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) throw new EvalError(`unexpected character '${c}'`);
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  out.push({ t: 'end' });
  return out;
}

// ---- syntax tree -------------------------------------------------------------------

type Node =
  | { k: 'num'; v: bigint }
  | { k: 'id'; name: string }
  | { k: 'unary'; op: string; e: Node }
  | { k: 'cast'; type: CType; e: Node }
  | { k: 'binary'; op: string; a: Node; b: Node }
  | { k: 'index'; a: Node; i: Node }
  | { k: 'cond'; c: Node; a: Node; b: Node }
  | { k: 'sizeof'; e?: Node; type?: CType };

const BINARY_LEVELS: string[][] = [
  ['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%'],
];

/** Longest expression evaluated, and deepest nesting: bounds on the parser's and evaluator's recursion. */
export const MAX_EXPRESSION_LENGTH = 4096;
export const MAX_EXPRESSION_NESTING = 256;

class Parser {
  private p = 0;
  private depth = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token { return this.toks[this.p]; }
  private isOp(v: string, at = 0): boolean { const t = this.toks[this.p + at]; return t.t === 'op' && t.v === v; }
  private expect(v: string): void {
    if (!this.isOp(v)) throw new EvalError(`expected '${v}'${this.describeHere()}`);
    this.p++;
  }
  private describeHere(): string {
    const t = this.peek();
    return t.t === 'end' ? ' at the end' : ` before '${t.t === 'num' ? t.v.toString() : t.v}'`;
  }

  parseAll(): Node {
    const n = this.ternary();
    if (this.peek().t !== 'end') throw new EvalError(`unexpected${this.describeHere().replace(' before', '')}`);
    return n;
  }

  /** Entered once per nesting level (parentheses, brackets, prefix operators, casts). */
  private nest<T>(f: () => T): T {
    if (++this.depth > MAX_EXPRESSION_NESTING) throw new EvalError(`the expression nests deeper than ${MAX_EXPRESSION_NESTING} levels`);
    try { return f(); } finally { this.depth--; }
  }

  private ternary(): Node {
    return this.nest(() => this.ternaryAt());
  }

  private ternaryAt(): Node {
    const c = this.binary(0);
    if (!this.isOp('?')) return c;
    this.p++;
    const a = this.ternary();
    this.expect(':');
    const b = this.ternary();
    return { k: 'cond', c, a, b };
  }

  private binary(level: number): Node {
    if (level >= BINARY_LEVELS.length) return this.unary();
    let a = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.t !== 'op' || !BINARY_LEVELS[level].includes(t.v)) return a;
      this.p++;
      const b = this.binary(level + 1);
      a = { k: 'binary', op: t.v, a, b };
    }
  }

  /** `(` type `)` ahead? */
  private castAhead(): boolean {
    if (!this.isOp('(')) return false;
    const t = this.toks[this.p + 1];
    return t.t === 'id' && isTypeKeyword(t.v);
  }

  private typeName(): CType {
    const words: string[] = [];
    while (this.peek().t === 'id') words.push((this.peek() as { v: string }).v), this.p++;
    let stars = '';
    while (this.isOp('*')) { stars += '*'; this.p++; }
    const spelled = words.join(' ') + (stars ? ' ' + stars : '');
    const t = parseTypeName(spelled.replace(/\*\*/g, '* *'));
    if (t.kind === 'opaque' && t.size === 0 && !stars) throw new EvalError(`unknown type '${spelled}'`);
    return t;
  }

  private unary(): Node {
    return this.nest(() => this.unaryAt());
  }

  private unaryAt(): Node {
    const t = this.peek();
    if (t.t === 'op' && ['-', '+', '!', '~', '*', '&'].includes(t.v)) {
      this.p++;
      return { k: 'unary', op: t.v, e: this.unary() };
    }
    if (t.t === 'id' && t.v === 'sizeof') {
      this.p++;
      if (this.castAhead()) { this.p++; const type = this.typeName(); this.expect(')'); return { k: 'sizeof', type }; }
      return { k: 'sizeof', e: this.unary() };
    }
    if (this.castAhead()) {
      this.p++;
      const type = this.typeName();
      this.expect(')');
      return { k: 'cast', type, e: this.unary() };
    }
    return this.postfix();
  }

  private postfix(): Node {
    let n = this.primary();
    for (;;) {
      if (this.isOp('[')) {
        this.p++;
        const i = this.ternary();
        this.expect(']');
        n = { k: 'index', a: n, i };
      } else if (this.isOp('.') || this.isOp('->')) {
        throw new EvalError('struct members are not available (the debug info reader keeps no member layout); use a cast and an offset, e.g. *(u64 *)((char *)p + 8)');
      } else if (this.isOp('(')) {
        throw new EvalError('function calls are not supported in expressions');
      } else {
        return n;
      }
    }
  }

  private primary(): Node {
    const t = this.peek();
    if (t.t === 'num') { this.p++; return { k: 'num', v: t.v }; }
    if (t.t === 'id') { this.p++; return { k: 'id', name: t.v }; }
    if (this.isOp('(')) {
      this.p++;
      const n = this.ternary();
      this.expect(')');
      return n;
    }
    throw new EvalError(t.t === 'end' ? 'incomplete expression' : `unexpected '${t.v}'`);
  }
}

export function parseExpression(text: string): Node {
  if (text.trim() === '') throw new EvalError('empty expression');
  if (text.length > MAX_EXPRESSION_LENGTH) throw new EvalError(`the expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  return new Parser(tokenize(text)).parseAll();
}

// ---- evaluation ----------------------------------------------------------------------

const BOOL_RESULT: CType = S32;

export class Evaluator {
  constructor(private readonly ctx: FrameContext) {}

  evaluate(text: string): Value {
    return this.eval(parseExpression(text));
  }

  /** Truth of a breakpoint condition. */
  test(text: string): boolean {
    return this.scalar(this.evaluate(text)) !== 0n;
  }

  /** The scalar bits of a value (arrays decay to their address, functions to theirs). */
  scalar(v: Value): bigint {
    if (v.raw !== undefined) return v.raw;
    if (v.type.kind === 'array' && v.lvalue?.kind === 'memory') return v.lvalue.address;
    if (v.isFunction && v.lvalue?.kind === 'memory') return v.lvalue.address;
    if (!isScalar(v.type)) throw new EvalError(`a ${v.type.name} is not a number`);
    if (!v.lvalue) throw new EvalError('value unavailable');
    return this.load(v.lvalue, v.type);
  }

  private load(lv: LValue, type: CType): bigint {
    if (lv.kind === 'register') return scalarValue(readRegister(this.requireRegs(), lv.ref), type);
    const bytes = this.readMemory(lv.address, type.size);
    return scalarValue(bytesToBigInt(bytes), type);
  }

  readMemory(address: bigint, size: number): Uint8Array {
    try {
      return this.ctx.mem.read(BigInt.asUintN(64, address), size, true);
    } catch {
      throw new EvalError(`cannot access memory at 0x${BigInt.asUintN(64, address).toString(16)}`);
    }
  }

  /** Store into an lvalue (setVariable, assignments from the UI). */
  store(v: Value, raw: bigint): void {
    if (!v.lvalue) throw new EvalError('not an lvalue');
    if (!isScalar(v.type)) throw new EvalError(`cannot assign to a ${v.type.name}`);
    if (v.lvalue.kind === 'register') {
      if (!this.ctx.writable) throw new EvalError('registers can only be changed in the innermost frame');
      writeRegister(this.requireRegs(), v.lvalue.ref, raw);
      return;
    }
    try {
      this.ctx.mem.write(v.lvalue.address, bigIntToBytes(raw, v.type.size), true);
    } catch {
      throw new EvalError(`cannot write memory at 0x${v.lvalue.address.toString(16)}`);
    }
  }

  private requireRegs() {
    if (!this.ctx.regs) throw new EvalError('registers can only be changed in the innermost frame');
    return this.ctx.regs;
  }

  private rvalue(v: Value): Value {
    return { type: v.type.kind === 'array' ? { kind: 'pointer', name: `${v.type.element.name} *`, size: 8, target: v.type.element } : v.type, raw: this.scalar(v) };
  }

  private eval(n: Node): Value {
    switch (n.k) {
      case 'num': return { type: n.v > 0x7fffffffn ? (n.v > 0x7fffffffffffffffn ? U64 : S64) : S32, raw: n.v };
      case 'id': return this.identifier(n.name);
      case 'cond': return this.scalar(this.eval(n.c)) !== 0n ? this.eval(n.a) : this.eval(n.b);
      case 'sizeof': return { type: S64, raw: BigInt(n.type ? n.type.size : this.eval(n.e!).type.size) };
      case 'cast': {
        const v = this.eval(n.e);
        if (!isScalar(n.type)) throw new EvalError(`cannot cast to ${n.type.name}`);
        return { type: n.type, raw: BigInt.asUintN(n.type.size * 8, this.scalar(v)) };
      }
      case 'index': {
        const base = this.rvalue(this.eval(n.a));
        if (base.type.kind !== 'pointer') throw new EvalError('subscripted value is not an array or pointer');
        const i = this.scalar(this.eval(n.i));
        return this.deref({ type: base.type, raw: base.raw! + i * BigInt(this.sizeOf(base.type.target)) });
      }
      case 'unary': return this.unary(n.op, n.e);
      case 'binary': return this.binary(n.op, n.a, n.b);
    }
  }

  private sizeOf(t: CType): number {
    if (t.size <= 0) throw new EvalError(`the size of ${t.name} is unknown; cast the pointer first`);
    return t.size;
  }

  private deref(p: Value): Value {
    const pv = this.rvalue(p);
    if (pv.type.kind !== 'pointer') throw new EvalError('cannot dereference a non-pointer (cast it first, e.g. *(u64 *)addr)');
    const target = pv.type.target;
    if (target.kind === 'void' || target.size === 0) throw new EvalError(`cannot dereference ${pv.type.name}; cast it first, e.g. *(u64 *)p`);
    return { type: target, lvalue: { kind: 'memory', address: BigInt.asUintN(64, pv.raw!) } };
  }

  private unary(op: string, e: Node): Value {
    if (op === '*') return this.deref(this.eval(e));
    if (op === '&') {
      const v = this.eval(e);
      if (v.lvalue?.kind !== 'memory') throw new EvalError('cannot take the address of a value that is not in memory');
      return { type: { kind: 'pointer', name: `${v.type.name} *`, size: 8, target: v.type }, raw: v.lvalue.address };
    }
    const v = this.rvalue(this.eval(e));
    const x = v.raw!;
    const type = arithmeticType(v.type, v.type);
    switch (op) {
      case '-': return { type, raw: wrap(-x, type) };
      case '+': return { type, raw: x };
      case '~': return { type, raw: wrap(~x, type) };
      default: return { type: BOOL_RESULT, raw: x === 0n ? 1n : 0n };
    }
  }

  private binary(op: string, an: Node, bn: Node): Value {
    if (op === '&&') return { type: BOOL_RESULT, raw: this.scalar(this.eval(an)) !== 0n && this.scalar(this.eval(bn)) !== 0n ? 1n : 0n };
    if (op === '||') return { type: BOOL_RESULT, raw: this.scalar(this.eval(an)) !== 0n || this.scalar(this.eval(bn)) !== 0n ? 1n : 0n };
    const a = this.rvalue(this.eval(an)), b = this.rvalue(this.eval(bn));
    // pointer arithmetic
    if ((op === '+' || op === '-') && a.type.kind === 'pointer' && b.type.kind !== 'pointer') {
      const step = BigInt(this.sizeOf(a.type.target)) * signed(b);
      return { type: a.type, raw: BigInt.asUintN(64, op === '+' ? a.raw! + step : a.raw! - step) };
    }
    if (op === '+' && b.type.kind === 'pointer' && a.type.kind !== 'pointer') {
      return { type: b.type, raw: BigInt.asUintN(64, b.raw! + BigInt(this.sizeOf(b.type.target)) * signed(a)) };
    }
    if (op === '-' && a.type.kind === 'pointer' && b.type.kind === 'pointer') {
      return { type: S64, raw: (BigInt.asIntN(64, a.raw! - b.raw!)) / BigInt(this.sizeOf(a.type.target)) };
    }
    const type = arithmeticType(a.type, b.type);
    const uns = type.kind === 'int' && !type.signed;
    const x = uns ? BigInt.asUintN(64, a.raw!) : signed(a), y = uns ? BigInt.asUintN(64, b.raw!) : signed(b);
    const cmp = (r: boolean): Value => ({ type: BOOL_RESULT, raw: r ? 1n : 0n });
    switch (op) {
      case '+': return { type, raw: wrap(x + y, type) };
      case '-': return { type, raw: wrap(x - y, type) };
      case '*': return { type, raw: wrap(x * y, type) };
      case '/': case '%':
        if (y === 0n) throw new EvalError('division by zero');
        return { type, raw: wrap(op === '/' ? x / y : x % y, type) };
      case '<<': return { type, raw: wrap(x << (y & 63n), type) };
      case '>>': return { type, raw: wrap(x >> (y & 63n), type) };
      case '&': return { type, raw: wrap(x & y, type) };
      case '|': return { type, raw: wrap(x | y, type) };
      case '^': return { type, raw: wrap(x ^ y, type) };
      case '==': return cmp(x === y);
      case '!=': return cmp(x !== y);
      case '<': return cmp(x < y);
      case '>': return cmp(x > y);
      case '<=': return cmp(x <= y);
      default: return cmp(x >= y);
    }
  }

  private identifier(name: string): Value {
    if (name.startsWith('$')) {
      const ref = registerByName(name);
      if (!ref) throw new EvalError(`no register ${name}`);
      return this.register(ref);
    }
    const v = lookupVariable(this.ctx, name);
    if (v) {
      switch (v.place.kind) {
        case 'memory': return { type: v.type, lvalue: { kind: 'memory', address: v.place.address } };
        case 'register': return { type: v.type, lvalue: { kind: 'register', ref: { kind: 'gpr', gpr: v.place.gpr, size: Math.min(8, Math.max(1, v.type.size)) as 1 | 2 | 4 | 8, high8: false } } };
        case 'value': return { type: v.type, raw: v.place.value };
        default: throw new EvalError(`${name}: ${v.place.reason}`);
      }
    }
    const ref = registerByName(name);
    if (ref) return this.register(ref);
    const addr = this.ctx.symbolAddress(name);
    if (addr !== undefined) {
      const fn = this.ctx.debugInfo?.functionByName(name);
      if (fn) return { type: { kind: 'pointer', name: 'void (*)()', size: 8, target: { kind: 'opaque', name: 'function', size: 0 } }, lvalue: { kind: 'memory', address: addr }, isFunction: true };
      return { type: U64, lvalue: { kind: 'memory', address: addr } };
    }
    throw new EvalError(`no symbol '${name}' in the current context`);
  }

  private register(ref: RegisterRef): Value {
    const saved = !this.ctx.regs && ref.kind === 'gpr' && !ref.high8 ? this.ctx.frame.saved?.get(ref.gpr) : undefined;
    if (saved) {
      const type: CType = { kind: 'int', name: `u${ref.size * 8}`, size: ref.size, signed: false };
      return saved.address !== undefined ? { type, lvalue: { kind: 'memory', address: saved.address } } : { type, raw: BigInt.asUintN(ref.size * 8, saved.value) };
    }
    this.requireRegsOrSp(ref);
    if (!this.ctx.regs) {
      // caller frames: RSP is the callee's CFA, RIP the return address
      const v = ref.kind === 'rip' ? this.ctx.frame.pc : this.ctx.frame.sp!;
      return { type: U64, raw: v };
    }
    return { type: { kind: 'int', name: ref.kind === 'gpr' ? `u${ref.size * 8}` : 'u64', size: ref.size, signed: false }, lvalue: { kind: 'register', ref } };
  }

  private requireRegsOrSp(ref: RegisterRef): void {
    if (this.ctx.regs) return;
    if (ref.kind === 'rip' || (ref.kind === 'gpr' && ref.gpr === 4 && ref.size === 8 && this.ctx.frame.sp !== undefined)) return;
    throw new EvalError('in caller frames only rsp, rip and the callee-saved registers the callees saved are known');
  }
}

function signed(v: Value): bigint {
  const t = v.type;
  if (t.kind === 'int' && t.signed) return BigInt.asIntN(t.size * 8, v.raw!);
  return BigInt.asUintN(64, v.raw!);
}

/** C's usual arithmetic conversions, simplified to int / long / unsigned long. */
function arithmeticType(a: CType, b: CType): CType {
  const uns64 = (t: CType) => t.kind === 'pointer' || (t.kind === 'int' && !t.signed && t.size >= 8);
  if (uns64(a) || uns64(b)) return U64;
  if (a.size >= 8 || b.size >= 8) return S64;
  const uns32 = (t: CType) => t.kind === 'int' && !t.signed && t.size === 4;
  if (uns32(a) || uns32(b)) return { kind: 'int', name: 'unsigned int', size: 4, signed: false };
  return S32;
}

function wrap(v: bigint, t: CType): bigint {
  const bits = t.size * 8;
  return t.kind === 'int' && t.signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v);
}
