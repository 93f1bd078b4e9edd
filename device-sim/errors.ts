/**
 * Every error the simulator raises carries a stable `code` from this table, a `retriable` flag and an optional
 * `cause`; the CLI maps codes to exit statuses, tests key on codes, never on message text.
 */
export const SIM_ERROR_CODES = {
  /** An option is missing, malformed or out of range (CLI exit status 2). */
  SIM_ERR_USAGE: { retriable: false },
  /** The device catalog could not be read or does not follow the schema. */
  SIM_ERR_CATALOG: { retriable: false },
  /** A credentials, certificate or key file could not be read, or lacks a device. */
  SIM_ERR_CREDENTIALS: { retriable: false },
  /** A worker thread failed or exited early. */
  SIM_ERR_WORKER: { retriable: false },
} as const;

export type SimErrorCode = keyof typeof SIM_ERROR_CODES;

export interface SimErrorOptions {
  cause?: unknown;
  retriable?: boolean;
}

export class SimError extends Error {
  readonly code: SimErrorCode;
  readonly retriable: boolean;

  constructor(code: SimErrorCode, message: string, options: SimErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SimError';
    this.code = code;
    this.retriable = options.retriable ?? SIM_ERROR_CODES[code].retriable;
  }
}

export function isSimError(err: unknown, code?: SimErrorCode): err is SimError {
  return err instanceof SimError && (code === undefined || err.code === code);
}

/** Shorthand for the most common error: a bad option, named in the message. */
export function usageError(message: string): SimError {
  return new SimError('SIM_ERR_USAGE', message);
}
