// The one probe for the external tools the tests need (gcc, musl-gcc, as,
// objdump, make, the kernel headers, qemu-x86_64, chromium, Debian's static liblua5.4,
// and the outside C sources scripts/install-sources.sh caches: Duktape, GCC's torture tests).
//
// Locally a missing tool skips the tests that need it, with the reason. Under
// CI=true (.ci/run sets it) every tool is a declared dependency
// (scripts/install-deps.sh), so a missing one is never a skip: skipUnless()
// answers false, the tests run and fail, and test/tools.test.ts fails naming
// every missing tool. A CI run can therefore not pass by skipping.
//
// Check by hand: `CI=true PATH=<a PATH without gcc> npm test` fails (see
// README "Tests in CI"); test/tools.test.ts does the same for one test file.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { findKernelHeaders } from '../simulator/toolchain/kbuild';

export type Tool = 'gcc' | 'musl-gcc' | 'as' | 'objdump' | 'make' | 'kernel-headers' | 'qemu-x86_64' | 'chromium' | 'liblua5.4'
  | 'duktape-source' | 'gcc-torture';

/** Debian's static Lua library (the interpreter test links it). */
export const LIBLUA = '/usr/lib/x86_64-linux-gnu/liblua5.4.a';

/** Where scripts/install-sources.sh caches outside sources (outside the repository). */
export const SOURCE_CACHE = process.env.KSW_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'kstackwatch-studio');

/** Duktape 1.3.0's C source (duktape.c, duktape.h, duk_config.h, LICENSE.txt). */
export const DUKTAPE_SRC = path.join(SOURCE_CACHE, 'duktape-1.3.0');

/** GCC's gcc.c-torture/execute tests of the installed gcc's version, or null when gcc does not answer. */
export function gccTortureDir(): string | null {
  const r = spawnSync(process.env.CC || 'gcc', ['-dumpfullversion'], { encoding: 'utf8' });
  return r.status === 0 ? path.join(SOURCE_CACHE, `gcc-torture-${r.stdout.trim()}`, 'execute') : null;
}

/** Why what install-sources.sh caches in `dir` is not there (it writes `ready` last), or null. */
function cached(dir: string | null, ready: string, what: string): string | null {
  if (dir === null) return `${what}: gcc -dumpfullversion failed`;
  return fs.existsSync(path.join(dir, ready)) ? null : `${what} is not cached in ${dir}`;
}

/** Every tool, with how to get it (the Debian package scripts/install-deps.sh installs). */
export const TOOLS: Record<Tool, { package: string; missing: () => string | null }> = {
  gcc: { package: 'gcc', missing: () => runs(process.env.CC || 'gcc') },
  'musl-gcc': { package: 'musl-tools', missing: () => runs(process.env.MUSL_GCC || 'musl-gcc') },
  as: { package: 'binutils', missing: () => runs('as') },
  objdump: { package: 'binutils', missing: () => runs('objdump') },
  make: { package: 'make', missing: () => runs('make') },
  'kernel-headers': {
    package: 'linux-headers-amd64',
    missing: () => { const h = findKernelHeaders(); return 'error' in h ? h.error : null; },
  },
  'qemu-x86_64': { package: 'qemu-user', missing: () => runs('qemu-x86_64') },
  'liblua5.4': { package: 'liblua5.4-dev', missing: () => (fs.existsSync(LIBLUA) ? null : `${LIBLUA} is missing`) },
  'duktape-source': { package: 'duktape@0.3.0 from npm', missing: () => cached(DUKTAPE_SRC, 'ready', 'Duktape 1.3.0 source') },
  'gcc-torture': { package: 'gcc-N-source', missing: () => cached(gccTortureDir(), '../ready', 'GCC torture tests') },
  chromium: {
    package: 'chromium',
    missing: () => { const p = process.env.KSW_CHROMIUM || '/usr/bin/chromium'; return fs.existsSync(p) ? null : `${p} is missing`; },
  },
};

/** True when the tests run in CI, where a missing tool is a failure. */
export const IN_CI = process.env.CI === 'true';

const cache = new Map<Tool, string | null>();

/** Why `tool` cannot be used here (a one-line reason), or null when it is installed. */
export function missingTool(tool: Tool): string | null {
  if (!cache.has(tool)) {
    const why = TOOLS[tool].missing();
    cache.set(tool, why === null ? null : `${why} (install ${TOOLS[tool].package}: scripts/install-deps.sh)`);
  }
  return cache.get(tool)!;
}

export function have(tool: Tool): boolean {
  return missingTool(tool) === null;
}

/**
 * node:test's `skip` for tests that need `tools`: the reasons when some are
 * missing — except under CI=true, where it is false (the tests run and fail).
 */
export function skipUnless(...tools: Tool[]): string | false {
  if (IN_CI) return false;
  const reasons = tools.map(missingTool).filter((r): r is string => r !== null);
  return reasons.length > 0 ? reasons.join('; ') : false;
}

/** The same as node:test options: `{ skip }`. */
export function needs(...tools: Tool[]): { skip: string | false } {
  return { skip: skipUnless(...tools) };
}

function runs(cmd: string): string | null {
  const r = spawnSync(cmd, ['--version'], { stdio: 'ignore' });
  return !r.error && r.status === 0 ? null : `${cmd} is not installed`;
}
