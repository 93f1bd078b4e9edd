/**
 * Public types of the Kinesis-compatible test endpoint.
 *
 * Kept in one module so that tests and benchmarks can `import type` them without pulling in node:http.
 */

/** Options for {@link startKinesisEndpoint}. */
export interface KinesisEndpointOptions {
  /**
   * Base URL of a real Kinesis API server (for example an in-process kinesalite), e.g. `http://127.0.0.1:4567`.
   * When set the endpoint runs in proxy mode: every request is forwarded unchanged, except PutRecords/PutRecord,
   * to which faults and throttling are applied. Default: unset, i.e. stub mode (everything in memory).
   */
  upstream?: string;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** TCP port to listen on. Default `0` (the OS picks a free port). */
  port?: number;
  /**
   * Streams that exist once the endpoint has started. In stub mode they are created in memory; in proxy mode they
   * are created upstream (an existing stream is kept) and awaited until ACTIVE. Default: none.
   */
  streams?: Array<{ name: string; shardCount: number }>;
  /**
   * Stub mode: keep written records so that GetRecords can return them. `false` only counts them, which keeps memory
   * flat in long benchmarks. Default `true`.
   */
  retain?: boolean;
  /** Latency added to every PutRecords/PutRecord request before it is processed, in ms. Default `0`. */
  latencyMs?: number;
  /** Maximum size of one record (data bytes + UTF-8 partition key bytes). Default `1048576` (1 MiB, the AWS default). */
  maxRecordBytes?: number;
  /**
   * Clock used by throttling (token bucket refill), in milliseconds. Only differences matter. Default `performance.now`.
   * Tests inject a manual clock to make throttling deterministic.
   */
  now?: () => number;
}

/** Per-entry error codes that AWS may return inside a HTTP 200 PutRecords response. */
export type PutRecordsErrorCode = 'ProvisionedThroughputExceededException' | 'InternalFailure';

/** A fault applied to one PutRecords (or PutRecord) request. */
export type PutRecordsFault =
  /**
   * HTTP 200; the chosen entries fail with `errorCode` (ErrorCode + ErrorMessage, no SequenceNumber), the others are
   * really written. Entries are chosen by `failIndexes` (0-based request positions) and/or `failRatio` (evenly spaced,
   * deterministic: floor(n × ratio) entries). With neither, every entry fails. For PutRecord this becomes a whole
   * request error (400 ProvisionedThroughputExceededException or 500 InternalFailureException), as AWS does.
   */
  | { kind: 'partial'; errorCode: PutRecordsErrorCode; failIndexes?: number[]; failRatio?: number }
  /** The whole request fails with `status` and body `{"__type": errorType, "message": message}`; nothing is written. */
  | { kind: 'http-error'; status: number; errorType: string; message?: string }
  /** The socket is destroyed before anything is written. */
  | { kind: 'reset-before' }
  /** The records are written, then the socket is destroyed: the client never sees the response (duplicates on retry). */
  | { kind: 'reset-after' }
  /** The request is answered normally after `ms` milliseconds. */
  | { kind: 'delay'; ms: number };

/** One entry as seen by a fault plan. */
export interface PutRecordsFaultEntry {
  readonly partitionKey: string;
  /** Decoded record data (decoded lazily, on first access). */
  readonly data: Buffer;
  readonly explicitHashKey?: string;
  /** Shard the entry routes to, e.g. `shardId-000000000001`. */
  readonly shardId: string;
}

/** What a fault plan sees about a PutRecords/PutRecord request. */
export interface PutRecordsFaultContext {
  /** 0-based index of this put request, counted since the current plan was installed. */
  readonly requestIndex: number;
  readonly action: 'PutRecords' | 'PutRecord';
  readonly streamName: string;
  /** The request's entries, in request order (one entry for PutRecord). */
  readonly entries: ReadonlyArray<PutRecordsFaultEntry>;
}

/** Decides, per put request, which fault (if any) to apply. */
export type PutRecordsFaultPlan = (ctx: PutRecordsFaultContext) => PutRecordsFault | undefined;

/** Per-shard write limits, as AWS enforces them. */
export interface ThrottleOptions {
  /** Records per second per shard. Default `1000`. */
  recordsPerSecond?: number;
  /** Bytes (data + partition key) per second per shard. Default `1048576`. */
  bytesPerSecond?: number;
  /** Bucket capacity in seconds of rate (capacity = rate × burstSeconds). Buckets start full. Default `1`. */
  burstSeconds?: number;
}

/** Counters for one shard. */
export interface ShardStats {
  /** Put requests that had at least one entry for this shard. */
  requests: number;
  entriesReceived: number;
  entriesAccepted: number;
  /** Per-entry failures by error code (injected, throttled, or reported by the upstream). */
  entriesFailed: Record<string, number>;
  /** Data + partition key bytes of accepted entries. */
  bytesAccepted: number;
}

/** Counters of the whole endpoint since start or the last {@link KinesisEndpoint.resetStats}. */
export interface KinesisEndpointStats extends ShardStats {
  /** `requests` counts PutRecords/PutRecord requests; this counts every request by action. */
  requestsByAction: Record<string, number>;
  /** Whole-request errors injected by `http-error` faults. */
  httpErrorsInjected: number;
  /** Sockets destroyed by `reset-before`/`reset-after` faults. */
  resetsInjected: number;
  /** Per shard, keyed `"<streamName>/<shardId>"`. */
  shards: Record<string, ShardStats>;
}

/** A running endpoint. */
export interface KinesisEndpoint {
  /** Base URL for the SDK's `endpoint` option, e.g. `http://127.0.0.1:43123`. */
  readonly endpoint: string;
  /** `'stub'` when serving from memory, `'proxy'` when forwarding to an upstream. */
  readonly mode: 'stub' | 'proxy';
  /** Installs (or, with `undefined`, removes) the fault plan; resets the plan's request index to 0. */
  setPutRecordsFault(plan: PutRecordsFaultPlan | undefined): void;
  /** Enables per-shard throttling with the given limits (buckets start full), or disables it with `undefined`. */
  throttle(options: ThrottleOptions | undefined): void;
  /** A snapshot of the counters. */
  stats(): KinesisEndpointStats;
  resetStats(): void;
  /** Proxy mode: forgets cached shard maps (of one stream, or all) so the next put re-reads them via ListShards. */
  invalidateShardMap(streamName?: string): void;
  /** Closes the server and every open socket. */
  close(): Promise<void>;
}
