// The blocks a warm run compiled but left out of its big block cache file
// (blockCache.ts fewAdded: writing the file again costs more than compiling
// a few blocks), remembered beside the file until the next run. A warm
// run's few fresh blocks are often the same every time: Lua's are four
// block starts its stored traces side-exit to, which its first run never
// entered as blocks. Compiling them costs little, but a run's first compile
// starts iced-x86 (~20 ms), whose allocator then grows its wasm memory and
// detaches a buffer (codeCache.ts HashMemory says what that costs). So a
// run that compiles again a block the previous run also left out writes
// them all in, once; blocks that differ from run to run only rewrite this
// small file.

import * as fs from 'node:fs';

/** The name of a block cache file's companion listing them (pruned with it: codeCache.ts pruneEntries). */
export function fewBlocksPath(file: string): string {
  return `${file}.few`;
}

/** Did the previous run leave out any of these block keys too? */
export function recurs(file: string, keys: readonly string[]): boolean {
  let last: string;
  try {
    last = fs.readFileSync(fewBlocksPath(file), 'latin1');
  } catch {
    return false;
  }
  const before = new Set(last.split('\n'));
  return keys.some((key) => before.has(key));
}

/** Remember the keys this run left out (best effort: a lost list only costs a compile). */
export function rememberFew(file: string, keys: readonly string[]): void {
  try {
    fs.writeFileSync(fewBlocksPath(file), keys.join('\n'), 'latin1');
  } catch {
    // the next run compiles them again, as it would have
  }
}

/** Forget them (they are in the file now). */
export function forgetFew(file: string): void {
  try {
    fs.rmSync(fewBlocksPath(file), { force: true });
  } catch {
    // a stale list only makes one run write the file
  }
}
