// One error model for every layer of the simulator (this folder is at the
// bottom, so anything may import it).
//
// A UserError is an error the user caused or can act on: bad input (a file,
// an argument, a watch config, a launch attribute), a guest feature the
// simulator does not have, a fault of the guest program, or a debugger
// request that cannot be done in the current state. Its message is one short
// line that says what is wrong; every front end shows it as it is. Anything
// else that escapes is an internal error — a simulator bug: the front end
// logs its stack (stderr, the adapter's log) and answers with one line.
//
// Each front end classifies in one place with `instanceof UserError`:
// the CLI (cli/main.ts, and the per-command input checks of run/exec/hunt),
// the debug runtime's launch (debug/runtime.ts), the adapter (adapter/session.ts).

/** What kind of problem it is; decides the CLI's exit status by default. */
export type UserErrorKind =
  /** bad input: a file, an argument, a config */
  | 'input'
  /** a valid input that uses something the simulator does not implement */
  | 'unsupported'
  /** the guest program faulted */
  | 'guest'
  /** a debugger request that cannot be done now (no program, not stopped, no such frame…) */
  | 'request';

/** `ksw`'s exit statuses (DESIGN.md §3.1). */
export const EXIT_BAD_INPUT = 2;
export const EXIT_GUEST_FAILURE = 3;
/** EX_SOFTWARE: an internal error of ksw itself. */
export const EXIT_INTERNAL = 70;

export interface UserErrorOptions {
  kind?: UserErrorKind;
  /** Exit status of a `ksw` command this error ends; default by kind (guest: 3, else 2). */
  exitStatus?: number;
  /** DAP: whether the client should show the message in the UI (launch failures), not only in the reply. */
  showUser?: boolean;
}

export class UserError extends Error {
  readonly kind: UserErrorKind;
  readonly exitStatus: number;
  readonly showUser: boolean;

  constructor(message: string, opts: UserErrorOptions = {}) {
    super(message);
    this.kind = opts.kind ?? 'input';
    this.exitStatus = opts.exitStatus ?? (this.kind === 'guest' ? EXIT_GUEST_FAILURE : EXIT_BAD_INPUT);
    this.showUser = opts.showUser ?? false;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

export function firstLine(text: string): string {
  const i = text.indexOf('\n');
  return i < 0 ? text : text.slice(0, i);
}

/** One line for an internal error (never its stack): `internal error: Name: first line of the message`. */
export function internalErrorLine(e: unknown): string {
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return `internal error: ${firstLine(what)}`;
}

/** The full text for a log: the stack when there is one. */
export function internalErrorDetail(e: unknown): string {
  return e instanceof Error && e.stack ? e.stack : String(e);
}
