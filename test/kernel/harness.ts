// Shared helpers for the kernel API end-to-end tests (test/kernel/*.test.ts):
// compile a guest module from test/kernel/guests once per test file (into
// os.tmpdir()), run it through the command line (`node bin/ksw run … --json`,
// every stdout line parsed as a JSON event) or through the library (the
// Kernel class the CLI and the debug adapter drive), and pick values out of
// the kernel log.

import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileModule } from '../../simulator/toolchain/compile';
import { Kernel } from '../../simulator/system/kernel';
import type { MachineStop } from '../../simulator/kernel/machine';
import type { LogEvent, OopsEvent } from '../../simulator/kernel/events';
import type { SystemEvent } from '../../simulator/system/kernel';
import { needs } from '../tools';

export const ROOT = path.resolve(__dirname, '../../..');
export const KSW = path.join(ROOT, 'bin/ksw');
export const GUESTS = path.join(ROOT, 'test/kernel/guests');
export const SEEDS = [1, 2, 3, 42];

/** Skip option for tests that need gcc. */
export const NEEDS_GCC = needs('gcc');

// ---- guests ------------------------------------------------------------------------

let tmpDir: string | null = null;
const compiled = new Map<string, string>();

/** A scratch directory for this test file, removed when its process exits. */
export function scratchDir(): string {
  if (!tmpDir) {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-kernel-tests-'));
    const dir = tmpDir;
    // Not node:test's after(): called from inside a test, that would run when that test ends.
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return tmpDir;
}

export function guestSource(name: string): string {
  return path.join(GUESTS, `${name}.c`);
}

/** The guest compiled with the `ksw cc` flags (plus -Wall -Werror), once per test file. */
export function guestObject(name: string): string {
  const hit = compiled.get(name);
  if (hit) return hit;
  const out = path.join(scratchDir(), `${name}.o`);
  const r = compileModule(guestSource(name), { output: out, cflags: ['-Wall', '-Werror'] });
  if ('error' in r && r.error) assert.fail(`compiling ${name}.c failed: ${r.error}\n${r.diagnostics ?? ''}`);
  compiled.set(name, out);
  return out;
}

/** 1-based number of the only line of the guest's source containing `marker`. */
export function sourceLine(name: string, marker: string): number {
  const lines = fs.readFileSync(guestSource(name), 'utf8').split('\n');
  const hits = lines.flatMap((l, i) => (l.includes(marker) ? [i + 1] : []));
  assert.equal(hits.length, 1, `exactly one line of ${name}.c contains ${JSON.stringify(marker)}`);
  return hits[0];
}

// ---- the command line ---------------------------------------------------------------

export interface ExitEvent { type: 'exit'; status: number; insns: number; time_ns: number }
export type JsonEvent = SystemEvent | ExitEvent;

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** With --json: every stdout line, parsed. */
  events: JsonEvent[];
  logs: LogEvent[];
  /** The text of the log events. */
  lines: string[];
  oopses: OopsEvent[];
  exit: ExitEvent | undefined;
}

/** `node bin/ksw run ARGS…` (asynchronous, so several runs can go side by side). */
export function kswRun(args: string[], opts: { timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [KSW, 'run', ...args], { maxBuffer: 256 << 20, timeout: opts.timeoutMs ?? 60_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') { reject(error); return; }
        const status = error ? (error.code as number) : 0;
        const events: JsonEvent[] = [];
        if (args.includes('--json')) {
          for (const line of stdout.split('\n')) {
            if (line === '') continue;
            try {
              events.push(JSON.parse(line) as JsonEvent);
            } catch {
              reject(new Error(`ksw run ${args.join(' ')}: stdout line is not JSON: ${line}`));
              return;
            }
          }
        }
        const logs = events.filter((e): e is LogEvent => e.type === 'log');
        resolve({
          status, stdout, stderr, events, logs, lines: logs.map((e) => e.text),
          oopses: events.filter((e): e is OopsEvent => e.type === 'oops'),
          exit: events.find((e): e is ExitEvent => e.type === 'exit'),
        });
      });
  });
}

/** `--param` arguments for a parameter map. */
export function paramArgs(params: Record<string, string | number> = {}): string[] {
  return Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${v}`]);
}

/** The JSON event stream's invariants: one exit event, last, with the process's status. */
export function assertJsonStream(r: CliRun): void {
  assert.ok(r.events.length > 0, `no JSON events; stderr: ${r.stderr}`);
  const exits = r.events.filter((e) => e.type === 'exit');
  assert.equal(exits.length, 1, 'exactly one exit event');
  assert.equal(r.events[r.events.length - 1].type, 'exit', 'the exit event comes last');
  assert.equal(r.exit!.status, r.status, 'the exit event carries the process exit status');
  // Per CPU, time goes forward (across CPUs it may not: in a round, the CPUs
  // run one after the other over the same stretch of simulated time, and
  // Linux's log has the same property); the exit event comes after everything.
  const lastOnCpu = new Map<number, number>();
  for (const e of r.events) {
    if (e.type !== 'log') continue;
    assert.equal(typeof e.text, 'string');
    assert.ok(Number.isInteger(e.level) && e.level >= 0 && e.level <= 7, `level ${e.level}`);
    assert.ok(Number.isInteger(e.cpu) && e.cpu >= 0, `cpu ${e.cpu}`);
    const last = lastOnCpu.get(e.cpu) ?? 0;
    assert.ok(e.time_ns >= last, `time goes forward on CPU ${e.cpu}: ${e.time_ns} after ${last} (${e.text})`);
    lastOnCpu.set(e.cpu, e.time_ns);
  }
  for (const t of lastOnCpu.values()) assert.ok(r.exit!.time_ns >= t, 'the exit event is the latest');
  assert.doesNotMatch(r.stderr, /\n\s+at .*\(.*:\d+:\d+\)|TypeError|RangeError|ReferenceError/, 'no host stack trace');
}

// ---- the library ---------------------------------------------------------------------

export interface LibRunOptions {
  seed?: number;
  cpus?: number;
  params?: Record<string, string | number>;
  maxInstructions?: number;
  panicOnOops?: boolean;
  hotplug?: { cpu: number; atNs: number; online: boolean }[];
  /** Called after load and params, before module_init starts. */
  beforeRun?: (k: Kernel) => void;
}

export interface LibRun {
  kernel: Kernel;
  stop: MachineStop;
  events: SystemEvent[];
  logs: LogEvent[];
  lines: string[];
  oopses: OopsEvent[];
}

/** Boot a kernel, load the object, set params, run module_init … module_exit. */
export function runKernel(object: string, opts: LibRunOptions = {}): LibRun {
  const kernel = new Kernel({
    cpus: opts.cpus ?? 4, seed: opts.seed ?? 1, maxInstructions: opts.maxInstructions ?? 500_000_000,
    panicOnOops: opts.panicOnOops ?? false,
  });
  const events: SystemEvent[] = [];
  kernel.listeners.push((e) => events.push(e));
  kernel.load(object);
  for (const [k, v] of Object.entries(opts.params ?? {})) kernel.setParam(k, String(v));
  for (const h of opts.hotplug ?? []) kernel.machine.hotplug.schedule(h.atNs, h.cpu, h.online);
  opts.beforeRun?.(kernel);
  kernel.startInit();
  const stop = kernel.run();
  const logs = events.filter((e): e is LogEvent => e.type === 'log');
  return { kernel, stop, events, logs, lines: logs.map((e) => e.text), oopses: events.filter((e): e is OopsEvent => e.type === 'oops') };
}

// ---- reading the log -------------------------------------------------------------------

/** The only log event whose text matches `re`. */
export function only(logs: LogEvent[], re: RegExp): LogEvent {
  const hits = logs.filter((e) => re.test(e.text));
  assert.equal(hits.length, 1, `exactly one log line matches ${re}; got:\n${hits.map((e) => e.text).join('\n') || '(none)'}`);
  return hits[0];
}

/** All log events matching `re`. */
export function all(logs: LogEvent[], re: RegExp): LogEvent[] {
  return logs.filter((e) => re.test(e.text));
}

/** key=value pairs of a log line, values as numbers when they are numbers. */
export function kv(text: string): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const m of text.matchAll(/(\w+)=(\S+)/g)) {
    const v = m[2];
    out[m[1]] = /^-?\d+$/.test(v) ? Number(v) : /^0x[0-9a-f]+$/i.test(v) ? Number.parseInt(v, 16) : v;
  }
  return out;
}

/** A numeric key=value of the only line matching `re`. */
export function num(logs: LogEvent[], re: RegExp, key: string): number {
  const line = only(logs, re).text;
  const v = kv(line)[key];
  assert.equal(typeof v, 'number', `${key}= in ${JSON.stringify(line)}`);
  return v as number;
}

/** Index of the first log event matching `re` (asserting there is one). */
export function indexOf(logs: LogEvent[], re: RegExp): number {
  const i = logs.findIndex((e) => re.test(e.text));
  assert.ok(i >= 0, `a log line matches ${re}`);
  return i;
}

/** Strip what differs between a CLI run and a library run of the same module (nothing, for a clean run). */
export function logSignature(logs: LogEvent[]): string[] {
  return logs.map((e) => `${e.time_ns} ${e.cpu} ${e.level} ${e.text}`);
}
