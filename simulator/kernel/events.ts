// Events the kernel reports to its front ends (CLI text/JSON, debug adapter).
// Field names follow the JSON contract of DESIGN.md §3.2.

export interface StackEntry {
  symbol: string;
  file?: string;
  line?: number;
  /** Address of the frame's instruction (current RIP or call site). */
  ip: string;
}

export interface LogEvent {
  type: 'log';
  time_ns: number;
  cpu: number;
  level: number;
  text: string;
}

export interface OopsEvent {
  type: 'oops';
  time_ns: number;
  pid: number;
  comm: string;
  cpu: number;
  reason: string;
  ip: string;
  symbol: string;
  file?: string;
  line?: number;
  stack: StackEntry[];
}

/** What the machine reports; a kernel tool adds its own (KStackWatch's CorruptionEvent). */
export type KernelEvent = LogEvent | OopsEvent;

/** Kernel log timestamp, as printk prints it: `[    0.001234]`. */
export function timestamp(ns: number): string {
  const us = Math.floor(ns / 1000);
  const sec = Math.floor(us / 1e6);
  return `[${String(sec).padStart(5)}.${String(us % 1e6).padStart(6, '0')}]`;
}
