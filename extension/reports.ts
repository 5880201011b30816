// What the editor says about a corruption or an oops: the after-text on the
// writer's line, the diagnostic message, the hover's kernel-style report.
// Input is the JSON of DESIGN.md §3.2 (the body of the adapter's
// `kstackwatch.corruption` event). No `vscode` import.

import type { CorruptionEvent, CorruptionOrigin, StackEntry } from '../adapter/protocol';

export type { CorruptionOrigin } from '../adapter/protocol';

/** A call-trace entry; an oops rebuilt from exceptionInfo text has no `ip`. */
export type StackEntryJson = Omit<StackEntry, 'ip'> & { ip?: string };

/** A corruption as the adapter's `kstackwatch.corruption` event carries it. */
export type CorruptionJson = Omit<CorruptionEvent, 'origin'> & {
  /**
   * Issue 11's time travel (DESIGN.md §3.2): whose frame held the written
   * address before the victim's did, and when it returned; null when no
   * earlier frame held it; absent from an adapter without time travel.
   */
  origin?: CorruptionOrigin | null;
};

export interface OopsJson {
  type: 'oops';
  time_ns?: number;
  pid?: number;
  comm?: string;
  cpu?: number;
  reason: string;
  ip?: string;
  symbol?: string;
  file?: string;
  line?: number;
  stack: StackEntryJson[];
}

/** Narrow an event body from the adapter (it crosses a process boundary, so check it). */
export function asCorruption(body: unknown): CorruptionJson | null {
  const b = body as Partial<CorruptionJson> | null;
  if (!b || typeof b !== 'object' || !b.watch || !b.writer || typeof b.config !== 'string') return null;
  if (!Array.isArray(b.writer.stack)) return null;
  return b as CorruptionJson;
}

/** `test_mthread_corrupt+0x31/0x3b` → `test_mthread_corrupt`. */
export function functionOf(symbol: string): string {
  return symbol.replace(/[+/].*$/, '');
}

export function timestamp(ns: number): string {
  const s = Math.floor(ns / 1e9), us = Math.floor((ns % 1e9) / 1e3);
  return `[${String(s).padStart(5)}.${String(us).padStart(6, '0')}]`;
}

/** After-text on the writer's line: what was written, whose frame, by whom, where. */
export function corruptionAfterText(c: CorruptionJson): string {
  const what = c.watch.canary ? 'canary' : `${c.watch.len}-byte slot`;
  // "by <comm>", not "writer <comm>": a thread named "writer" would read "writer writer".
  return `  ⚠ wrote ${c.new} over ${c.old} — ${what} of ${c.watch.function}() [${c.watch.comm} pid ${c.watch.pid}, depth ${c.watch.depth}] · by ${c.writer.comm} (pid ${c.writer.pid}) on CPU ${c.writer.cpu}`;
}

/** After-text on the victim's watched line. */
export function victimAfterText(c: CorruptionJson): string {
  return `  ◉ watched by "${c.config}": ${c.watch.canary ? 'canary' : 'slot'} ${c.watch.addr} (${c.watch.len} bytes) of ${c.watch.comm} pid ${c.watch.pid} on CPU ${c.watch.cpu}, smashed by ${c.writer.comm}`;
}

/** The Problems entry. */
export function corruptionMessage(c: CorruptionJson): string {
  return `Stack corruption: ${c.writer.comm} (pid ${c.writer.pid}, CPU ${c.writer.cpu}) wrote ${c.new} into the ` +
    `${c.watch.canary ? 'stack canary' : 'watched stack slot'} of ${c.watch.function}() of ${c.watch.comm} (pid ${c.watch.pid}, depth ${c.watch.depth}) at ${c.watch.addr}; was ${c.old}`;
}

function frameLine(f: StackEntryJson): string {
  const where = f.file ? ` (${f.file.split('/').pop()}:${f.line})` : '';
  return ` ${f.symbol}${where}`;
}

/**
 * The kernel-style report, as `ksw run` prints it. The adapter's stopped
 * event carries the kernel's own text; this is used when it is not at hand.
 */
export function corruptionReport(c: CorruptionJson): string {
  return [
    '============ KStackWatch: stack corruption detected ============',
    `watch: "${c.config}"`,
    `victim: ${c.watch.comm} (pid ${c.watch.pid}) on CPU ${c.watch.cpu}, ${c.watch.function}+${c.watch.offset} depth ${c.watch.depth}`,
    `watched: ${c.watch.canary ? 'canary' : 'slot'} at ${c.watch.addr}, ${c.watch.len} bytes: ${c.old} -> ${c.new}`,
    `writer: ${c.writer.comm} (pid ${c.writer.pid}) on CPU ${c.writer.cpu} at ${c.writer.symbol} ip ${c.writer.ip} (trap ip ${c.writer.trap_ip})`,
    'Call Trace:',
    ...c.writer.stack.map(frameLine),
    '=================================================================',
  ].join('\n');
}

/** Markdown for the hover on an annotated line. */
export function corruptionHover(c: CorruptionJson, kernelText?: string): string {
  const report = kernelText && kernelText.trim() ? kernelText : corruptionReport(c);
  return [
    `**KStackWatch: stack corruption** at ${timestamp(c.time_ns)}`,
    '',
    `- **writer** ${c.writer.comm} (pid ${c.writer.pid}) on CPU ${c.writer.cpu}, \`${c.writer.symbol}\`, store at \`${c.writer.ip}\``,
    `- **victim** ${c.watch.function}() of ${c.watch.comm} (pid ${c.watch.pid}), depth ${c.watch.depth}, CPU ${c.watch.cpu}`,
    `- **watched** ${c.watch.canary ? 'canary' : 'slot'} \`${c.watch.addr}\` (${c.watch.len} bytes): \`${c.old}\` → \`${c.new}\``,
    `- **watch** \`${c.config}\``,
    ...originLines(c.origin),
    '',
    '```kstackwatch-log',
    report.replace(/```/g, "'''"),
    '```',
  ].join('\n');
}

export function oopsAfterText(o: OopsJson): string {
  const who = o.comm ? ` [${o.comm}${o.pid !== undefined ? ` pid ${o.pid}` : ''}${o.cpu !== undefined ? ` on CPU ${o.cpu}` : ''}]` : '';
  return `  ✖ Oops: ${o.reason}${who}`;
}

export function oopsMessage(o: OopsJson): string {
  const who = o.comm ? ` in ${o.comm}${o.pid !== undefined ? ` (pid ${o.pid})` : ''}` : '';
  return `Kernel oops${who}: ${o.reason}`;
}

export function oopsHover(o: OopsJson, kernelText?: string): string {
  const text = kernelText && kernelText.trim() ? kernelText : [`BUG: ${o.reason}`, 'Call Trace:', ...o.stack.map(frameLine)].join('\n');
  return [`**Kernel oops**: ${o.reason}`, '', '```kstackwatch-log', text.replace(/```/g, "'''"), '```'].join('\n');
}

/** The first frame of a stack with a source location (the writer's own line, normally the top). */
export function firstSourceFrame(stack: readonly StackEntryJson[]): StackEntryJson | undefined {
  return stack.find((f) => f.file && f.line);
}

/**
 * An oops as the adapter exposes it: a stopped event (reason `exception`)
 * whose exceptionInfo has the text and a stack trace of lines like
 * `symbol (/abs/file.c:124)`.
 */
export function oopsFromException(description: string, details: string | undefined, stackTrace: string | undefined): OopsJson {
  const stack: StackEntryJson[] = (stackTrace ?? '').split('\n').filter(Boolean).map((l) => {
    const m = /^(\S+)(?: \((.*):(\d+)\))?$/.exec(l.trim());
    return m ? { symbol: m[1], ...(m[2] ? { file: m[2], line: Number(m[3]) } : {}) } : { symbol: l.trim() };
  });
  const m = /^Oops in (\S+) \(pid (\d+)\) at .*?: (.*)$/.exec(description);
  const top = firstSourceFrame(stack);
  return {
    type: 'oops', reason: m ? m[3] : description, ...(m ? { comm: m[1], pid: Number(m[2]) } : {}), stack,
    ...(top ? { file: top.file, line: top.line, symbol: top.symbol } : {}),
    ...(details ? {} : {}),
  };
}

/**
 * The function a stack-protector panic names (`Kernel panic - not syncing:
 * stack-protector: Kernel stack is corrupted in: test_canary_overflow+0x87/0x87`):
 * the victim, whose canary a watch would guard.
 */
export function panicVictim(description: string | undefined): string | undefined {
  const m = /stack-protector: Kernel stack is corrupted in: ([A-Za-z_][\w]*)(?:\.(?:constprop|isra|part|cold)\.\d+)?\+/.exec(description ?? '');
  return m?.[1];
}

/** The command a hover link runs to take the machine back to the origin frame's last moment (extension.ts registers it). */
export const GOTO_TIME_COMMAND = 'kstackwatch.goToOriginTime';

/**
 * The hover's origin line: the frame that held the written address before
 * the victim's (a stale pointer's source), with a link that takes the
 * machine back to that frame's last moment — its last instruction before
 * it returned, its locals still visible (`kstackwatch.gotoOrigin`).
 */
export function originLines(origin: CorruptionOrigin | null | undefined): string[] {
  if (!origin || typeof origin.returned_ns !== 'number') return [];
  const args = encodeURIComponent(JSON.stringify([{ function: origin.function, pid: origin.pid, returned_ns: origin.returned_ns }]));
  return [`- **origin** the address was \`${origin.variable}\` of ${origin.function}() of ${origin.comm} (pid ${origin.pid}) until it returned at ${timestamp(origin.returned_ns)} — [go back to that frame's last moment](command:${GOTO_TIME_COMMAND}?${args})`];
}
