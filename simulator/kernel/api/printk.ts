// printk and the kernel's fatal paths: _printk, vprintk, dump_stack, panic,
// __stack_chk_fail.
//
// A printk message may carry KERN_<level> prefixes ("\001" + '0'..'7', or
// 'c' for KERN_CONT); the first level wins, the default is 4
// (KERN_WARNING, Linux's default message loglevel). Each complete line
// becomes one log event (m.log). A message not ending in a newline is held
// back until the same task continues it (KERN_CONT / pr_cont) or something
// else is logged — another printk, a kernel report, any machine log line —
// as Linux finalizes a partial record when the next record arrives, or the
// task exits. Front ends should call flushPrintk() when a run ends (for a
// partial line of a task that is still alive, e.g. in a deadlock).

import type { Machine } from '../machine';
import type { Task } from '../task';
import { Gpr } from '../../cpu/registers';
import { MemoryFault } from '../../memory/memory';
import { ArgSource, parsePrintkPrefix } from './format';
import { callArgs, guestFormat, symbolString, vaListArgs } from './guestFormat';
import { NO_RETURN, beginWait, readCBytes, readU64, resumeWait } from './util';
import { CpuFault, Vector } from '../../cpu/faults';
import { afterQuantum } from './hooks';

/** Linux's printk record limit (PRINTKRB_RECORD_MAX). */
export const PRINTK_MAX = 1024;
/** Linux's default message loglevel, for a printk without KERN_<level>. */
export const DEFAULT_LOGLEVEL = 4;

interface PrintkState {
  pending: { task: Task; level: number; bytes: Uint8Array } | null;
  /** We are emitting our own log events (the flush listener must not react). */
  emitting: boolean;
}

function stateOf(m: Machine): PrintkState {
  return (m.hostState.get('printk') as PrintkState | undefined) ?? m.keep<PrintkState>('printk', { pending: null, emitting: false });
}

function emit(m: Machine, st: PrintkState, level: number, bytes: Uint8Array): void {
  st.emitting = true;
  try {
    m.log(level, Buffer.from(bytes).toString('utf8'));
  } finally {
    st.emitting = false;
  }
}

/** Emit a held-back partial line, if any (call when a run ends). */
export function flushPrintk(m: Machine): void {
  const st = stateOf(m);
  const p = st.pending;
  if (!p) return;
  st.pending = null;
  emit(m, st, p.level, p.bytes);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Log an already formatted printk message (with its KERN_ prefixes) for the
 * running task. Returns the length of the text without the prefixes, as
 * printk does.
 */
export function printkText(m: Machine, formatted: Uint8Array): number {
  const st = stateOf(m);
  const { level, cont, skip } = parsePrintkPrefix(formatted);
  const body = formatted.subarray(skip);
  const task = m.currentTask;
  if (st.pending && (st.pending.task !== task || !cont)) flushPrintk(m);
  let carried = st.pending?.bytes ?? new Uint8Array(0);
  const lvl = st.pending ? st.pending.level : level < 0 ? DEFAULT_LOGLEVEL : level;
  st.pending = null;
  let start = 0;
  for (let k = 0; k < body.length; k++) {
    if (body[k] !== 0x0a) continue;
    emit(m, st, lvl, concat(carried, body.subarray(start, k)));
    carried = new Uint8Array(0);
    start = k + 1;
  }
  if (start < body.length || carried.length > 0) {
    st.pending = { task, level: lvl, bytes: concat(carried, body.subarray(start)) };
  }
  return body.length;
}

/** Log text lines (host-generated reports) at a level, after any held-back partial line. */
export function logLines(m: Machine, level: number, ...lines: string[]): void {
  flushPrintk(m);
  const st = stateOf(m);
  st.emitting = true;
  try {
    for (const l of lines) m.log(level, l);
  } finally {
    st.emitting = false;
  }
}

/**
 * The running task's "CPU/PID/Comm" header and Call Trace, as dump_stack()
 * prints it. The trace starts at `rip` (default: the current RIP, i.e. the
 * kernel function being executed) and follows the task's shadow call stack.
 */
export function dumpStack(m: Machine, level = DEFAULT_LOGLEVEL, rip?: bigint): void {
  const t = m.currentTask;
  // Callers' frames are return addresses: name them as %pB does (looked up
  // at ret-1), so a call that is its function's last instruction (a
  // noreturn call such as panic()) is still attributed to that function.
  const frames = m.callTrace(t, rip ?? m.cpu.rip).map((f, i) => {
    // a host function a callback returns into (worker_thread, sort) has no call site before it
    if (i === 0 || m.host.containing(BigInt(f.ip))?.offset === 0) return f;
    const b = symbolString(m, BigInt(f.ip), 'B');
    return b.startsWith('0x') ? f : { ...f, symbol: b }; // e.g. the exit trampoline: no call precedes it
  });
  logLines(m, level,
    `CPU: ${m.currentCpu.index} PID: ${t.pid} Comm: ${t.comm}`,
    'Call Trace:',
    ' <TASK>',
    ...frames.map((f) => ` ${f.symbol}${f.file ? ` (${f.file}:${f.line})` : ''}`),
    ' </TASK>');
}

/**
 * panic(): "Kernel panic - not syncing: msg" and the stack; then the
 * machine stops with { kind: 'panic', reason: msg }. The task never
 * continues (it is left blocked, and blocks again if woken).
 */
export function kernelPanic(m: Machine, msg: string): typeof NO_RETURN {
  const t = m.currentTask;
  if (resumeWait(t, 'panic')) { // woken after a panic: stay down
    m.blockCurrent('panic');
    return NO_RETURN;
  }
  beginWait(t, 'panic');
  const text = msg.endsWith('\n') ? msg.slice(0, -1) : msg;
  logLines(m, 0, `Kernel panic - not syncing: ${text}`);
  dumpStack(m, DEFAULT_LOGLEVEL);
  // The "---[ end Kernel panic - not syncing: … ]---" line is the front
  // end's, printed when run() stops with { kind: 'panic' } (for every panic).
  m.blockCurrent('panic');
  m.panic(text);
  return NO_RETURN;
}

function printkWith(m: Machine, fmt: bigint, args: ArgSource): number {
  const r = guestFormat(m, fmt, args, PRINTK_MAX);
  return printkText(m, r.bytes);
}

export function registerPrintk(m: Machine): void {
  const st = stateOf(m);
  // A partial printk line is finalized before any other log line (first listener).
  m.listeners.unshift((e) => {
    if (e.type === 'log' && !st.emitting && st.pending) flushPrintk(m);
  });
  // ... and when the task that printed it has exited.
  afterQuantum(m, () => {
    if (st.pending && !st.pending.task.alive) flushPrintk(m);
  });

  m.defineHost('_printk', () => printkWith(m, m.arg(0), callArgs(m, 1)));
  m.defineHost('vprintk', () => printkWith(m, m.arg(0), vaListArgs(m, m.arg(1))));
  // pr_debug() under CONFIG_DYNAMIC_DEBUG(descriptor, fmt, ...): reached only when its static key is on
  m.defineHost('__dynamic_pr_debug', () => { printkWith(m, m.arg(1), callArgs(m, 2)); });
  m.defineHost('dump_stack', () => { dumpStack(m); });
  // WARN(cond, fmt, ...): the message at KERN_WARNING; the ud2 after it reports the warning (__bug_table)
  m.defineHost('__warn_printk', () => {
    const r = guestFormat(m, m.arg(0), callArgs(m, 1), PRINTK_MAX);
    return printkText(m, concat(Uint8Array.of(0x01, 0x34), r.bytes));
  });
  // CONFIG_FORTIFY_SOURCE found a string/memory call overflowing its object: the line, then BUG() (an oops)
  m.defineHost('fortify_panic', () => {
    const name = Buffer.from(readCBytes(m, m.arg(0), 64)).toString('latin1');
    logLines(m, 0, `detected buffer overflow in ${name}`);
    throw new CpuFault(Vector.UD, 'invalid opcode: 0000', 'kernel BUG at lib/string_helpers.c');
  });

  m.defineHost('panic', () => {
    const r = guestFormat(m, m.arg(0), callArgs(m, 1), PRINTK_MAX);
    return kernelPanic(m, Buffer.from(r.bytes).toString('utf8'));
  });

  // gcc's -fstack-protector failure path: panic naming the function whose
  // canary was found changed (its return address, printed as %pB).
  m.defineHost('__stack_chk_fail', () => {
    let ret: bigint;
    try {
      ret = readU64(m, m.cpu.getReg(Gpr.RSP));
    } catch (e) {
      if (!(e instanceof MemoryFault)) throw e;
      ret = m.currentTask.shadow.frames()[0]?.ret ?? 0n;
    }
    return kernelPanic(m, `stack-protector: Kernel stack is corrupted in: ${symbolString(m, ret, 'B')}`);
  });
}
