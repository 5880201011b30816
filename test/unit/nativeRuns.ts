// Running one static binary natively and under `ksw exec` (the SSE and x87
// tests compare the two).

import assert from 'node:assert/strict';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const kswBin = join(root, 'bin/ksw');
const kswBundle = join(root, 'dist/ksw.js');

export function describeRun(r: SpawnSyncReturns<string>): string {
  if (r.error) return `error ${r.error.message}`;
  if (r.signal) return `killed by ${r.signal}`;
  return `exit status ${r.status}`;
}

/** The first few differing lines, for a readable failure. */
export function differences(expected: string, actual: string, max = 8): string {
  const e = expected.split('\n'), a = actual.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(e.length, a.length) && out.length < max; i++) {
    if (e[i] !== a[i]) out.push(`line ${i + 1}:\n  native: ${e[i] ?? '<end>'}\n  ksw:    ${a[i] ?? '<end>'}`);
  }
  return out.join('\n');
}

/** Run natively and under `ksw exec`; both must finish with the same exit status. */
export function runBoth(bin: string): { native: SpawnSyncReturns<string>; sim: SpawnSyncReturns<string> } {
  assert.ok(existsSync(kswBundle), `${kswBundle} is missing: run \`node scripts/build.mjs\` first`);
  const opts = { encoding: 'utf8' as const, input: '', maxBuffer: 256 << 20 };
  const native = spawnSync(bin, [], { ...opts, timeout: 60_000 });
  assert.ok(!native.error && !native.signal, `native run failed: ${describeRun(native)}`);
  const sim = spawnSync(process.execPath, [kswBin, 'exec', bin], { ...opts, cwd: root, timeout: 600_000 });
  assert.ok(!sim.error && !sim.signal, `ksw exec did not finish: ${describeRun(sim)}\n${sim.stderr}`);
  assert.equal(sim.status, native.status, `exit status differs; ksw stderr:\n${sim.stderr}`);
  return { native, sim };
}

/**
 * An interpreter `bin` running `script OUT`, natively and under `ksw exec`
 * (from the repository root), each told to write its own OUT file in `dir`
 * (native.txt, sim.txt); the native run must exit `status`.
 */
export function runScriptBoth(bin: string, script: string, dir: string, status: number, timeout: number):
  { native: SpawnSyncReturns<string>; sim: SpawnSyncReturns<string> } {
  const run = (argv0: string[], out: string) =>
    spawnSync(argv0[0], [...argv0.slice(1), bin, script, join(dir, out)], { encoding: 'utf8', input: '', timeout, cwd: root });
  const native = run(['env'], 'native.txt');
  assert.equal(native.status, status, native.stderr);
  return { native, sim: run([process.execPath, kswBin, 'exec'], 'sim.txt') };
}

/** Flags for small static programs without libc (own _start, raw syscalls). */
export const NOLIBC = ['-static', '-nostdlib', '-fno-pie', '-no-pie', '-ffreestanding', '-fno-builtin', '-mno-red-zone',
  '-fno-tree-loop-distribute-patterns', '-fno-stack-protector', '-fno-math-errno'];

/**
 * A temporary folder for one test file's programs, removed after the tests
 * (kept with KSW_KEEP_TMP=1); `build` compiles a C source there.
 */
export function nativeWorkspace(prefix: string, after: (fn: () => void) => void): {
  dir: () => string;
  build: (cc: string, source: string, name: string, flags: string[], libs?: string[]) => string;
} {
  let workDir: string | undefined;
  const dir = (): string => (workDir ??= mkdtempSync(join(tmpdir(), prefix)));
  after(() => {
    if (workDir && !process.env.KSW_KEEP_TMP) rmSync(workDir, { recursive: true, force: true });
  });
  const build = (cc: string, source: string, name: string, flags: string[], libs: string[] = []): string => {
    const src = join(dir(), `${name}.c`);
    const out = join(dir(), name);
    writeFileSync(src, source);
    const r = spawnSync(cc, [...flags, '-o', out, src, ...libs], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${cc} ${flags.join(' ')} ${name}.c failed:\n${r.stderr}`);
    return out;
  };
  return { dir, build };
}
