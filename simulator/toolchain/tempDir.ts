// Scratch directories for compiling a .c module (`ksw run X.c`, a .c launch).
// They live only from the compile to the load and are removed then, and at
// exit whatever path the process takes to it. A process killed meanwhile
// (a signal during gcc, SIGKILL) leaves its directory behind; the name
// carries the pid, so the next ksw process removes directories whose owner
// is gone.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const PREFIX = 'ksw-';
const live = new Set<string>();
let swept = false;

/** A new empty directory /tmp/ksw-KIND-PID-XXXXXX, removed at exit at the latest. */
export function makeTempDir(kind: string): string {
  if (!swept) { swept = true; sweepOrphans(); }
  if (live.size === 0) process.once('exit', removeAll);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${kind}-${process.pid}-`));
  live.add(dir);
  return dir;
}

export function removeTempDir(dir: string | undefined): void {
  if (!dir || !live.delete(dir)) return;
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // best effort: a directory we cannot remove is left, not an error of the run
  }
}

function removeAll(): void {
  for (const d of [...live]) removeTempDir(d);
}

/** Remove ksw-KIND-PID-* directories of processes that no longer exist. */
function sweepOrphans(): void {
  let names: string[];
  try {
    names = fs.readdirSync(os.tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^ksw-[a-z]+-(\d+)-[A-Za-z0-9]{6}$/.exec(name);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    try {
      fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    } catch {
      // someone else's, or already gone
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
