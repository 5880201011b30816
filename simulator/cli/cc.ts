// `ksw cc FILE.c [-o FILE.o] [gcc flags…]`: compile a test module with the
// guest SDK and the kernel flags (DESIGN.md §3.1). The library call behind
// it, shared with `ksw run FILE.c` and the debug adapter, is
// toolchain/compile.ts.
//
// Argument rule: FILE.c comes first, as in the contract; `-o FILE` may
// appear anywhere after it; every other argument goes to the compiler, after
// the kernel flags (so `-O0` overrides `-O2`).

import * as fs from 'node:fs';
import { compileModule } from '../toolchain/compile';

export { compileModule, compilerCommand, defaultObjectPath, NO_COMPILER_MESSAGE } from '../toolchain/compile';
export type { CompileOptions, CompileResult, CompileFailure } from '../toolchain/compile';

/** Exit status for bad input (usage, no compiler, compile errors), per the CLI contract. */
const EXIT_BAD_INPUT = 2;

export const CC_USAGE = 'usage: ksw cc FILE.c [-o FILE.o] [gcc flags…]';

export interface CcArgs {
  source: string;
  output?: string;
  cflags: string[];
}

/** Parse `ksw cc` arguments; a string is a usage error message. */
export function parseCcArgs(argv: readonly string[]): CcArgs | 'help' | string {
  if (argv.length === 0) return 'ksw cc: missing FILE.c';
  const [source, ...rest] = argv;
  if (source === '-h' || source === '--help') return 'help';
  if (source.startsWith('-')) return `ksw cc: FILE.c must come first (got '${source}')`;
  let output: string | undefined;
  const cflags: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '-o') {
      if (i + 1 >= rest.length) return "ksw cc: '-o' needs a file name";
      output = rest[++i];
    } else if (a.startsWith('-o') && a.length > 2) {
      output = a.slice(2);
    } else {
      cflags.push(a);
    }
  }
  return { source, output, cflags };
}

function writeStderr(text: string): void {
  try {
    fs.writeSync(2, text);
  } catch {
    // A closed stderr must not turn into a crash.
  }
}

/**
 * The `ksw cc` command. Returns the exit status: 0, or 2 for a usage error,
 * a missing compiler or a failed compile (the compiler's diagnostics are
 * passed through, then one `ksw:` line).
 */
export function runCcCommand(args: string[],
  err: (line: string) => void = (l) => writeStderr(l + '\n'),
  out: (line: string) => void = (l) => { try { fs.writeSync(1, l + '\n'); } catch { /* closed stdout */ } }): number {
  const parsed = parseCcArgs(args);
  if (parsed === 'help') { out(CC_USAGE); return 0; }
  if (typeof parsed === 'string') { err(parsed); err(CC_USAGE); return EXIT_BAD_INPUT; }
  const r = compileModule(parsed.source, { output: parsed.output, cflags: parsed.cflags });
  if (r.diagnostics) {
    for (const line of r.diagnostics.replace(/\n$/, '').split('\n')) err(line);
  }
  if ('error' in r) {
    err(r.error);
    return EXIT_BAD_INPUT;
  }
  return 0;
}
