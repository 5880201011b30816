// Loads a static x86-64 Linux executable into guest memory and builds the
// initial process stack, the way Linux's binfmt_elf does (without address
// randomization, so runs are reproducible). Both classic static executables
// (ET_EXEC) and static-pie (ET_DYN without PT_INTERP; musl's rcrt1 relocates
// itself in _dlstart from AT_PHDR/_DYNAMIC) are supported.

import { Memory, Perm, PAGE_SIZE } from '../memory/memory';
import {
  ElfFile, ProgramHeader, ET_DYN, ET_EXEC, ET_REL, PF_R, PF_W, PF_X, PT_GNU_STACK, PT_INTERP,
  PT_LOAD, PT_PHDR, PT_TLS, elfTypeName,
} from '../elf/elfFile';
import { UserError } from '../errors/userError';

/** A valid ELF that we cannot run as a user program (one line, for the user). */
export class LoadError extends UserError {
  constructor(message: string) {
    super(message, { kind: 'unsupported' });
    this.name = 'LoadError';
  }
}

const PAGE = BigInt(PAGE_SIZE);
const MiB = 1024 * 1024;

/** End of user space on x86-64 with 4-level paging (TASK_SIZE_MAX). */
export const USER_SPACE_END = 0x7ffffffff000n;
/** Linux refuses mappings below vm.mmap_min_addr (64 KiB by default). */
export const MMAP_MIN_ADDR = 0x10000n;
/** Top of the initial stack (no randomization), and its size (RLIMIT_STACK). */
export const STACK_TOP = USER_SPACE_END;
export const STACK_SIZE = 8 * MiB;
/** Lowest stack page; the page below it stays unmapped as a guard. */
export const STACK_LOW = STACK_TOP - BigInt(STACK_SIZE);
/**
 * mmap() allocates top-down from here. Like Linux's mmap_base it leaves a
 * 128 MiB gap for the stack, which keeps our guard page clear of mappings.
 */
export const MMAP_TOP = STACK_TOP - BigInt(128 * MiB);
/** Where static-pie executables are loaded (what gdb shows for PIEs without ASLR). */
export const PIE_BASE = 0x555555554000n;

export interface TlsTemplate {
  /** Address of the initialized TLS image (.tdata) in guest memory. */
  vaddr: bigint;
  filesz: number;
  memsz: number;
  align: number;
}

export interface LoadedImage {
  elfType: number;
  /** Added to every p_vaddr: 0 for ET_EXEC, the load base for static-pie. */
  bias: bigint;
  entry: bigint;
  /** Guest address of the program headers (AT_PHDR). */
  phdr: bigint;
  phent: number;
  phnum: number;
  /** First address past the highest segment, page-aligned: the initial program break. */
  brkStart: bigint;
  tls: TlsTemplate | null;
  /** PT_GNU_STACK asked for an executable stack. */
  execStack: boolean;
}

export function pageDown(a: bigint): bigint { return a & ~(PAGE - 1n); }
export function pageUp(a: bigint): bigint { return (a + PAGE - 1n) & ~(PAGE - 1n); }

/** ELF p_flags → memory permissions. x86 pages are always readable once mapped at all. */
function segmentPerm(flags: number): number {
  let p = 0;
  if (flags & PF_R) p |= Perm.R;
  if (flags & PF_W) p |= Perm.W | Perm.R;
  if (flags & PF_X) p |= Perm.X | Perm.R;
  return p;
}

function hex(v: bigint): string { return '0x' + v.toString(16); }

/** Map the PT_LOAD segments of `elf` into `mem` and describe the result. */
export function loadImage(mem: Memory, elf: ElfFile): LoadedImage {
  const h = elf.header;
  if (h.type === ET_REL) throw new LoadError('relocatable object (ET_REL), not an executable; kernel modules run with \'ksw run\'');
  if (h.type !== ET_EXEC && h.type !== ET_DYN) throw new LoadError(`not an executable (${elfTypeName(h.type)})`);
  const phs = elf.programHeaders;
  const interp = phs.find((p) => p.type === PT_INTERP);
  if (interp) {
    const path = Buffer.from(elf.segmentData(interp)).toString('latin1').replace(/\0.*$/s, '');
    throw new LoadError(`dynamically linked (needs ${path || 'an interpreter'}); only static executables run, build with -static`);
  }
  const loads = phs.filter((p) => p.type === PT_LOAD && p.memsz > 0);
  if (loads.length === 0) throw new LoadError('executable has no loadable segments');

  const minVaddr = loads.reduce((m, p) => (p.vaddr < m ? p.vaddr : m), loads[0].vaddr);
  const bias = h.type === ET_DYN ? PIE_BASE - pageDown(minVaddr) : 0n;

  // Union the permissions of segments that share a page (older linkers put
  // the end of .text and the start of .data in one page).
  const pagePerm = new Map<bigint, number>();
  let end = 0n;
  const total = loads.reduce((n, ph) => n + ph.memsz, 0);
  if (total > mem.physBytes) {
    throw new LoadError(`program needs ${Math.ceil(total / MiB)} MiB for its segments, more than the simulated ${mem.physBytes / MiB} MiB`);
  }
  for (const ph of loads) {
    const [lo, hi] = segmentRange(ph, bias);
    const perm = segmentPerm(ph.flags);
    for (let a = lo; a < hi; a += PAGE) pagePerm.set(a, (pagePerm.get(a) ?? 0) | perm);
    if (hi > end) end = hi;
  }
  if (pagePerm.size * PAGE_SIZE > mem.physBytes) {
    throw new LoadError(`program needs ${Math.ceil(pagePerm.size * PAGE_SIZE / MiB)} MiB for its segments, more than the simulated ${mem.physBytes / MiB} MiB`);
  }
  for (const [addr, perm] of pagePerm) mem.map(addr, PAGE_SIZE, perm);
  // Only p_filesz bytes come from the file; the rest (.bss) stays zero.
  for (const ph of loads) {
    if (ph.filesz > 0) mem.write(ph.vaddr + bias, elf.segmentData(ph), true);
  }

  const tlsPh = phs.find((p) => p.type === PT_TLS);
  const stackPh = phs.find((p) => p.type === PT_GNU_STACK);
  return {
    elfType: h.type,
    bias,
    entry: BigInt.asUintN(64, h.entry + bias),
    phdr: phdrAddress(elf, loads, bias),
    phent: h.phentsize,
    phnum: h.phnum,
    brkStart: end,
    tls: tlsPh ? { vaddr: tlsPh.vaddr + bias, filesz: tlsPh.filesz, memsz: tlsPh.memsz, align: tlsPh.align } : null,
    execStack: stackPh ? (stackPh.flags & PF_X) !== 0 : false,
  };
}

/** Page range [lo, hi) a segment occupies, validated against the user address space. */
function segmentRange(ph: ProgramHeader, bias: bigint): [bigint, bigint] {
  const start = ph.vaddr + bias, stop = start + BigInt(ph.memsz);
  if (start < MMAP_MIN_ADDR) {
    throw new LoadError(`segment at ${hex(start)} is below the lowest mappable address ${hex(MMAP_MIN_ADDR)}`);
  }
  if (stop > MMAP_TOP) throw new LoadError(`segment ${hex(start)}-${hex(stop)} lies outside the user address space`);
  return [pageDown(start), pageUp(stop)];
}

/** AT_PHDR: PT_PHDR if present, else the loaded bytes at file offset e_phoff (as Linux does). */
function phdrAddress(elf: ElfFile, loads: ProgramHeader[], bias: bigint): bigint {
  const ph = elf.programHeaders.find((p) => p.type === PT_PHDR);
  if (ph) return ph.vaddr + bias;
  const { phoff, phnum, phentsize } = elf.header;
  const seg = loads.find((p) => p.offset <= phoff && phoff + phnum * phentsize <= p.offset + p.filesz);
  const base = seg ?? loads[0];
  return base.vaddr - BigInt(base.offset) + BigInt(phoff) + bias;
}

// ---- the initial stack ---------------------------------------------------------

export const enum AuxType {
  NULL = 0, PHDR = 3, PHENT = 4, PHNUM = 5, PAGESZ = 6, BASE = 7, FLAGS = 8, ENTRY = 9,
  UID = 11, EUID = 12, GID = 13, EGID = 14, PLATFORM = 15, HWCAP = 16, CLKTCK = 17, SECURE = 23,
  RANDOM = 25, EXECFN = 31,
}

export interface StackSetup {
  argv: string[];
  envp: string[];
  /** Path of the executable as given to execve (AT_EXECFN). */
  execfn: string;
  /** 16 bytes for AT_RANDOM (musl seeds its stack canary from them). */
  random: Uint8Array;
  uid: number;
  gid: number;
  /** AT_HWCAP: on x86 the CPUID leaf 1 EDX feature bits. */
  hwcap: number;
}

/** Total bytes of argument and environment strings Linux accepts (¼ of RLIMIT_STACK). */
const MAX_ARG_BYTES = STACK_SIZE / 4;

/**
 * Map the stack and lay it out as Linux's create_elf_tables does. From the
 * top: an 8-byte zero end marker, the AT_EXECFN string, environment strings,
 * argument strings (argv[0] lowest), 16-byte alignment, the platform string,
 * the 16 AT_RANDOM bytes; below them auxv, envp[] + NULL, argv[] + NULL and
 * argc at a 16-byte aligned RSP. Returns that RSP.
 */
export function buildInitialStack(mem: Memory, image: LoadedImage, s: StackSetup): bigint {
  const enc = (str: string) => Buffer.concat([Buffer.from(str, 'utf8'), Buffer.from([0])]);
  const argStrings = s.argv.map(enc), envStrings = s.envp.map(enc), execfn = enc(s.execfn);
  const total = [...argStrings, ...envStrings, execfn].reduce((n, b) => n + b.length, 0);
  if (total > MAX_ARG_BYTES) throw new LoadError(`argument list too long (${total} bytes of arguments and environment)`);

  mem.map(STACK_LOW, STACK_SIZE, image.execStack ? Perm.RWX : Perm.RW);
  let p = STACK_TOP - 8n;
  const put = (bytes: Uint8Array): bigint => {
    p -= BigInt(bytes.length);
    mem.write(p, bytes, true);
    return p;
  };
  const execfnAddr = put(execfn);
  const envAddrs: bigint[] = [], argAddrs: bigint[] = [];
  for (let i = envStrings.length - 1; i >= 0; i--) envAddrs[i] = put(envStrings[i]);
  for (let i = argStrings.length - 1; i >= 0; i--) argAddrs[i] = put(argStrings[i]);
  p &= ~15n;
  const platformAddr = put(enc('x86_64'));
  const randomAddr = put(s.random.subarray(0, 16));

  // Linux's order, minus AT_SYSINFO_EHDR (we have no vDSO, so libc makes real
  // clock_gettime syscalls), AT_MINSIGSTKSZ (no signal delivery) and AT_HWCAP2.
  const auxv: [number, bigint][] = [
    [AuxType.HWCAP, BigInt(s.hwcap >>> 0)], [AuxType.PAGESZ, PAGE], [AuxType.CLKTCK, 100n],
    [AuxType.PHDR, image.phdr], [AuxType.PHENT, BigInt(image.phent)], [AuxType.PHNUM, BigInt(image.phnum)],
    [AuxType.BASE, 0n], [AuxType.FLAGS, 0n], [AuxType.ENTRY, image.entry],
    [AuxType.UID, BigInt(s.uid)], [AuxType.EUID, BigInt(s.uid)],
    [AuxType.GID, BigInt(s.gid)], [AuxType.EGID, BigInt(s.gid)],
    [AuxType.SECURE, 0n], [AuxType.RANDOM, randomAddr], [AuxType.EXECFN, execfnAddr],
    [AuxType.PLATFORM, platformAddr], [AuxType.NULL, 0n],
  ];
  const words: bigint[] = [BigInt(argAddrs.length), ...argAddrs, 0n, ...envAddrs, 0n];
  for (const [type, value] of auxv) words.push(BigInt(type), value);

  // STACK_ADD(p, auxv words) then STACK_ROUND(sp, items): same as rounding the whole block.
  const rsp = (p - BigInt(words.length * 8)) & ~15n;
  const block = new Uint8Array(words.length * 8);
  const dv = new DataView(block.buffer);
  words.forEach((w, i) => dv.setBigUint64(i * 8, BigInt.asUintN(64, w), true));
  mem.write(rsp, block, true);
  return rsp;
}
