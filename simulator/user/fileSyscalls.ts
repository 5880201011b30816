// File and directory system calls on the host file system (see paths.ts for
// what the guest may reach): descriptors, I/O, metadata, directories, links,
// pipes within the process, and file-backed private mmap. Errors are the
// host kernel's own errno, passed through.

import * as fs from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { Memory } from '../memory/memory';
import { AddressSpace, MAP_ANONYMOUS, MAP_SHARED, PROT_WRITE } from './addressSpace';
import { Errno, hostErrno } from './errno';
import {
  FdTable, HostFile, O_CLOEXEC, O_NONBLOCK, O_SETTABLE, OpenFile, PIPE_CAPACITY, PipeBuffer, PipeEnd, StreamFile,
} from './openFiles';
import { DIRECT_HOST_IO, hostCall, HostIo } from './hostJournal';
import { PROC_SELF_EXE, PathResolver } from './paths';
import { direntRecord, direntType, statBuffer, statxBuffer } from './statBuffers';
import { SyntheticFile, syntheticContent } from './syntheticFiles';
import { RESTART, Register, int } from './syscallTypes';
import type { StreamKind } from './syscalls';

const AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EMPTY_PATH = 0x1000;
const O_LARGEFILE = 0x8000;
const RENAME_NOREPLACE = 1;
/** The most one read/write moves; Linux also returns short counts and libc loops. */
const MAX_IO = 1 << 20;
const PATH_MAX = 4096;
const TIOCGWINSZ = 0x5413;
const S_IFIFO = 0o010000, S_IFCHR = 0o020000, S_IFREG = 0o100000, S_IFSOCK = 0o140000;
/** Simulated wall clock epoch (see syscalls.ts), for the synthetic stream stats. */
const EPOCH_NS = 1735689600n * 1_000_000_000n;

/** What file syscalls need from the process around them. */
export interface FileHost {
  read(buf: Uint8Array): number;
  write(fd: 1 | 2, b: Uint8Array): number;
  streamKind(fd: 0 | 1 | 2): StreamKind;
  warn(line: string): void;
  /** A write found no reader: send SIGPIPE. */
  brokenPipe(): void;
  /**
   * A blocking pipe operation cannot complete now: wait for another thread
   * (RESTART), or, when there is none, end the process as deadlocked.
   */
  wouldBlock(what: string): number | typeof RESTART;
  uid: number;
  gid: number;
  /** Simulated CPUs (the synthetic /sys/devices/system/cpu files, syntheticFiles.ts). */
  cpus?: number;
}

type Resolved = { guest: string; host: Buffer } | number;

export class FileSyscalls {
  readonly fds = new FdTable();
  /**
   * The first path the program looked up in the host's file system (to
   * read, change or just look at), or null: until then its history depends
   * on nothing outside the simulator (the debugger's time travel relies on it).
   */
  hostPathUsed: string | null = null;
  private umask = 0o022;
  private readonly warned = new Set<string>();

  /** @param io how host calls are made: directly, or recorded and replayed (hostJournal.ts) */
  constructor(private readonly mem: Memory, private readonly space: AddressSpace,
    readonly paths: PathResolver, private readonly host: FileHost, private readonly io: HostIo = DIRECT_HOST_IO) {
    for (const fd of [0, 1, 2] as const) this.fds.put(fd, new StreamFile(fd, host), false);
  }

  install(on: Register): void {
    // -- I/O --
    on(0, ([fd, buf, n]) => this.readv(int(fd), [[buf, n]]));
    on(19, ([fd, iov, cnt]) => this.readv(int(fd), this.iovecs(iov, cnt)));
    on(17, ([fd, buf, n, off]) => this.readv(int(fd), [[buf, n]], off));
    on(295, ([fd, iov, cnt, off]) => this.readv(int(fd), this.iovecs(iov, cnt), off));
    on(1, ([fd, buf, n]) => this.writev(int(fd), [[buf, n]]));
    on(20, ([fd, iov, cnt]) => this.writev(int(fd), this.iovecs(iov, cnt)));
    on(18, ([fd, buf, n, off]) => this.writev(int(fd), [[buf, n]], off));
    on(296, ([fd, iov, cnt, off]) => this.writev(int(fd), this.iovecs(iov, cnt), off));
    on(8, ([fd, off, whence]) => this.withFile(int(fd), (f) => f.seek(Number(BigInt.asIntN(64, off)), int(whence))));
    on(16, ([fd, req, arg]) => this.ioctl(int(fd), Number(req & 0xffffffffn), arg));

    // -- descriptors --
    on(2, ([p, flags, mode]) => this.open(AT_FDCWD, p, int(flags), int(mode)));
    on(257, ([dfd, p, flags, mode]) => this.open(int(dfd), p, int(flags), int(mode)));
    on(85, ([p, mode]) => this.open(AT_FDCWD, p, 0o1101 /* O_CREAT|O_WRONLY|O_TRUNC */, int(mode))); // creat
    on(3, ([fd]) => this.fds.close(int(fd)));
    on(32, ([fd]) => this.withFile(int(fd), (f) => this.fds.add(f, false)));
    on(33, ([o, n]) => this.dup3(int(o), int(n), 0, true));
    on(292, ([o, n, flags]) => this.dup3(int(o), int(n), int(flags), false));
    on(72, ([fd, cmd, arg]) => this.fcntl(int(fd), int(cmd), arg));
    on(22, ([p]) => this.pipe(p, 0));
    on(293, ([p, flags]) => this.pipe(p, int(flags)));
    on(74, ([fd]) => this.sync(int(fd), false));
    on(75, ([fd]) => this.sync(int(fd), true));
    on(77, ([fd, len]) => this.withFile(int(fd), (f) => (f instanceof HostFile && f.kind === 'file' && f.writable
      ? this.host_(`ftruncate fd ${f.hostFd}`, () => fs.ftruncateSync(f.hostFd, Number(len))) : -Errno.EINVAL)));

    // -- metadata --
    on(5, ([fd, buf]) => this.fstatInto(int(fd), buf, statBuffer));
    on(4, ([p, buf]) => this.statAt(AT_FDCWD, p, buf, 0, statBuffer));
    on(6, ([p, buf]) => this.statAt(AT_FDCWD, p, buf, AT_SYMLINK_NOFOLLOW, statBuffer));
    on(262, ([dfd, p, buf, flags]) => this.statAt(int(dfd), p, buf, int(flags), statBuffer));
    on(332, ([dfd, p, flags, , buf]) => this.statAt(int(dfd), p, buf, int(flags), statxBuffer));
    on(21, ([p, mode]) => this.access(AT_FDCWD, p, int(mode)));
    on(269, ([dfd, p, mode]) => this.access(int(dfd), p, int(mode)));
    on(439, ([dfd, p, mode]) => this.access(int(dfd), p, int(mode)));
    on(89, ([p, buf, size]) => this.readlink(AT_FDCWD, p, buf, size));
    on(267, ([dfd, p, buf, size]) => this.readlink(int(dfd), p, buf, size));
    on(90, ([p, mode]) => this.pathOp(AT_FDCWD, p, (h) => fs.chmodSync(h, int(mode) & 0o7777)));
    on(268, ([dfd, p, mode]) => this.pathOp(int(dfd), p, (h) => fs.chmodSync(h, int(mode) & 0o7777)));
    on(91, ([fd, mode]) => this.withFile(int(fd), (f) => (f instanceof HostFile
      ? this.host_(`fchmod fd ${f.hostFd}`, () => fs.fchmodSync(f.hostFd, int(mode) & 0o7777)) : 0)));
    on(76, ([p, len]) => this.pathOp(AT_FDCWD, p, (h) => fs.truncateSync(h, Number(len))));
    on(95, ([mask]) => { const old = this.umask; this.umask = int(mask) & 0o777; return old; });

    // -- directories and names --
    on(217, ([fd, buf, count]) => this.getdents(int(fd), buf, Number(count > BigInt(MAX_IO) ? BigInt(MAX_IO) : count)));
    on(79, ([buf, size]) => this.getcwd(buf, size));
    on(80, ([p]) => this.chdir(p));
    on(81, ([fd]) => this.withFile(int(fd), (f) => (f instanceof HostFile && f.kind === 'dir' ? this.setCwd(f.hostPath) : -Errno.ENOTDIR)));
    on(83, ([p, mode]) => this.pathOp(AT_FDCWD, p, (h) => fs.mkdirSync(h, int(mode) & 0o7777 & ~this.umask)));
    on(258, ([dfd, p, mode]) => this.pathOp(int(dfd), p, (h) => fs.mkdirSync(h, int(mode) & 0o7777 & ~this.umask)));
    on(84, ([p]) => this.pathOp(AT_FDCWD, p, (h) => fs.rmdirSync(h)));
    on(87, ([p]) => this.pathOp(AT_FDCWD, p, (h) => fs.unlinkSync(h)));
    on(263, ([dfd, p, flags]) => this.pathOp(int(dfd), p, (h) => (int(flags) & AT_REMOVEDIR ? fs.rmdirSync(h) : fs.unlinkSync(h))));
    on(82, ([a, b]) => this.rename(AT_FDCWD, a, AT_FDCWD, b, 0));
    on(264, ([da, a, db, b]) => this.rename(int(da), a, int(db), b, 0));
    on(316, ([da, a, db, b, flags]) => this.rename(int(da), a, int(db), b, int(flags)));
    on(86, ([a, b]) => this.twoPaths(AT_FDCWD, a, AT_FDCWD, b, (x, y) => fs.linkSync(x, y)));
    on(265, ([da, a, db, b]) => this.twoPaths(int(da), a, int(db), b, (x, y) => fs.linkSync(x, y)));
    on(88, ([target, p]) => this.symlink(target, AT_FDCWD, p));
    on(266, ([target, dfd, p]) => this.symlink(target, int(dfd), p));
  }

  /** mmap of a file: a private copy of its pages (shared writable mappings are not supported). */
  mmapFile(addr: bigint, len: bigint, prot: number, flags: number, fd: number, off: bigint): bigint {
    const f = this.fds.get(fd);
    if (!f) return -BigInt(Errno.EBADF);
    if (!(f instanceof HostFile) || f.kind !== 'file') return -BigInt(Errno.ENODEV);
    if (off & 0xfffn || off < 0n) return -BigInt(Errno.EINVAL);
    if (!f.readable) return -BigInt(Errno.EACCES);
    if (flags & MAP_SHARED && prot & PROT_WRITE) {
      this.warnOnce('mmap-shared', 'ksw: warning: shared writable file mappings are not supported (mmap returns -ENODEV)');
      return -BigInt(Errno.ENODEV);
    }
    const at = this.space.mmap(addr, len, prot, flags | MAP_ANONYMOUS, -1);
    if (at < 0n) return at;
    const data = hostCall(this.io, `mmap fd ${f.hostFd}`, () => {
      const n = Math.max(0, Math.min(Number(len), Number(fs.fstatSync(f.hostFd).size) - Number(off)));
      const b = Buffer.alloc(n);
      return b.subarray(0, n > 0 ? fs.readSync(f.hostFd, b, 0, n, Number(off)) : 0);
    });
    if (typeof data === 'number') return BigInt(data);
    if (data.length > 0) this.mem.write(at, data, true);
    return at;
  }

  // ---- I/O -----------------------------------------------------------------

  private iovecs(iov: bigint, cnt: bigint): [bigint, bigint][] {
    if (cnt > 1024n) return [];
    const out: [bigint, bigint][] = [];
    for (let i = 0n; i < cnt; i++) out.push([this.mem.readU64(iov + 16n * i), this.mem.readU64(iov + 16n * i + 8n)]);
    return out;
  }

  private static clamp(len: bigint): number {
    return Number(len > BigInt(MAX_IO) ? BigInt(MAX_IO) : len);
  }

  /** Gather guest buffers into one write (so a writev stays one write). */
  private writev(fd: number, bufs: [bigint, bigint][], at?: bigint): number | typeof RESTART {
    const f = this.fds.get(fd);
    if (!f || !f.writable) return -Errno.EBADF;
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const [base, len] of bufs) {
      if (BigInt.asIntN(64, len) < 0n) return -Errno.EINVAL;
      const n = Math.min(FileSyscalls.clamp(len), MAX_IO - total);
      if (n > 0) parts.push(this.mem.read(base, n));
      total += n;
    }
    if (total === 0) return 0;
    if (f instanceof PipeEnd && f.wouldBlockWrite && !(f.flags & O_NONBLOCK)) {
      return this.host.wouldBlock(`write to a full pipe (${PIPE_CAPACITY} bytes) that no other thread reads`);
    }
    const r = f.write(parts.length === 1 ? parts[0] : Buffer.concat(parts), this.offset(at));
    if (r === -Errno.EPIPE) this.host.brokenPipe();
    return r;
  }

  /** Fill guest buffers with a single read. */
  private readv(fd: number, bufs: [bigint, bigint][], at?: bigint): number | typeof RESTART {
    const f = this.fds.get(fd);
    if (!f || !f.readable) return -Errno.EBADF;
    let want = 0;
    for (const [, len] of bufs) want = Math.min(MAX_IO, want + FileSyscalls.clamp(len));
    if (want === 0) return 0;
    if (f instanceof PipeEnd && f.wouldBlockRead && !(f.flags & O_NONBLOCK)) {
      return this.host.wouldBlock('read from an empty pipe that no other thread writes');
    }
    const tmp = new Uint8Array(want);
    const got = f.read(tmp, this.offset(at));
    if (got <= 0) return got;
    let done = 0;
    for (const [base, len] of bufs) {
      if (done >= got) break;
      const n = Math.min(FileSyscalls.clamp(len), got - done);
      this.mem.write(base, tmp.subarray(done, done + n));
      done += n;
    }
    return got;
  }

  private offset(at: bigint | undefined): number | undefined {
    return at === undefined ? undefined : Number(BigInt.asIntN(64, at));
  }

  private ioctl(fd: number, req: number, arg: bigint): number {
    const f = this.fds.get(fd);
    if (!f) return -Errno.EBADF;
    // Only the window size of a real terminal: musl line-buffers stdout when it succeeds.
    if (f instanceof StreamFile && req === TIOCGWINSZ && this.host.streamKind(f.fd) === 'tty') {
      const b = Buffer.alloc(8);
      b.writeUInt16LE(24, 0);
      b.writeUInt16LE(80, 2);
      this.mem.write(arg, b);
      return 0;
    }
    return -Errno.ENOTTY;
  }

  // ---- descriptors -----------------------------------------------------------

  private withFile(fd: number, fn: (f: OpenFile) => number): number {
    const f = this.fds.get(fd);
    return f ? fn(f) : -Errno.EBADF;
  }

  private open(dfd: number, p: bigint, flags: number, mode: number): number {
    const r = this.resolve(dfd, p);
    if (typeof r === 'number') return r;
    const synthetic = syntheticContent(r.guest, this.host.cpus ?? 1);
    if (synthetic !== null) {
      if (!SyntheticFile.openable(flags)) return -Errno.EACCES;
      const file = new SyntheticFile(Buffer.from(synthetic, 'latin1'), (flags & ~O_CLOEXEC) | O_LARGEFILE);
      return this.fds.add(file, (flags & O_CLOEXEC) !== 0);
    }
    const opened = this.io.call(`open ${r.guest}`, () => {
      let hostFd: number;
      try {
        hostFd = fs.openSync(r.host, flags & ~O_CLOEXEC, mode & 0o7777 & ~this.umask);
      } catch (e) {
        return hostErrno(e);
      }
      let st: fs.Stats;
      try {
        st = fs.fstatSync(hostFd);
      } catch (e) {
        fs.closeSync(hostFd);
        return hostErrno(e);
      }
      this.io.opened(hostFd);
      return { hostFd, kind: st.isFile() ? 'file' as const : st.isDirectory() ? 'dir' as const : 'other' as const };
    });
    if (typeof opened === 'number') return opened;
    const file = new HostFile(opened.hostFd, (flags & ~O_CLOEXEC) | O_LARGEFILE, opened.kind, r.guest, r.host, this.io);
    const fd = this.fds.add(file, (flags & O_CLOEXEC) !== 0);
    if (fd < 0) file.release();
    return fd;
  }

  private dup3(oldFd: number, newFd: number, flags: number, isDup2: boolean): number {
    const f = this.fds.get(oldFd);
    if (!f) return -Errno.EBADF;
    if (newFd < 0 || newFd >= 1024) return -Errno.EBADF;
    if (oldFd === newFd) return isDup2 ? newFd : -Errno.EINVAL;
    if (flags & ~O_CLOEXEC) return -Errno.EINVAL;
    this.fds.put(newFd, f, (flags & O_CLOEXEC) !== 0);
    return newFd;
  }

  private fcntl(fd: number, cmd: number, arg: bigint): number {
    const f = this.fds.get(fd);
    if (!f) return -Errno.EBADF;
    switch (cmd) {
      case 0: return this.fds.add(f, false, int(arg)); // F_DUPFD
      case 1030: return this.fds.add(f, true, int(arg)); // F_DUPFD_CLOEXEC
      case 1: return this.fds.getCloexec(fd) ? 1 : 0; // F_GETFD
      case 2: this.fds.setCloexec(fd, (int(arg) & 1) !== 0); return 0; // F_SETFD
      case 3: return f.flags; // F_GETFL
      case 4: f.flags = (f.flags & ~O_SETTABLE) | (int(arg) & O_SETTABLE); return 0; // F_SETFL
      case 5: case 36: // F_GETLK, F_OFD_GETLK: one process, so nothing ever conflicts
        this.mem.write(arg, Uint8Array.of(2, 0)); // l_type = F_UNLCK
        return 0;
      case 6: case 7: case 37: case 38: return 0; // F_SETLK(W), F_OFD_SETLK(W)
      case 1032: return f instanceof PipeEnd ? PIPE_CAPACITY : -Errno.EINVAL; // F_GETPIPE_SZ
      default: return -Errno.EINVAL;
    }
  }

  private pipe(p: bigint, flags: number): number {
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | 0x4000 /* O_DIRECT */)) return -Errno.EINVAL;
    const buf = new PipeBuffer();
    const r = new PipeEnd(buf, false, flags & O_NONBLOCK), w = new PipeEnd(buf, true, flags & O_NONBLOCK);
    const cloexec = (flags & O_CLOEXEC) !== 0;
    const rfd = this.fds.add(r, cloexec);
    if (rfd < 0) { r.release(); w.release(); return rfd; }
    const wfd = this.fds.add(w, cloexec);
    if (wfd < 0) { this.fds.close(rfd); w.release(); return wfd; }
    const out = Buffer.alloc(8);
    out.writeInt32LE(rfd, 0);
    out.writeInt32LE(wfd, 4);
    try {
      this.mem.write(p, out);
    } catch (e) {
      this.fds.close(rfd);
      this.fds.close(wfd);
      throw e;
    }
    return 0;
  }

  private sync(fd: number, dataOnly: boolean): number {
    const f = this.fds.get(fd);
    if (!f) return -Errno.EBADF;
    if (!(f instanceof HostFile)) return -Errno.EINVAL;
    return this.host_(`sync fd ${f.hostFd}`, () => (dataOnly ? fs.fdatasyncSync(f.hostFd) : fs.fsyncSync(f.hostFd)));
  }

  // ---- metadata --------------------------------------------------------------

  private fstatInto(fd: number, buf: bigint, format: (st: BigIntStats) => Buffer): number {
    const f = this.fds.get(fd);
    if (!f) return -Errno.EBADF;
    let st: BigIntStats;
    if (f instanceof HostFile) {
      const got = hostCall(this.io, `fstat fd ${f.hostFd}`, () => fs.fstatSync(f.hostFd, { bigint: true }));
      if (typeof got === 'number') return got;
      st = got;
    } else {
      st = this.syntheticStat(f, fd);
    }
    this.mem.write(buf, format(st));
    return 0;
  }

  /** A stat for a standard stream or a pipe: enough for libc's buffering decisions. */
  private syntheticStat(f: OpenFile, fd: number): BigIntStats {
    let mode: number;
    if (f instanceof StreamFile) {
      const kind = this.host.streamKind(f.fd);
      mode = kind === 'tty' || kind === 'null' ? S_IFCHR | 0o620 : kind === 'file' ? S_IFREG | 0o644
        : kind === 'socket' ? S_IFSOCK | 0o777 : S_IFIFO | 0o600;
    } else {
      mode = f instanceof SyntheticFile ? S_IFREG | 0o444 : S_IFIFO | 0o600;
    }
    const t = EPOCH_NS;
    const fields = {
      dev: 0n, ino: BigInt(fd + 1), nlink: 1n, mode: BigInt(mode), uid: BigInt(this.host.uid), gid: BigInt(this.host.gid),
      rdev: 0n, size: f instanceof SyntheticFile ? 4096n : 0n, blksize: f instanceof PipeEnd ? 4096n : 4096n, blocks: 0n,
      atimeNs: t, mtimeNs: t, ctimeNs: t, birthtimeNs: t,
    };
    return fields as unknown as BigIntStats;
  }

  private statAt(dfd: number, p: bigint, buf: bigint, flags: number, format: (st: BigIntStats) => Buffer): number {
    if (flags & AT_EMPTY_PATH && p !== 0n && this.mem.read(p, 1)[0] === 0) {
      if (dfd !== AT_FDCWD) return this.fstatInto(dfd, buf, format);
    }
    const r = this.resolve(dfd, p, (flags & AT_EMPTY_PATH) !== 0);
    if (typeof r === 'number') return r;
    const st = hostCall(this.io, `stat ${r.guest}`, () =>
      flags & AT_SYMLINK_NOFOLLOW ? fs.lstatSync(r.host, { bigint: true }) : fs.statSync(r.host, { bigint: true }));
    if (typeof st === 'number') return st;
    this.mem.write(buf, format(st));
    return 0;
  }

  private access(dfd: number, p: bigint, mode: number): number {
    if (mode & ~7) return -Errno.EINVAL;
    return this.pathOp(dfd, p, (h) => fs.accessSync(h, mode));
  }

  private readlink(dfd: number, p: bigint, buf: bigint, size: bigint): number {
    if (BigInt.asIntN(64, size) <= 0n) return -Errno.EINVAL;
    const r = this.resolve(dfd, p);
    if (typeof r === 'number') return r;
    let target: Buffer;
    if (r.guest === PROC_SELF_EXE) {
      target = Buffer.from(this.paths.toGuest(Buffer.from(this.paths.exe, 'utf8').toString('latin1')), 'latin1');
    } else {
      const got = hostCall(this.io, `readlink ${r.guest}`, () => fs.readlinkSync(r.host, { encoding: 'buffer' }));
      if (typeof got === 'number') return got;
      target = got;
    }
    const n = Math.min(target.length, FileSyscalls.clamp(size));
    this.mem.write(buf, target.subarray(0, n));
    return n;
  }

  // ---- directories and names -------------------------------------------------

  private getdents(fd: number, buf: bigint, count: number): number {
    const f = this.fds.get(fd);
    if (!f) return -Errno.EBADF;
    if (!(f instanceof HostFile) || f.kind !== 'dir') return -Errno.ENOTDIR;
    if (!f.entries) {
      const listed = this.io.call(`list ${f.guestPath}`, () => this.listDirectory(f));
      if (typeof listed === 'number') return listed;
      f.entries = listed;
    }
    const out: Buffer[] = [];
    let used = 0;
    while (f.pos < f.entries.length) {
      const e = f.entries[f.pos];
      const rec = direntRecord(e.ino, f.pos + 1, e.type, e.name);
      if (used + rec.length > count) break;
      out.push(rec);
      used += rec.length;
      f.pos++;
    }
    if (used === 0 && f.pos < f.entries.length) return -Errno.EINVAL; // buffer too small for one entry
    if (used > 0) this.mem.write(buf, Buffer.concat(out));
    return used;
  }

  /** ".", "..", then the host's entries in the host's order. */
  private listDirectory(f: HostFile): NonNullable<HostFile['entries']> | number {
    try {
      const entries: NonNullable<HostFile['entries']> = [];
      const self = fs.fstatSync(f.hostFd, { bigint: true });
      entries.push({ name: Buffer.from('.'), type: direntType(Number(self.mode)), ino: self.ino });
      const parentHost = this.paths.toHost(this.paths.absolute('..', f.guestPath));
      const parent = typeof parentHost === 'number' ? self : fs.statSync(parentHost, { bigint: true });
      entries.push({ name: Buffer.from('..'), type: direntType(Number(parent.mode)), ino: parent.ino });
      const dir = fs.opendirSync(f.hostPath, { encoding: 'buffer' } as unknown as fs.OpenDirOptions);
      try {
        for (let d = dir.readSync(); d; d = dir.readSync()) {
          const name = d.name as unknown as Buffer;
          const st = fs.lstatSync(Buffer.concat([f.hostPath, Buffer.from('/'), name]), { bigint: true, throwIfNoEntry: false });
          if (st) entries.push({ name, type: direntType(Number(st.mode)), ino: st.ino });
        }
      } finally {
        dir.closeSync();
      }
      return entries;
    } catch (e) {
      return hostErrno(e);
    }
  }

  private getcwd(buf: bigint, size: bigint): number {
    const b = Buffer.from(this.paths.cwd + '\0', 'latin1');
    if (BigInt(b.length) > size) return -Errno.ERANGE;
    this.mem.write(buf, b);
    return b.length;
  }

  private chdir(p: bigint): number {
    const r = this.resolve(AT_FDCWD, p);
    if (typeof r === 'number') return r;
    return this.setCwd(r.host, true);
  }

  /** The working directory is the physical path, as getcwd reports it on Linux. */
  private setCwd(host: Buffer, check = false): number {
    const real = hostCall(this.io, `chdir ${host.toString('latin1')}`, () => {
      if (check && !fs.statSync(host).isDirectory()) return -Errno.ENOTDIR;
      return fs.realpathSync(host, { encoding: 'latin1' });
    });
    if (typeof real === 'number') return real;
    this.paths.cwd = this.paths.toGuest(real);
    return 0;
  }

  private rename(da: number, a: bigint, db: number, b: bigint, flags: number): number {
    if (flags & ~RENAME_NOREPLACE) return -Errno.EINVAL;
    return this.twoPaths(da, a, db, b, (x, y) => {
      if (flags & RENAME_NOREPLACE && fs.lstatSync(y, { throwIfNoEntry: false })) {
        throw Object.assign(new Error('exists'), { errno: -Errno.EEXIST, code: 'EEXIST' });
      }
      fs.renameSync(x, y);
    });
  }

  private symlink(target: bigint, dfd: number, p: bigint): number {
    const t = this.pathBytes(target);
    if (typeof t === 'number') return t;
    return this.pathOp(dfd, p, (h) => fs.symlinkSync(Buffer.from(t, 'latin1'), h));
  }

  // ---- paths -----------------------------------------------------------------

  /** A path argument as latin1 (one char per byte), or -ENAMETOOLONG/-ENOENT. */
  private pathBytes(p: bigint, allowEmpty = false): string | number {
    if (p === 0n) return -Errno.EFAULT;
    const chunks: Uint8Array[] = [];
    for (let off = 0; off < PATH_MAX; ) {
      // Read up to the end of the page, so a path at the end of a mapping does not fault.
      const addr = p + BigInt(off);
      const n = Math.min(PATH_MAX - off, 4096 - Number(addr & 0xfffn));
      const bytes = this.mem.read(addr, n);
      const nul = bytes.indexOf(0);
      if (nul >= 0) {
        chunks.push(bytes.subarray(0, nul));
        const s = Buffer.concat(chunks).toString('latin1');
        return s === '' && !allowEmpty ? -Errno.ENOENT : s;
      }
      chunks.push(bytes);
      off += n;
    }
    return -Errno.ENAMETOOLONG;
  }

  private resolve(dfd: number, p: bigint, allowEmpty = false): Resolved {
    const path = this.pathBytes(p, allowEmpty);
    if (typeof path === 'number') return path;
    let base = this.paths.cwd;
    if (!path.startsWith('/') && dfd !== AT_FDCWD) {
      const f = this.fds.get(dfd);
      if (!f) return -Errno.EBADF;
      if (!(f instanceof HostFile) || f.kind !== 'dir') return -Errno.ENOTDIR;
      base = f.guestPath;
    }
    const guest = this.paths.absolute(path === '' ? '.' : path, base);
    if (guest !== PROC_SELF_EXE && syntheticContent(guest, this.host.cpus ?? 1) === null) this.hostPathUsed ??= guest;
    // with a root, whether the path stays inside it depends on the host's symbolic links
    const host = this.paths.confined ? this.io.call(`resolve ${guest}`, () => this.paths.toHost(guest)) : this.paths.toHost(guest);
    if (typeof host === 'number') {
      this.warnOnce(`root:${guest}`, `ksw: warning: ${guest}: outside the --root directory; access denied (EACCES)`);
      return host;
    }
    return { guest, host };
  }

  private pathOp(dfd: number, p: bigint, op: (host: Buffer) => void): number {
    const r = this.resolve(dfd, p);
    return typeof r === 'number' ? r : this.host_(`path op ${r.guest}`, () => op(r.host));
  }

  private twoPaths(da: number, a: bigint, db: number, b: bigint, op: (x: Buffer, y: Buffer) => void): number {
    const x = this.resolve(da, a);
    if (typeof x === 'number') return x;
    const y = this.resolve(db, b);
    if (typeof y === 'number') return y;
    return this.host_(`path op ${x.guest} ${y.guest}`, () => op(x.host, y.host));
  }

  /** Run a host fs call (`what` names it in the journal): 0, or the host's errno. */
  private host_(what: string, op: () => void): number {
    return hostCall(this.io, what, () => {
      op();
      return 0;
    });
  }

  private warnOnce(key: string, line: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.host.warn(line);
  }
}
