// The bench's interpreter program: bench/programs/lua.lua run by Lua 5.4 —
// Debian's static liblua5.4.a (package liblua5.4-dev, installed by
// scripts/install-deps.sh) with the small `main` of the interpreter test
// (test/unit/lua/minilua.c), linked with gcc -static. A real interpreter is
// a big program that runs a lot of code a few times each (start-up, the
// parser, the library), so its figure is what translating and compiling
// cold code costs, which the small C loops beside it hardly show.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The static Lua library the interpreter is linked with. */
const LIBLUA = '/usr/lib/x86_64-linux-gnu/liblua5.4.a';

/** A script the bench runs under an interpreter: `NAME.lua` in bench/programs. */
export const SCRIPT_SUFFIX = '.lua';

/**
 * Build the interpreter into `workDir` (gcc -static -O2): its path, or a
 * one-line reason it could not be built.
 */
export function buildLua(root: string, workDir: string): { bin: string } | { why: string } {
  if (!existsSync(LIBLUA)) return { why: `${LIBLUA} is missing: install liblua5.4-dev (scripts/install-deps.sh)` };
  const bin = join(workDir, 'minilua');
  const r = spawnSync('gcc', ['-static', '-O2', '-o', bin, join(root, 'test/unit/lua/minilua.c'), LIBLUA, '-lm', '-ldl'], { encoding: 'utf8' });
  // (gcc warns that a static dlopen needs the shared libraries at run time: Lua's C module loader, unused here)
  if (r.status !== 0) return { why: `gcc failed on test/unit/lua/minilua.c: ${(r.stderr ?? r.error?.message ?? '').trim().split('\n').pop()}` };
  return { bin };
}
