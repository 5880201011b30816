// The corruption report: the kernel's text (so logs read the same, line by
// line, as the series' dump_stack() from the #DB handler prints them) plus
// the JSON event of DESIGN.md §3.2 with what the kernel cannot show — the
// store instruction itself and its line, old and new values, the victim.

import type { Machine } from '../kernel/machine';
import type { StackEntry } from '../kernel/events';
import type { CorruptionEvent, CorruptionOrigin } from './events';
import type { HwBreakpointHit } from '../kernel/hwBreakpoint';
import { Gpr } from '../cpu/registers';
import type { Watchpoint } from './watch';
import type { WatchOwner } from './stack';
import { originLine } from './origin';

const hex = (v: bigint): string => '0x' + v.toString(16);

/** The kernel's banner lines (pr_err with KBUILD_MODNAME "kstackwatch"). */
export const REPORT_BEGIN = 'kstackwatch: ========== KStackWatch: Caught stack corruption =======';
export const REPORT_END = 'kstackwatch: =================== KStackWatch End ===================';

/** What dump_stack()'s header names the kernel (uname -r of the simulated kernel). */
export const KERNEL_RELEASE = '6.17.0-ksw';

/**
 * The frames the kernel shows inside <#DB> for a hardware-breakpoint hit:
 * the handler's own call chain on the debug IST stack, innermost first. The
 * simulated kernel runs these on the host, so offsets and sizes are those
 * of an x86-64 6.17 build with the series applied (they only have to read
 * like the kernel's: nobody resolves them).
 */
const DB_FRAMES = [
  'dump_stack_lvl+0x5d/0x80', 'ksw_watch_handler+0x39/0x60', '__perf_event_overflow+0x11c/0x4f0',
  'perf_bp_event+0xb3/0xe0', 'hw_breakpoint_handler+0x13e/0x250', 'notify_debug+0x1c/0x40',
  'exc_debug_kernel+0xa9/0x170', 'exc_debug+0x4a/0x90', 'asm_exc_debug+0x1e/0x40',
];

export function buildCorruption(
  m: Machine, wp: Watchpoint, hit: HwBreakpointHit, stack: StackEntry[], oldValue: bigint, newValue: bigint, origin: CorruptionOrigin | null,
): CorruptionEvent {
  const owner = wp.owner as WatchOwner;
  const storeIp = m.cpu.trapInsn;
  const top = stack[0];
  return {
    type: 'corruption',
    time_ns: m.nowNs(),
    config: owner.config.input,
    watch: {
      addr: hex(wp.address), len: wp.length, function: owner.functionName, offset: '0x' + owner.offset.toString(16),
      depth: owner.depth, pid: owner.task.pid, comm: owner.task.comm, cpu: owner.cpu, canary: owner.canary,
    },
    writer: {
      pid: hit.task.pid, comm: hit.task.comm, cpu: hit.pc.index, ip: hex(storeIp), symbol: top.symbol,
      ...(top.file ? { file: top.file, line: top.line } : {}),
      trap_ip: hex(hit.trapIp), stack,
    },
    old: hex(oldValue),
    new: hex(newValue),
    origin,
  };
}

const hex16 = (v: bigint): string => v.toString(16).padStart(16, '0');

/**
 * The interrupted context as __show_regs(regs, SHOW_REGS_SHORT) prints it
 * from the #DB pt_regs: `RIP: 0010:sym+off/size`, the code bytes around RIP
 * (42 before, 21 from it, the byte at RIP in <>), RSP and EFLAGS, then the
 * general registers, five lines of three.
 */
export function registerLines(m: Machine, rip: bigint, ripSymbol: string): string[] {
  const r = m.cpu.regs;
  const reg = (n: number): bigint => (BigInt(r[2 * n + 1] >>> 0) << 32n) | BigInt(r[2 * n] >>> 0);
  let code: string;
  try {
    const bytes = m.mem.read(rip - 42n, 63, true);
    code = 'Code: ' + Array.from(bytes, (b, i) => (i === 42 ? `<${hexByte(b)}>` : hexByte(b))).join(' ');
  } catch {
    code = `Code: Unable to access opcode bytes at 0x${(rip - 42n).toString(16)}.`;
  }
  const row = (a: [string, number], b: [string, number], c: [string, number]): string =>
    [a, b, c].map(([name, n]) => `${name}: ${hex16(reg(n))}`).join(' ');
  return [
    `RIP: 0010:${ripSymbol}`,
    code,
    `RSP: 0018:${hex16(reg(Gpr.RSP))} EFLAGS: ${m.cpu.getRflags().toString(16).padStart(8, '0')}`,
    row(['RAX', Gpr.RAX], ['RBX', Gpr.RBX], ['RCX', Gpr.RCX]),
    row(['RDX', Gpr.RDX], ['RSI', Gpr.RSI], ['RDI', Gpr.RDI]),
    row(['RBP', Gpr.RBP], ['R08', Gpr.R8], ['R09', Gpr.R9]),
    row(['R10', Gpr.R10], ['R11', Gpr.R11], ['R12', Gpr.R12]),
    row(['R13', Gpr.R13], ['R14', Gpr.R14], ['R15', Gpr.R15]),
  ];
}

const hexByte = (b: number): string => b.toString(16).padStart(2, '0');

/**
 * The kernel's report lines, then ours, before the End marker. As x86
 * reports an exception: the handler's frames in <#DB>, the interrupted
 * context's registers (RIP is where the CPU trapped, the instruction after
 * the store) still on the IST stack, then <TASK> from the interrupted
 * function's caller on. When a kernel function implemented on the host did
 * the store (memcpy, ksw_watch_fire…), RIP names that function.
 */
export function reportLines(m: Machine, e: CorruptionEvent, hit: HwBreakpointHit): string[] {
  const store = BigInt(e.writer.ip);
  const hostStore = m.host.containing(store) !== undefined;
  const rip = hostStore ? store : hit.trapIp;
  const ripSymbol = hostStore ? e.writer.stack[0].symbol : m.symbolize(hit.trapIp).symbol;
  const callers = e.writer.stack.slice(1);
  const where = (s: StackEntry): string => (s.file ? ` ${s.file.split('/').pop()}:${s.line}` : '');
  return [
    REPORT_BEGIN,
    `kstackwatch: config ${e.config}`,
    `CPU: ${hit.pc.index} UID: 0 PID: ${hit.task.pid} Comm: ${hit.task.comm} Not tainted ${KERNEL_RELEASE} #1 PREEMPT(voluntary)`,
    'Hardware name: KStackWatch Studio simulated x86-64 machine',
    'Call Trace:',
    ' <#DB>',
    ...DB_FRAMES.map((f) => ` ${f}`),
    ...registerLines(m, rip, ripSymbol),
    ' </#DB>',
    ' <TASK>',
    ...callers.map((s) => ` ${s.symbol}`),
    ' </TASK>',
    `kstackwatch: store ${e.writer.symbol} at ${e.writer.ip}${where(e.writer.stack[0])} wrote ${e.new} over ${e.old}`,
    `kstackwatch: victim ${e.watch.function} depth ${e.watch.depth} pid ${e.watch.pid} (${e.watch.comm}) ` +
      `${e.watch.canary ? 'canary' : 'slot'} ${e.watch.addr} len ${e.watch.len}`,
    originLine(e.watch.addr, e.origin),
    REPORT_END,
  ];
}
