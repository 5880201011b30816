// Building real .ko modules with Kbuild at test time (ksw build against the
// distribution's kernel headers), once per folder per test process. Without
// headers the Kbuild tests skip with the reason — except under CI=true,
// where the headers are a declared dependency (scripts/install-deps.sh) and
// their absence fails the tests.

import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, basename } from 'node:path';
import { buildKbuild } from '../../simulator/toolchain/kbuild';
import { Kernel } from '../../simulator/system/kernel';
import { skipUnless } from '../tools';

export const REPO = resolve(__dirname, '../../..');

/** `skip` option for node:test: the reason, or false (also false under CI, so the build fails the test). */
export const kbuildSkip: string | false = skipUnless('kernel-headers', 'make', 'gcc');

const built = new Map<string, string>();

/**
 * Build the Kbuild folder `src` (copied, symlinks resolved, into a fresh
 * temporary folder so the repository stays clean) and return the folder of
 * the copy, where the .ko files are.
 */
export function kbuildFolder(src: string): string {
  const done = built.get(src);
  if (done) return done;
  const dir = join(mkdtempSync(join(tmpdir(), 'ksw-kbuild-')), basename(src));
  cpSync(src, dir, { recursive: true, dereference: true });
  const r = buildKbuild(dir);
  if ('error' in r) throw new Error(`${r.error}\n${r.output}`);
  built.set(src, dir);
  return dir;
}

export function bootKo(path: string, params: Record<string, number | string> = {}, seed = 1, cpus = 4): Kernel {
  const kernel = new Kernel({ cpus, seed, maxInstructions: 500_000_000 });
  kernel.load(path);
  for (const [k, v] of Object.entries(params)) kernel.setParam(k, String(v));
  return kernel;
}

/** Offset in `fn` of the first instruction of `line` of the source file named `file` (a bare name matches any path). */
export function offsetOfLineIn(kernel: Kernel, file: string, fn: string, line: number): number {
  const sym = kernel.module!.symbol(fn)!;
  const addrs = kernel.debugInfo!.addressesFor(file, line)
    .filter((a) => a >= sym.address && a < sym.address + BigInt(sym.size));
  if (addrs.length === 0) throw new Error(`${file}:${line} has no code in ${fn}`);
  return Number(addrs.reduce((a, b) => (a < b ? a : b)) - sym.address);
}
