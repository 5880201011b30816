// The launch's `program`: a kernel test module (.o, or .c compiled as `ksw
// cc` does), a Kbuild module folder or a .ko inside one (built with Kbuild
// against real kernel headers first, as `ksw build` does — make is
// incremental, so F5 after an edit debugs the edited source), a .ko built
// elsewhere, or a static executable for user mode. Problems are LaunchErrors
// whose message a user can act on (missing file, compiler errors with gcc's
// own first lines, no kernel headers, not an ELF file).

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompileOptions, CompileResult } from '../toolchain/compile';
import { isKbuildFolder, KbuildOptions, KbuildResult } from '../toolchain/kbuild';
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
  /** What a Kbuild build did (make's output, the headers used, the .ko), for the debug console. */
  buildLog?: string;
  /** Scratch directory of a compiled object: remove it (removeTempDir) once the object is loaded. */
  tempDir?: string;
}

/** How a launched .c or Kbuild folder becomes an object (toolchain/ in the product; a test may hand in its own). */
export interface Toolchain {
  compileModule(source: string, opts: CompileOptions): CompileResult;
  buildKbuild(dir: string, opts: KbuildOptions): KbuildResult;
}

/** Diagnostics lines shown in a launch error: enough to see the first problem. */
const DIAGNOSTIC_LINES = 12;

export function prepareProgram(opts: LaunchOptions, toolchain: Toolchain): PreparedProgram {
  const program = opts.program;
  const kbuild = kbuildFolderOf(program);
  if (kbuild) return buildModule(opts, kbuild, toolchain);
  if (!fs.existsSync(program)) throw new LaunchError(`program ${program} does not exist`);
  if (fs.statSync(program).isDirectory()) {
    throw new LaunchError(`program ${program} is a directory without a Makefile or Kbuild naming obj-m: give a Kbuild module folder, a module (.c, .o, .ko) or an executable`);
  }
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
      throw new LaunchError(`${r.error.replace(/^ksw: /, '')}${diagnosticLines(r.diagnostics)}`);
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

/** The first compiler lines of a failed build, after a colon (empty when there are none). */
function diagnosticLines(text: string): string {
  const lines = text.trim().split('\n').filter(Boolean);
  if (lines.length === 0) return '';
  const more = lines.length > DIAGNOSTIC_LINES ? `\n(${lines.length - DIAGNOSTIC_LINES} more lines)` : '';
  return `:\n${lines.slice(0, DIAGNOSTIC_LINES).join('\n')}${more}`;
}

/** The Kbuild folder to build for `program`: the folder itself, or the folder of a .ko inside one; else null. */
function kbuildFolderOf(program: string): string | null {
  let isDir = false;
  try {
    isDir = fs.statSync(program).isDirectory();
  } catch { /* absent: a .ko that is not built yet */ }
  if (isDir) return isKbuildFolder(program) ? program : null;
  return program.endsWith('.ko') && isKbuildFolder(path.dirname(program)) ? path.dirname(program) : null;
}

/** Build a Kbuild folder and pick the module to load: the named .ko, or the folder's only one. */
function buildModule(opts: LaunchOptions, folder: string, toolchain: Toolchain): PreparedProgram {
  const r = toolchain.buildKbuild(folder, { kdir: opts.kernelHeaders, makeArgs: opts.makeArgs });
  if ('error' in r) {
    // make's own lines are mostly "CC [M]" progress: the compiler's messages are what explain a failure
    const compilerLines = r.output.split('\n').filter((l) => /\b(error|warning|note):|^make(\[\d+\])?: \*\*\*/.test(l)).join('\n');
    throw new LaunchError(`${r.error}${diagnosticLines(compilerLines)}`);
  }
  const built = r.modules.map((m) => path.basename(m)).join(', ');
  let ko: string;
  if (opts.program.endsWith('.ko')) {
    if (!fs.existsSync(opts.program)) throw new LaunchError(`Kbuild did not build ${path.basename(opts.program)} in ${folder} (it built ${built}): check obj-m`);
    ko = opts.program;
  } else if (r.modules.length === 1) {
    ko = r.modules[0];
  } else {
    throw new LaunchError(`Kbuild built ${r.modules.length} modules in ${folder} (${built}): set 'program' to the one to debug, e.g. "${path.join(folder, path.basename(r.modules[0]))}"`);
  }
  const buildLog = `${r.output.trimEnd()}\nksw: kernel headers: ${r.kdir}\nksw: built ${r.modules.join(', ')}; debugging ${path.basename(ko)}\n`;
  return { kind: 'module', path: ko, diagnostics: '', buildLog };
}
