// A warm run's wasm (tier.ts): the block cache's stored functions for the
// tier's layout become modules ahead of their blocks, GROUP at a time in the
// file's order (the order a run first compiled them), each group when one of
// its blocks is first asked for. So a block from the cache runs its wasm from
// its first entry: through the batches (batch.ts) it ran its JS until a
// module of 64 waiting traces was made — kmix spent 80 ms of 0.9 s in those
// JS runs, and had to compile every such block's JS for them.

import { workerStartedAhead } from './compileAhead';

/** Stored functions per module: a few modules for a program's hot code, and little validated for blocks a run never asks for. */
export const GROUP = 64;
/**
 * A store of fewer functions than this (a program with only a few hot
 * traces) makes its module only once its blocks have run batch.ts's
 * FLUSH_AFTER instructions in JS, as a cold run's traces do: making a
 * module costs ~7 ms and ~900 fresh pages (V8's compile and code space; a
 * fresh page is a page fault), which a short run never earns back — a
 * hello-world's five stored traces run 1,333 instructions. Few blocks, so
 * compiling their JS factories costs little; a bigger store keeps taking
 * its wasm from the first entry.
 */
export const WAIT_BELOW = 8;
/**
 * A store of at least this many groups has its modules compiled on a
 * worker thread started then (compileAhead.ts): a big program's (Lua:
 * 23 modules, 200-270 ms of compiling). A smaller one's few modules are
 * not worth a thread started this late (~40 ms, more beside the run):
 * an empty Lua script's 5 modules, 294 functions, got 1-3 of them from
 * it, and the run took a median 0.315 s against 0.290 s without (14
 * interleaved warm pairs).
 */
export const AHEAD_FROM = 8;
/**
 * With a worker already started (the CLI saw a big block cache file:
 * compileAhead.ts prestartCompileAhead), a store of this many groups has
 * it compile them.
 */
export const AHEAD_STARTED_FROM = 2;

/** Starts compiling a store's groups elsewhere (compileAhead.ts); each group's module when the main thread asks (undefined: compile it yourself). */
export type StartAhead = (groups: readonly (readonly Uint8Array[])[]) => { take(group: number): object | null | undefined };

export class StoredModules {
  /** Each stored function's place in `funcs`. */
  private readonly position = new Map<Uint8Array, number>();
  /** The functions made so far, by place; null: its group did not make a module (a damaged function: the batches sort it out). */
  private readonly runs: ((() => number) | null | undefined)[];
  /** The worker's modules, when the store is big enough (AHEAD_FROM, AHEAD_STARTED_FROM). */
  private readonly ahead: ReturnType<StartAhead> | null = null;

  /**
   * `funcs`: the store's functions for the layout, in file order;
   * `instantiate` makes one module of some (null: they do not), or
   * instantiates the module given (compiled of them, null: it did not
   * compile); `startAhead`: compiles groups elsewhere.
   */
  constructor(private readonly funcs: readonly Uint8Array[],
    private readonly instantiate: (funcs: readonly Uint8Array[], module?: object | null) => (() => number)[] | null, startAhead?: StartAhead) {
    funcs.forEach((f, i) => this.position.set(f, i));
    this.runs = new Array(funcs.length);
    if (startAhead !== undefined && funcs.length >= (workerStartedAhead() ? AHEAD_STARTED_FROM : AHEAD_FROM) * GROUP) {
      const groups: Uint8Array[][] = [];
      for (let start = 0; start < funcs.length; start += GROUP) groups.push(funcs.slice(start, start + GROUP));
      this.ahead = startAhead(groups);
    }
  }

  /** Whether a block with stored wasm runs its JS until its batch is due (WAIT_BELOW): a small store whose module is not made yet. */
  get waits(): boolean {
    return this.funcs.length < WAIT_BELOW && this.runs[0] === undefined;
  }

  /** The function made of these stored bytes (its group's module made now if need be), or null: not one of them, or its group made no module. */
  runOf(bytes: Uint8Array): (() => number) | null {
    const at = this.position.get(bytes);
    if (at === undefined) return null;
    if (this.runs[at] === undefined) {
      const start = at - (at % GROUP), group = this.funcs.slice(start, start + GROUP);
      const module = this.ahead?.take(start / GROUP);
      const made = module === undefined ? this.instantiate(group) : this.instantiate(group, module);
      for (let i = 0; i < group.length; i++) this.runs[start + i] = made === null ? null : made[i];
    }
    return this.runs[at] ?? null;
  }
}
