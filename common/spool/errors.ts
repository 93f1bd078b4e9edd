/**
 * The spool's errors: the `SPOOL_*` codes of the one table in `common/errors.ts`. The spool depends on nothing
 * above `common/`, so it can be tested and benchmarked on its own; its callers map these onto their own codes.
 */
import { TidegateError, type ErrorCodeOf } from '../errors.js';

export type SpoolErrorCode = ErrorCodeOf<'spool'>;

export class SpoolError extends TidegateError<SpoolErrorCode> {
  override name = 'SpoolError';
}

/** `ENOSPC: no space left on device, write` and the like, for logs and `stats().error`. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The errno-style code of a Node.js system error (`ENOENT`, `ENOSPC`), if any. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
