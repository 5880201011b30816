// The event KStackWatch reports when a watched stack slot is overwritten.
// Field names follow the JSON contract of DESIGN.md §3.2.

import type { StackEntry } from '../kernel/events';

export interface CorruptionEvent {
  type: 'corruption';
  time_ns: number;
  config: string;
  watch: {
    addr: string; len: number; function: string; offset: string; depth: number;
    pid: number; comm: string; cpu: number; canary: boolean;
  };
  writer: {
    pid: number; comm: string; cpu: number; ip: string; symbol: string; file?: string; line?: number;
    trap_ip: string; stack: StackEntry[];
  };
  old: string;
  new: string;
  /** Whose frame held the written address before the victim's did; null when no earlier frame did. */
  origin: CorruptionOrigin | null;
}

/** DESIGN.md §3.2: the most recent earlier frame (any task) whose range held the corrupted address. */
export interface CorruptionOrigin {
  function: string;
  /** What it kept there: `scratch[3]`, `canary`, `return address`, `saved rbx`, `padding`. */
  variable: string;
  pid: number;
  comm: string;
  /** Simulated time its function returned. */
  returned_ns: number;
}
