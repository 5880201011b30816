// Checks on what a client sends before any handler sees it: the message is a
// request object, its arguments nest at most MAX_NESTING levels (a launch
// whose `params` nest 5000 deep used to overflow the handlers' recursion),
// and each request we implement has the arguments it needs, of the right
// types and in range. A failed check is a one-line reason that the session
// answers as an error response; handlers can then trust their arguments.

import { printable } from '../simulator/text/printable';

/** Deepest nesting of objects/arrays accepted in a message. */
export const MAX_NESTING = 64;
/** Largest readMemory/writeMemory a request may ask for (the memory view reads a few KiB). */
export const MAX_MEMORY_BYTES = 1024 * 1024;

export interface RequestLike { seq: number; command: string; arguments?: unknown }

export type Shape =
  | { kind: 'request'; request: RequestLike }
  | { kind: 'response' }
  /** Not a request; `request` is set when it still names one to answer. */
  | { kind: 'invalid'; reason: string; request?: { seq: number; command: string } };

/** Classify a parsed message. */
export function messageShape(msg: unknown): Shape {
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    return { kind: 'invalid', reason: `a message is ${msg === null ? 'null' : Array.isArray(msg) ? 'an array' : `a ${typeof msg}`}, not a request object` };
  }
  const m = msg as Record<string, unknown>;
  const seqOk = Number.isSafeInteger(m.seq) && (m.seq as number) >= 0;
  const commandOk = typeof m.command === 'string' && m.command.length > 0 && m.command.length <= 128;
  const id = seqOk && commandOk ? { seq: m.seq as number, command: m.command as string } : undefined;
  if (m.type === 'response') return { kind: 'response' };
  if (m.type !== 'request') return { kind: 'invalid', reason: `a message of type '${printable(String(m.type))}' is not a request`, request: id };
  if (!id) return { kind: 'invalid', reason: `a request needs an integer 'seq' and a 'command' string` };
  const depth = nesting(m, MAX_NESTING + 1);
  if (depth > MAX_NESTING) return { kind: 'invalid', reason: `the ${id.command} request nests deeper than ${MAX_NESTING} levels`, request: id };
  if (m.arguments !== undefined && (m.arguments === null || typeof m.arguments !== 'object' || Array.isArray(m.arguments))) {
    return { kind: 'invalid', reason: `${id.command}: 'arguments' must be an object`, request: id };
  }
  return { kind: 'request', request: m as unknown as RequestLike };
}

/** Nesting depth of a JSON value, counted without recursion, up to `limit`. */
export function nesting(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > deepest) deepest = d + 1;
    if (deepest >= limit) return deepest;
    for (const child of Object.values(v as object)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return deepest;
}

// ---- per-request arguments -------------------------------------------------------------------

type Rule = (args: Record<string, unknown>) => string | null;

const INT32 = 0x7fffffff;

function int(name: string, min: number, max: number, optional = false): Rule {
  return (a) => {
    const v = a[name];
    if (v === undefined && optional) return null;
    if (v === undefined) return `'${name}' is required`;
    if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max) {
      return `'${name}' must be an integer from ${min} to ${max} (got ${describe(v)})`;
    }
    return null;
  };
}

function str(name: string, optional = false): Rule {
  return (a) => {
    const v = a[name];
    if (v === undefined && optional) return null;
    if (typeof v !== 'string') return v === undefined ? `'${name}' is required` : `'${name}' must be a string (got ${describe(v)})`;
    return null;
  };
}

function obj(name: string, rules: Rule[] = [], optional = false): Rule {
  return (a) => {
    const v = a[name];
    if (v === undefined && optional) return null;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v === undefined ? `'${name}' is required` : `'${name}' must be an object (got ${describe(v)})`;
    return firstProblem(rules, v as Record<string, unknown>, `${name}.`);
  };
}

function arr(name: string, items: Rule[] | null, optional = false): Rule {
  return (a) => {
    const v = a[name];
    if (v === undefined && optional) return null;
    if (!Array.isArray(v)) return v === undefined ? `'${name}' is required` : `'${name}' must be an array (got ${describe(v)})`;
    for (let i = 0; i < v.length; i++) {
      if (items === null) continue;
      const e = v[i];
      if (e === null || typeof e !== 'object' || Array.isArray(e)) return `'${name}[${i}]' must be an object (got ${describe(e)})`;
      const p = firstProblem(items, e as Record<string, unknown>, `${name}[${i}].`);
      if (p) return p;
    }
    return null;
  };
}

/** A base64 string that decodes to at most `max` bytes. */
function base64Size(name: string, max: number): Rule {
  return (a) => {
    const v = a[name] as string;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v)) return `'${name}' is not base64`;
    return Math.floor(v.length * 3 / 4) > max + 2 ? `'${name}' is more than ${max} bytes` : null;
  };
}

function firstProblem(rules: Rule[], a: Record<string, unknown>, prefix = ''): string | null {
  for (const r of rules) {
    const p = r(a);
    if (p) return prefix ? p.replace(/^'/, `'${prefix}`) : p;
  }
  return null;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `'${printable(v, 40)}'`;
  return printable(String(v), 40);
}

const OFFSET = Number.MAX_SAFE_INTEGER;
const threadId = int('threadId', 0, INT32);

/** Argument rules of the requests this adapter implements. */
const RULES: Record<string, Rule[]> = {
  initialize: [str('adapterID'), str('pathFormat', true)],
  source: [int('sourceReference', 0, INT32), obj('source', [int('sourceReference', 0, INT32, true)], true)],
  setBreakpoints: [obj('source', [str('path', true)]), arr('breakpoints', [int('line', 0, INT32), str('condition', true), str('hitCondition', true), str('logMessage', true)], true), arr('lines', null, true)],
  setFunctionBreakpoints: [arr('breakpoints', [str('name'), str('condition', true), str('hitCondition', true)])],
  setInstructionBreakpoints: [arr('breakpoints', [str('instructionReference'), int('offset', -OFFSET, OFFSET, true), str('condition', true), str('hitCondition', true)])],
  setExceptionBreakpoints: [arr('filters', null, true)],
  dataBreakpointInfo: [str('name'), int('variablesReference', 0, INT32, true), int('frameId', 0, Number.MAX_SAFE_INTEGER, true), int('bytes', 1, 8, true)],
  setDataBreakpoints: [arr('breakpoints', [str('dataId'), str('condition', true), str('hitCondition', true)])],
  continue: [threadId], next: [threadId], stepIn: [threadId], stepOut: [threadId], stepBack: [threadId], reverseContinue: [threadId],
  restartFrame: [int('frameId', 0, Number.MAX_SAFE_INTEGER)],
  goto: [threadId, int('targetId', 0, INT32)],
  gotoTargets: [obj('source', [str('path', true)]), int('line', 0, INT32)],
  'kstackwatch.gotoTime': [int('time_ns', 0, Number.MAX_SAFE_INTEGER)],
  'kstackwatch.gotoOrigin': [str('function'), int('pid', 0, INT32), int('returned_ns', 0, Number.MAX_SAFE_INTEGER)],
  'kstackwatch.timeTravelStats': [],
  stackTrace: [threadId, int('startFrame', 0, INT32, true), int('levels', 0, INT32, true)],
  scopes: [int('frameId', 0, Number.MAX_SAFE_INTEGER)],
  variables: [int('variablesReference', 0, INT32), int('start', 0, INT32, true), int('count', 0, INT32, true)],
  setVariable: [int('variablesReference', 0, INT32), str('name'), str('value')],
  evaluate: [str('expression'), int('frameId', 0, Number.MAX_SAFE_INTEGER, true), str('context', true)],
  setExpression: [str('expression'), str('value'), int('frameId', 0, Number.MAX_SAFE_INTEGER, true)],
  readMemory: [str('memoryReference'), int('offset', -OFFSET, OFFSET, true), int('count', 0, MAX_MEMORY_BYTES)],
  writeMemory: [str('memoryReference'), int('offset', -OFFSET, OFFSET, true), str('data'), base64Size('data', MAX_MEMORY_BYTES)],
  disassemble: [str('memoryReference'), int('offset', -OFFSET, OFFSET, true), int('instructionOffset', -OFFSET, OFFSET, true),
    int('instructionCount', 0, OFFSET)],
};

/** Why `request`'s arguments are unusable, or null. */
export function argumentsProblem(request: RequestLike): string | null {
  // own properties only: a command named '__proto__' or 'constructor' has no rules (the fuzz suite found it)
  if (!Object.prototype.hasOwnProperty.call(RULES, request.command)) return null;
  const rules = RULES[request.command];
  const p = firstProblem(rules, (request.arguments ?? {}) as Record<string, unknown>);
  return p ? `${request.command}: ${p}` : null;
}
