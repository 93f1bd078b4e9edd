/**
 * Errors the delivery runner raises, in one table (like `gateway/src/errors.ts` and `transforms/src/errors.ts`).
 * Each carries a stable `code`, a `retriable` flag and an optional `cause`; logs and tests key on the code.
 *
 * Record-level problems are never errors: they become error-output records with a Firehose `errorCode`
 * (`Lambda.FunctionError`, …). These are for the runner itself: configuration, checkpoint, source, lifecycle.
 */
export const DELIVERY_ERROR_CODES = {
  /** An option is missing, malformed or out of range. The runner does not start. */
  TG_ERR_DELIVERY_CONFIG: { retriable: false },
  /** `prefix` or `errorOutputPrefix` breaks a Firehose prefix rule (common/aws/README.md §6.3). The runner does not start. */
  TG_ERR_DELIVERY_PREFIX: { retriable: false },
  /** The checkpoint file cannot be read, parsed or written. */
  TG_ERR_DELIVERY_CHECKPOINT: { retriable: false },
  /** The source stream cannot be described or listed (missing stream, access denied, endpoint down). */
  TG_ERR_DELIVERY_SOURCE: { retriable: true },
  /** A PutObject attempt failed; the runner retries it with backoff (logged with this code, never thrown). */
  TG_ERR_DELIVERY_S3: { retriable: true },
  /** The embedded S3 server could not start (address in use, data directory not writable). */
  TG_ERR_DELIVERY_LISTEN: { retriable: false },
  /** The Direct PUT intake's durable buffer (its spool) cannot be opened. */
  TG_ERR_DELIVERY_INTAKE: { retriable: false },
  /** `flush()` was called after `close()`. */
  TG_ERR_DELIVERY_CLOSED: { retriable: false },
} as const;

export type DeliveryErrorCode = keyof typeof DELIVERY_ERROR_CODES;

export interface DeliveryErrorOptions {
  cause?: unknown;
  /** Extra machine-readable detail (an option name, a path, an AWS error name). */
  detail?: Record<string, unknown>;
}

export class DeliveryError extends Error {
  readonly code: DeliveryErrorCode;
  readonly retriable: boolean;
  readonly detail: Readonly<Record<string, unknown>>;

  constructor(code: DeliveryErrorCode, message: string, options: DeliveryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeliveryError';
    this.code = code;
    this.retriable = DELIVERY_ERROR_CODES[code].retriable;
    this.detail = options.detail ?? {};
  }
}

export function isDeliveryError(err: unknown, code?: DeliveryErrorCode): err is DeliveryError {
  return err instanceof DeliveryError && (code === undefined || err.code === code);
}
