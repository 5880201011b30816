// `ksw build [DIR] [MAKE_ARGS…]`: build a Kbuild module folder against real
// kernel headers (toolchain/kbuild.ts) and say which headers it used and
// which .ko files it built, so `ksw run` can load them unmodified.

import * as path from 'node:path';
import { buildKbuild } from '../toolchain/kbuild';

const EXIT_BAD_INPUT = 2;

export const BUILD_USAGE = 'usage: ksw build [DIR] [MAKE_ARGS…]';

export function runBuildCommand(args: string[], err: (l: string) => void, out: (l: string) => void): number {
  if (args[0] === '-h' || args[0] === '--help') { out(BUILD_USAGE); return 0; }
  const dir = args[0] && !args[0].includes('=') ? args[0] : '.';
  const makeArgs = args[0] && !args[0].includes('=') ? args.slice(1) : args;
  const r = buildKbuild(dir, { makeArgs });
  if ('error' in r) {
    if (r.output.trim()) err(r.output.trimEnd());
    err(`ksw: ${r.error}`);
    return EXIT_BAD_INPUT;
  }
  if (r.output.trim()) out(r.output.trimEnd());
  out(`ksw: kernel headers: ${r.kdir}`);
  for (const m of r.modules) {
    const rel = path.relative(process.cwd(), m);
    out(`ksw: built ${rel && !rel.startsWith('..') ? rel : m}`);
  }
  return 0;
}
