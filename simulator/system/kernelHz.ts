// The CONFIG_HZ a Kbuild module was compiled with. HZ and msecs_to_jiffies()
// of constant arguments are folded into the module's code, so the simulated
// jiffies must tick at that rate for its delays to last as long as on its
// kernel. The module names its kernel release in .modinfo's vermagic
// ("6.1.0-57-amd64 SMP preempt …"); the headers of that release hold the
// configuration: $KDIR when it is that release, /lib/modules/REL/build, or
// /usr/src/linux-headers-REL (Debian's layout). include/generated/autoconf.h
// is what the compiler saw; .config is the fallback.

import * as fs from 'node:fs';
import * as path from 'node:path';

export type KernelHz = { hz: number; from: string } | { error: string };

/** Where the headers of kernel `release` may be, most specific first. */
function headerDirs(release: string, env: NodeJS.ProcessEnv): string[] {
  const dirs: string[] = [];
  if (env.KDIR && readTrimmed(path.join(env.KDIR, 'include/config/kernel.release')) === release) dirs.push(path.resolve(env.KDIR));
  dirs.push(`/lib/modules/${release}/build`, `/usr/src/linux-headers-${release}`);
  return dirs;
}

function readTrimmed(file: string): string | undefined {
  try { return fs.readFileSync(file, 'utf8').trim(); } catch { return undefined; }
}

/** CONFIG_HZ of the headers in `dir`, with the file it came from. */
function hzIn(dir: string): { hz: number; from: string } | undefined {
  const sources: [string, RegExp][] = [
    ['include/generated/autoconf.h', /^#define CONFIG_HZ (\d+)$/m],
    ['.config', /^CONFIG_HZ=(\d+)$/m],
  ];
  for (const [rel, re] of sources) {
    const file = path.join(dir, rel);
    const hz = Number(re.exec(readTrimmed(file) ?? '')?.[1]);
    if (Number.isInteger(hz) && hz >= 24 && hz <= 10000) return { hz, from: file };
  }
  return undefined;
}

/** CONFIG_HZ for a module whose vermagic is `vermagic`, or a one-line reason why it is unknown. */
export function kernelHzFor(vermagic: string | undefined, env: NodeJS.ProcessEnv = process.env): KernelHz {
  const release = vermagic?.trim().split(/\s+/)[0];
  if (!release) return { error: 'the module has no vermagic naming its kernel release' };
  if (!/^[\w.+~-]+$/.test(release)) return { error: `vermagic names an odd kernel release '${release}'` };
  for (const dir of headerDirs(release, env)) {
    const found = hzIn(dir);
    if (found) return found;
  }
  return { error: `no headers of kernel ${release} found (/lib/modules/${release}/build, /usr/src/linux-headers-${release}, or KDIR)` };
}
