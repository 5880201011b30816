// A debugger request that cannot be done in the current state or with these
// arguments: no program, not stopped, no such thread or frame, a variable
// that is gone, memory that cannot be written. The adapter answers it with
// its message; it is not the expression evaluator's EvalError (a bad
// expression), so callers can tell "your expression is wrong" from "not now".

import { UserError } from '../errors/userError';

export class RequestError extends UserError {
  constructor(message: string) {
    super(message, { kind: 'request' });
  }
}
