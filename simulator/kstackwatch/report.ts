// The corruption report: the kernel's text (so logs read the same) plus the
// JSON event of DESIGN.md §3.2 with what the kernel cannot show — the store
// instruction itself and its line, old and new values, the victim frame.

import type { Machine } from '../kernel/machine';
import type { CorruptionEvent, StackEntry } from '../kernel/events';
import type { HwBreakpointHit } from '../kernel/hwBreakpoint';
import type { Watchpoint } from './watch';
import type { WatchOwner } from './stack';

const hex = (v: bigint): string => '0x' + v.toString(16);

/** Frames the kernel shows inside <#DB> for a breakpoint hit (the handler's own stack). */
const DB_FRAMES = ['dump_stack_lvl', 'ksw_watch_handler', '__perf_event_overflow', 'perf_bp_event',
  'hw_breakpoint_handler', 'notify_debug', 'exc_debug_kernel', 'exc_debug', 'asm_exc_debug'];

export function writerStack(m: Machine, hit: HwBreakpointHit): StackEntry[] {
  const storeIp = m.cpu.trapInsn;
  const frames = m.callTrace(hit.task, storeIp);
  return frames;
}

export function buildCorruption(m: Machine, wp: Watchpoint, hit: HwBreakpointHit, stack: StackEntry[], oldValue: bigint, newValue: bigint): CorruptionEvent {
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
  };
}

/** The kernel's report lines (pr_err), then ours, before the End marker. */
export function reportLines(m: Machine, e: CorruptionEvent, hit: HwBreakpointHit): string[] {
  const trap = m.symbolize(hit.trapIp);
  const callers = e.writer.stack.slice(1);
  const where = (s: StackEntry): string => (s.file ? ` ${s.file.split('/').pop()}:${s.line}` : '');
  return [
    'kstackwatch: ========== KStackWatch: Caught stack corruption =======',
    `kstackwatch: config ${e.config}`,
    `CPU: ${hit.pc.index} UID: 0 PID: ${hit.task.pid} Comm: ${hit.task.comm} Not tainted 6.17.0-ksw #1`,
    'Call Trace:',
    ' <#DB>',
    ...DB_FRAMES.map((f) => `  ${f}`),
    ' </#DB>',
    ' <TASK>',
    `  ${trap.symbol}`,
    ...callers.map((s) => `  ${s.symbol}`),
    ' </TASK>',
    `kstackwatch: store ${e.writer.symbol} at ${e.writer.ip}${where(e.writer.stack[0])} wrote ${e.new} over ${e.old}`,
    `kstackwatch: victim ${e.watch.function} depth ${e.watch.depth} pid ${e.watch.pid} (${e.watch.comm}) ` +
      `${e.watch.canary ? 'canary' : 'slot'} ${e.watch.addr} len ${e.watch.len}`,
    'kstackwatch: =================== KStackWatch End ===================',
  ];
}
