import type { FailureReason } from './errors.js';

/**
 * Why a record is `ProcessingFailed`. The per-record steps *return* one instead of throwing (a bad record is data,
 * not an exception) and return their plain result on success, so the success path, run thousands of times per
 * invocation, allocates no `{ ok, value }` wrapper objects for the garbage collector.
 */
export class Rejection {
  constructor(
    readonly reason: FailureReason,
    readonly message: string,
  ) {}
}
