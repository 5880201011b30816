// V8 settings of a `ksw` process.
//
// Inlining: generated blocks call the memory's store accessors (st8…st64,
// 160–210 bytes of bytecode each), and TurboFan inlined them — with their
// slow paths' calls — into every block it optimised, up to its inlining
// budget: bigger graphs for no gain, since the stores' hit path costs about
// the same called. TurboFan's compile of blocks is a third of the CPU time
// of a kernel-shaped program (`node --prof`, concurrent recompilation off),
// so a lower per-callee limit is worth more than those inlined bodies.
// Small helpers (under the limit) are still inlined.
//
// The wasm tier's compiles (cpu/wasm/): on a warm run V8's TurboFan
// compiling the traces costs more host instructions than the guest code
// (kmix: ~2.5 G of 6.4 G, on worker threads that share the machine's cores
// with the simulation), and hot traces run Liftoff's slower code until it is
// done. A trace's loop is most of the trace, and TurboFan's loop peeling and
// unrolling copy it before everything after them works on the copies: off,
// TurboFan's share of kmix's traces is 5.60 G -> 5.13 G host instructions
// (offline compile, cachegrind), and the code they make is no slower (warm
// runs: kmix's generated code 2.10 -> 2.05 G, checksum's 5.46 -> 4.84 G).
// (V8's mid-tier register allocator would take another quarter off the
// compiles, but its code for a tight loop is slower: checksum +20 %.)
// Which traces TurboFan compiles at all: V8 moves a wasm function from
// Liftoff's code to TurboFan's once it has run about `--wasm-tiering-budget`
// bytes of its code (default 1.8 M). A big program's warm run then sends
// nearly every stored trace to TurboFan again — Lua on a small script: 874
// functions, ~1.3 s of CPU on V8's background threads (perf) against
// ~0.33 s of wasm code on the main thread, on a 2-core machine — while only
// the hottest few earn it back. At 100x the budget the hot loops still tier
// up early in their run: warm Lua 1.51-1.56 -> 1.19-1.24 s wall (2.15-2.29
// -> 1.44-1.48 s user), kmix 0.76-0.96 -> 0.59-0.80 s, recurse 0.93-1.27 ->
// 0.86-0.90 s, sort64 0.49-0.64 -> 0.45-0.46 s; tight loops unchanged
// (checksum, xorshift64, divmod64, calls), strscan 0.55-0.56 -> 0.59-0.62 s
// (interleaved sweep of 1.8 M-2 G, 3 warm runs each). Past ~600 M the tight
// loops run Liftoff's code too long (checksum, xorshift64, recurse slower).
// README "A WebAssembly tier".
//
// Set before any code is compiled or read from a code cache: V8 stamps a code
// cache with a hash of its flags and rejects one made under other flags, so
// launch.ts sets them before it loads the bundle, and main.ts sets the same
// values again (a bundle run directly, without launch.ts).

import * as v8 from 'node:v8';

/** TurboFan's per-callee inlining limit in bytes of bytecode (V8's default: 460). */
export const MAX_INLINED_BYTECODE = 150;

/** Bytes of a wasm function's Liftoff code run before TurboFan compiles it (V8's default: 1,800,000). */
export const WASM_TIERING_BUDGET = 180_000_000;

/** Each flag, and what in the user's node options says they set that themselves (then it is left alone). */
const FLAGS: readonly (readonly [flag: string, own: RegExp])[] = [
  [`--max-inlined-bytecode-size=${MAX_INLINED_BYTECODE}`, /--max[-_]inlined[-_]bytecode[-_]size/],
  ['--no-wasm-loop-peeling', /--(no[-_])?wasm[-_]loop[-_]peeling(?![-_])/],
  ['--no-wasm-loop-unrolling', /--(no[-_])?wasm[-_]loop[-_]unrolling/],
  [`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`, /--wasm[-_]tiering[-_]budget/],
];

/** The V8 flags to set (those the user's NODE_OPTIONS or node flags do not set themselves), or null when none. */
export function v8Flags(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): string | null {
  const own = `${env.NODE_OPTIONS ?? ''} ${execArgv.join(' ')}`;
  const flags = FLAGS.filter(([, mine]) => !mine.test(own)).map(([flag]) => flag);
  return flags.length > 0 ? flags.join(' ') : null;
}

/** Apply v8Flags() to this process. */
export function tuneV8(): void {
  const flags = v8Flags();
  if (flags !== null) v8.setFlagsFromString(flags);
}
