/**
 * What the bridge needs from a destination (Kinesis PutRecords, Firehose PutRecordBatch). The bridge never
 * sees the AWS SDK; a sink classifies the SDK's errors into retriable and fatal {@link GatewayError}s.
 */
export interface SinkEntry {
  partitionKey: string;
  data: Buffer;
  explicitHashKey?: string;
}

export type SinkEntryResult =
  | { ok: true; shardId?: string; sequenceNumber?: string }
  | {
      ok: false;
      errorCode: string;
      errorMessage: string;
      retriable: boolean;
      /** The service refused it for exceeding a rate limit (Kinesis: the shard's; Firehose: the stream's quota). */
      throttled?: boolean;
    };

export interface SinkLimits {
  /** Entries per request (PutRecords, PutRecordBatch: 500). */
  maxEntriesPerRequest: number;
  /** Bytes per request, data plus partition keys. */
  maxRequestBytes: number;
  /** Bytes per entry, data plus partition key. */
  maxEntryBytes: number;
  /** Whether the partition key counts towards the byte limits (true for Kinesis; Firehose has none). */
  partitionKeyCounts: boolean;
}

export interface Sink {
  /** Short name for logs and metrics, e.g. `kinesis`. */
  readonly name: string;
  readonly limits: SinkLimits;
  /**
   * Sends one request. Resolves with one result per entry, in request order, when the service answered (even if
   * some entries failed). Rejects with a `GW_ERR_SINK_RETRIABLE` or `GW_ERR_SINK_FATAL` GatewayError when the
   * whole request failed; `detail.awsCode` names the AWS error code when there is one.
   */
  put(entries: readonly SinkEntry[], signal: AbortSignal): Promise<SinkEntryResult[]>;
}

/** Size an entry counts for against the sink's limits. */
export function entrySize(limits: SinkLimits, partitionKey: string, data: Buffer): number {
  return data.length + (limits.partitionKeyCounts ? Buffer.byteLength(partitionKey) : 0);
}
