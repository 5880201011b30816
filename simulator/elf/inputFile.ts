// Reading a program or module named by a user: only a regular file, and at
// most MAX_INPUT_BYTES of it. A device (/dev/zero) would be read forever and
// a FIFO would block the reader; both are refused like execve refuses them.
// One helper for `ksw run`, `ksw exec`, the adapter's launch and the loaders.

import * as fs from 'node:fs';
import { UserError } from '../errors/userError';

/** Far above any module or static executable we load; a bound on host memory. */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** A file we cannot read, with a one-line reason ("no such file", "not a regular file"…). */
export class InputFileError extends UserError {}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'is a directory',
  ENOTDIR: 'no such file (a path component is not a directory)', ELOOP: 'too many symbolic links',
  ENXIO: 'not a regular file',
};

/** The whole content of a regular file of at most `max` bytes; InputFileError otherwise. */
export function readInputFile(path: string, max = MAX_INPUT_BYTES): Uint8Array {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; we refuse it just after
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw new InputFileError(reason(e));
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw new InputFileError('is a directory');
    if (!st.isFile()) throw new InputFileError('not a regular file');
    if (st.size > max) throw new InputFileError(`too large (${st.size} bytes; at most ${max})`);
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = fs.readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break; // the file shrank meanwhile
      got += n;
    }
    return buf.subarray(0, got);
  } catch (e) {
    if (e instanceof InputFileError) throw e;
    throw new InputFileError(reason(e));
  } finally {
    fs.closeSync(fd);
  }
}

/** Like readInputFile, for a check before other tools (gcc) read the file: refuse what it would refuse. */
export function checkInputFile(path: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch (e) {
    throw new InputFileError(reason(e));
  }
  if (st.isDirectory()) throw new InputFileError('is a directory');
  if (!st.isFile()) throw new InputFileError('not a regular file');
  if (st.size > MAX_INPUT_BYTES) throw new InputFileError(`too large (${st.size} bytes; at most ${MAX_INPUT_BYTES})`);
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return (code && REASONS[code]) ?? `cannot read: ${(e as Error).message}`;
}
