// The Linux system calls a static musl program needs, implemented on the
// host. The CPU calls `dispatch` for every `syscall` instruction (RIP already
// past it); arguments come from RDI, RSI, RDX, R10, R8, R9 and the result —
// a value or a negative errno — goes to RAX, as on Linux. Anything not
// implemented returns -ENOSYS with one warning per syscall number, so a
// program that probes for optional features keeps running.

import type { Cpu } from '../cpu/cpu';
import { Gpr } from '../cpu/registers';
import { Memory, MemoryFault } from '../memory/memory';
import { AddressSpace, MAP_ANONYMOUS } from './addressSpace';
import { Errno } from './errno';
import { FileSyscalls } from './fileSyscalls';
import type { HostIo } from './hostJournal';
import { USER_SPACE_END } from './loader';
import { PathResolver } from './paths';
import { syscallName } from './syscallNames';
import { Handler, RESTART, UNSUPPORTED, int } from './syscallTypes';
import { SIGPIPE, Signals } from './signals';
import { ThreadSyscalls } from './threadSyscalls';
import { ProcessTimers } from './timers';
import { GuestThread, ThreadState, Threads, ThreadsOptions } from './threads';

/** The process's view of the host: its standard streams and its end. */
export interface ProcessHost {
  /** Write to guest fd 1 or 2; returns bytes written or a negative errno. */
  write(fd: 1 | 2, bytes: Uint8Array): number;
  /** Read from guest fd 0 into `buf`; returns bytes read (0 at EOF) or a negative errno. */
  read(buf: Uint8Array): number;
  /** One diagnostic line from ksw itself (no newline). */
  warn(line: string): void;
  /** End the process: exit status, or death by `signal`. Must make the CPU stop. */
  terminate(how: Ending): void;
  /** Deterministic random bytes (getrandom). */
  randomBytes(n: number): Uint8Array;
  /** What guest fd 0/1/2 is on the host, for fstat and terminal ioctls. */
  streamKind(fd: 0 | 1 | 2): StreamKind;
  /** How the file system calls reach the host (hostJournal.ts); default directly. */
  io?: HostIo;
}

/** How a process ends: an exit status, or a signal (`reported`: ksw already said why, so no second line). */
export type Ending = { code: number } | { signal: number; reported?: boolean };

export type StreamKind = 'tty' | 'pipe' | 'socket' | 'file' | 'null';

export interface Identity {
  /** Absolute path of the executable (readlink /proc/self/exe). */
  exe: string;
  pid: number;
  ppid: number;
  uid: number;
  gid: number;
}

/** Simulated wall clock: 2025-01-01T00:00:00Z plus simulated nanoseconds. */
export const REALTIME_EPOCH_S = 1735689600n;
/** Simulated time runs at one instruction per nanosecond (a 1 GHz, IPC 1 machine). */
export const NS_PER_INSN = 1n;

const ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004;
/** The most one read/write moves; Linux also returns short counts and libc loops. */
const MAX_IO = 1 << 20;
const RLIM_INFINITY = (1n << 64n) - 1n;
/** The machine's memory as sysinfo reports it (4 GiB). */
const SYSINFO_RAM = 4n << 30n;

export class LinuxSyscalls {
  private readonly table = new Map<number, Handler>();
  private readonly warned = new Set<bigint>();
  /** Descriptors and the file system. */
  readonly files: FileSyscalls;
  /** Dispositions, masks, pending signals and delivery. */
  readonly signals: Signals;
  /** The threads, their scheduler, futexes and timers. */
  readonly threads: Threads;
  private readonly threadCalls: ThreadSyscalls;
  /** alarm, setitimer, POSIX timers. */
  private readonly timers: ProcessTimers;
  private readonly warnedLines = new Set<string>();

  constructor(
    cpu: Cpu,
    seed: number,
    private readonly mem: Memory,
    private readonly space: AddressSpace,
    private readonly host: ProcessHost,
    private readonly id: Identity,
    paths: PathResolver,
    threadOpts: ThreadsOptions = {},
  ) {
    this.signals = new Signals(mem, {
      kill: (sig) => host.terminate({ signal: sig }),
      warn: (line) => host.warn(line),
      fxsave: (cpu, at) => cpu.fxsave(at),
      fxrstor: (cpu, at) => cpu.fxrstor(at),
      pid: id.pid,
      uid: id.uid,
      pending: (sig, to) => this.threads.interrupt(sig, to),
      threads: () => this.threads.live.map((t) => t.signals),
    });
    this.threads = new Threads(cpu, {
      useSignals: (s) => this.signals.use(s),
      cancelWait: (t, interrupted) => this.threadCalls.cancelWait(t, interrupted),
      nextTimerNs: () => this.timers.nextWallNs(),
      nextCpuTimerNs: () => this.timers.nextCpuNs(),
      fireTimers: () => this.timers.fire(),
      deadlock: (what) => {
        host.warn(`ksw: deadlock: every thread is blocked (${what}); the program would wait forever`);
        host.terminate({ signal: 9, reported: true }); // SIGKILL
      },
    }, id.pid, seed, threadOpts);
    this.signals.use(this.threads.current.signals);
    this.threadCalls = new ThreadSyscalls(mem, this.threads, this.signals, {
      nowNs: () => this.nowNumber(),
      realtimeOffsetNs: () => REALTIME_EPOCH_S * 1_000_000_000n,
      exitProcess: (code) => host.terminate({ code }),
      warnOnce: (line) => this.warnOnceLine(line),
    });
    this.timers = new ProcessTimers(mem, {
      nowNs: () => this.nowNumber(),
      realtimeOffsetNs: () => REALTIME_EPOCH_S * 1_000_000_000n,
      cpuNs: () => cpu.insnCount, // every thread's instructions: the process's CPU time
      signalProcess: (sig, info) => { this.signals.send(sig, info); },
      signalThread: (tid, sig, info) => {
        const t = this.threads.byTid(tid);
        if (t) this.signals.send(sig, info, t.signals);
        return t !== undefined;
      },
      isPending: (sig, tid) => {
        const t = tid === null ? null : this.threads.byTid(tid);
        return t === undefined ? false : this.signals.isPending(sig, t ? t.signals : null);
      },
      threadExists: (tid) => this.threads.byTid(tid) !== undefined,
      cpuClockOf: (clk) => {
        const c = this.cpuClock(clk);
        return c === null ? null : c === 'other' ? -1 : c.thread ? 3 : 2;
      },
      warnOnce: (line) => this.warnOnceLine(line),
    });
    this.files = new FileSyscalls(mem, space, paths, {
      read: (buf) => host.read(buf),
      write: (fd, b) => host.write(fd, b),
      streamKind: (fd) => host.streamKind(fd),
      warn: (line) => host.warn(line),
      brokenPipe: () => this.signals.tkill(SIGPIPE, this.threads.current.signals), // delivered as the write returns
      wouldBlock: (what) => {
        if (this.threads.live.length > 1) {
          this.threads.waitForPipe(what);
          return RESTART;
        }
        host.warn(`ksw: deadlock: ${what}; the program would wait forever`);
        host.terminate({ signal: 9, reported: true }); // SIGKILL
        return -Errno.EINTR;
      },
      uid: id.uid,
      gid: id.gid,
      cpus: this.threads.cpuCount,
    }, host.io);
    this.install();
  }

  /** Simulated monotonic time in nanoseconds (the CPUs' clock: see Threads.nowNs). */
  nowNs(): bigint {
    return BigInt(this.threads.nowNs());
  }

  /** The same as a plain number (exact below 2^53 ns, about 104 days). */
  nowNumber(): number {
    return this.threads.nowNs();
  }

  /** The cpu.onSyscall hook. */
  dispatch(cpu: Cpu): void {
    const raw = BigInt.asUintN(64, cpu.getReg(Gpr.RAX));
    // a number beyond any table is printed exactly (Number() would round 2^64-1 to ...552000)
    const nr = raw < 0x100000000n ? Number(raw) : -1;
    const args = [Gpr.RDI, Gpr.RSI, Gpr.RDX, Gpr.R10, Gpr.R8, Gpr.R9].map((r) => BigInt.asUintN(64, cpu.getReg(r)));
    const handler = this.table.get(nr);
    let result: bigint | number | typeof UNSUPPORTED | typeof RESTART = UNSUPPORTED;
    if (handler) {
      try {
        result = handler(args, cpu);
      } catch (e) {
        // A bad user pointer: the kernel's copy_{to,from}_user reports EFAULT.
        if (!(e instanceof MemoryFault)) throw e;
        result = -Errno.EFAULT;
      }
    }
    if (result === UNSUPPORTED) {
      if (!this.warned.has(raw)) {
        this.warned.add(raw);
        this.host.warn(`ksw: warning: unsupported syscall ${raw} (${syscallName(nr)}) returns -ENOSYS`);
      }
      result = -Errno.ENOSYS;
    }
    if (result === RESTART) {
      cpu.rip -= 2n; // back to the syscall instruction (0f 05), RAX still the call number
      return;
    }
    cpu.setReg(Gpr.RAX, BigInt.asUintN(64, BigInt(result)));
    this.threads.wakePipeWaiters();
    // Signals sent by the call (raise, a broken pipe) or unblocked by it are delivered on the way out
    // (a thread that blocked or exited in the call gets them when it runs again, if ever).
    if (this.threads.current.state === ThreadState.RUNNABLE) this.signals.deliverPending(cpu);
  }

  private on(nr: number, h: Handler): void {
    this.table.set(nr, h);
  }

  private install(): void {
    const mem = this.mem, space = this.space, host = this.host, id = this.id;

    this.files.install((nr, h) => this.on(nr, h));
    this.threadCalls.install((nr, h) => this.on(nr, h));
    this.timers.install((nr, h) => this.on(nr, h));

    // -- process lifetime and identity --
    this.on(231, ([code]) => { host.terminate({ code: Number(code & 0xffn) }); return 0; }); // exit_group
    this.on(39, () => id.pid);
    this.on(110, () => id.ppid);
    this.on(102, () => id.uid); this.on(107, () => id.uid);
    this.on(104, () => id.gid); this.on(108, () => id.gid);
    // rseq registration is optional by design: glibc falls back quietly on ENOSYS.
    this.on(334, () => -Errno.ENOSYS);
    this.on(97, ([res, old]) => this.prlimit(int(res), 0n, old)); // getrlimit
    this.on(302, ([pid, res, nw, old]) => (int(pid) === 0 || int(pid) === id.pid ? this.prlimit(int(res), nw, old) : -Errno.ESRCH));
    this.on(63, ([buf]) => { this.writeUtsname(buf); return 0; });
    this.on(99, ([info]) => { this.writeSysinfo(info); return 0; });

    // -- memory --
    this.on(12, ([addr]) => space.brk(addr));
    this.on(9, ([addr, len, prot, flags, fd, off]) => (int(flags) & MAP_ANONYMOUS
      ? space.mmap(addr, len, int(prot), int(flags), int(fd))
      : this.files.mmapFile(addr, len, int(prot), int(flags), int(fd), off)));
    this.on(11, ([addr, len]) => space.munmap(addr, len));
    this.on(10, ([addr, len, prot]) => space.mprotect(addr, len, int(prot)));
    this.on(25, ([addr, oldLen, newLen, flags]) => space.mremap(addr, oldLen, newLen, int(flags)));
    this.on(28, () => 0); // madvise: advice may be ignored
    this.on(158, ([code, addr], cpu) => this.archPrctl(cpu, int(code), addr));

    // -- signals: dispositions are recorded, handlers never run --
    const sigs = this.signals;
    this.on(13, ([sig, act, oldact, size]) => sigs.sigaction(int(sig), act, oldact, size));
    this.on(14, ([how, set, oldset, size]) => sigs.sigprocmask(int(how), set, oldset, size));
    this.on(15, (_a, cpu) => sigs.sigreturn(cpu));
    this.on(127, ([set, size]) => sigs.sigpending(set, size));
    this.on(131, ([ss, old], cpu) => sigs.sigaltstack(cpu, ss, old));
    // kill: to the process, taken by a thread that does not block it; tkill/tgkill: to that thread alone
    this.on(62, ([pid, sig]) => (int(pid) === id.pid || int(pid) === 0 || int(pid) === -1 ? sigs.kill(int(sig)) : -Errno.ESRCH));
    this.on(200, ([tid, sig]) => this.tkill(int(tid), int(sig)));
    this.on(234, ([tgid, tid, sig]) => (int(tgid) === id.pid ? this.tkill(int(tid), int(sig)) : -Errno.ESRCH));

    // -- time (simulated; see nowNs) --
    this.on(228, ([clk, tp], cpu) => this.clockGettime(cpu, int(clk), tp));
    this.on(229, ([clk, tp]) => { // clock_getres: 1 ns
      if (int(clk) < 0 || int(clk) > 11) return -Errno.EINVAL;
      if (tp) this.writeU64s(tp, [0n, 1n]);
      return 0;
    });
    this.on(96, ([tv, tz]) => {
      const ns = this.realtimeNs();
      if (tv) this.writeU64s(tv, [ns / 1_000_000_000n, (ns % 1_000_000_000n) / 1000n]);
      if (tz) this.writeU64s(tz, [0n]);
      return 0;
    });
    this.on(201, ([tloc]) => {
      const s = this.realtimeNs() / 1_000_000_000n;
      if (tloc) mem.writeU64(tloc, s);
      return s;
    });

    this.on(318, ([buf, len]) => { // getrandom
      const n = Number(len > BigInt(MAX_IO) ? BigInt(MAX_IO) : len);
      mem.write(buf, host.randomBytes(n));
      return n;
    });
  }

  // ---- helpers -------------------------------------------------------------

  /**
   * A CPU-time clock: CLOCK_PROCESS_CPUTIME_ID (2), CLOCK_THREAD_CPUTIME_ID
   * (3), or the kernel's encoded ids (negative: ~pid << 3 | per-thread 4 |
   * which) that glibc and clock_getcpuclockid/pthread_getcpuclockid use.
   * The process's (thread null) or one thread's; 'other' for another
   * process or an invalid one; null when `clk` is no CPU-time clock.
   */
  private cpuClock(clk: number): { thread: GuestThread | null } | 'other' | null {
    if (clk === 2) return { thread: null };
    if (clk === 3) return { thread: this.threads.current };
    if (clk >= 0) return null;
    if ((clk & 3) === 3) return 'other';
    const id = ~(clk >> 3);
    if (clk & 4) {
      const t = id === 0 ? this.threads.current : this.threads.byTid(id);
      return t ? { thread: t } : 'other';
    }
    return id === 0 || id === this.id.pid ? { thread: null } : 'other';
  }

  private warnOnceLine(line: string): void {
    if (this.warnedLines.has(line)) return;
    this.warnedLines.add(line);
    this.host.warn(line);
  }

  private tkill(tid: number, sig: number): number {
    const t = tid > 0 ? this.threads.byTid(tid) : undefined;
    if (tid <= 0) return -Errno.EINVAL;
    return t ? this.signals.tkill(sig, t.signals) : -Errno.ESRCH;
  }

  private writeU64s(addr: bigint, values: bigint[]): void {
    const b = Buffer.alloc(values.length * 8);
    values.forEach((v, i) => b.writeBigUInt64LE(BigInt.asUintN(64, v), i * 8));
    this.mem.write(addr, b);
  }

  private writeUtsname(buf: bigint): void {
    const fields = ['Linux', 'ksw', '6.12.0-ksw', '#1 SMP PREEMPT_DYNAMIC KStackWatch Studio', 'x86_64', '(none)'];
    const b = Buffer.alloc(65 * fields.length);
    fields.forEach((f, i) => b.write(f, i * 65, 64, 'latin1'));
    this.mem.write(buf, b);
  }

  /**
   * sysinfo(2), which glibc's sysconf(_SC_PHYS_PAGES) reads (qsort sizes its
   * buffer by it): uptime is the simulated clock, no load, one process with
   * its live threads, and a fixed machine of SYSINFO_RAM bytes (mem_unit 1)
   * of which all is free and none is swap — the simulator has no memory
   * pressure to report.
   */
  private writeSysinfo(info: bigint): void {
    const b = Buffer.alloc(112);
    b.writeBigUInt64LE(BigInt(Math.floor(this.nowNumber() / 1e9)), 0); // uptime (s); loads[3] at 8..31 stay 0
    b.writeBigUInt64LE(SYSINFO_RAM, 32); // totalram
    b.writeBigUInt64LE(SYSINFO_RAM, 40); // freeram; shared, buffer, swap (48..79) stay 0
    b.writeUInt16LE(this.threads.live.length, 80); // procs: the kernel counts threads
    b.writeUInt32LE(1, 104); // mem_unit
    this.mem.write(info, b);
  }

  /** Resource limits are fixed: an 8 MiB stack (what we map), 1024 files, the rest unlimited. */
  private prlimit(resource: number, newLimit: bigint, old: bigint): number {
    if (resource < 0 || resource > 15) return -Errno.EINVAL;
    if (newLimit) return -Errno.EPERM;
    if (old) {
      const [cur, max] = resource === 3 ? [8n << 20n, RLIM_INFINITY] : resource === 7 ? [1024n, 4096n] : [RLIM_INFINITY, RLIM_INFINITY];
      this.writeU64s(old, [cur, max]);
    }
    return 0;
  }

  private archPrctl(cpu: Cpu, code: number, addr: bigint): number {
    switch (code) {
      case ARCH_SET_FS:
      case ARCH_SET_GS:
        if (addr >= USER_SPACE_END) return -Errno.EPERM;
        if (code === ARCH_SET_FS) cpu.fsBase = addr; else cpu.gsBase = addr;
        return 0;
      case ARCH_GET_FS: this.mem.writeU64(addr, cpu.fsBase); return 0;
      case ARCH_GET_GS: this.mem.writeU64(addr, cpu.gsBase); return 0;
      default: return -Errno.EINVAL;
    }
  }

  private realtimeNs(): bigint {
    return REALTIME_EPOCH_S * 1_000_000_000n + this.nowNs();
  }

  private clockGettime(cpu: Cpu, clk: number, tp: bigint): number {
    let ns: bigint;
    switch (clk) {
      case 0: case 5: case 11: ns = this.realtimeNs(); break; // REALTIME, REALTIME_COARSE, TAI
      case 1: case 4: case 6: case 7: case 9: ns = this.nowNs(); break; // MONOTONIC*, BOOTTIME*
      default: {
        // CPU time excludes sleeps: every thread's instructions (the process's), or one thread's
        const c = this.cpuClock(clk);
        if (c === null || c === 'other') return -Errno.EINVAL;
        ns = BigInt(c.thread ? this.threads.cpuTimeOf(c.thread) : cpu.insnCount) * NS_PER_INSN;
      }
    }
    this.writeU64s(tp, [ns / 1_000_000_000n, ns % 1_000_000_000n]);
    return 0;
  }
}
