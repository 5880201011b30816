// The launch's `program`: a kernel test module (.o, or .c compiled as `ksw
// cc` does) or a static executable for user mode. Problems are LaunchErrors
// whose message a user can act on (missing file, compiler errors with gcc's
// own first lines, not an ELF file).

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompileOptions, CompileResult } from '../toolchain/compile';
import { makeTempDir, removeTempDir } from '../toolchain/tempDir';
import { ElfError, ElfFile, ET_DYN, ET_EXEC, ET_REL } from '../elf/elfFile';
import { checkInputFile, InputFileError, readInputFile } from '../elf/inputFile';
import { LaunchError, LaunchOptions } from './launchConfig';

export interface PreparedProgram {
  kind: 'module' | 'user';
  /** The object or executable to load. */
  path: string;
  /** The source the user named, when it was compiled here. */
  source?: string;
  /** Compiler warnings, to show in the debug console. */
  diagnostics: string;
  /** Scratch directory of a compiled object: remove it (removeTempDir) once the object is loaded. */
  tempDir?: string;
}

/** How a launched .c becomes an object (toolchain/compile.ts in the product; a test may hand in its own). */
export interface Toolchain {
  compileModule(source: string, opts: CompileOptions): CompileResult;
}

/** Diagnostics lines shown in a launch error: enough to see the first problem. */
const DIAGNOSTIC_LINES = 12;

export function prepareProgram(opts: LaunchOptions, toolchain: Toolchain): PreparedProgram {
  const program = opts.program;
  if (!fs.existsSync(program)) throw new LaunchError(`program ${program} does not exist`);
  if (fs.statSync(program).isDirectory()) throw new LaunchError(`program ${program} is a directory, not a module or executable`);
  if (program.endsWith('.c')) {
    try {
      checkInputFile(program);
    } catch (e) {
      if (e instanceof InputFileError) throw new LaunchError(`program ${program}: ${e.message}`);
      throw e;
    }
    const dir = makeTempDir('debug');
    const output = path.join(dir, path.basename(program, '.c') + '.o');
    const r = toolchain.compileModule(program, { output, compiler: opts.compiler, cflags: opts.cflags });
    if ('error' in r) {
      removeTempDir(dir);
      const lines = r.diagnostics.trim().split('\n').filter(Boolean);
      const shown = lines.slice(0, DIAGNOSTIC_LINES).join('\n');
      const more = lines.length > DIAGNOSTIC_LINES ? `\n(${lines.length - DIAGNOSTIC_LINES} more lines)` : '';
      throw new LaunchError(`${r.error.replace(/^ksw: /, '')}${shown ? `:\n${shown}${more}` : ''}`);
    }
    return { kind: 'module', path: r.objectPath, source: program, diagnostics: r.diagnostics, tempDir: dir };
  }
  let bytes: Uint8Array;
  try {
    bytes = readInputFile(program);
  } catch (e) {
    if (e instanceof InputFileError) throw new LaunchError(`cannot read program ${program}: ${e.message}`);
    throw e;
  }
  let elf: ElfFile;
  try {
    elf = ElfFile.parse(bytes);
  } catch (e) {
    if (e instanceof ElfError) throw new LaunchError(`program ${program} is not a usable x86-64 ELF file: ${e.message}`);
    throw e;
  }
  const type = elf.header.type;
  if (type === ET_REL) return { kind: 'module', path: program, diagnostics: '' };
  if (type === ET_EXEC || type === ET_DYN) return { kind: 'user', path: program, diagnostics: '' };
  throw new LaunchError(`program ${program} is neither a relocatable module (.o) nor an executable`);
}
