/**
 * Errors the transform raises. Their codes belong to the one table in `common/errors.ts`, but the Lambda bundle is
 * built from this folder alone, so it carries this copy of its own codes (and its own small error class); a unit
 * test (test/unit/error-codes.test.ts) fails if a code or its `retriable` flag drifts from the common table.
 *
 * Per-record problems are never errors: they become `ProcessingFailed` results with a {@link FailureReason}.
 * These errors are for the whole invocation (or for startup), where Firehose's only recourse is to retry it.
 */
export const TRANSFORM_ERROR_CODES = {
  /** The device catalog is missing, unreadable or malformed. The transform cannot start. */
  TG_ERR_CATALOG: { retriable: false },
  /** The invocation event is not a Firehose transformation event (no `records` array). */
  TG_ERR_EVENT: { retriable: false },
  /**
   * Even with every `Ok` record demoted to `ProcessingFailed`, the response would exceed the limit. Only possible
   * when the request itself was larger than the limit; see `response-budget.ts`.
   */
  TG_ERR_RESPONSE_TOO_LARGE: { retriable: false },
} as const;

export type TransformErrorCode = keyof typeof TRANSFORM_ERROR_CODES;

export interface TransformErrorOptions {
  cause?: unknown;
  /** Extra machine-readable detail (a catalog path, a byte count). */
  detail?: Record<string, unknown>;
}

export class TransformError extends Error {
  readonly code: TransformErrorCode;
  readonly retriable: boolean;
  readonly detail: Readonly<Record<string, unknown>>;

  constructor(code: TransformErrorCode, message: string, options: TransformErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransformError';
    this.code = code;
    this.retriable = TRANSFORM_ERROR_CODES[code].retriable;
    this.detail = options.detail ?? {};
  }
}

export function isTransformError(err: unknown, code?: TransformErrorCode): err is TransformError {
  return err instanceof TransformError && (code === undefined || err.code === code);
}

/**
 * Why one record became `ProcessingFailed`. Bounded set: these are counter labels and log fields, never device ids.
 */
export type FailureReason =
  | 'invalid_base64'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'not_json_object'
  | 'invalid_envelope'
  | 'invalid_reading'
  | 'out_of_range'
  | 'internal_error'
  | 'response_limit';
