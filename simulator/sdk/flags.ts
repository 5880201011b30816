// Compile flags for test modules (DESIGN.md §3.1) and where the guest SDK's
// headers are.
//
// The headers ship as plain files in simulator/sdk/include, not inside a
// bundle, so code here finds them by walking up from its own location to the
// package root: that works from the TypeScript sources, from the transpiled
// out/simulator/sdk/flags.js and from the bundled dist/ksw.js alike (and from
// an installed extension, as long as simulator/sdk/include is packaged).
// KSW_SDK_INCLUDE overrides the search.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** The kernel flags of the CLI contract: the canary lives at %gs:0x28, as in x86-64 kernels. */
export const KERNEL_CFLAGS: readonly string[] = [
  '-c', '-O2', '-g', '-mcmodel=kernel', '-mno-red-zone', '-mgeneral-regs-only', '-fno-pic',
  '-ffreestanding', '-fstack-protector-strong', '-mstack-protector-guard-reg=gs',
  '-mstack-protector-guard-offset=40',
];

/**
 * Added to the contract's flags, as kbuild does: the kernel's defines, and an
 * error (not gcc 12's warning) for a call to an undeclared function, which
 * here usually means "not in the SDK" and would otherwise surface only as an
 * unresolved symbol at load time.
 */
export const SDK_CFLAGS: readonly string[] = [
  '-D__KERNEL__', '-DMODULE', '-Werror=implicit-function-declaration',
];

/** Path of the headers relative to the package root. */
export const SDK_INCLUDE_RELATIVE = path.join('simulator', 'sdk', 'include');

let cachedIncludeDir: string | undefined;

/** The directory to pass with -I (it holds linux/*.h and asm/*.h). */
export function sdkIncludeDir(): string {
  const override = process.env.KSW_SDK_INCLUDE;
  if (override) return path.resolve(override);
  if (cachedIncludeDir) return cachedIncludeDir;
  const found = findSdkIncludeDir(__dirname);
  if (!found) throw new Error(`guest SDK headers not found (looked for ${SDK_INCLUDE_RELATIVE} above ${__dirname})`);
  cachedIncludeDir = found;
  return found;
}

/** Walk up from `start` to the first directory holding the SDK headers. */
export function findSdkIncludeDir(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    const candidate = path.join(dir, SDK_INCLUDE_RELATIVE);
    if (fs.existsSync(path.join(candidate, 'linux', 'module.h'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** KBUILD_MODNAME for a source file, as kbuild derives it: the base name with non-identifier characters as '_'. */
export function moduleNameFor(source: string): string {
  const base = path.basename(source).replace(/\.[^.]*$/, '');
  return base.replace(/[^A-Za-z0-9_]/g, '_') || 'module';
}

/**
 * gcc arguments compiling `source` to `output`. The caller's flags come after
 * ours, so e.g. `-O0` or `-gdwarf-4` override the defaults.
 */
export function moduleCompileArgs(source: string, output: string, extraFlags: readonly string[] = [],
  includeDir: string = sdkIncludeDir()): string[] {
  return [
    ...KERNEL_CFLAGS, ...SDK_CFLAGS, `-DKBUILD_MODNAME="${moduleNameFor(source)}"`, '-I', includeDir,
    ...extraFlags, source, '-o', output,
  ];
}
