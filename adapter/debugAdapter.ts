// Entry point of the debug adapter as its own process: DAP over stdin and
// stdout (package.json contributes.debuggers[0].program → dist/adapter.js).
// Nothing may write to stdout except the protocol.

import { KswDebugSession } from './session';
import { tuneV8 } from '../simulator/cli/v8Tuning';

tuneV8(); // V8 settings as in a ksw process, before any block is compiled
const session = new KswDebugSession();
// shutdown exits through process.exit, so exit handlers (scratch directories) run
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => session.shutdown());
session.start(process.stdin, process.stdout);
