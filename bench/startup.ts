// Start-up cost (part of `npm run bench`): wall time of `ksw exec` of a
// hello-world and of `ksw run` of a one-line module, next to bare `node -e 0`
// (the floor every `ksw` command pays). Each command runs several times,
// interleaved with the others so machine load hits all of them alike; the
// fastest run of each is reported.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const RUNS = 5;
/** The target for `ksw exec` of a hello-world, total wall time. */
const EXEC_TARGET_MS = 200;

interface Probe { label: string; args: string[] }

export interface StartupReport { lines: string[]; failures: string[] }

function wallMs(args: string[], cwd: string): { ms: number; ok: boolean; why: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', input: '', timeout: 120_000 });
  const ms = performance.now() - t0;
  const ok = !r.error && r.status === 0;
  return { ms, ok, why: r.error ? r.error.message : `exit status ${r.status}: ${(r.stderr ?? '').trim().split('\n').pop()}` };
}

export function measureStartup(root: string, workDir: string, cc: string, kswBin: string): StartupReport {
  const failures: string[] = [];
  const hello = join(workDir, 'startup-hello');
  const build = spawnSync(cc, ['-static', '-O2', '-o', hello, join(root, 'bench/startup/hello.c')], { encoding: 'utf8' });
  if (build.status !== 0) failures.push(`startup: ${cc} failed on bench/startup/hello.c:\n${build.stderr}`);
  const tiny = join(workDir, 'startup-tiny.o');
  const cm = spawnSync(process.execPath, [kswBin, 'cc', join(root, 'bench/startup/tiny.c'), '-o', tiny], { encoding: 'utf8' });
  if (cm.status !== 0) failures.push(`startup: ksw cc failed on bench/startup/tiny.c:\n${cm.stderr}`);
  if (failures.length) return { lines: ['start-up: not measured (see problems)'], failures };

  const probes: Probe[] = [
    { label: 'node -e 0', args: ['-e', '0'] },
    { label: 'ksw exec hello', args: [kswBin, 'exec', hello] },
    { label: 'ksw run tiny module', args: [kswBin, 'run', tiny, '--quiet'] },
  ];
  const best = probes.map(() => Infinity);
  for (let i = 0; i < RUNS; i++) {
    probes.forEach((p, j) => {
      const r = wallMs(p.args, root);
      if (!r.ok) failures.push(`startup: ${p.label} failed (${r.why})`);
      else best[j] = Math.min(best[j], r.ms);
    });
  }
  const node = best[0];
  const lines = [`start-up (best of ${RUNS}, interleaved)   wall ms   minus node`];
  probes.forEach((p, j) => {
    const extra = j === 0 ? '' : `${(best[j] - node).toFixed(0).padStart(10)}`;
    lines.push(`${p.label.padEnd(34)}${best[j].toFixed(0).padStart(9)}${extra}`);
  });
  lines.push(`ksw exec hello: ${best[1].toFixed(0)} ms (target <= ${EXEC_TARGET_MS} ms)`);
  return { lines, failures };
}
