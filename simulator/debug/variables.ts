// Values as the Variables view shows them: one line per value (C-style,
// pointers in hex, char pointers with their string, arrays with a preview),
// children for arrays and pointers, a memory reference for what lives in
// memory, and the handle table behind variablesReference (valid until the
// machine runs again).

import { CType, formatScalar, hex, isScalar } from './ctypes';
import { EvalError, Evaluator, Value } from './expression';
import type { VariableInfo } from './types';

/** What a variablesReference stands for; the runtime resolves the frame-bound kinds. */
export type Container =
  | { kind: 'locals'; threadId: number; frame: number }
  | { kind: 'registers'; threadId: number; frame: number }
  | { kind: 'debugRegisters'; threadId: number }
  | { kind: 'kstackwatch' }
  | { kind: 'children'; threadId: number; frame: number; value: Value; evaluateName: string };

/** Elements of an array shown at once before VS Code pages them. */
const PREVIEW_ELEMENTS = 4;
const STRING_PREVIEW = 64;
/** Arrays larger than this are not expanded element by element. */
const MAX_ELEMENTS = 4096;

export class Handles {
  private readonly items: Container[] = [];
  private readonly byKey = new Map<string, number>();

  create(c: Container): number {
    const key = c.kind === 'children' ? '' : JSON.stringify(c);
    if (key) {
      const existing = this.byKey.get(key);
      if (existing) return existing;
    }
    this.items.push(c);
    const id = this.items.length;
    if (key) this.byKey.set(key, id);
    return id;
  }

  get(id: number): Container | undefined {
    return this.items[id - 1];
  }

  /** Drop everything (the machine ran: frames and values changed). */
  reset(): void {
    this.items.length = 0;
    this.byKey.clear();
  }
}

/** A value's one-line rendering, children and memory reference. */
export function describeValue(
  name: string, evaluateName: string, v: Value, ev: Evaluator, handles: Handles,
  where: { threadId: number; frame: number }, opts: { hex?: boolean } = {},
): VariableInfo {
  const t = v.type;
  const base = { name, type: t.name, evaluateName };
  try {
    if (t.kind === 'array') {
      const address = v.lvalue?.kind === 'memory' ? v.lvalue.address : undefined;
      const count = Math.min(t.count, MAX_ELEMENTS);
      const ref = address !== undefined && count > 0 && t.element.size > 0
        ? handles.create({ kind: 'children', ...where, value: v, evaluateName }) : 0;
      return { ...base, value: arrayPreview(t, v, ev, opts), variablesReference: ref, indexedVariables: ref ? count : undefined, memoryReference: address !== undefined ? hex(address) : undefined };
    }
    if (!isScalar(t)) {
      const address = v.lvalue?.kind === 'memory' ? v.lvalue.address : undefined;
      return { ...base, value: address !== undefined ? `{...} at ${hex(address)}` : '{...}', variablesReference: 0, memoryReference: address !== undefined ? hex(address) : undefined, readOnly: true };
    }
    const raw = ev.scalar(v);
    if (t.kind === 'pointer') {
      const target = t.target;
      const expandable = raw !== 0n && target.size > 0 && target.kind !== 'void' && target.kind !== 'opaque';
      return {
        ...base, value: pointerText(raw, t, ev),
        variablesReference: expandable ? handles.create({ kind: 'children', ...where, value: v, evaluateName }) : 0,
        memoryReference: hex(raw),
      };
    }
    return {
      ...base, value: formatScalar(raw, t, opts), variablesReference: 0,
      memoryReference: v.lvalue?.kind === 'memory' ? hex(v.lvalue.address) : undefined,
    };
  } catch (e) {
    if (e instanceof EvalError) return { ...base, value: `<${e.message}>`, variablesReference: 0, readOnly: true };
    throw e;
  }
}

/** The children of an expandable value: array elements (a page of them) or the pointee. */
export function childValues(
  c: Extract<Container, { kind: 'children' }>, ev: Evaluator, handles: Handles, start = 0, count?: number, opts: { hex?: boolean } = {},
): VariableInfo[] {
  const v = c.value, t = v.type;
  const where = { threadId: c.threadId, frame: c.frame };
  if (t.kind === 'array' && v.lvalue?.kind === 'memory') {
    const n = Math.min(t.count, MAX_ELEMENTS);
    const end = Math.min(n, start + (count ?? n));
    const out: VariableInfo[] = [];
    for (let i = start; i < end; i++) {
      const el: Value = { type: t.element, lvalue: { kind: 'memory', address: v.lvalue.address + BigInt(i * t.element.size) } };
      out.push(describeValue(`[${i}]`, `${c.evaluateName}[${i}]`, el, ev, handles, where, opts));
    }
    return out;
  }
  if (t.kind === 'pointer') {
    const p = ev.scalar(v);
    const target: Value = { type: t.target, lvalue: { kind: 'memory', address: p } };
    return [describeValue(`*${c.evaluateName}`, `*(${c.evaluateName})`, target, ev, handles, where, opts)];
  }
  return [];
}

function pointerText(raw: bigint, t: Extract<CType, { kind: 'pointer' }>, ev: Evaluator): string {
  if (raw === 0n) return '0x0 (NULL)';
  if (t.target.kind === 'int' && t.target.size === 1 && /char/.test(t.target.name)) {
    try {
      const bytes = ev.readMemory(raw, STRING_PREVIEW);
      const end = bytes.indexOf(0);
      const s = Buffer.from(bytes.subarray(0, end < 0 ? bytes.length : end)).toString('latin1');
      return `${hex(raw)} ${JSON.stringify(s)}${end < 0 ? '...' : ''}`;
    } catch {
      return hex(raw);
    }
  }
  return hex(raw);
}

function arrayPreview(t: Extract<CType, { kind: 'array' }>, v: Value, ev: Evaluator, opts: { hex?: boolean }): string {
  if (v.lvalue?.kind !== 'memory' || !isScalar(t.element) || t.element.size === 0) return `${t.name}`;
  const shown = Math.min(t.count, PREVIEW_ELEMENTS);
  const items: string[] = [];
  for (let i = 0; i < shown; i++) {
    items.push(formatScalar(ev.scalar({ type: t.element, lvalue: { kind: 'memory', address: v.lvalue.address + BigInt(i * t.element.size) } }), t.element, opts));
  }
  return `[${t.count}] {${items.join(', ')}${t.count > shown ? ', ...' : ''}}`;
}
