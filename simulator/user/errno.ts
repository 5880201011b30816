// Linux errno values (x86-64) the user-mode syscalls return, negated, in RAX.

export const enum Errno {
  EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, EBADF = 9, EAGAIN = 11, ENOMEM = 12,
  EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19, EINVAL = 22, ENOTTY = 25, ESPIPE = 29, EPIPE = 32,
  ERANGE = 34, ENOSYS = 38, EILSEQ = 84,
}
