/**
 * The simulator's errors: the `SIM_ERR_*` codes of the one table in `common/errors.ts`. The CLI maps codes to exit
 * statuses; tests key on codes, never on message text.
 */
import { TidegateError, type ErrorCodeOf } from '../common/errors.js';

export type SimErrorCode = ErrorCodeOf<'simulator'>;

export class SimError extends TidegateError<SimErrorCode> {
  override name = 'SimError';
}

/** Shorthand for the most common error: a bad option, named in the message. */
export function usageError(message: string): SimError {
  return new SimError('SIM_ERR_USAGE', message);
}
