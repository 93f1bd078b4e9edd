/**
 * Every error the gateway raises carries a stable `code` from this table, a `retriable` flag and an optional
 * `cause`. Logs, metrics labels and tests key on the code, never on message text.
 */
export const ERROR_CODES = {
  /** A configuration value is missing, malformed or out of range. Startup stops. */
  GW_ERR_CONFIG: { retriable: false },
  /** A sink request failed in a way that may succeed later (throttling, 5xx, timeout, connection reset). */
  GW_ERR_SINK_RETRIABLE: { retriable: true },
  /** A sink request failed in a way that needs an operator (missing stream, access denied, bad credentials). */
  GW_ERR_SINK_FATAL: { retriable: false },
  /** The destination stream is missing or did not become ACTIVE in time. */
  GW_ERR_STREAM_NOT_READY: { retriable: true },
  /** A device tried something its identity does not allow (another device's topic, a topic outside its own). */
  GW_ERR_NOT_AUTHORIZED: { retriable: false },
  /** The gateway is shutting down and no longer accepts readings. */
  GW_ERR_SHUTTING_DOWN: { retriable: false },
  /** Shutdown could not flush every buffered reading before its deadline. */
  GW_ERR_FLUSH_TIMEOUT: { retriable: false },
  /** Another running gateway holds the data directory. */
  GW_ERR_DATA_DIR_LOCKED: { retriable: false },
  /** A listener could not bind its address. */
  GW_ERR_LISTEN: { retriable: false },
  /** The cluster's Redis (--cluster) cannot be reached at start-up. */
  GW_ERR_CLUSTER: { retriable: true },
  /** The dashboard's compiled browser script is missing from dist/ (`npm run build`) or cannot be inlined. */
  GW_ERR_DASHBOARD_SCRIPT: { retriable: false },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface GatewayErrorOptions {
  cause?: unknown;
  /** Overrides the table's default, e.g. for a sink error whose retriability depends on the AWS error code. */
  retriable?: boolean;
  /** Extra machine-readable detail (an AWS error code, a setting name). */
  detail?: Record<string, unknown>;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly detail: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.retriable = options.retriable ?? ERROR_CODES[code].retriable;
    this.detail = options.detail ?? {};
  }
}

export function isGatewayError(err: unknown, code?: ErrorCode): err is GatewayError {
  return err instanceof GatewayError && (code === undefined || err.code === code);
}
