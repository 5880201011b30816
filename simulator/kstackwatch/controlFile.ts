// KStackWatch's debugfs control file `kstackwatch/config` with the series'
// semantics (kernel.c): one opener at a time (-EBUSY); a write of 0 or ≥ 128
// bytes is -EINVAL; any active watch is stopped first; input that trims to
// empty prints `config cleared` and stays stopped; otherwise the config is
// parsed and started, and a failure returns its errno (the kernel's
// `Failed to parse config -22` / `Failed to start watching with N` lines
// are printed by KStackWatch.start). Read: the config as written (no
// newline) while watching, else `not watching\n`.
//
// Ours: several configs may be active at once through the API; the control
// file, like the kernel's, holds one — a write replaces all of them.

import type { DebugfsFile, DebugfsOpenFile } from '../kernel/debugfs';
import { Errno } from '../user/errno';
import { MAX_CONFIG_LENGTH } from './config';
import type { KStackWatch } from './kstackwatch';
import { KswError } from './kstackwatch';

export const CONTROL_PATH = 'kstackwatch/config';

export class KswControlFile implements DebugfsFile {
  private busy = false;

  constructor(private readonly ksw: KStackWatch) {}

  open(): DebugfsOpenFile | number {
    if (this.busy) return -Errno.EBUSY;
    this.busy = true;
    let released = false;
    return {
      read: (pos, count) => Buffer.from(this.ksw.readControl()).subarray(pos, pos + count),
      write: (data) => this.write(data),
      release: () => { if (!released) { released = true; this.busy = false; } },
    };
  }

  /** One write(2) of `data`: the byte count taken, or a negative errno. */
  private write(data: Uint8Array): number {
    if (data.length === 0 || data.length >= MAX_CONFIG_LENGTH) return -Errno.EINVAL;
    try {
      this.ksw.writeControl(Buffer.from(data).toString('latin1'));
    } catch (e) {
      if (e instanceof KswError) return e.errno;
      throw e;
    }
    return data.length;
  }
}

/**
 * Open, write `text` in one write(2), release — as `echo TEXT > config`
 * does (echo's newline included unless `newline` is false). Returns the
 * write's result: bytes written or a negative errno (the open's, if it
 * failed).
 */
export function echoToControl(file: DebugfsFile, text: string, newline = true): number {
  const f = file.open();
  if (typeof f === 'number') return f;
  try {
    return f.write(Buffer.from(newline ? text + '\n' : text, 'latin1'));
  } finally {
    f.release();
  }
}

/** `cat config`: open, read to the end, release. A negative errno when the open fails. */
export function catControl(file: DebugfsFile): string | number {
  const f = file.open();
  if (typeof f === 'number') return f;
  try {
    const parts: Buffer[] = [];
    for (let pos = 0; ;) {
      const b = f.read(pos, 4096);
      if (b.length === 0) break;
      parts.push(Buffer.from(b));
      pos += b.length;
    }
    return Buffer.concat(parts).toString('latin1');
  } finally {
    f.release();
  }
}
