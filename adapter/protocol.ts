// What crosses the process boundary between the editor (extension/) and
// the debug adapter (a child process): the names and bodies of the custom
// DAP requests and events, and the JSON events of DESIGN.md §3.2 that the
// `kstackwatch.corruption` event carries. Types and names only — the
// extension imports this without pulling in the simulator. The shapes are
// owned where they are produced (the kernel's and KStackWatch's events, the
// debug runtime's views) and re-exported here, so nothing declares them twice.

export type { StackEntry, LogEvent, OopsEvent } from '../simulator/kernel/events';
export type { CorruptionEvent, CorruptionOrigin } from '../simulator/kstackwatch/events';
export type {
  StackWatchInfo, WatchpointInfo, CpuDebugRegisters, DebugRegisterSlot,
} from '../simulator/debug/types';
import type { StackWatchInfo, CpuDebugRegisters } from '../simulator/debug/types';

/** Custom requests the extension sends (the Stack Watches view). */
export const CUSTOM_REQUESTS = {
  setStackWatches: 'kstackwatch.setStackWatches',
  listStackWatches: 'kstackwatch.listStackWatches',
  debugRegisters: 'kstackwatch.debugRegisters',
  /** Issue 11's time travel: GotoTimeArguments. */
  gotoTime: 'kstackwatch.gotoTime',
  /** A report's origin link: GotoOriginArguments. */
  gotoOrigin: 'kstackwatch.gotoOrigin',
  /** What time travel has cost so far: TimeTravelStats (tests, the benchmark). */
  timeTravelStats: 'kstackwatch.timeTravelStats',
} as const;

/** The custom event with a corruption's JSON (a CorruptionEvent). */
export const CORRUPTION_EVENT = 'kstackwatch.corruption';

/** Issue 11's time-travel contract: a TimeEventBody before every stopped event. */
export const TIME_EVENT = 'kstackwatch.time';

export interface TimeEventBody { time_ns: number; insns: number }

export type { TimeTravelStats } from '../simulator/debug/types';

/** `kstackwatch.gotoTime` arguments: take the machine back to this simulated time. */
export interface GotoTimeArguments { time_ns: number }

/** `kstackwatch.gotoOrigin` arguments: a report's `origin` (its function, task and return time); the machine goes to that frame's last instruction. */
export interface GotoOriginArguments { function: string; pid: number; returned_ns: number }

/** `kstackwatch.setStackWatches` arguments: config lines or objects, as `stackWatch` in launch.json. */
export interface SetStackWatchesArguments { watches: unknown }

/** The body of `kstackwatch.setStackWatches` and `kstackwatch.listStackWatches` responses. */
export interface StackWatchList {
  watches: StackWatchInfo[];
  /** Calls not watched because no debug register was free (the pool's count). */
  misses: number;
}

/** The body of a `kstackwatch.debugRegisters` response: DR0–DR7 of every CPU. */
export interface DebugRegistersBody { cpus: CpuDebugRegisters[] }
