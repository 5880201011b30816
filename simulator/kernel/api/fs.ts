// The in-kernel file API, for the files the simulated kernel has: debugfs
// (KStackWatch's `kstackwatch/config`). filp_open, kernel_read,
// kernel_write, filp_close with Linux's signatures and errno returns, so a
// module can drive KStackWatch at run time the way a shell's
// `echo … > /sys/kernel/debug/kstackwatch/config` does:
//
//   struct file *f = filp_open("/sys/kernel/debug/kstackwatch/config", O_WRONLY, 0);
//   if (!IS_ERR(f)) { loff_t pos = 0; kernel_write(f, cfg, strlen(cfg), &pos); filp_close(f, NULL); }
//
// A second open of the config file while one is open is ERR_PTR(-EBUSY),
// an unknown path ERR_PTR(-ENOENT), a file pointer we did not hand out
// -EBADF.

import type { Machine } from '../machine';
import type { DebugfsOpenFile } from '../debugfs';
import { U64, readBytes, readCString, readU64, writeBytes, writeU64 } from './util';

const ENOENT = 2, EBADF = 9, ENOMEM = 12, EINVAL = 22;
/** Reads and writes larger than this are cut, as rw_verify_area caps them at MAX_RW_COUNT. */
const MAX_RW = 1 << 20;

export function registerFs(m: Machine): void {
  const open = m.keep('fs.open', new Map<bigint, DebugfsOpenFile>());
  const err = (e: number): bigint => U64(BigInt(-e));

  m.defineHost('filp_open', () => {
    const path = readCString(m, m.arg(0), 4096);
    const file = m.debugfs.lookup(path);
    if (!file) return err(ENOENT);
    const f = file.open();
    if (typeof f === 'number') return U64(BigInt(f));
    const handle = m.heap.alloc(64, true);
    if (!handle) { f.release(); return err(ENOMEM); }
    open.set(handle, f);
    return handle;
  });

  m.defineHost('kernel_write', () => {
    const f = open.get(m.arg(0));
    if (!f) return err(EBADF);
    const count = Number(BigInt.asIntN(64, m.arg(2)));
    if (count < 0) return err(EINVAL);
    const n = f.write(readBytes(m, m.arg(1), Math.min(count, MAX_RW)));
    const pos = m.arg(3);
    if (n > 0 && pos !== 0n) writeU64(m, pos, readU64(m, pos) + BigInt(n));
    return U64(BigInt(n));
  });

  m.defineHost('kernel_read', () => {
    const f = open.get(m.arg(0));
    if (!f) return err(EBADF);
    const count = Number(BigInt.asIntN(64, m.arg(2)));
    if (count < 0) return err(EINVAL);
    const pos = m.arg(3);
    const at = pos !== 0n ? Number(readU64(m, pos)) : 0;
    const data = f.read(at, Math.min(count, MAX_RW));
    writeBytes(m, m.arg(1), data);
    if (pos !== 0n) writeU64(m, pos, BigInt(at + data.length));
    return BigInt(data.length);
  });

  m.defineHost('filp_close', () => {
    const f = open.get(m.arg(0));
    if (!f) return err(EBADF);
    open.delete(m.arg(0));
    f.release();
    m.heap.release(m.arg(0));
    return 0n;
  });
}
