// Open file descriptions and the descriptor table. A description is shared
// by every descriptor dup()ed from it (and so is its file offset), as in
// Linux; the host file closes when the last descriptor does.
//
// Kinds: the standard streams (ksw's own stdin/stdout/stderr, through the
// process host), host files and directories (a host fd; Node has no lseek,
// so the offset lives here and every read/write is positioned), and pipes
// within the process (a byte queue).

import * as fs from 'node:fs';
import { Errno, hostErrno } from './errno';
import { DIRECT_HOST_IO, hostCall, HostIo } from './hostJournal';

export const O_ACCMODE = 3, O_WRONLY = 1, O_RDWR = 2, O_APPEND = 0x400, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
/** Flags F_SETFL may change. */
export const O_SETTABLE = O_APPEND | O_NONBLOCK | 0x2000 /* O_ASYNC */ | 0x4000 /* O_DIRECT */ | 0x40000 /* O_NOATIME */;
/** Descriptors a process may have open (RLIMIT_NOFILE, as prlimit reports). */
export const MAX_FDS = 1024;

export abstract class OpenFile {
  refs = 0;
  /** open(2) flags: access mode and status flags. */
  flags: number;
  constructor(flags: number) {
    this.flags = flags;
  }
  get readable(): boolean { return (this.flags & O_ACCMODE) !== O_WRONLY; }
  get writable(): boolean { return (this.flags & O_ACCMODE) !== 0; }
  /** Bytes read into `buf` (0 at end), or a negative errno; `at` is pread's offset. */
  abstract read(buf: Uint8Array, at?: number): number;
  /** Bytes written, or a negative errno. */
  abstract write(data: Uint8Array, at?: number): number;
  /** New offset or a negative errno. */
  seek(_off: number, _whence: number): number { return -Errno.ESPIPE; }
  /** The last descriptor closed. */
  release(): void {}
}

/** A guest standard stream bound to ksw's own (or a test's) streams. */
export class StreamFile extends OpenFile {
  constructor(readonly fd: 0 | 1 | 2, private readonly io: {
    read(buf: Uint8Array): number;
    write(fd: 1 | 2, b: Uint8Array): number;
  }) {
    super(fd === 0 ? 0 : O_WRONLY);
  }
  read(buf: Uint8Array): number {
    return this.fd === 0 ? this.io.read(buf) : -Errno.EBADF;
  }
  write(data: Uint8Array): number {
    return this.fd === 0 ? -Errno.EBADF : this.io.write(this.fd, data);
  }
}

/**
 * A host file, device or directory opened by path. Every host call goes
 * through `io` (hostJournal.ts): a debugger's replay is served the
 * recorded results and leaves the host alone.
 */
export class HostFile extends OpenFile {
  pos = 0;
  /** Directory listing, read on the first getdents64 and consumed from `pos`. */
  entries: { name: Buffer; type: number; ino: bigint }[] | null = null;

  constructor(readonly hostFd: number, flags: number, readonly kind: 'file' | 'dir' | 'other',
    /** Guest path it was opened as (fchdir, *at() relative to it). */
    readonly guestPath: string, readonly hostPath: Buffer, private readonly io: HostIo = DIRECT_HOST_IO) {
    super(flags);
  }

  read(buf: Uint8Array, at?: number): number {
    if (this.kind === 'dir') return -Errno.EISDIR;
    const from = this.kind === 'other' ? at ?? null : at ?? this.pos;
    const got = hostCall(this.io, `read fd ${this.hostFd}`, () => buf.slice(0, fs.readSync(this.hostFd, buf, 0, buf.length, from)));
    if (typeof got === 'number') return got;
    buf.set(got);
    if (this.kind !== 'other' && at === undefined) this.pos += got.length;
    return got.length;
  }

  write(data: Uint8Array, at?: number): number {
    if (this.kind === 'dir') return -Errno.EISDIR;
    // [bytes written or -errno, the file offset after it]
    const [n, pos] = this.io.call(`write fd ${this.hostFd}`, (): [number, number] => {
      try {
        if (this.kind === 'other') return [fs.writeSync(this.hostFd, data, 0, data.length, at ?? null), this.pos];
        if (at === undefined && this.flags & O_APPEND) {
          const n = fs.writeSync(this.hostFd, data, 0, data.length, null); // the kernel appends
          return [n, Number(fs.fstatSync(this.hostFd).size)];
        }
        const n = fs.writeSync(this.hostFd, data, 0, data.length, at ?? this.pos);
        return [n, at === undefined ? this.pos + n : this.pos];
      } catch (e) {
        return [hostErrno(e), this.pos];
      }
    });
    this.pos = pos;
    return n;
  }

  override seek(off: number, whence: number): number {
    if (this.kind === 'other') return -Errno.ESPIPE;
    let base: number;
    switch (whence) {
      case 0: base = 0; break; // SEEK_SET
      case 1: base = this.pos; break; // SEEK_CUR
      case 2: // SEEK_END
        if (this.kind === 'dir') return -Errno.EINVAL;
        base = hostCall(this.io, `size fd ${this.hostFd}`, () => Number(fs.fstatSync(this.hostFd).size));
        if (base < 0) return base;
        break;
      default: return -Errno.EINVAL;
    }
    const next = base + off;
    if (next < 0 || !Number.isSafeInteger(next)) return -Errno.EINVAL;
    if (this.kind === 'dir' && next === 0) this.entries = null; // rewinddir sees a fresh listing
    this.pos = next;
    return next;
  }

  override release(): void {
    this.io.call(`close fd ${this.hostFd}`, () => {
      this.io.closed(this.hostFd);
      try {
        fs.closeSync(this.hostFd);
      } catch {
        // Closing can only report an earlier write error; the guest has moved on.
      }
    });
  }
}

/** Linux's default pipe capacity. */
export const PIPE_CAPACITY = 65536;

/** The buffer both ends of a pipe share. */
export class PipeBuffer {
  chunks: Uint8Array[] = [];
  size = 0;
  readers = 0;
  writers = 0;
}

export class PipeEnd extends OpenFile {
  constructor(readonly pipe: PipeBuffer, readonly isWriteEnd: boolean, flags: number) {
    super((flags & ~O_ACCMODE) | (isWriteEnd ? O_WRONLY : 0));
    if (isWriteEnd) pipe.writers++; else pipe.readers++;
  }

  /** Whether a read would have to wait (empty, with a writer that could still fill it). */
  get wouldBlockRead(): boolean {
    return !this.isWriteEnd && this.pipe.size === 0 && this.pipe.writers > 0;
  }

  /** Whether a write would have to wait (full, with a reader still there). */
  get wouldBlockWrite(): boolean {
    return this.isWriteEnd && this.pipe.size >= PIPE_CAPACITY && this.pipe.readers > 0;
  }

  read(buf: Uint8Array): number {
    if (this.isWriteEnd) return -Errno.EBADF;
    const p = this.pipe;
    if (p.size === 0) return p.writers > 0 ? -Errno.EAGAIN : 0;
    let n = 0;
    while (n < buf.length && p.chunks.length) {
      const c = p.chunks[0];
      const take = Math.min(c.length, buf.length - n);
      buf.set(c.subarray(0, take), n);
      n += take;
      if (take === c.length) p.chunks.shift(); else p.chunks[0] = c.subarray(take);
    }
    p.size -= n;
    return n;
  }

  write(data: Uint8Array): number {
    if (!this.isWriteEnd) return -Errno.EBADF;
    const p = this.pipe;
    if (p.readers === 0) return -Errno.EPIPE;
    const room = PIPE_CAPACITY - p.size;
    if (room <= 0) return -Errno.EAGAIN;
    const n = Math.min(room, data.length);
    p.chunks.push(data.slice(0, n));
    p.size += n;
    return n;
  }

  override release(): void {
    if (this.isWriteEnd) this.pipe.writers--; else this.pipe.readers--;
  }
}

/** The descriptor table: descriptor → description, plus each descriptor's close-on-exec flag. */
export class FdTable {
  private readonly files: (OpenFile | undefined)[] = [];
  private readonly cloexec: boolean[] = [];

  get(fd: number): OpenFile | undefined {
    return fd >= 0 ? this.files[fd] : undefined;
  }

  /** Install at the lowest free descriptor ≥ `min`; returns it or -EMFILE. */
  add(file: OpenFile, cloexec: boolean, min = 0): number {
    for (let fd = min; fd < MAX_FDS; fd++) {
      if (!this.files[fd]) {
        this.put(fd, file, cloexec);
        return fd;
      }
    }
    return -Errno.EMFILE;
  }

  /** Install at `fd`, closing what was there (dup2). */
  put(fd: number, file: OpenFile, cloexec: boolean): void {
    file.refs++;
    if (this.files[fd]) this.close(fd);
    this.files[fd] = file;
    this.cloexec[fd] = cloexec;
  }

  close(fd: number): number {
    const f = this.get(fd);
    if (!f) return -Errno.EBADF;
    this.files[fd] = undefined;
    if (--f.refs === 0) f.release();
    return 0;
  }

  getCloexec(fd: number): boolean { return this.cloexec[fd] ?? false; }
  setCloexec(fd: number, on: boolean): void { this.cloexec[fd] = on; }

  /** Close everything (process end). */
  closeAll(): void {
    for (let fd = 0; fd < this.files.length; fd++) if (this.files[fd]) this.close(fd);
  }
}
