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
// README "A WebAssembly tier".
//
// Set before any code is compiled or read from a code cache: V8 stamps a code
// cache with a hash of its flags and rejects one made under other flags, so
// launch.ts sets them before it loads the bundle, and main.ts sets the same
// values again (a bundle run directly, without launch.ts).

import * as v8 from 'node:v8';

/** TurboFan's per-callee inlining limit in bytes of bytecode (V8's default: 460). */
export const MAX_INLINED_BYTECODE = 150;

/** Each flag, and what in the user's node options says they set that themselves (then it is left alone). */
const FLAGS: readonly (readonly [flag: string, own: RegExp])[] = [
  [`--max-inlined-bytecode-size=${MAX_INLINED_BYTECODE}`, /--max[-_]inlined[-_]bytecode[-_]size/],
  ['--no-wasm-loop-peeling', /--(no[-_])?wasm[-_]loop[-_]peeling(?![-_])/],
  ['--no-wasm-loop-unrolling', /--(no[-_])?wasm[-_]loop[-_]unrolling/],
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
