// A minimal debugfs: files the simulated kernel's tools create (KStackWatch's
// `kstackwatch/config`), with host-side file operations. Guests reach them
// through the in-kernel file API (filp_open/kernel_read/kernel_write/
// filp_close, api/fs.ts), the command line through `ksw run --control`, the
// debugger through its custom request — all the same operations, so the
// semantics (one opener, errno returns) hold for every front end.

export const DEBUGFS_ROOT = '/sys/kernel/debug/';

/** One open of a file: per-open state lives in the object open() returns. */
export interface DebugfsOpenFile {
  /** Bytes for a read at `pos` (at most `count`); empty at end of file. */
  read(pos: number, count: number): Uint8Array;
  /** Bytes written at once; the count taken or a negative errno. */
  write(data: Uint8Array): number;
  release(): void;
}

export interface DebugfsFile {
  /** Open it: an open file, or a negative errno (-EBUSY for a single-opener file). */
  open(): DebugfsOpenFile | number;
}

export class Debugfs {
  private readonly files = new Map<string, DebugfsFile>();

  /** debugfs_create_file(): `path` relative to the debugfs root, e.g. "kstackwatch/config". */
  create(path: string, file: DebugfsFile): void {
    this.files.set(path, file);
  }

  remove(path: string): void {
    this.files.delete(path);
  }

  /** Look up an absolute path (/sys/kernel/debug/…) or one relative to the root. */
  lookup(path: string): DebugfsFile | undefined {
    const rel = path.startsWith(DEBUGFS_ROOT) ? path.slice(DEBUGFS_ROOT.length) : path;
    return this.files.get(rel);
  }

  get paths(): string[] {
    return [...this.files.keys()].sort();
  }
}
