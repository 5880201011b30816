// Files the simulated machine answers itself instead of the host, because
// the host's would describe the wrong machine: the CPU lists under
// /sys/devices/system/cpu, which glibc's sysconf(_SC_NPROCESSORS_ONLN / _CONF)
// and get_nprocs() read (musl counts sched_getaffinity's mask instead).
// They are read-only snapshots taken at open, as sysfs attributes are.

import { Errno } from './errno';
import { O_ACCMODE, OpenFile } from './openFiles';

/** The content of the synthetic file at guest path `path`, or null when the host's file is meant. */
export function syntheticContent(path: string, cpus: number): string | null {
  switch (path) {
    case '/sys/devices/system/cpu/online':
    case '/sys/devices/system/cpu/possible':
    case '/sys/devices/system/cpu/present':
      return cpus === 1 ? '0\n' : `0-${cpus - 1}\n`;
    default:
      return null;
  }
}

/** An open synthetic file: its bytes and a file offset. */
export class SyntheticFile extends OpenFile {
  private pos = 0;

  constructor(readonly content: Uint8Array, flags: number) {
    super(flags);
  }

  /** Whether open(2) with `flags` may open it (read-only, like a sysfs attribute of root's). */
  static openable(flags: number): boolean {
    return (flags & O_ACCMODE) === 0;
  }

  read(buf: Uint8Array, at?: number): number {
    const from = at ?? this.pos;
    const n = Math.max(0, Math.min(buf.length, this.content.length - from));
    buf.set(this.content.subarray(from, from + n));
    if (at === undefined) this.pos += n;
    return n;
  }

  write(): number {
    return -Errno.EBADF;
  }

  override seek(off: number, whence: number): number {
    const base = whence === 0 ? 0 : whence === 1 ? this.pos : whence === 2 ? this.content.length : NaN;
    const next = base + off;
    if (!(next >= 0)) return -Errno.EINVAL;
    this.pos = next;
    return next;
  }
}
