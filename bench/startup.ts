// Start-up cost (part of `npm run bench`): wall and CPU time of `ksw exec`
// of a hello-world and of `ksw run` of a one-line module, next to bare
// `node -e 0` (the floor every `ksw` command pays) and qemu-x86_64 running
// the same hello-world. Each command runs several times, interleaved with
// the others so machine load hits all of them alike; the fastest run of each
// is reported. CPU time (user+system, /usr/bin/time) is the figure to
// compare on a loaded machine; it includes V8's background compiler and GC
// threads, which wall time on an idle machine partly hides.
// `ksw` loads its bundle through the V8 code cache (simulator/cli/codeCache.ts)
// and takes the program's compiled blocks from the block cache
// (simulator/cli/blockCache.ts); the first run of each command and program
// writes them, so the best of several runs is a run with both (warm). The
// `(new program)` row runs a fresh copy of the hello-world at a new path each
// time: the bundle's code cache is warm, the program's blocks are not (what
// the first run of a program a user just built costs). The `(no caches)`
// rows (KSW_NO_CODE_CACHE=1 turns both off) show a run without a writable
// cache (cold). The caches live in a directory of the bench's own
// (XDG_CACHE_HOME), so other ksw processes on the machine neither evict its
// entries nor find theirs evicted.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const RUNS = 5;
/** The target for `ksw exec` of a hello-world, total wall time. */
const EXEC_TARGET_MS = 200;

const TIME = '/usr/bin/time';

interface Probe {
  label: string; cmd: string; args: string[]; env?: NodeJS.ProcessEnv;
  /** A program to run in place of args[2], made anew for each run. */
  program?: () => string;
}

export interface StartupReport { lines: string[]; failures: string[] }

/** Wall ms of one run, and CPU ms when /usr/bin/time is there to tell. */
function timeRun(p: Probe, cwd: string, timeFile: string, haveTime: boolean): { ms: number; cpuMs: number; ok: boolean; why: string } {
  const probeArgs = p.program ? [...p.args.slice(0, 2), p.program(), ...p.args.slice(3)] : p.args;
  const [cmd, args] = haveTime ? [TIME, ['-f', '%U %S', '-o', timeFile, p.cmd, ...probeArgs]] : [p.cmd, probeArgs];
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', input: '', timeout: 120_000, env: p.env ?? process.env });
  const ms = performance.now() - t0;
  const ok = !r.error && r.status === 0;
  const m = ok && haveTime ? /([0-9.]+) ([0-9.]+)\s*$/.exec(readFileSync(timeFile, 'utf8')) : null;
  const cpuMs = m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN;
  return { ms, cpuMs, ok, why: r.error ? r.error.message : `exit status ${r.status}: ${(r.stderr ?? '').trim().split('\n').pop()}` };
}

/** `qemu` is the qemu-x86_64 command, or null when it is not installed. */
export function measureStartup(root: string, workDir: string, cc: string, kswBin: string, qemu: string | null): StartupReport {
  const failures: string[] = [];
  const hello = join(workDir, 'startup-hello');
  const build = spawnSync(cc, ['-static', '-O2', '-o', hello, join(root, 'bench/startup/hello.c')], { encoding: 'utf8' });
  if (build.status !== 0) failures.push(`startup: ${cc} failed on bench/startup/hello.c:\n${build.stderr}`);
  const tiny = join(workDir, 'startup-tiny.o');
  const cm = spawnSync(process.execPath, [kswBin, 'cc', join(root, 'bench/startup/tiny.c'), '-o', tiny], { encoding: 'utf8' });
  if (cm.status !== 0) failures.push(`startup: ksw cc failed on bench/startup/tiny.c:\n${cm.stderr}`);
  if (failures.length) return { lines: ['start-up: not measured (see problems)'], failures };

  const node = process.execPath;
  const caches = join(workDir, 'startup-caches');
  rmSync(caches, { recursive: true, force: true });
  const env = { ...process.env, XDG_CACHE_HOME: caches };
  const noCaches = { ...env, KSW_NO_CODE_CACHE: '1' };
  /** A copy of hello at a path no run used before (its blocks are not in the cache). */
  const fresh = join(workDir, 'startup-fresh');
  mkdirSync(fresh, { recursive: true });
  let copies = 0;
  const newHello = () => {
    const file = join(fresh, `hello-${copies++}`);
    copyFileSync(hello, file);
    return file;
  };
  const probes: Probe[] = [
    { label: 'node -e 0', cmd: node, args: ['-e', '0'] },
    { label: 'ksw exec hello', cmd: node, args: [kswBin, 'exec', hello], env },
    { label: 'ksw exec hello (new program)', cmd: node, args: [kswBin, 'exec', hello], env, program: newHello },
    { label: 'ksw exec hello (no caches)', cmd: node, args: [kswBin, 'exec', hello], env: noCaches },
    { label: 'ksw run tiny module', cmd: node, args: [kswBin, 'run', tiny, '--quiet'], env },
    { label: 'ksw run tiny module (no caches)', cmd: node, args: [kswBin, 'run', tiny, '--quiet'], env: noCaches },
  ];
  if (qemu) probes.push({ label: 'qemu-x86_64 hello', cmd: qemu, args: [hello] });
  const haveTime = !spawnSync(TIME, ['-f', '%U', 'true']).error;
  const timeFile = join(workDir, 'startup-cpu-time');
  const wall = probes.map(() => Infinity), cpu = probes.map(() => Infinity);
  for (let i = 0; i < RUNS; i++) {
    probes.forEach((p, j) => {
      const r = timeRun(p, root, timeFile, haveTime);
      if (!r.ok) failures.push(`startup: ${p.label} failed (${r.why})`);
      else { wall[j] = Math.min(wall[j], r.ms); cpu[j] = Math.min(cpu[j], r.cpuMs); }
    });
  }
  const fmt = (v: number, w: number) => (Number.isFinite(v) ? v.toFixed(0) : 'n/a').padStart(w);
  const lines = [`start-up (best of ${RUNS}, interleaved)   wall ms   minus node    CPU ms   minus node`];
  probes.forEach((p, j) => {
    const minus = (a: number[]) => (j === 0 || p.cmd !== node ? ''.padStart(13) : fmt(a[j] - a[0], 13));
    lines.push(`${p.label.padEnd(34)}${fmt(wall[j], 9)}${minus(wall)}${fmt(cpu[j], 10)}${minus(cpu)}`);
  });
  if (!qemu) lines.push('(qemu-x86_64 not installed: no qemu row)');
  if (process.env.NODE_EXTRA_CA_CERTS) lines.push('(NODE_EXTRA_CA_CERTS is set: every node start, node -e 0 included, first parses that file)');
  rmSync(fresh, { recursive: true, force: true });
  rmSync(caches, { recursive: true, force: true });
  lines.push(`ksw exec hello: ${fmt(wall[1], 0)} ms wall, ${fmt(cpu[1], 0)} ms CPU (target <= ${EXEC_TARGET_MS} ms total)`);
  return { lines, failures };
}
