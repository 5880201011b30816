// Entry point of the `ksw` command (bundled to dist/ksw.js, run by bin/ksw).
// Dispatches subcommands and guarantees the host never shows a JavaScript
// stack trace: a UserError (simulator/errors) that reaches here is its
// one-line message with its exit status (2 for bad input), and anything else
// — a bug in ksw itself — is one "internal error" line with exit status 70
// (the stack only with KSW_DEBUG=1).

import * as fs from 'node:fs';
import { execCommand, EXIT_BAD_INPUT, EXIT_INTERNAL } from './exec';
import { firstLine, internalErrorDetail, internalErrorLine, UserError } from '../errors/userError';
import { sourceMappedStack } from './sourceMappedStack';
import { HELP, USAGE_LINE } from './usage';
import { runCommand } from './run';
import { runCcCommand } from './cc';
import { runBuildCommand } from './build';
import { runExportsCommand } from './exports';
import { huntCommand } from './hunt';
import { tuneV8 } from './v8Tuning';

function writeLine(fd: 1 | 2, line: string): void {
  try {
    fs.writeSync(fd, line + '\n');
  } catch {
    // A closed stdout/stderr must not turn into a crash.
  }
}
const err = (line: string) => writeLine(2, line);
const out = (line: string) => writeLine(1, line);

function main(argv: string[]): number | Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'exec':
      return execCommand(rest, err, out);
    case 'run':
      return runCommand(rest, err, out);
    case 'cc':
      return runCcCommand(rest);
    case 'build':
      return runBuildCommand(rest, err, out);
    case 'exports':
      return runExportsCommand(rest, err, out);
    case 'hunt':
      return huntCommand(rest, {
        out, err, tty: Boolean(process.stderr.isTTY),
        progress: (text) => { try { fs.writeSync(2, text); } catch { /* closed stderr */ } },
      });
    case '-h':
    case '--help':
    case 'help':
      out(HELP.trimEnd());
      return 0;
    case undefined:
      err('ksw: missing command');
      err(USAGE_LINE);
      return EXIT_BAD_INPUT;
    default:
      err(`ksw: unknown command '${cmd}'`);
      err(USAGE_LINE);
      return EXIT_BAD_INPUT;
  }
}

/** The one place the CLI classifies an exception that no command handled. */
function failed(e: unknown): void {
  if (e instanceof UserError) {
    err(`ksw: ${firstLine(e.message)}`);
    process.exitCode = e.exitStatus;
    return;
  }
  err(`ksw: ${internalErrorLine(e)}`);
  if (process.env.KSW_DEBUG) err(sourceMappedStack(internalErrorDetail(e)));
  process.exitCode = EXIT_INTERNAL;
}

process.on('uncaughtException', (e) => {
  failed(e);
  process.exit(process.exitCode ?? EXIT_INTERNAL);
});

tuneV8(); // (again, when launch.ts did: the same values)
try {
  const status = main(process.argv.slice(2));
  if (typeof status === 'number') exitNow(status);
  else status.then((s) => { process.exitCode = s; }, failed);
} catch (e) {
  failed(e);
}

/**
 * End a command that finished synchronously. process.exit still runs the
 * 'exit' handlers (the code and block caches are written there), but it
 * skips tearing down the V8 heap page by page, which a natural end of the
 * event loop does: a few ms of a short `ksw exec`. Only on Linux, where
 * process.stderr is synchronous for files, pipes and terminals alike (ksw's
 * own lines go through fs.writeSync everywhere); a command that leaves work
 * on the event loop returns a promise and never comes here.
 */
function exitNow(status: number): void {
  process.exitCode = status;
  if (process.platform === 'linux') process.exit();
}