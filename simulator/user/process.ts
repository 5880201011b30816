// A user-mode Linux process on the simulated CPU: one address space, one
// thread, host-backed standard streams. Used by `ksw exec`, by tests and by
// the benchmarks, so it reports everything they need (exit status, retired
// instructions, host seconds, the fault if any) instead of printing to the
// host directly — except the one-line diagnostics a user would expect on
// stderr (guest fault, fatal signal, unsupported syscall).

import * as fs from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type * as Tty from 'node:tty';
import { Cpu } from '../cpu/cpu';
import { CpuFault, GeneralProtection, Vector, hex } from '../cpu/faults';
import { cpuid } from '../cpu/helpers/system';
import { Gpr, RFLAGS_FIXED, RflagsBit } from '../cpu/registers';
import { ElfFile, STT_FUNC } from '../elf/elfFile';
import { readInputFile } from '../elf/inputFile';
import { Memory } from '../memory/memory';
import { AddressSpace } from './addressSpace';
import { Errno } from './errno';
import type { HostIo } from './hostJournal';
import { LoadedImage, buildInitialStack, loadImage } from './loader';
import { PathResolver } from './paths';
import { Mulberry32 } from './prng';
import { signalForFault } from './signals';
import { Ending, LinuxSyscalls, ProcessHost, StreamKind } from './syscalls';
import type { Threads } from './threads';
import type { QuantumPolicy } from './quanta';
import { formatSeconds } from '../text/duration';

export interface ExecOptions {
  /** Environment strings ("NAME=value"); default none, so runs are reproducible. */
  env?: string[];
  /** Sinks for guest fds 1 and 2 (and ksw's own diagnostics on 2); default the host's. */
  stdout?: (b: Uint8Array) => void;
  stderr?: (b: Uint8Array) => void;
  /** Source for guest fd 0: fill `buf`, return the byte count (0 = EOF); default the host's stdin. */
  stdin?: (buf: Uint8Array) => number;
  /** Stop after this many instructions (exit status 128+SIGXCPU). Default: no limit. */
  maxInstructions?: number;
  /** Seed for AT_RANDOM and getrandom (default 0). */
  seed?: number;
  /**
   * Stop when the simulated clock reaches this many ns (exit status
   * 128+SIGXCPU, one line on stderr). Default: no limit. Sleeps cost no host
   * time (the clock jumps), so this is what ends a program that sleeps forever.
   */
  maxTimeNs?: number;
  /** Host directory that is the guest's "/" (see paths.ts); default: the host's file system as it is. */
  root?: string;
  /** Simulated CPUs the threads run on (default 1). */
  cpus?: number;
  /** Quantum lengths (the interleaving policy, quanta.ts); default by the CPU count. */
  quanta?: QuantumPolicy;
  /** How file system calls reach the host: a debugger's journal records and replays them (hostJournal.ts); default directly. */
  hostIo?: HostIo;
  /** Stamp the memory lines guest loads and stores reach (memory.ts recordAccesses): a debugger's time travel only. */
  recordAccesses?: boolean;
  /** The wasm tier (cpu/wasm/) for this process; default: on unless KSW_WASM=0 (memory/wasmBacking.ts). */
  wasmTier?: boolean;
}

export interface ExecResult {
  /** The program's exit status, or 128+signal when it died (fault, fatal signal, budget). */
  exitCode: number;
  /** Instructions retired. */
  insns: number;
  /** Host wall-clock seconds spent running guest code (loading excluded). */
  seconds: number;
  /** The CPU fault that killed the program, if one did. */
  fault?: CpuFault;
  /** The signal that killed the program, if one did. */
  signal?: number;
  /** True when maxInstructions ran out. */
  budgetExhausted?: boolean;
  /** True when the simulated clock reached maxTimeNs. */
  timeLimit?: boolean;
}

/**
 * node:tty, required on first use: loading it pulls in node:net and the
 * streams, a start-up cost paid only when a guest's stdio is a character device.
 */
const tty = (): typeof Tty => require('node:tty');

const CHUNK = 10_000_000;
const SIGTRAP = 5, SIGSEGV = 11, SIGPIPE = 13, SIGXCPU = 24;
const SIGNAL_NAMES: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS',
  8: 'SIGFPE', 9: 'SIGKILL', 10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE',
  14: 'SIGALRM', 15: 'SIGTERM', 24: 'SIGXCPU',
};
const IDENTITY = { pid: 1000, ppid: 1, uid: 1000, gid: 1000 };

/** What the simulated CPU reports in CPUID.1:EDX, which Linux passes as AT_HWCAP. */
function cpuidLeaf1Edx(): number {
  const r = new Int32Array(16);
  r[0] = 1;
  cpuid(r);
  return r[2 * Gpr.RDX] >>> 0;
}

/** A debug-register stop in user mode, delivered as SIGTRAP (TRAP_BRKPT). */
class DebugTrap extends CpuFault {
  constructor() {
    super(Vector.DB, '#DB', 'debug trap');
  }
}

export class UserProcess {
  readonly mem: Memory;
  readonly cpu: Cpu;
  readonly image: LoadedImage;
  private readonly syscalls: LinuxSyscalls;

  /** The first host path the program looked up (fileSyscalls.ts), or null: its history so far is the simulator's alone. */
  get hostPathUsed(): string | null {
    return this.syscalls.files.hostPathUsed;
  }
  private readonly out: (fd: 1 | 2, b: Uint8Array) => number;
  private readonly inp: (buf: Uint8Array) => number;
  private readonly rng: Mulberry32;
  private ended: Ending | null = null;
  /** The last byte written to guest fd 1 and 2 (newline when nothing was). */
  private readonly lastByte: Record<1 | 2, number> = { 1: 10, 2: 10 };

  /** Load `elf` and prepare its stack; throws ElfError/LoadError for programs we cannot run. */
  constructor(private readonly elf: ElfFile, argv: string[], execfn: string, private readonly opts: ExecOptions = {}) {
    this.mem = new Memory(undefined, opts.recordAccesses ?? false, opts.wasmTier);
    this.rng = new Mulberry32(opts.seed ?? 0);
    this.out = (fd, b) => {
      if (b.length) this.lastByte[fd] = b[b.length - 1];
      const sink = fd === 1 ? opts.stdout : opts.stderr;
      if (!sink) return writeAllSync(fd, b);
      sink(b);
      return b.length;
    };
    this.inp = opts.stdin ?? readStdinSync;

    this.image = loadImage(this.mem, elf);
    const rsp = buildInitialStack(this.mem, this.image, {
      argv, envp: opts.env ?? [], execfn, random: this.randomBytes(16), uid: IDENTITY.uid, gid: IDENTITY.gid,
      hwcap: cpuidLeaf1Edx(),
    });

    this.cpu = new Cpu(this.mem);
    this.cpu.rip = this.image.entry;
    this.cpu.setReg(Gpr.RSP, rsp);
    this.cpu.setRflags(RFLAGS_FIXED | RflagsBit.IF); // what a fresh Linux process sees (0x202)

    const host: ProcessHost = {
      write: (fd, b) => this.out(fd, b),
      read: (buf) => this.inp(buf),
      warn: (line) => this.diag(line),
      terminate: (how) => { this.ended = how; this.cpu.requestStop(); },
      randomBytes: (n) => this.randomBytes(n),
      streamKind: (fd) => ((fd === 0 ? opts.stdin : fd === 1 ? opts.stdout : opts.stderr) ? 'pipe' : hostStreamKind(fd)),
      io: opts.hostIo,
    };
    const id = { ...IDENTITY, exe: resolvePath(execfn) };
    const paths = new PathResolver(opts.root ?? null, id.exe);
    this.syscalls = new LinuxSyscalls(this.cpu, opts.seed ?? 0, this.mem, new AddressSpace(this.mem, this.image.brkStart), host, id, paths,
      { cpus: opts.cpus, quanta: opts.quanta });
    this.cpu.onSyscall = (cpu) => this.syscalls.dispatch(cpu);
    this.cpu.clock = () => this.syscalls.nowNumber(); // 1 GHz: cycles = ns
  }

  /** How the program ended (exit or fatal signal), or null while it runs: for a debugger's own run loop. */
  get ending(): Ending | null {
    return this.ended;
  }

  /**
   * Whether a line ksw appends to stderr would start a line of its own: the
   * program's stderr ended with a newline, and so did its stdout if that is
   * the same terminal (or file) as stderr.
   */
  get stderrAtLineStart(): boolean {
    if (this.lastByte[2] !== 10) return false;
    if (this.lastByte[1] === 10 || this.opts.stdout || this.opts.stderr) return true;
    try {
      const a = fs.fstatSync(1), b = fs.fstatSync(2);
      return !(a.dev === b.dev && a.ino === b.ino);
    } catch {
      return true;
    }
  }

  /** The process's threads (the scheduler, each thread's saved context). */
  get threads(): Threads {
    return this.syscalls.threads;
  }

  /**
   * A schedule point, between two runs of the CPU: fire due timers, switch
   * threads if the running one blocked, exited, yielded or used its slice,
   * and deliver pending signals to the thread that runs next. Returns how
   * many instructions it may run before the next schedule point, or 0 when
   * the process has ended (every thread blocked for good, or a signal
   * killed it).
   */
  schedule(): number {
    if (this.ended) return 0;
    const n = this.syscalls.threads.schedule();
    if (!n || this.ended) return 0;
    this.syscalls.signals.deliverPending(this.cpu);
    return this.ended ? 0 : n;
  }

  /** The simulated clock, ns (a number: checked once per slice). */
  simulatedNs(): number {
    return this.syscalls.nowNumber();
  }

  /** Run to completion (or the instruction budget, or the simulated-time limit). */
  run(): ExecResult {
    const budget = this.opts.maxInstructions ?? Infinity;
    const maxTime = this.opts.maxTimeNs ?? Infinity;
    const start = this.cpu.insnCount;
    // process.hrtime, not performance.now(): the `performance` global loads perf_hooks (~2 ms of start-up)
    const t0 = process.hrtime();
    let result: Omit<ExecResult, 'insns' | 'seconds'>;
    for (;;) {
      const left = budget - (this.cpu.insnCount - start);
      if (left <= 0) {
        this.diag(`ksw: instruction limit reached (${budget} instructions)`);
        result = { exitCode: 128 + SIGXCPU, signal: SIGXCPU, budgetExhausted: true };
        break;
      }
      if (this.simulatedNs() >= maxTime) {
        this.diag(`ksw: simulated time limit reached (${formatSeconds(maxTime)}): the program was still running`);
        result = { exitCode: 128 + SIGXCPU, signal: SIGXCPU, timeLimit: true };
        break;
      }
      const slice = this.schedule();
      if (this.ended) {
        result = this.endResult(this.ended);
        break;
      }
      const r = this.cpu.run(Math.min(CHUNK, left, slice));
      if (this.ended) {
        result = this.endResult(this.ended);
        break;
      }
      if (r.kind === 'budget' || r.kind === 'stop') continue;
      if (r.kind === 'fault') {
        // An installed handler runs (and the program goes on); otherwise the default action kills.
        if (this.syscalls.signals.fault(this.cpu, r.fault, signalForFault(r.fault))) continue;
        if (this.ended) { result = this.endResult(this.ended); break; }
        result = this.faultResult(r.fault);
        break;
      }
      // `hlt` at CPL 3 is a #GP on real hardware (musl's a_crash uses it), and
      // nothing arms debug registers in user mode, so a debug stop is a SIGTRAP.
      // The CPU leaves RIP after the (one-byte) hlt; the #GP is reported at it.
      const signal = r.kind === 'halt' ? SIGSEGV : SIGTRAP;
      const fault = r.kind === 'halt' ? new GeneralProtection('hlt in user mode') : new DebugTrap();
      fault.rip = r.kind === 'halt' ? this.cpu.rip - 1n : this.cpu.rip;
      if (r.kind === 'halt') this.cpu.rip = fault.rip;
      if (this.syscalls.signals.fault(this.cpu, fault, signal)) continue;
      if (this.ended) { result = this.endResult(this.ended); break; }
      const what = r.kind === 'halt' ? 'general protection fault: hlt in user mode' : 'debug trap';
      this.diag(`ksw: guest fault: ${what} at rip ${this.where(fault.rip)}`);
      result = { exitCode: 128 + signal, signal };
      break;
    }
    const [s, ns] = process.hrtime(t0);
    const seconds = s + ns / 1e9;
    this.syscalls.files.fds.closeAll();
    return { ...result, insns: this.cpu.insnCount - start, seconds };
  }

  private endResult(how: Ending): Omit<ExecResult, 'insns' | 'seconds'> {
    if ('code' in how) return { exitCode: how.code };
    const name = SIGNAL_NAMES[how.signal] ?? `signal ${how.signal}`;
    // Like a shell, stay quiet about SIGPIPE: it is how `prog | head` normally ends.
    if (how.signal !== SIGPIPE && !how.reported) this.diag(`ksw: guest killed by signal ${how.signal} (${name}) at rip ${this.where(this.cpu.rip)}`);
    return { exitCode: 128 + how.signal, signal: how.signal };
  }

  private faultResult(fault: CpuFault): Omit<ExecResult, 'insns' | 'seconds'> {
    const signal = signalForFault(fault);
    // Some fault messages already end with the instruction address; don't repeat it.
    const msg = fault.message.endsWith(` at ${hex(fault.rip)}`) ? fault.message.slice(0, -(` at ${hex(fault.rip)}`).length) : fault.message;
    this.diag(`ksw: guest fault: ${msg} at rip ${this.where(fault.rip)}`);
    return { exitCode: 128 + signal, signal, fault };
  }

  /** "0x401234 <main+0x14>" when the symbol table knows the address. */
  private where(rip: bigint): string {
    const addr = rip - this.image.bias;
    let best: { name: string; value: bigint } | null = null;
    try {
      for (const s of this.elf.symbols()) {
        if (s.type !== STT_FUNC || !s.name || addr < s.value || addr >= s.value + BigInt(Math.max(s.size, 1))) continue;
        if (!best || s.value > best.value) best = s;
      }
    } catch {
      // A damaged symbol table only costs us the symbol name.
    }
    return best ? `${hex(rip)} <${best.name}+${hex(addr - best.value)}>` : hex(rip);
  }

  private diag(line: string): void {
    this.out(2, Buffer.from(line + '\n'));
  }

  private randomBytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.rng.next() & 0xff;
    return b;
  }
}

/**
 * Load and run a static x86-64 Linux executable. argv[0] is `path`, as a
 * shell would pass it. Throws for files that cannot run (I/O errors from
 * reading `path`, ElfError, LoadError); everything the guest does — exit,
 * fault, signal, budget — comes back in the result.
 */
export function runStaticExecutable(path: string, args: string[], opts: ExecOptions = {}): ExecResult {
  const elf = ElfFile.parse(readInputFile(path));
  return new UserProcess(elf, [path, ...args], path, opts).run();
}

// ---- host I/O -------------------------------------------------------------------

/** Write everything to a host fd, waiting out EAGAIN on non-blocking pipes. */
function writeAllSync(fd: number, b: Uint8Array): number {
  let done = 0;
  while (done < b.length) {
    try {
      done += fs.writeSync(fd, b, done, b.length - done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') { pause(1); continue; }
      if (code === 'EPIPE') return -Errno.EPIPE;
      return done > 0 ? done : -Errno.EIO;
    }
  }
  return done;
}

/**
 * Whether a Linux character device is a terminal, from its major number,
 * for the devices a program's stdio usually is — so a run in a terminal or
 * with output to /dev/null does not load node:tty. null: ask isatty.
 */
function linuxDeviceIsTty(rdev: number): boolean | null {
  if (process.platform !== 'linux') return null;
  const major = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 0x100000000) & ~0xfff); // glibc dev_t encoding
  if (major === 1) return false; // /dev/null, zero, full, random, urandom, mem, kmsg
  if (major === 4 || major === 5 || (major >= 136 && major <= 143)) return true; // virtual consoles and ttyS, /dev/tty and console and ptmx, pseudo-terminal slaves
  return null;
}

function hostStreamKind(fd: number): StreamKind {
  try {
    const st = fs.fstatSync(fd);
    if (st.isCharacterDevice()) {
      const known = linuxDeviceIsTty(st.rdev);
      return (known ?? tty().isatty(fd)) ? 'tty' : 'null';
    }
    return st.isFile() ? 'file' : st.isSocket() ? 'socket' : 'pipe';
  } catch {
    return 'null';
  }
}

function readStdinSync(buf: Uint8Array): number {
  for (;;) {
    try {
      return fs.readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') { pause(1); continue; }
      if (code === 'EOF') return 0;
      return code === 'EBADF' ? -Errno.EBADF : -Errno.EIO;
    }
  }
}

const pauseCell = new Int32Array(new SharedArrayBuffer(4));
function pause(ms: number): void {
  Atomics.wait(pauseCell, 0, 0, ms);
}
