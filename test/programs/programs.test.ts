// Real programs, proven against the host CPU: every test/programs/*.c is
// built with `musl-gcc -static` at -O0 and -O2, run natively, then run in the
// simulator through `node bin/ksw exec`; stdout and the exit status must be
// identical (and whatever the program wrote to stderr must come through).
//
// Needs musl-gcc (Debian: musl-tools; see scripts/install-deps.sh) and a
// built CLI (dist/ksw.js: `node scripts/build.mjs`, which `npm test` runs).
//
// Environment:
//   MUSL_GCC=path           compiler to use (default musl-gcc)
//   KSW_PROGRAMS=a,b        only these programs (names without .c)
//   KSW_PROGRAM_TIMEOUT_MS  per simulator run (default 300000)
//   KSW_KEEP_TMP=1          keep the temporary build directory
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { skipUnless } from '../tools';

// out/test/programs/programs.test.js -> repository root
const root = resolve(__dirname, '../../..');
const srcDir = join(root, 'test/programs');
const kswBin = join(root, 'bin/ksw');
const kswBundle = join(root, 'dist/ksw.js');
const cc = process.env.MUSL_GCC || 'musl-gcc';
const simTimeout = Number(process.env.KSW_PROGRAM_TIMEOUT_MS || 300_000);
const OPT_LEVELS = ['-O0', '-O2'];

/** Arguments given to a program (same natively and in the simulator). */
const ARGS: Record<string, string[]> = {
  exitcode: ['one', 'two words', '3', ''],
};

/** Extra compiler flags for a program (v2simd is built for x86-64-v2, as a distribution might). */
const CFLAGS: Record<string, string[]> = {
  v2simd: ['-march=x86-64-v2', '-mcx16'],
};

const skipReason = skipUnless('musl-gcc');
if (skipReason) console.log(`# programs.test: SKIPPED — ${skipReason}`);

let selected = readdirSync(srcDir)
  .filter((f) => f.endsWith('.c'))
  .map((f) => f.slice(0, -2))
  .sort();
if (process.env.KSW_PROGRAMS) {
  const only = new Set(process.env.KSW_PROGRAMS.split(',').map((s) => s.trim()));
  selected = selected.filter((p) => only.has(p));
}

let workDir: string | undefined;
function work(): string {
  if (!workDir) workDir = mkdtempSync(join(tmpdir(), 'ksw-programs-'));
  return workDir;
}
after(() => {
  if (workDir && !process.env.KSW_KEEP_TMP) rmSync(workDir, { recursive: true, force: true });
});

function describeRun(r: SpawnSyncReturns<string>): string {
  if (r.error) return `error ${r.error.message}`;
  if (r.signal) return `killed by ${r.signal}`;
  return `exit status ${r.status}`;
}

function tail(text: string, lines: number): string {
  const all = text.split('\n');
  return all.length > lines ? ['…', ...all.slice(-lines)].join('\n') : text;
}

/** Where two outputs first differ, for a readable failure message. */
function firstDifference(expected: string, actual: string): string {
  // A final newline ends the last line; it does not start an empty one.
  const lines = (s: string) => (s === '' ? [] : s.replace(/\n$/, '').split('\n'));
  const e = lines(expected);
  const a = lines(actual);
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) {
      const show = (s: string | undefined) => (s === undefined ? '<end of output>' : JSON.stringify(s));
      return `first difference at stdout line ${i + 1}:\n  native: ${show(e[i])}\n  ksw:    ${show(a[i])}`;
    }
  }
  return expected.endsWith('\n') === actual.endsWith('\n') ? 'outputs are equal' : 'only the final newline differs';
}

function compile(name: string, opt: string): string {
  const out = join(work(), `${name}${opt}`);
  const r = spawnSync(cc, ['-static', opt, ...(CFLAGS[name] ?? []), '-o', out, join(srcDir, `${name}.c`), '-lm'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cc} ${opt} ${name}.c failed (${describeRun(r)}):\n${r.stderr}`);
  return out;
}

describe('real programs: native vs ksw exec', { skip: skipReason }, () => {
  for (const name of selected) {
    for (const opt of OPT_LEVELS) {
      test(`${name} ${opt}`, () => {
        assert.ok(existsSync(kswBundle), `${kswBundle} is missing: run \`node scripts/build.mjs\` first`);
        const bin = compile(name, opt);
        const args = ARGS[name] ?? [];
        const opts = { encoding: 'utf8' as const, input: '', maxBuffer: 64 << 20 };

        const native = spawnSync(bin, args, { ...opts, timeout: 60_000 });
        assert.ok(!native.error && !native.signal, `native run failed: ${describeRun(native)}`);

        const sim = spawnSync(process.execPath, [kswBin, 'exec', bin, ...args], {
          ...opts,
          cwd: root,
          timeout: simTimeout,
        });
        const context = () =>
          `\nksw ${describeRun(sim)}, native exit status ${native.status}` +
          (sim.stderr ? `\nksw stderr:\n${tail(sim.stderr, 25)}` : '');
        assert.ok(!sim.error && !sim.signal, `ksw exec did not finish: ${describeRun(sim)}${context()}`);
        if (sim.stdout !== native.stdout) {
          assert.fail(`stdout differs — ${firstDifference(native.stdout, sim.stdout)}${context()}`);
        }
        assert.equal(sim.status, native.status, `exit status differs${context()}`);
        for (const line of native.stderr.split('\n').filter(Boolean)) {
          assert.ok(sim.stderr.includes(line), `native stderr line missing under ksw: ${JSON.stringify(line)}${context()}`);
        }
      });
    }
  }
});
