// V8 settings of a `ksw` process. Generated blocks call the memory's store
// accessors (st8…st64, 160–210 bytes of bytecode each), and TurboFan inlined
// them — with their slow paths' calls — into every block it optimised, up to
// its inlining budget: bigger graphs for no gain, since the stores' hit path
// costs about the same called. TurboFan's compile of blocks is a third of
// the CPU time of a kernel-shaped program (`node --prof`, concurrent
// recompilation off), so a lower per-callee limit is worth more than those
// inlined bodies. Small helpers (under the limit) are still inlined.
//
// Set before any code is compiled or read from a code cache: V8 stamps a code
// cache with a hash of its flags and rejects one made under other flags, so
// launch.ts sets them before it loads the bundle, and main.ts sets the same
// values again (a bundle run directly, without launch.ts).

import * as v8 from 'node:v8';

/** TurboFan's per-callee inlining limit in bytes of bytecode (V8's default: 460). */
export const MAX_INLINED_BYTECODE = 150;

/** The V8 flags to set, or null when the user's NODE_OPTIONS or node flags set inlining limits themselves. */
export function v8Flags(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): string | null {
  const own = `${env.NODE_OPTIONS ?? ''} ${execArgv.join(' ')}`;
  return /--max[-_]inlined[-_]bytecode[-_]size/.test(own) ? null : `--max-inlined-bytecode-size=${MAX_INLINED_BYTECODE}`;
}

/** Apply v8Flags() to this process. */
export function tuneV8(): void {
  const flags = v8Flags();
  if (flags !== null) v8.setFlagsFromString(flags);
}
