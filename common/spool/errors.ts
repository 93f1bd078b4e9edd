/**
 * Errors raised by the spool. Each carries a stable `code` (below) so the gateway can map it onto its own
 * error table; the spool stays free of gateway imports so it can be tested and benchmarked on its own.
 */
export const SPOOL_ERROR_CODES = {
  /** A real I/O failure while opening the spool (permission denied, not a directory, …). Startup stops. */
  SPOOL_IO: { retriable: false },
  /** Data on disk failed validation. Never thrown by recovery (bad data is skipped and counted); used in logs. */
  SPOOL_CORRUPT: { retriable: false },
  /** The spool was closed before the append became durable; the reading was not acknowledged. */
  SPOOL_CLOSED: { retriable: false },
  /** One entry is larger than a segment (or the format's field limits); it can never be written. */
  SPOOL_TOO_LARGE: { retriable: false },
  /** An option is out of range. */
  SPOOL_CONFIG: { retriable: false },
} as const;

export type SpoolErrorCode = keyof typeof SPOOL_ERROR_CODES;

export class SpoolError extends Error {
  readonly code: SpoolErrorCode;
  readonly retriable: boolean;

  constructor(code: SpoolErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SpoolError';
    this.code = code;
    this.retriable = SPOOL_ERROR_CODES[code].retriable;
  }
}

export function isSpoolError(err: unknown, code?: SpoolErrorCode): err is SpoolError {
  return err instanceof SpoolError && (code === undefined || err.code === code);
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
