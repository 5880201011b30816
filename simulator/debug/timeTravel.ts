// Time travel's bookkeeping, apart from the run loop (runtime.ts): where in
// history the machine is (its retired-instruction count — a position —
// since the simulator is deterministic, the same program, config and seed
// reach the same state at the same position), the debug gate that brings a
// replay to an exact position, what a replay records about one thread (its
// instruction starts, for stepping back), and which recorded point a
// reverse step lands on.

import type { DebugGateAnswer } from '../kernel/machine';
import type { Task } from '../kernel/task';

/**
 * How far from the target position a task may still start a quantum at
 * full speed: a quantum runs at most the interleaving policy's longest
 * (`sched`) and the gate is asked again before the next one; this slack is
 * on top of it.
 */
export const EXACT_SLACK = 64;

/** The margin for a policy whose quanta are at most `longestQuantum` instructions. */
export function exactMargin(longestQuantum: number): number {
  return longestQuantum + EXACT_SLACK;
}

/**
 * The first stretch of history before now in which a reverse step looks
 * for its thread's instructions (the thread runs one instruction at a time
 * there, much slower than blocks); grows ×16 on a miss.
 */
export const FIRST_WINDOW = 50_000;
export const WINDOW_GROWTH = 16;

/** Where a thread was about to run an instruction: what a step back can land on. */
export interface Sample {
  pos: number;
  rip: bigint;
  depth: number;
}

/** The thread a replay samples, and from where in history. */
export interface SampleRequest {
  pid: number;
  from: number;
}

/** What the gate needs to read from the machine while it runs. */
export interface GateEnv {
  /** Retired instructions now (exact inside the gate). */
  position(): number;
  /** Simulated time now, in ns. */
  time(): number;
  rip(task: Task): bigint;
  depth(task: Task): number;
}

/**
 * A simulated time a replay stops at: the first instruction boundary at or
 * after it — of any task, or of task `pid` only. (Time is not monotonic in
 * position across CPUs: each CPU's quantum of a round counts from the
 * round's start; along one task's own instructions it is.)
 */
export interface TimeTarget { ns: number; pid?: number }

/**
 * The gate of a replay: every task runs at full speed until it is within
 * `margin` (exactMargin) of `limit`, then one instruction at a time, and the machine
 * stops at the first instruction boundary at or after `limit`; the sampled
 * thread also runs one instruction at a time from `sample.from` and each
 * instruction start is recorded. With `until`, it also stops at the
 * first instruction boundary at or after that simulated time (tasks near it
 * run one instruction at a time).
 */
export class ReplayGate {
  readonly samples: Sample[] = [];

  constructor(private readonly env: GateEnv, readonly limit: number, private readonly margin: number, private readonly sample: SampleRequest | null,
    private readonly until: TimeTarget | undefined, private readonly arrive: (task: Task) => void) {}

  gate(task: Task): DebugGateAnswer {
    const pos = this.env.position();
    const u = this.until && (this.until.pid === undefined || this.until.pid === task.pid) ? this.until.ns : undefined;
    if (pos >= this.limit || (u !== undefined && this.env.time() >= u)) { this.arrive(task); return 'stop'; }
    // near the time asked for, one instruction at a time: the stop is at the first instruction boundary at or after it
    if (u !== undefined && this.env.time() + this.margin >= u) return 'step';
    const s = this.sample;
    if (s && task.pid === s.pid && pos >= s.from) {
      this.record(pos, this.env.rip(task), this.env.depth(task));
      return 'step';
    }
    return pos + this.margin >= this.limit ? 'step' : 'run';
  }

  /**
   * The gate may be asked more than once before the thread's next
   * instruction (a quantum that ends at once, a trap handled mid-quantum):
   * the later answer, at the same RIP, is the later moment before it.
   */
  private record(pos: number, rip: bigint, depth: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && last.rip === rip) { last.pos = pos; last.depth = depth; return; }
    this.samples.push({ pos, rip, depth });
  }
}

/** A source line of an address, when the program has one there. */
export type LineOf = (rip: bigint) => { file: string; line: number } | undefined;

/**
 * Step back one instruction: the moment before the thread's last
 * instruction before now. `now` is the thread's current RIP (samples at
 * that RIP are the thread waiting to run it, not something it ran).
 */
export function previousInstruction(samples: readonly Sample[], now: bigint): Sample | undefined {
  let i = samples.length - 1;
  while (i >= 0 && samples[i].rip === now) i--;
  return i >= 0 ? samples[i] : undefined;
}

type Line = { file: string; line: number };

function sameLine(a: Line | undefined, b: Line | undefined): boolean {
  return !!a && !!b && a.file === b.file && a.line === b.line;
}

/**
 * The first instruction of the run of `line` (at `depth`) that samples[i]
 * belongs to: back while the thread stays on that line — calls made from it
 * and instructions without a line do not end the run.
 */
function lineRunStart(samples: readonly Sample[], i: number, lineOf: LineOf): Sample {
  let found = samples[i];
  const depth = found.depth, line = lineOf(found.rip);
  for (let j = i - 1; j >= 0; j--) {
    const s = samples[j];
    if (s.depth > depth) continue;
    const l = lineOf(s.rip);
    if (!l) continue;
    if (s.depth !== depth || !sameLine(l, line)) break;
    found = s;
  }
  return found;
}

/** Samples before the thread's current instruction (those at `now` are it waiting to run it). */
function lastBefore(samples: readonly Sample[], now: bigint): number {
  let i = samples.length - 1;
  while (i >= 0 && samples[i].rip === now) i--;
  return i;
}

/**
 * Step back over one source line (reverse `next`): the start of the last
 * line the thread ran before the current one, in the current function or
 * a caller — calls made from it are stepped over, as `next` does going
 * forward. Instructions without a line (kernel stubs) are skipped.
 */
export function previousLine(samples: readonly Sample[], now: { rip: bigint; depth: number }, lineOf: LineOf): Sample | undefined {
  const current = lineOf(now.rip);
  for (let i = lastBefore(samples, now.rip); i >= 0; i--) {
    const s = samples[i];
    if (s.depth > now.depth) continue;
    const line = lineOf(s.rip);
    if (!line) continue;
    if (s.depth === now.depth && sameLine(line, current)) continue;
    return lineRunStart(samples, i, lineOf);
  }
  return undefined;
}

/**
 * DAP `goto` to a line: the thread's latest instruction start before its
 * current instruction at one of `addresses` — the line's addresses as a
 * source breakpoint on it resolves them, so the moment is the latest one
 * where such a breakpoint would have stopped this thread.
 */
export function lastAt(samples: readonly Sample[], now: bigint, addresses: ReadonlySet<bigint>): Sample | undefined {
  for (let i = lastBefore(samples, now); i >= 0; i--) if (addresses.has(samples[i].rip)) return samples[i];
  return undefined;
}

/**
 * DAP `restartFrame`: the first instruction of the live activation at
 * shadow-stack `depth` — the sample after the thread's last one shallower
 * than it (the call that made the activation). When the samples go back to
 * the thread's start (`fromStart`) and none is shallower, the activation is
 * the thread's own function: its first instruction. 'now': the thread is at
 * the entry already.
 */
export function activationEntry(samples: readonly Sample[], depth: number, fromStart: boolean): Sample | 'now' | undefined {
  for (let i = samples.length - 1; i >= 0; i--) {
    // nothing after the call: the thread is at the activation's first instruction now
    if (samples[i].depth < depth) return samples[i + 1] ?? 'now';
  }
  return fromStart ? samples[0] ?? 'now' : undefined;
}

/** Stop reasons that reverseContinue goes back to: those a forward run stops at without being asked to. */
export const REVERSE_STOP_REASONS: ReadonlySet<string> = new Set([
  'breakpoint', 'function breakpoint', 'instruction breakpoint', 'data breakpoint', 'exception',
]);

/**
 * A frame's last moment (the origin link of a report): the thread's latest
 * instruction in the function after which it leaves the function's depth —
 * its `ret`, or a jump to a return thunk run at the same depth — so the
 * frame is still live there. `depthNow`: the thread's depth after the last
 * sample.
 */
export function lastExit(samples: readonly Sample[], inFunction: (rip: bigint) => boolean, depthNow: number): Sample | undefined {
  for (let k = samples.length - 1; k >= 0; k--) {
    const s = samples[k];
    if (!inFunction(s.rip)) continue;
    let m = k + 1;
    while (m < samples.length && samples[m].depth === s.depth && !inFunction(samples[m].rip)) m++;
    if ((m < samples.length ? samples[m].depth : depthNow) < s.depth) return s;
  }
  return undefined;
}
