/**
 * The one table of error codes: every error the gateway, the delivery runner, the simulator, the spool and the KPL
 * decoder raise carries a stable `code` from it, a `retriable` flag and an optional `cause`. Logs, metrics labels,
 * exit statuses and tests key on the code, never on message text, so a code is never renamed.
 *
 * The transform's codes are here too, but the Lambda bundle cannot import this file: it keeps its own copy of them
 * in `transforms/lambda/errors.ts`, and a unit test holds the two in step. The README's "Error codes" section is
 * rendered from this table and checked by a unit test, which is why `description` and `action` are plain text.
 *
 * Codes that are not here on purpose: AWS error names (the local Firehose API's and the fault-injecting Kinesis
 * endpoint's answers, the Kinesis/Firehose codes the sinks classify) belong to AWS's contract; the Firehose
 * error-output codes (`Lambda.FunctionError`, …) and the HTTP ingest's response codes belong to their protocols.
 */

/** Which part of tidegate raises the code; each part has its own error class restricted to its codes. */
export type ErrorComponent = 'gateway' | 'delivery' | 'transform' | 'simulator' | 'spool' | 'kpl';

export interface ErrorCodeEntry {
  readonly component: ErrorComponent;
  /** The default: whether the same operation may succeed later without anyone changing anything. */
  readonly retriable: boolean;
  /** What the code means, for an operator reading a log line. One sentence. */
  readonly description: string;
  /** What an operator should do about it. One sentence. */
  readonly action: string;
}

export const ERROR_CODES = {
  GW_ERR_CONFIG: {
    component: 'gateway',
    retriable: false,
    description: 'A configuration value is missing, malformed or out of range; the gateway does not start (exit status 2).',
    action: 'Fix the setting named in the message (flag, environment variable or config file).',
  },
  GW_ERR_SINK_RETRIABLE: {
    component: 'gateway',
    retriable: true,
    description: 'A Kinesis or Firehose request failed in a way that may succeed later (throttling, 5xx, timeout, connection reset).',
    action: 'Nothing at once: the gateway retries; if it persists, check the stream\'s capacity and the network.',
  },
  GW_ERR_SINK_FATAL: {
    component: 'gateway',
    retriable: false,
    description: 'A Kinesis or Firehose request or record failed in a way retrying cannot fix (missing stream, access denied, bad credentials, record too large).',
    action: 'Act on the AWS error code in the log (`awsCode`): create the stream, grant the permission or fix the credentials.',
  },
  GW_ERR_STREAM_NOT_READY: {
    component: 'gateway',
    retriable: true,
    description: 'The destination stream is missing, of the wrong type, or did not become ACTIVE in time.',
    action: 'Create the stream (or wait for it to become ACTIVE) and check the stream name and region.',
  },
  GW_ERR_NOT_AUTHORIZED: {
    component: 'gateway',
    retriable: false,
    description: 'A device tried something its identity does not allow (another device\'s topic, a topic outside its own).',
    action: 'Fix the device\'s topic or its credentials; the gateway keeps running.',
  },
  GW_ERR_SHUTTING_DOWN: {
    component: 'gateway',
    retriable: false,
    description: 'The gateway is shutting down and no longer accepts readings; the reading was not acknowledged.',
    action: 'Nothing: a device resends what was not acknowledged (QoS 1 or HTTP), to this gateway or another.',
  },
  GW_ERR_FLUSH_TIMEOUT: {
    component: 'gateway',
    retriable: false,
    description: 'Shutdown could not flush every buffered reading before its deadline; those readings were not acknowledged.',
    action: 'Raise --shutdown-timeout-ms or find why Kinesis is slow; devices resend what was not acknowledged.',
  },
  GW_ERR_DATA_DIR_LOCKED: {
    component: 'gateway',
    retriable: false,
    description: 'Another running gateway (or embedded Kinesis store) holds the data directory.',
    action: 'Stop the other process or give this one its own --data-dir.',
  },
  GW_ERR_LISTEN: {
    component: 'gateway',
    retriable: false,
    description: 'A listener (MQTT, HTTP or the embedded Kinesis) could not bind its address.',
    action: 'Free the port or choose another one, and check the bind address.',
  },
  GW_ERR_CLUSTER: {
    component: 'gateway',
    retriable: true,
    description: 'The cluster\'s Redis (--cluster) could not be reached at start-up, or no free epoch was found.',
    action: 'Check that Redis is up and reachable at the configured URL, then restart.',
  },
  GW_ERR_DASHBOARD_SCRIPT: {
    component: 'gateway',
    retriable: false,
    description: 'The dashboard\'s compiled browser script is missing from dist/ or cannot be inlined into the page.',
    action: 'Run npm run build (the image build does this), then restart.',
  },
  GW_ERR_STARTUP: {
    component: 'gateway',
    retriable: false,
    description: 'An unexpected error (not one of the codes above) stopped the gateway during start-up; logged with the error.',
    action: 'Read the logged error and its cause; report it if it is not an environment problem.',
  },
  TG_ERR_DELIVERY_CONFIG: {
    component: 'delivery',
    retriable: false,
    description: 'A delivery runner option is missing, malformed or out of range; the runner does not start (exit status 2).',
    action: 'Fix the option named in the message.',
  },
  TG_ERR_DELIVERY_PREFIX: {
    component: 'delivery',
    retriable: false,
    description: 'The S3 prefix or error output prefix breaks a Firehose prefix rule; the runner does not start.',
    action: 'Fix the prefix as the message says (the same rules as Firehose\'s).',
  },
  TG_ERR_DELIVERY_CHECKPOINT: {
    component: 'delivery',
    retriable: false,
    description: 'The delivery checkpoint file cannot be read, parsed or written.',
    action: 'Check the file\'s permissions and the disk; delete a damaged file to re-deliver from the starting position.',
  },
  TG_ERR_DELIVERY_SOURCE: {
    component: 'delivery',
    retriable: true,
    description: 'The source stream cannot be described or listed, or did not become ACTIVE in time.',
    action: 'Check the stream name, the Kinesis endpoint and the permissions.',
  },
  TG_ERR_DELIVERY_S3: {
    component: 'delivery',
    retriable: true,
    description: 'A PutObject attempt failed; the runner retries it with backoff (logged, never thrown).',
    action: 'Nothing at once; if it persists, check the bucket, its permissions and the S3 endpoint.',
  },
  TG_ERR_DELIVERY_LISTEN: {
    component: 'delivery',
    retriable: false,
    description: 'A delivery server (health, local Firehose API or embedded S3) could not start: address in use or data directory not writable.',
    action: 'Free the port or choose another one, and check the data directory.',
  },
  TG_ERR_DELIVERY_INTAKE: {
    component: 'delivery',
    retriable: false,
    description: 'The Direct PUT intake\'s durable buffer (its spool) cannot be opened.',
    action: 'Check the intake directory\'s permissions and the disk.',
  },
  TG_ERR_DELIVERY_CLOSED: {
    component: 'delivery',
    retriable: false,
    description: 'The runner was asked to flush after it was closed (a programming error in the embedding code).',
    action: 'Report it: the embedding code calls flush() after close().',
  },
  TG_ERR_DELIVERY_START: {
    component: 'delivery',
    retriable: false,
    description: 'An unexpected error (one without a code) stopped the delivery runner during start-up; logged with the error.',
    action: 'Read the logged error and its cause; report it if it is not an environment problem.',
  },
  TG_ERR_CATALOG: {
    component: 'transform',
    retriable: false,
    description: 'The transform\'s device catalog is missing, unreadable or malformed; the transform cannot start.',
    action: 'Fix the catalog file at the path named in the message; the message lists each problem.',
  },
  TG_ERR_EVENT: {
    component: 'transform',
    retriable: false,
    description: 'The transform was invoked with something that is not a Firehose transformation event.',
    action: 'Check what invokes the Lambda: only Firehose data transformation should.',
  },
  TG_ERR_RESPONSE_TOO_LARGE: {
    component: 'transform',
    retriable: false,
    description: 'The transform\'s response would exceed the Lambda response limit even with every record failed, because the request itself was larger.',
    action: 'Lower the Lambda processor\'s BufferSizeInMBs (1 is what the deployment uses).',
  },
  SIM_ERR_USAGE: {
    component: 'simulator',
    retriable: false,
    description: 'A simulator option is missing, malformed or out of range (exit status 2).',
    action: 'Fix the option named in the message; --help lists them.',
  },
  SIM_ERR_CATALOG: {
    component: 'simulator',
    retriable: false,
    description: 'The simulator\'s device catalog could not be read or does not follow the schema.',
    action: 'Fix the file given with --catalog as the message says.',
  },
  SIM_ERR_CREDENTIALS: {
    component: 'simulator',
    retriable: false,
    description: 'A secrets, certificate or key file could not be read, or lacks a device.',
    action: 'Check the file paths and that the secrets file has every simulated device.',
  },
  SIM_ERR_WORKER: {
    component: 'simulator',
    retriable: false,
    description: 'A simulator worker thread failed or exited early.',
    action: 'Read the worker\'s message; rerun with --workers 1 to see the failure in the main thread.',
  },
  SPOOL_IO: {
    component: 'spool',
    retriable: false,
    description: 'A real I/O failure on the spool (permission denied, not a directory, disk full); at start-up it stops the gateway.',
    action: 'Check the spool directory\'s permissions and free disk space.',
  },
  SPOOL_CORRUPT: {
    component: 'spool',
    retriable: false,
    description: 'Spool data on disk failed validation; recovery skipped and counted it (logged, never thrown).',
    action: 'Nothing to repair; find the cause (a crash mid-write is expected, repeated corruption points at the disk).',
  },
  SPOOL_CLOSED: {
    component: 'spool',
    retriable: false,
    description: 'The spool was closed before the append became durable; the reading was not acknowledged.',
    action: 'Nothing: it happens during shutdown, and the device resends the reading.',
  },
  SPOOL_TOO_LARGE: {
    component: 'spool',
    retriable: false,
    description: 'One spool entry is larger than a segment (or the format\'s field limits), so it can never be written.',
    action: 'Raise --spool-segment-bytes or lower --max-payload-bytes.',
  },
  SPOOL_CONFIG: {
    component: 'spool',
    retriable: false,
    description: 'A spool option is out of range.',
    action: 'Fix the spool setting named in the message.',
  },
  KPL_CHECKSUM_MISMATCH: {
    component: 'kpl',
    retriable: false,
    description: 'A KPL aggregated record\'s MD5 does not match its body; the delivery runner sends it to the error output.',
    action: 'Find the producer that wrote it (the error output keeps the raw data); the rest of the stream is delivered.',
  },
  KPL_MALFORMED: {
    component: 'kpl',
    retriable: false,
    description: 'A record starts like a KPL aggregate but cannot be decoded; the delivery runner sends it to the error output.',
    action: 'Find the producer that wrote it (the error output keeps the raw data); the rest of the stream is delivered.',
  },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes one component raises, e.g. `ErrorCodeOf<'spool'>` is `'SPOOL_IO' | 'SPOOL_CORRUPT' | …`. */
export type ErrorCodeOf<K extends ErrorComponent> = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C]['component'] extends K ? C : never;
}[ErrorCode];

export interface TidegateErrorOptions {
  cause?: unknown;
  /** Overrides the table's default, e.g. for a sink error whose retriability depends on the AWS error code. */
  retriable?: boolean;
  /** Extra machine-readable detail (an AWS error code, a setting name, a path). */
  detail?: Record<string, unknown>;
}

/**
 * The one error body. Components raise it through thin subclasses (`GatewayError`, `DeliveryError`, `SimError`,
 * `SpoolError`, `KplDecodeError`) that restrict the codes and keep the class name logs and stack traces show.
 */
export class TidegateError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly retriable: boolean;
  readonly detail: Readonly<Record<string, unknown>>;

  constructor(code: C, message: string, options: TidegateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TidegateError';
    this.code = code;
    this.retriable = options.retriable ?? ERROR_CODES[code].retriable;
    this.detail = options.detail ?? {};
  }
}

/** True for any tidegate error, or (with `code`) for one with that code, whichever component raised it. */
export function isTidegateError<C extends ErrorCode = ErrorCode>(err: unknown, code?: C): err is TidegateError<C> {
  return err instanceof TidegateError && (code === undefined || err.code === code);
}

export type GatewayErrorCode = ErrorCodeOf<'gateway'>;

export class GatewayError extends TidegateError<GatewayErrorCode> {
  override name = 'GatewayError';
}
