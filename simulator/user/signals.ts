// Linux signals for a user-mode process: dispositions (rt_sigaction), the
// blocked mask (rt_sigprocmask), pending signals, the alternate stack, and
// real delivery — a kernel-compatible rt_sigframe on the guest stack
// (pretcode = sa_restorer, ucontext with sigcontext and the fxsave area,
// siginfo), so musl's and glibc's __restore_rt return through rt_sigreturn.
// Synchronous CPU faults become SIGSEGV/SIGBUS/SIGFPE/SIGILL/SIGTRAP with
// the siginfo and sigcontext (trapno, err, cr2) Linux gives.
//
// Layouts (arch/x86/include/uapi/asm/sigcontext.h, ucontext.h, siginfo.h):
//   rt_sigframe: pretcode 0, ucontext 8 (304 bytes), siginfo 312 (128 bytes)
//   ucontext: uc_flags 0, uc_link 8, uc_stack 16 (24), uc_mcontext 40 (256), uc_sigmask 296

import type { Cpu } from '../cpu/cpu';
import { CpuFault, PageFault, Vector } from '../cpu/faults';
import { SimdFloatingPointException } from '../cpu/helpers/sseFloat';
import { Gpr } from '../cpu/registers';
import { Memory } from '../memory/memory';
import { Errno } from './errno';

export const SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8, SIGKILL = 9, SIGSEGV = 11, SIGPIPE = 13, SIGSTOP = 19;
export const NSIG = 64;
const SIG_DFL = 0n, SIG_IGN = 1n;
const SA_ONSTACK = 0x08000000, SA_RESTORER = 0x04000000, SA_NODEFER = 0x40000000, SA_RESETHAND = 0x80000000;
const SS_ONSTACK = 1, SS_DISABLE = 2;
const MINSIGSTKSZ = 2048;
/** si_code values. */
const SI_USER = 0, SI_KERNEL = 0x80, SI_TKILL = -6;
/** Signals whose default action is to ignore them (SIGCHLD, SIGCONT, SIGURG, SIGWINCH). */
const DEFAULT_IGNORED = new Set([17, 18, 23, 28]);
/** Stop signals (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU): ksw has no job control to stop into. */
const STOP_SIGNALS = new Set([19, 20, 21, 22]);
const UNBLOCKABLE = (1n << BigInt(SIGKILL - 1)) | (1n << BigInt(SIGSTOP - 1));
/** RFLAGS bits sigreturn may restore (the kernel's FIX_EFLAGS). */
const FIX_EFLAGS = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x40000 | 0x10000;
const FRAME_SIZE = 8 + 304 + 128;
const FXSAVE_SIZE = 512;
/** sigcontext register order: r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp. */
const SC_REGS = [Gpr.R8, Gpr.R9, Gpr.R10, Gpr.R11, Gpr.R12, Gpr.R13, Gpr.R14, Gpr.R15,
  Gpr.RDI, Gpr.RSI, Gpr.RBP, Gpr.RBX, Gpr.RDX, Gpr.RAX, Gpr.RCX, Gpr.RSP];

export interface SignalInfo {
  code: number;
  /** si_pid/si_uid for kill and tkill; si_addr for faults. */
  pid?: number;
  uid?: number;
  addr?: bigint;
  /** SI_TIMER: the POSIX timer's id, overrun count and sigev_value. */
  timerId?: number;
  overrun?: number;
  value?: bigint;
  /** Called as the signal is taken off its queue (a timer fills in its overrun count then, as Linux does). */
  onDequeue?: (info: SignalInfo) => void;
  /** sigcontext's trapno, err and cr2 (faults). */
  trapno?: number;
  err?: number;
  cr2?: bigint;
}

interface Action { handler: bigint; flags: number; restorer: bigint; mask: bigint }
interface AltStack { sp: bigint; size: bigint; flags: number }

const NO_ALT_STACK: AltStack = { sp: 0n, size: 0n, flags: SS_DISABLE };

/** Pending signals and their siginfo (a standard signal does not queue: one of each). */
export class PendingSignals {
  bits = 0n;
  readonly info = new Map<number, SignalInfo>();
}

/**
 * What each thread has of its own: its blocked mask, the signals sent to it
 * (tgkill, tkill, pthread_kill, its own faults), its alternate stack and
 * rt_sigsuspend's saved mask. The thread scheduler points Signals at the
 * running thread's (Signals.use), so a context switch copies nothing.
 */
export class ThreadSignals {
  alt: AltStack = NO_ALT_STACK;
  /** rt_sigsuspend's mask to restore once a handler returns (the frame's uc_sigmask), or null. */
  savedMask: bigint | null = null;
  readonly pending = new PendingSignals();
  /** A new thread inherits its creator's mask (clone), not its pending signals or alternate stack. */
  constructor(public blocked = 0n) {}
}

const bit = (sig: number): bigint => 1n << BigInt(sig - 1);

export interface SignalHost {
  /** The process dies of `sig` (default action). */
  kill(sig: number): void;
  warn(line: string): void;
  /** Save / restore the FPU and SSE state in fxsave format at a guest address. */
  fxsave(cpu: Cpu, at: bigint): void;
  fxrstor(cpu: Cpu, at: bigint): void;
  pid: number;
  uid: number;
  /** `sig` just became pending for the process (`to` null) or for thread `to` (a blocked thread may have to wake for it). */
  pending?(sig: number, to: ThreadSignals | null): void;
  /** Every live thread's signal state (a disposition set to ignore discards the signal everywhere). */
  threads?(): Iterable<ThreadSignals>;
}

export class Signals {
  private readonly actions: Action[] = [];
  /** Signals sent to the process as a whole: taken by whichever thread does not block them first. */
  private readonly shared = new PendingSignals();
  /** The running thread's own state. */
  private t = new ThreadSignals();
  /**
   * How many signals are pending anywhere (process or any thread): a plain
   * number, so the check at every schedule point costs no BigInt while
   * nothing is pending.
   */
  private queued = 0;

  constructor(private readonly mem: Memory, private readonly host: SignalHost) {
    for (let s = 0; s <= NSIG; s++) this.actions.push({ handler: SIG_DFL, flags: 0, restorer: 0n, mask: 0n });
  }

  // ---- per thread ---------------------------------------------------------------

  /** The running thread's signal state from now on (a context switch). */
  use(t: ThreadSignals): void {
    this.t = t;
  }

  /** The running thread's blocked mask. */
  get blocked(): bigint {
    return this.t.blocked;
  }

  /** Whether thread `t` has a signal it does not block pending (its own, or the process's). */
  hasReady(t: ThreadSignals): boolean {
    return this.queued !== 0 && ((t.pending.bits | this.shared.bits) & ~t.blocked) !== 0n;
  }

  /** Whether `sig` is pending for the process (`to` null) or for thread `to`. */
  isPending(sig: number, to: ThreadSignals | null): boolean {
    return ((to ? to.pending : this.shared).bits & bit(sig)) !== 0n;
  }

  /** A thread exits: the signals sent to it alone go with it. */
  dropThread(t: ThreadSignals): void {
    for (let sig = 1; sig <= NSIG; sig++) this.unqueue(t.pending, sig);
  }

  private enqueue(set: PendingSignals, sig: number, info: SignalInfo): void {
    if (set.bits & bit(sig)) return; // standard signals do not queue
    set.bits |= bit(sig);
    set.info.set(sig, info);
    this.queued++;
  }

  /** Remove `sig` from `set` (if there); its siginfo, or null. */
  private unqueue(set: PendingSignals, sig: number): SignalInfo | null {
    if (!(set.bits & bit(sig))) return null;
    set.bits &= ~bit(sig);
    const info = set.info.get(sig) ?? { code: SI_USER };
    set.info.delete(sig);
    this.queued--;
    return info;
  }

  /** The lowest signal of `mask` pending for the running thread (its own first, as Linux dequeues), taken off its queue. */
  private dequeue(mask: bigint): { sig: number; info: SignalInfo } | null {
    for (const set of [this.t.pending, this.shared]) {
      const ready = set.bits & mask;
      if (ready === 0n) continue;
      let sig = 1;
      while (!(ready & bit(sig))) sig++;
      const info = this.unqueue(set, sig)!;
      info.onDequeue?.(info);
      return { sig, info };
    }
    return null;
  }

  // ---- system calls ------------------------------------------------------------

  /**
   * rt_sigsuspend (and pause, with the current mask): wait with `mask` as the
   * blocked set. Returns true when a signal is ready at once (the call
   * returns -EINTR and the handler runs); false when the caller must block
   * the thread until one arrives.
   */
  suspend(mask: bigint): boolean {
    this.t.savedMask = this.t.blocked;
    this.t.blocked = mask & ~UNBLOCKABLE;
    return this.hasReady(this.t);
  }

  sigaction(sig: number, act: bigint, oldact: bigint, setsize: bigint): number {
    if (setsize !== 8n) return -Errno.EINVAL;
    if (sig < 1 || sig > NSIG || (act && (sig === SIGKILL || sig === SIGSTOP))) return -Errno.EINVAL;
    const cur = this.actions[sig];
    let next: Action | null = null;
    if (act) {
      const b = this.mem.read(act, 32);
      const v = new DataView(b.buffer, b.byteOffset, 32);
      next = { handler: v.getBigUint64(0, true), flags: v.getUint32(8, true), restorer: v.getBigUint64(16, true), mask: v.getBigUint64(24, true) & ~UNBLOCKABLE };
    }
    if (oldact) this.writeU64s(oldact, [cur.handler, BigInt(cur.flags), cur.restorer, cur.mask]);
    if (next) {
      this.actions[sig] = next;
      // Setting SIG_IGN (or SIG_DFL for a default-ignored signal) discards a pending one.
      if (this.ignored(sig)) {
        this.unqueue(this.shared, sig);
        for (const t of this.host.threads?.() ?? [this.t]) this.unqueue(t.pending, sig);
      }
    }
    return 0;
  }

  sigprocmask(how: number, set: bigint, oldset: bigint, setsize: bigint): number {
    if (setsize !== 8n) return -Errno.EINVAL;
    const old = this.t.blocked;
    if (set) {
      if (how < 0 || how > 2) return -Errno.EINVAL;
      const v = this.mem.readU64(set);
      const next = how === 0 ? old | v : how === 1 ? old & ~v : v; // SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK
      this.t.blocked = next & ~UNBLOCKABLE;
    }
    if (oldset) this.writeU64s(oldset, [old]);
    return 0;
  }

  /**
   * rt_sigtimedwait's dequeue: the lowest pending signal in `set` (its
   * siginfo written to `infoAddr` if given), or 0 when none is pending.
   */
  take(set: bigint, infoAddr: bigint): number {
    const taken = this.dequeue(set);
    if (!taken) return 0;
    const { sig, info } = taken;
    if (infoAddr) {
      const b = Buffer.alloc(128);
      writeSiginfo(b, 0, sig, info);
      this.mem.write(infoAddr, b);
    }
    return sig;
  }

  sigpending(set: bigint, setsize: bigint): number {
    if (setsize > 8n) return -Errno.EINVAL;
    this.writeU64s(set, [(this.t.pending.bits | this.shared.bits) & this.t.blocked]);
    return 0;
  }

  sigaltstack(cpu: Cpu, ss: bigint, old: bigint): number {
    const onStack = this.onAltStack(cpu.getReg(Gpr.RSP));
    if (old) {
      const b = Buffer.alloc(24);
      b.writeBigUInt64LE(this.t.alt.sp, 0);
      b.writeInt32LE(this.t.alt.flags === SS_DISABLE ? SS_DISABLE : onStack ? SS_ONSTACK : 0, 8);
      b.writeBigUInt64LE(this.t.alt.size, 16);
      this.mem.write(old, b);
    }
    if (ss) {
      if (onStack) return -Errno.EPERM;
      const sp = this.mem.readU64(ss), flags = this.mem.readU32(ss + 8n), size = this.mem.readU64(ss + 16n);
      if (flags & ~(SS_DISABLE | 0x80000000 /* SS_AUTODISARM */)) return -Errno.EINVAL;
      if (flags & SS_DISABLE) this.t.alt = NO_ALT_STACK;
      else if (size < BigInt(MINSIGSTKSZ)) return -Errno.ENOMEM;
      else this.t.alt = { sp, size, flags: 0 };
    }
    return 0;
  }

  /**
   * Send `sig` to the process (`to` absent: any thread that does not block
   * it takes it) or to one thread: it becomes pending unless ignored.
   */
  send(sig: number, info: SignalInfo, to?: ThreadSignals): number {
    if (sig === 0) return 0;
    if (sig < 1 || sig > NSIG) return -Errno.EINVAL;
    if (this.ignored(sig)) return 0;
    this.enqueue(to ? to.pending : this.shared, sig, info);
    this.host.pending?.(sig, to ?? null);
    return 0;
  }

  /** kill(2) to the own process. */
  kill(sig: number): number {
    return this.send(sig, { code: SI_USER, pid: this.host.pid, uid: this.host.uid });
  }

  /** tgkill/tkill: to thread `to` only (pthread_kill, raise). */
  tkill(sig: number, to: ThreadSignals): number {
    return this.send(sig, { code: SI_TKILL, pid: this.host.pid, uid: this.host.uid }, to);
  }

  /** rt_sigreturn: restore the context saved at delivery; returns the restored RAX. */
  sigreturn(cpu: Cpu): bigint {
    const frame = cpu.getReg(Gpr.RSP) - 8n;
    const uc = frame + 8n, sc = uc + 40n;
    const b = this.mem.read(sc, 256);
    const v = new DataView(b.buffer, b.byteOffset, 256);
    SC_REGS.forEach((r, i) => cpu.setReg(r, v.getBigUint64(8 * i, true)));
    cpu.rip = v.getBigUint64(128, true);
    const flags = Number(v.getBigUint64(136, true) & 0xffffffffn);
    cpu.setRflags((cpu.getRflags() & ~FIX_EFLAGS) | (flags & FIX_EFLAGS));
    const fp = v.getBigUint64(184, true);
    if (fp) this.host.fxrstor(cpu, fp);
    this.t.blocked = this.mem.readU64(uc + 296n) & ~UNBLOCKABLE;
    return cpu.getReg(Gpr.RAX);
  }

  // ---- delivery ------------------------------------------------------------------

  /**
   * Deliver one pending, unblocked signal (lowest number first, as Linux
   * does for standard signals): run its handler, take its default action,
   * or discard it. Returns false when the process died.
   */
  deliverPending(cpu: Cpu): boolean {
    while (this.queued !== 0) {
      const taken = this.dequeue(~this.t.blocked);
      if (!taken) return true;
      const { sig, info } = taken;
      const act = this.actions[sig];
      if (act.handler === SIG_IGN) continue;
      if (act.handler === SIG_DFL) {
        if (DEFAULT_IGNORED.has(sig)) continue;
        if (STOP_SIGNALS.has(sig)) {
          this.host.warn(`ksw: warning: signal ${sig} would stop the program; there is no job control here, so it is ignored`);
          continue;
        }
        this.host.kill(sig);
        return false;
      }
      // A handler: deliver one, then let it run (further pending signals wait for the next syscall).
      return this.runHandler(cpu, sig, info, cpu.rip);
    }
    return true;
  }

  /**
   * A CPU exception in user mode. With a handler installed (and the signal
   * neither blocked nor ignored) it runs; otherwise the signal's default
   * action applies, as the kernel's force_sig does. Returns false when the
   * process died (the caller reports it).
   */
  fault(cpu: Cpu, f: CpuFault, sig: number): boolean {
    const act = this.actions[sig];
    if (act.handler === SIG_DFL || act.handler === SIG_IGN || this.blocked & bit(sig)) return false;
    // int3 is a trap: the saved RIP is after it.
    const rip = f.vector === Vector.BP ? f.rip + 1n : f.rip;
    return this.runHandler(cpu, sig, faultInfo(f, rip), rip);
  }

  private runHandler(cpu: Cpu, sig: number, info: SignalInfo, rip: bigint): boolean {
    const act = this.actions[sig];
    if (!(act.flags & SA_RESTORER) || act.restorer === 0n) {
      this.host.warn(`ksw: signal ${sig}: handler installed without SA_RESTORER; cannot return from it`);
      this.host.kill(SIGSEGV);
      return false;
    }
    const rsp = cpu.getReg(Gpr.RSP);
    let sp = rsp - 128n; // the red zone
    if (act.flags & SA_ONSTACK && this.t.alt.flags !== SS_DISABLE && !this.onAltStack(rsp)) sp = this.t.alt.sp + this.t.alt.size;
    const fpstate = (sp - BigInt(FXSAVE_SIZE)) & ~63n;
    const frame = ((fpstate - BigInt(FRAME_SIZE)) & ~15n) - 8n;
    try {
      this.host.fxsave(cpu, fpstate);
      this.mem.write(frame, this.frameBytes(cpu, sig, info, act, rip, rsp, fpstate));
    } catch (e) {
      if (!(e instanceof PageFault)) throw e;
      // No room for the frame (e.g. a stack overflow without an alternate stack): Linux kills with SIGSEGV.
      this.host.kill(SIGSEGV);
      return false;
    }
    cpu.setReg(Gpr.RSP, frame);
    cpu.rip = act.handler;
    cpu.setReg(Gpr.RDI, BigInt(sig));
    cpu.setReg(Gpr.RSI, frame + 312n);
    cpu.setReg(Gpr.RDX, frame + 8n);
    cpu.setReg(Gpr.RAX, 0n);
    cpu.setRflags(cpu.getRflags() & ~(0x100 | 0x400 | 0x10000)); // TF, DF, RF
    cpu.mxcsr = 0x1f80; // handlers start with the initial FPU/SSE state
    this.t.blocked = (this.t.blocked | act.mask | (act.flags & SA_NODEFER ? 0n : bit(sig))) & ~UNBLOCKABLE;
    this.t.savedMask = null;
    if (act.flags & SA_RESETHAND) this.actions[sig] = { handler: SIG_DFL, flags: 0, restorer: 0n, mask: 0n };
    return true;
  }

  private frameBytes(cpu: Cpu, sig: number, info: SignalInfo, act: Action, rip: bigint, rsp: bigint, fpstate: bigint): Buffer {
    const b = Buffer.alloc(FRAME_SIZE);
    b.writeBigUInt64LE(act.restorer, 0); // pretcode
    const uc = 8;
    b.writeBigUInt64LE(6n, uc); // UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS
    b.writeBigUInt64LE(this.t.alt.sp, uc + 16);
    b.writeInt32LE(this.t.alt.flags === SS_DISABLE ? SS_DISABLE : this.onAltStack(rsp) ? SS_ONSTACK : 0, uc + 24);
    b.writeBigUInt64LE(this.t.alt.size, uc + 32);
    const sc = uc + 40;
    SC_REGS.forEach((r, i) => b.writeBigUInt64LE(BigInt.asUintN(64, cpu.getReg(r)), sc + 8 * i));
    b.writeBigUInt64LE(rip, sc + 128);
    b.writeBigUInt64LE(BigInt(cpu.getRflags() >>> 0), sc + 136);
    b.writeUInt16LE(0x33, sc + 144); // cs
    b.writeUInt16LE(0x2b, sc + 150); // ss
    b.writeBigUInt64LE(BigInt(info.err ?? 0), sc + 152);
    b.writeBigUInt64LE(BigInt(info.trapno ?? 0), sc + 160);
    b.writeBigUInt64LE(this.t.blocked, sc + 168); // oldmask
    b.writeBigUInt64LE(info.cr2 ?? 0n, sc + 176);
    b.writeBigUInt64LE(fpstate, sc + 184);
    b.writeBigUInt64LE(this.t.savedMask ?? this.t.blocked, uc + 296); // uc_sigmask: restored by sigreturn
    writeSiginfo(b, 312, sig, info);
    return b;
  }

  private ignored(sig: number): boolean {
    const h = this.actions[sig].handler;
    return h === SIG_IGN || (h === SIG_DFL && DEFAULT_IGNORED.has(sig));
  }

  private onAltStack(sp: bigint): boolean {
    return this.t.alt.flags !== SS_DISABLE && sp > this.t.alt.sp && sp <= this.t.alt.sp + this.t.alt.size;
  }

  private writeU64s(addr: bigint, values: bigint[]): void {
    const b = Buffer.alloc(values.length * 8);
    values.forEach((v, i) => b.writeBigUInt64LE(BigInt.asUintN(64, v), i * 8));
    this.mem.write(addr, b);
  }
}

/** siginfo_t (128 bytes) at `at` in `b`: signo, code, and the pid/uid or the address. */
function writeSiginfo(b: Buffer, at: number, sig: number, info: SignalInfo): void {
  b.writeInt32LE(sig, at);
  b.writeInt32LE(info.code, at + 8);
  if (info.timerId !== undefined) {
    b.writeInt32LE(info.timerId, at + 16); // _timer: si_tid, si_overrun, si_value
    b.writeInt32LE(info.overrun ?? 0, at + 20);
    b.writeBigUInt64LE(BigInt.asUintN(64, info.value ?? 0n), at + 24);
  } else if (info.addr !== undefined) b.writeBigUInt64LE(info.addr, at + 16);
  else if (info.pid !== undefined) { b.writeInt32LE(info.pid, at + 16); b.writeUInt32LE(info.uid ?? 0, at + 20); }
}

/** The signal Linux sends for a CPU exception in user mode. */
export function signalForFault(f: CpuFault): number {
  switch (f.vector) {
    case Vector.UD: return SIGILL;
    case Vector.DE: case Vector.XM: return SIGFPE;
    case Vector.BP: case Vector.DB: return SIGTRAP;
    default: return SIGSEGV;
  }
}

/** siginfo and sigcontext details of a fault, as the kernel's trap handlers fill them. */
function faultInfo(f: CpuFault, rip: bigint): SignalInfo {
  if (f instanceof PageFault) {
    const err = (f.present ? 1 : 0) | (f.access === 'write' ? 2 : 0) | 4 | (f.access === 'execute' ? 16 : 0);
    return { code: f.present ? 2 : 1, addr: f.address, trapno: Vector.PF, err, cr2: f.address }; // SEGV_ACCERR / SEGV_MAPERR
  }
  switch (f.vector) {
    case Vector.UD: return { code: 2, addr: rip, trapno: Vector.UD }; // ILL_ILLOPN
    case Vector.DE: return { code: 1, addr: rip, trapno: Vector.DE }; // FPE_INTDIV
    case Vector.XM: {
      const flags = f instanceof SimdFloatingPointException ? f.flags : 0;
      // FPE_FLTINV, FPE_FLTDIV, FPE_FLTOVF, FPE_FLTUND, FPE_FLTRES by the first unmasked flag
      const code = flags & 1 ? 7 : flags & 4 ? 3 : flags & 8 ? 4 : flags & 16 ? 5 : flags & 32 ? 6 : 7;
      return { code, addr: rip, trapno: Vector.XM };
    }
    case Vector.BP: return { code: SI_KERNEL, trapno: Vector.BP };
    case Vector.DB: return { code: 1 /* TRAP_BRKPT */, addr: rip, trapno: Vector.DB };
    default: return { code: SI_KERNEL, addr: 0n, trapno: f.vector }; // #GP: SIGSEGV, si_code SI_KERNEL
  }
}

