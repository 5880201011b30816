// Linux errno values (x86-64) the user-mode syscalls return, negated, in RAX.

export const enum Errno {
  EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12,
  EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19, ENOTDIR = 20, EISDIR = 21, EINVAL = 22,
  EMFILE = 24, ENOTTY = 25, ESPIPE = 29, EPIPE = 32, ERANGE = 34, ENAMETOOLONG = 36, ENOSYS = 38, EILSEQ = 84,
  ETIMEDOUT = 110,
}

/**
 * The negated Linux errno for an exception from Node's fs module. Node
 * reports libuv's code, which on Linux is the negated host errno — and the
 * host is x86-64 Linux like the guest; elsewhere fall back to EIO.
 */
export function hostErrno(e: unknown): number {
  const n = (e as NodeJS.ErrnoException | null)?.errno;
  if (typeof n === 'number' && n < 0 && n > -4096 && process.platform === 'linux') return n;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  const byCode: Record<string, number> = {
    ENOENT: Errno.ENOENT, EACCES: Errno.EACCES, EEXIST: Errno.EEXIST, ENOTDIR: Errno.ENOTDIR,
    EISDIR: Errno.EISDIR, EINVAL: Errno.EINVAL, EBADF: Errno.EBADF, EPERM: Errno.EPERM,
  };
  return -(code && byCode[code] ? byCode[code] : Errno.EIO);
}
