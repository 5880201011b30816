// An outside C test suite at 100 %: GCC's C torture execution tests
// (gcc.c-torture/execute, the installed gcc's version, cached by
// scripts/install-sources.sh from Debian's gcc-<major>-source). Every
// top-level program is built with musl-gcc -static at -O0 and at -O2 (plus
// its own dg-options, as GCC's harness adds them; -w as c-torture does), run
// natively and under the simulator; the exit status and stdout must match.
// A program that does not build or fails natively is not ours: it is listed
// as such (none are with GCC 12), never counted as passed.
//
// Cost: about 3,200 compiles, cached by content in the source cache (so only
// the first run pays), and as many simulator runs in two worker threads.
// KSW_TORTURE=name,name runs only those programs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { gccTortureDir, skipUnless } from '../tools';
import { dgOptions, STDOUT_VARIES, TortureCase, tortureCases } from './torture/cases';
import type { SimAnswer } from './torture/simWorker';

const skip = skipUnless('musl-gcc', 'gcc-torture');
const CC = process.env.MUSL_GCC || 'musl-gcc';
const LEVELS = ['-O0', '-O2'];
const JOBS = Math.max(1, Math.min(2, os.availableParallelism()));

interface Build { c: TortureCase; level: string; binary: string; problem?: string }

/** Build (or find already built) every case at `level`; `problem` is the compiler's first error line. */
async function buildAll(cases: TortureCase[], level: string, binDir: string): Promise<Build[]> {
  const ccVersion = spawnSync(CC, ['-dumpfullversion'], { encoding: 'utf8' }).stdout.trim();
  fs.mkdirSync(binDir, { recursive: true });
  const builds = cases.map((c): Build => {
    const flags = ['-static', level, '-w', ...c.options];
    const key = createHash('sha1').update(`${ccVersion}\0${flags.join(' ')}\0`).update(fs.readFileSync(c.source)).digest('hex').slice(0, 12);
    return { c, level, binary: path.join(binDir, `${c.name}${level}-${key}`) };
  });
  const todo = builds.filter((b) => !fs.existsSync(b.binary));
  const one = (b: Build): Promise<void> => new Promise((resolve) => {
    const tmp = `${b.binary}.tmp${process.pid}`;
    let stderr = '';
    const p = spawn(CC, ['-static', b.level, '-w', ...b.c.options, '-o', tmp, b.c.source, '-lm'], { stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('close', (status) => {
      if (status === 0) fs.renameSync(tmp, b.binary);
      else b.problem = `does not build: ${stderr.split('\n').find((l) => /error/.test(l)) ?? `${CC} exit ${status}`}`;
      resolve();
    });
  });
  let next = 0;
  await Promise.all(Array.from({ length: JOBS }, async () => { while (next < todo.length) await one(todo[next++]); }));
  return builds;
}

/** Run every binary under the simulator in JOBS worker threads. */
function simulateAll(binaries: string[]): Promise<Map<string, SimAnswer>> {
  const answers = new Map<string, SimAnswer>();
  let next = 0;
  return new Promise((resolve, reject) => {
    let live = 0;
    for (let j = 0; j < Math.min(JOBS, binaries.length); j++) {
      const w = new Worker(path.join(__dirname, 'torture', 'simWorker.js'));
      live++;
      const feed = () => {
        if (next < binaries.length) w.postMessage({ binary: binaries[next++] });
        else void w.terminate().then(() => { if (--live === 0) resolve(answers); });
      };
      w.on('message', (a: SimAnswer) => { answers.set(a.binary, a); feed(); });
      w.on('error', reject);
      feed();
    }
    if (binaries.length === 0) resolve(answers);
  });
}

test('dg-options: the options GCC\'s harness adds on x86_64-linux are taken, other targets\' are not', () => {
  assert.deepEqual(dgOptions('/* { dg-options "-fgnu89-inline" } */'), ['-fgnu89-inline']);
  assert.deepEqual(dgOptions('/* { dg-options { "-fwrapv" } } */'), ['-fwrapv']);
  assert.deepEqual(dgOptions('/* { dg-additional-options "-fmodulo-sched -fno-dce" } */'), ['-fmodulo-sched', '-fno-dce']);
  assert.deepEqual(dgOptions('/* { dg-options "-mno-mmx -Wno-psabi" { target { x86_64-*-* i?86-*-* } } } */'), ['-mno-mmx', '-Wno-psabi']);
  assert.deepEqual(dgOptions('/* { dg-options "-mtune=i686" { target { { i?86-*-* x86_64-*-* } && ia32 } } } */'), []);
  assert.deepEqual(dgOptions('/* { dg-additional-options "-fno-common" { target hppa*-*-hpux* } } */'), []);
  assert.deepEqual(dgOptions('/* { dg-require-effective-target int32plus } */'), []);
});

for (const level of LEVELS) {
  test(`GCC C torture tests (gcc.c-torture/execute) at ${level}: every program runs as natively (exit status and stdout)`, { skip }, async (t) => {
    const dir = gccTortureDir()!;
    const only = process.env.KSW_TORTURE?.split(',').filter(Boolean);
    let cases = tortureCases(dir);
    if (!only) assert.ok(cases.length >= 1000, `only ${cases.length} programs in ${dir}: is the cache complete?`);
    else cases = cases.filter((c) => only.includes(c.name));

    const builds = await buildAll(cases, level, path.join(dir, '..', 'bin'));
    const notOurs: string[] = [];
    const expected = new Map<string, { status: number; stdout: string; c: TortureCase }>();
    for (const b of builds) {
      if (b.problem) { notOurs.push(`${b.c.name}: ${b.problem}`); continue; }
      const r = spawnSync(b.binary, [], { encoding: 'latin1', input: '', timeout: 60_000 });
      if (r.status !== 0) { notOurs.push(`${b.c.name}: fails natively (${r.signal ?? `exit ${r.status}`})`); continue; }
      expected.set(b.binary, { status: r.status, stdout: r.stdout, c: b.c });
    }

    const answers = await simulateAll([...expected.keys()]);
    const failures: string[] = [];
    for (const [binary, want] of expected) {
      const got = answers.get(binary)!;
      const name = want.c.name;
      if (got.error) failures.push(`${name}: simulator error ${got.error}`);
      else if (got.status !== want.status) failures.push(`${name}: exit ${got.status}, natively ${want.status}: ${got.stderr.trim().split('\n')[0]}`);
      else if (!(name in STDOUT_VARIES) && got.stdout !== want.stdout) failures.push(`${name}: stdout differs (${JSON.stringify(got.stdout.slice(0, 80))})`);
    }
    t.diagnostic(`${level}: ${expected.size - failures.length} of ${expected.size} programs match the native run; ` +
      `${notOurs.length} not ours${notOurs.length ? `: ${notOurs.join('; ')}` : ''}`);
    assert.deepEqual(failures, [], `${failures.length} of ${expected.size} torture programs differ at ${level}:\n  ${failures.join('\n  ')}`);
  });
}
