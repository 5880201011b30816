// Compile a kernel test module with the guest SDK and the kernel flags
// (DESIGN.md §3.1): the library call behind `ksw cc`, `ksw run FILE.c` and
// a debug launch of a .c file. Below both front ends (cli, debug), so
// neither imports the other.

import type * as ChildProcess from 'node:child_process';
import * as fs from 'node:fs';
import { checkInputFile, InputFileError } from '../elf/inputFile';
import { moduleCompileArgs, sdkIncludeDir } from '../sdk/flags';

/**
 * node:child_process, required on first use: loading it pulls in node:net,
 * node:dgram and the streams, a start-up cost `ksw exec` never needs.
 */
const childProcess = (): typeof ChildProcess => require('node:child_process');

export const NO_COMPILER_MESSAGE = 'ksw: no C compiler found (set $CC or install gcc)';

export interface CompileOptions {
  /** Object file to write; default: the source's path with `.o` for `.c`. */
  output?: string;
  /** Compiler command, possibly with arguments ("ccache gcc"); default $CC, else gcc. */
  compiler?: string;
  /** Extra compiler flags, placed after the kernel flags. */
  cflags?: readonly string[];
  /** Environment for the compiler (and where $CC is read); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export type CompileFailure = 'no-source' | 'no-compiler' | 'failed';

export type CompileResult =
  /** Compiled; `diagnostics` holds the compiler's warnings, if any. */
  | { objectPath: string; diagnostics: string }
  /** `error` is one line for the user; `diagnostics` is the compiler's own output. */
  | { error: string; reason: CompileFailure; diagnostics: string };

/** The default object path: FILE.c → FILE.o beside it. */
export function defaultObjectPath(source: string): string {
  return /\.c$/i.test(source) ? source.replace(/\.c$/i, '.o') : source + '.o';
}

/** The compiler command as argv: `compiler` option, else $CC, else gcc. */
export function compilerCommand(opts: Pick<CompileOptions, 'compiler' | 'env'> = {}): string[] {
  const raw = (opts.compiler ?? (opts.env ?? process.env).CC ?? '').trim();
  const words = raw ? raw.split(/\s+/) : [];
  return words.length ? words : ['gcc'];
}

/** Compile one module source to a relocatable object. Never throws for a user's mistake. */
export function compileModule(source: string, opts: CompileOptions = {}): CompileResult {
  try {
    checkInputFile(source);
  } catch (e) {
    if (e instanceof InputFileError) return { error: `ksw: ${source}: ${e.message}`, reason: 'no-source', diagnostics: '' };
    throw e;
  }
  // gcc -c takes any other name as a linker input, does nothing and succeeds
  if (!source.endsWith('.c')) {
    return { error: `ksw: ${source}: not a C source file (ksw cc compiles FILE.c)`, reason: 'no-source', diagnostics: '' };
  }
  const output = opts.output ?? defaultObjectPath(source);
  const [cc, ...ccArgs] = compilerCommand(opts);
  let includeDir: string;
  try {
    includeDir = sdkIncludeDir();
  } catch (e) {
    return { error: `ksw: ${(e as Error).message}`, reason: 'failed', diagnostics: '' };
  }
  const args = [...ccArgs, ...moduleCompileArgs(source, output, opts.cflags ?? [], includeDir)];
  const r = childProcess().spawnSync(cc, args, { encoding: 'utf8', env: opts.env ?? process.env, maxBuffer: 64 << 20 });
  const diagnostics = (r.stdout ?? '') + (r.stderr ?? '');
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') return { error: NO_COMPILER_MESSAGE, reason: 'no-compiler', diagnostics };
    return { error: `ksw: cannot run ${cc}: ${r.error.message}`, reason: 'no-compiler', diagnostics };
  }
  if (r.status !== 0) {
    return { error: `ksw: compiling ${source} failed`, reason: 'failed', diagnostics };
  }
  if (!fs.existsSync(output)) {
    return { error: `ksw: compiling ${source} produced no ${output}`, reason: 'failed', diagnostics };
  }
  return { objectPath: output, diagnostics };
}
