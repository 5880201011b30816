// Build a Kbuild module folder (a Makefile or Kbuild file with obj-m)
// against real kernel headers, as a kernel developer does (`make -C $KDIR
// M=$PWD modules`), so the simulated kernel can load the .ko unmodified:
// the library call behind `ksw build` and a debug launch of a Kbuild folder
// (below both front ends, as compile.ts is). The headers are the given
// directory, else $KDIR, else /lib/modules/$(uname -r)/build, else the
// newest /usr/src/linux-headers-* with a .config. KStackWatch's own helpers (ksw_watch_show/_fire) are not in
// the headers' Module.symvers, so a small symvers file declaring them is
// passed to modpost (KBUILD_EXTRA_SYMBOLS) — the simulated kernel exports them.

import type * as ChildProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** What Debian calls the headers package of its default kernel. */
/** node:child_process, required on first use (see childProcess in compile.ts). */
const childProcess = (): typeof ChildProcess => require('node:child_process');

export const HEADERS_PACKAGE = 'linux-headers-amd64';

/** Exports of the simulated kernel that no distribution kernel has (for modpost). */
const SIMULATOR_ONLY_EXPORTS = ['ksw_watch_show', 'ksw_watch_fire'];

export interface KbuildOptions {
  /** Kernel build directory; default: findKernelHeaders(). */
  kdir?: string;
  /** Extra make arguments (V=1, CONFIG_…=y, targets other than `modules` are not supported). */
  makeArgs?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

export type KbuildResult =
  | { modules: string[]; kdir: string; output: string }
  | { error: string; output: string };

/** The kernel build directory to use, or a one-line reason why there is none. */
export function findKernelHeaders(env: NodeJS.ProcessEnv = process.env): { kdir: string } | { error: string } {
  if (env.KDIR) {
    return isBuildDir(env.KDIR) ? { kdir: path.resolve(env.KDIR) }
      : { error: `KDIR=${env.KDIR} is not a kernel build directory (no Makefile)` };
  }
  const running = `/lib/modules/${os.release()}/build`;
  if (isBuildDir(running) && fs.existsSync(path.join(running, '.config'))) return { kdir: running };
  let candidates: string[] = [];
  try {
    candidates = fs.readdirSync('/usr/src').filter((n) => n.startsWith('linux-headers-'))
      .map((n) => path.join('/usr/src', n)).filter((d) => isBuildDir(d) && fs.existsSync(path.join(d, '.config')));
  } catch { /* no /usr/src */ }
  candidates.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const newest = candidates.pop();
  if (newest) return { kdir: newest };
  return { error: `no kernel headers found: install ${HEADERS_PACKAGE} (apt-get install ${HEADERS_PACKAGE}) or set KDIR` };
}

function isBuildDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'Makefile'));
}

/** Whether `dir` is a Kbuild module folder: a Makefile or Kbuild file naming obj-m. */
export function isKbuildFolder(dir: string): boolean {
  for (const f of ['Kbuild', 'Makefile']) {
    try {
      if (/^\s*obj-m\s*[:+]?=/m.test(fs.readFileSync(path.join(dir, f), 'utf8'))) return true;
    } catch { /* absent */ }
  }
  return false;
}

export function buildKbuild(dir: string, opts: KbuildOptions = {}): KbuildResult {
  const env = opts.env ?? process.env;
  const folder = path.resolve(dir);
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) return { error: `${dir}: no such directory`, output: '' };
  if (!isKbuildFolder(folder)) return { error: `${dir}: no Makefile or Kbuild with obj-m (not a Kbuild module folder)`, output: '' };
  const found = opts.kdir ? (isBuildDir(opts.kdir) ? { kdir: path.resolve(opts.kdir) } : { error: `${opts.kdir} is not a kernel build directory (no Makefile)` })
    : findKernelHeaders(env);
  if ('error' in found) return { error: found.error, output: '' };
  const symvers = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-build-')), 'Module.symvers');
  fs.writeFileSync(symvers, SIMULATOR_ONLY_EXPORTS.map((s) => `0x00000000\t${s}\tvmlinux\tEXPORT_SYMBOL\t\n`).join(''));
  const before = Date.now();
  const r = childProcess().spawnSync('make', ['-C', found.kdir, `M=${folder}`, `KBUILD_EXTRA_SYMBOLS=${symvers}`, ...(opts.makeArgs ?? []), 'modules'], {
    env, encoding: 'utf8', maxBuffer: 64 << 20,
  });
  fs.rmSync(path.dirname(symvers), { recursive: true, force: true });
  const output = (r.stdout ?? '') + (r.stderr ?? '');
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'make is not installed (apt-get install make)' : `make failed to start: ${code ?? r.error.message}`, output };
  }
  if (r.status !== 0) {
    const first = output.split('\n').find((l) => /error|Error/.test(l))?.trim() ?? `make exited with status ${r.status}`;
    return { error: `Kbuild failed: ${first}`, output };
  }
  const modules = fs.readdirSync(folder).filter((n) => n.endsWith('.ko'))
    .map((n) => path.join(folder, n)).filter((p) => fs.statSync(p).mtimeMs >= before - 2000).sort();
  const all = modules.length ? modules : fs.readdirSync(folder).filter((n) => n.endsWith('.ko')).map((n) => path.join(folder, n)).sort();
  if (all.length === 0) return { error: `Kbuild built no .ko in ${dir}`, output };
  return { modules: all, kdir: found.kdir, output };
}

