// The kernel's stat structures, filled from Node's (bigint) host stats:
// struct stat (x86-64, 144 bytes), struct statx (256 bytes) and
// linux_dirent64 records.

import type { BigIntStats } from 'node:fs';

const NS = 1_000_000_000n;

/** Linux's new_encode_dev split, which glibc's dev_t uses too. */
function devMajor(dev: bigint): number {
  return Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn)) >>> 0;
}
function devMinor(dev: bigint): number {
  return Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn)) >>> 0;
}

export function statBuffer(st: BigIntStats): Buffer {
  const b = Buffer.alloc(144);
  b.writeBigUInt64LE(st.dev, 0);
  b.writeBigUInt64LE(st.ino, 8);
  b.writeBigUInt64LE(st.nlink, 16);
  b.writeUInt32LE(Number(st.mode), 24);
  b.writeUInt32LE(Number(st.uid), 28);
  b.writeUInt32LE(Number(st.gid), 32);
  b.writeBigUInt64LE(st.rdev, 40);
  b.writeBigInt64LE(st.size, 48);
  b.writeBigInt64LE(st.blksize, 56);
  b.writeBigInt64LE(st.blocks, 64);
  const times = [st.atimeNs, st.mtimeNs, st.ctimeNs];
  times.forEach((t, i) => {
    b.writeBigInt64LE(t / NS, 72 + 16 * i);
    b.writeBigInt64LE(t % NS, 80 + 16 * i);
  });
  return b;
}

/** STATX_BASIC_STATS | STATX_BTIME */
const STATX_MASK = 0xfff;

export function statxBuffer(st: BigIntStats): Buffer {
  const b = Buffer.alloc(256);
  b.writeUInt32LE(STATX_MASK, 0);
  b.writeUInt32LE(Number(st.blksize), 4);
  b.writeUInt32LE(Number(st.nlink), 16);
  b.writeUInt32LE(Number(st.uid), 20);
  b.writeUInt32LE(Number(st.gid), 24);
  b.writeUInt16LE(Number(st.mode) & 0xffff, 28);
  b.writeBigUInt64LE(st.ino, 32);
  b.writeBigUInt64LE(st.size, 40);
  b.writeBigUInt64LE(st.blocks, 48);
  // atime, btime, ctime, mtime: { s64 sec; u32 nsec; s32 pad }
  [st.atimeNs, st.birthtimeNs, st.ctimeNs, st.mtimeNs].forEach((t, i) => {
    b.writeBigInt64LE(t / NS, 64 + 16 * i);
    b.writeUInt32LE(Number(t % NS), 72 + 16 * i);
  });
  b.writeUInt32LE(devMajor(st.rdev), 128);
  b.writeUInt32LE(devMinor(st.rdev), 132);
  b.writeUInt32LE(devMajor(st.dev), 136);
  b.writeUInt32LE(devMinor(st.dev), 140);
  return b;
}

/** d_type for a host stat mode. */
export function direntType(mode: number): number {
  return (mode >> 12) & 0xf; // DT_* equals S_IFMT >> 12 by design
}

/** One linux_dirent64: { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; } padded to 8. */
export function direntRecord(ino: bigint, off: number, type: number, name: Buffer): Buffer {
  const len = (19 + name.length + 1 + 7) & ~7;
  const b = Buffer.alloc(len);
  b.writeBigUInt64LE(ino, 0);
  b.writeBigInt64LE(BigInt(off), 8);
  b.writeUInt16LE(len, 16);
  b.writeUInt8(type, 18);
  name.copy(b, 19);
  return b;
}
