// Just enough C reading for editor actions: where each function definition
// is (CodeLens "Watch stack of foo", F5 on the function at the cursor) and
// which local variable is under the cursor. A scanner, not a parser: it
// blanks comments and strings, then matches `name(...) {` at brace depth 0.
// The loader's DWARF has the last word — a watch it cannot resolve comes
// back unverified, like a breakpoint on a line without code.

export interface CFunction {
  name: string;
  /** 0-based line and column of the name in the definition. */
  line: number;
  column: number;
  /** Offsets of the body's braces in the text. */
  bodyStart: number;
  bodyEnd: number;
  /** 0-based lines of the body's braces. */
  bodyStartLine: number;
  bodyEndLine: number;
  /** Marked __init/__exit, or registered with module_init/module_exit. */
  lifecycle: boolean;
}

const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'return', 'sizeof', 'do', 'else', 'case', 'typeof', '__typeof__', 'defined']);

/** The text with comments, string and character literals replaced by spaces (offsets and lines kept). */
export function blankCommentsAndStrings(text: string): string {
  const out = text.split('');
  let i = 0;
  const blank = (from: number, to: number) => { for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' '; };
  while (i < text.length) {
    const c = text[i], n = text[i + 1];
    if (c === '/' && n === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      blank(i, stop); i = stop;
    } else if (c === '/' && n === '/') {
      let end = text.indexOf('\n', i);
      if (end < 0) end = text.length;
      blank(i, end); i = end;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      blank(i + 1, Math.min(j, text.length)); i = j + 1;
    } else if (c === '#' && (i === 0 || text[i - 1] === '\n' || /^[ \t]*$/.test(text.slice(text.lastIndexOf('\n', i - 1) + 1, i)))) {
      // preprocessor line (with continuations): not code a function lives in
      let j = i;
      for (;;) {
        const end = text.indexOf('\n', j);
        if (end < 0) { j = text.length; break; }
        if (text[end - 1] === '\\') { j = end + 1; continue; }
        j = end; break;
      }
      blank(i, j); i = j;
    } else {
      i++;
    }
  }
  return out.join('');
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

function lineOf(starts: number[], offset: number): number {
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid; else hi = mid - 1;
  }
  return lo;
}

/** Every function definition of a C file, in order. */
export function findFunctions(text: string): CFunction[] {
  const code = blankCommentsAndStrings(text);
  const starts = lineStarts(text);
  const registered = new Set<string>();
  for (const m of text.matchAll(/\bmodule_(?:init|exit)\s*\(\s*([A-Za-z_]\w*)\s*\)/g)) registered.add(m[1]);
  const out: CFunction[] = [];
  let depth = 0;
  let i = 0;
  while (i < code.length) {
    const c = code[i];
    if (c === '{') {
      if (depth === 0) {
        const fn = definitionBefore(code, i);
        if (fn) {
          const end = matchingBrace(code, i);
          const line = lineOf(starts, fn.nameOffset);
          const head = code.slice(code.lastIndexOf(';', fn.nameOffset) + 1, fn.nameOffset);
          out.push({
            name: fn.name, line, column: fn.nameOffset - starts[line], bodyStart: i, bodyEnd: end,
            bodyStartLine: lineOf(starts, i), bodyEndLine: lineOf(starts, end),
            lifecycle: /\b__(init|exit)\b/.test(head) || registered.has(fn.name),
          });
          i = end + 1;
          continue;
        }
      }
      depth++;
    } else if (c === '}') {
      depth = Math.max(0, depth - 1);
    }
    i++;
  }
  return out;
}

/** `name ( params )` right before the brace at `brace`, if that is a function definition. */
function definitionBefore(code: string, brace: number): { name: string; nameOffset: number } | null {
  let j = brace - 1;
  while (j >= 0 && /\s/.test(code[j])) j--;
  // attributes after the parameter list, e.g. `__attribute__((noinline))`, are rare in definitions; skip none
  if (code[j] !== ')') return null;
  let parens = 0;
  for (; j >= 0; j--) {
    if (code[j] === ')') parens++;
    else if (code[j] === '(') { parens--; if (parens === 0) break; }
  }
  if (j < 0) return null;
  let k = j - 1;
  while (k >= 0 && /\s/.test(code[k])) k--;
  const end = k + 1;
  while (k >= 0 && /\w/.test(code[k])) k--;
  const name = code.slice(k + 1, end);
  if (!/^[A-Za-z_]\w*$/.test(name) || KEYWORDS.has(name)) return null;
  // a definition has a return type (or storage class) before the name: `=` means an initializer
  let p = k;
  while (p >= 0 && /\s/.test(code[p])) p--;
  if (p >= 0 && /[=,(]/.test(code[p])) return null;
  if (p < 0) return null;
  return { name, nameOffset: k + 1 };
}

function matchingBrace(code: string, open: number): number {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === '{') depth++;
    else if (code[i] === '}') { depth--; if (depth === 0) return i; }
  }
  return code.length - 1;
}

/** The function whose definition (signature or body) contains the 0-based line. */
export function functionAtLine(functions: readonly CFunction[], line: number): CFunction | undefined {
  return functions.find((f) => line >= f.line && line <= f.bodyEndLine);
}

/** Offset of a 0-based line/character in `text`. */
export function offsetAt(text: string, line: number, character: number): number {
  const starts = lineStarts(text);
  return (starts[Math.min(line, starts.length - 1)] ?? 0) + character;
}

export interface LocalVariableAt {
  function: string;
  /** As a `var=` value: `buf`, or `buf[4]` when the cursor is on `buf[4]` with a constant index. */
  variable: string;
  /**
   * On a declaration of an array (`u64 table[16]`): its length. The `[16]`
   * there is the size, not an element (table[16] does not exist), so the
   * variable is the array's first element and the caller may offer others.
   */
  arrayLength?: number;
}

/**
 * The local variable under the cursor, if it is one of the enclosing
 * function's locals or parameters (a global under the cursor is not).
 */
export function localVariableAt(text: string, line: number, character: number): LocalVariableAt | string {
  const functions = findFunctions(text);
  const fn = functionAtLine(functions, line);
  if (!fn) return 'the cursor is not inside a function';
  const code = blankCommentsAndStrings(text);
  const at = offsetAt(text, line, character);
  let s = at, e = at;
  while (s > 0 && /\w/.test(code[s - 1])) s--;
  while (e < code.length && /\w/.test(code[e])) e++;
  const name = code.slice(s, e);
  if (!/^[A-Za-z_]\w*$/.test(name)) return 'the cursor is not on a variable name';
  const body = code.slice(fn.bodyStart, fn.bodyEnd);
  const headerStart = code.lastIndexOf('\n', offsetAt(text, fn.line, 0)) + 1;
  const params = code.slice(headerStart, fn.bodyStart);
  const declared = new RegExp(`(?:\\b(?:int|char|long|short|unsigned|signed|u8|u16|u32|u64|s8|s16|s32|s64|bool|size_t|ssize_t|struct\\s+\\w+|union\\s+\\w+|enum\\s+\\w+|\\w+_t)\\b[\\w\\s*]*?|[*\\s])\\b${name}\\b\\s*(\\[|=|;|,|\\))`);
  if (!declared.test(body) && !new RegExp(`\\b${name}\\b`).test(params.slice(params.indexOf('(')))) {
    return `'${name}' is not a local variable or parameter of ${fn.name}`;
  }
  const index = /^\s*\[\s*(0x[0-9a-fA-F]+|\d+)\s*\]/.exec(code.slice(e));
  if (!index) return { function: fn.name, variable: name };
  const statement = code.slice(Math.max(code.lastIndexOf(';', s), code.lastIndexOf('{', s), code.lastIndexOf('}', s)) + 1, s);
  if (DECLARATION_BEFORE.test(statement)) {
    const length = Number(index[1]);
    if (length === 0) return `'${name}' has no elements to watch`;
    return { function: fn.name, variable: `${name}[0]`, arrayLength: length };
  }
  return { function: fn.name, variable: `${name}[${Number(index[1])}]` };
}

/** The text of a statement before a declared name: a type, then qualifiers, stars or earlier declarators. */
const DECLARATION_BEFORE = /\b(?:int|char|long|short|unsigned|signed|u8|u16|u32|u64|s8|s16|s32|s64|bool|size_t|ssize_t|struct\s+\w+|union\s+\w+|enum\s+\w+|\w+_t)\b[\w\s*,=\[\]{}()+-]*$/;

/** Does the file look like a kernel test module (rather than a user-mode program)? */
export function isKernelModuleSource(text: string): boolean {
  return /\bmodule_init\s*\(/.test(text) || /#\s*include\s*<linux\/module\.h>/.test(text);
}

/** Functions a stack watch can usefully take: not the module's init/exit entry points. */
export function watchableFunctions(text: string): CFunction[] {
  return findFunctions(text).filter((f) => !f.lifecycle);
}

/**
 * The elements a watch on an array declared `name[length]` can take, the
 * last first (a write running off the end lands just after it), then the
 * first, then the rest (at most 64 listed).
 */
export function arrayElementChoices(name: string, length: number): { label: string; description?: string }[] {
  const last = length - 1;
  const out: { label: string; description?: string }[] = [{ label: `${name}[${last}]`, description: 'last element: an overrun past the end writes just after it' }];
  if (last > 0) out.push({ label: `${name}[0]`, description: 'first element' });
  for (let i = 1; i < Math.min(last, 64); i++) out.push({ label: `${name}[${i}]` });
  return out;
}

/**
 * Check a watch config against a module's source before it is sent: the
 * function must be defined there, and a `var=NAME[INDEX]` must name an
 * element that exists (the source's declaration `NAME[N]` bounds it). An
 * error (the watch cannot work), a warning (the source cannot tell: e.g.
 * the function may be in another file of the module), or undefined.
 */
export function checkWatchAgainstSource(config: string, text: string, file = 'the module'): { severity: 'error' | 'warning'; message: string } | undefined {
  const fnName = /(?:^|\s)(?:fn|func_name)=(\S+)/.exec(config)?.[1];
  if (!fnName) return undefined;
  const functions = findFunctions(text);
  const fn = functions.find((f) => f.name === fnName);
  if (!fn) {
    const near = functions.map((f) => f.name).filter((n) => n.includes(fnName) || fnName.includes(n)).slice(0, 3);
    return { severity: 'warning', message: `${file} defines no function '${fnName}'${near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(', ')}?)` : ''}; the session will refuse it unless another file of the module has it` };
  }
  const v = /(?:^|\s)var=([A-Za-z_]\w*)(?:\[(0x[0-9a-fA-F]+|\d+)\])?(?=\s|$)/.exec(config);
  if (!v) return undefined;
  const code = blankCommentsAndStrings(text);
  const body = code.slice(fn.bodyStart, fn.bodyEnd);
  const decl = new RegExp(`\\b${v[1]}\\s*\\[\\s*(0x[0-9a-fA-F]+|\\d+)\\s*\\]`).exec(body);
  const declaredHere = new RegExp(`(?:\\b(?:int|char|long|short|unsigned|signed|u8|u16|u32|u64|s8|s16|s32|s64|bool|size_t|ssize_t|struct\\s+\\w+|union\\s+\\w+|enum\\s+\\w+|\\w+_t)\\b[\\w\\s*,]*?)\\b${v[1]}\\b`).test(body);
  if (!declaredHere) return { severity: 'warning', message: `${fnName}() declares no local '${v[1]}' in ${file}` };
  if (v[2] !== undefined && decl) {
    const index = Number(v[2]), length = Number(decl[1]);
    if (index >= length) return { severity: 'error', message: `${v[1]}[${index}] does not exist: ${v[1]} has ${length} element${length === 1 ? '' : 's'} (0–${length - 1})` };
  }
  return undefined;
}
