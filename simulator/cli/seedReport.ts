// A hunt seed's first report as `ksw hunt --json` prints it (DESIGN.md
// §3.2) and its one-line description — apart from the run itself, so the
// VS Code extension can show findings without bundling the machine.

import * as path from 'node:path';

/** What went wrong first in a seed that did not run clean. */
export type SeedReport =
  | { type: 'corruption'; time_ns: number; config: string; function: string; comm: string; pid: number;
      writer: string; writer_comm: string; writer_pid: number; cpu: number; file?: string; line?: number }
  | { type: 'oops'; time_ns: number; reason: string; symbol: string; comm: string; pid: number; cpu: number; file?: string; line?: number }
  | { type: 'deadlock' | 'panic' | 'budget' | 'init'; time_ns: number; reason: string };

/** One line for a person: what the seed's first report says. */
export function describeReport(r: SeedReport): string {
  const where = (file?: string, line?: number) => (file ? ` (${path.basename(file)}:${line})` : '');
  switch (r.type) {
    case 'corruption':
      return `stack corruption: ${r.function} (${r.comm}:${r.pid}) written by ${r.writer}${where(r.file, r.line)} in ${r.writer_comm}:${r.writer_pid} on CPU ${r.cpu}`;
    case 'oops':
      return `oops: ${r.reason} at ${r.symbol}${where(r.file, r.line)} in ${r.comm}:${r.pid}`;
    default:
      return `${r.type}: ${r.reason}`;
  }
}
