/**
 * Theoretical limits for a reading size, computed with the gateway's own envelope encoder and KPL builder, so
 * the "cap" column of a report is derived from the bytes the gateway really writes, not from an estimate.
 */
import { encodeRecord } from '../../gateway/src/ingest/envelope.js';
import { createAggregateBuilder } from '../../common/kpl/index.js';
import { hashKeyForPartitionKey, splitHashRange } from '../../stack/kinesis-faults/index.js';
import { buildTelemetryPayload } from '../loadgen/packets.js';
import { SHARD_BYTES_PER_SECOND, SHARD_RECORDS_PER_SECOND } from './stub.js';

/** Kinesis bills PUT payload units of 25 KB; taken as 25 KiB (25,600 bytes), as the gateway's limits.ts does. */
export const PUT_PAYLOAD_UNIT_BYTES = 25 * 1024;

/** The envelope the gateway writes for one loadgen reading of `payloadBytes` (13-digit times, a 6-digit seq). */
export function sampleUserRecord(deviceId: string, payloadBytes: number): Buffer {
  const now = Date.now();
  return encodeRecord({ deviceId, epoch: now, seq: 123_456, receivedAt: now }, buildTelemetryPayload(payloadBytes, 123_456).payload);
}

export interface ShardCap {
  /** Bytes of one user record (envelope). */
  userRecordBytes: number;
  /** Readings per Kinesis record. */
  readingsPerRecord: number;
  /** Kinesis record bytes (data + partition key) per reading. */
  bytesPerReading: number;
  /** Readings/s one shard can take: min(records/s × readings per record, bytes/s ÷ bytes per reading). */
  readingsPerSecond: number;
  /** Which limit binds. */
  bound: 'records/s' | 'bytes/s';
}

/**
 * The most readings/s one shard accepts when all readings come from one device (one partition key), with
 * aggregates filled to `aggregateMaxBytes` (undefined: aggregation off, one reading per record).
 */
export function shardCap(deviceId: string, payloadBytes: number, aggregateMaxBytes: number | undefined): ShardCap {
  const user = sampleUserRecord(deviceId, payloadBytes);
  const keyBytes = Buffer.byteLength(deviceId);
  let readingsPerRecord = 1;
  let recordBytes = user.length + keyBytes;
  if (aggregateMaxBytes !== undefined) {
    // Same rule as the gateway's packer: add while the aggregate (data only) stays within the cap.
    const builder = createAggregateBuilder();
    const rec = { partitionKey: deviceId, data: user };
    while (builder.sizeWith(rec) <= aggregateMaxBytes) builder.add(rec);
    readingsPerRecord = builder.count;
    recordBytes = builder.size + keyBytes;
  }
  const bytesPerReading = recordBytes / readingsPerRecord;
  const byRecords = SHARD_RECORDS_PER_SECOND * readingsPerRecord;
  const byBytes = SHARD_BYTES_PER_SECOND / bytesPerReading;
  return {
    userRecordBytes: user.length,
    readingsPerRecord,
    bytesPerReading,
    readingsPerSecond: Math.min(byRecords, byBytes),
    bound: byRecords <= byBytes ? 'records/s' : 'bytes/s',
  };
}

/** How many of `shardCount` evenly split shards the given partition keys land on (stub/kinesalite split). */
export function shardsUsed(keys: readonly string[], shardCount: number): number {
  const ranges = splitHashRange(shardCount);
  const used = new Set<number>();
  for (const key of keys) {
    const hash = hashKeyForPartitionKey(key);
    const index = ranges.findIndex((r) => r.start <= hash && hash <= r.end);
    if (index >= 0) used.add(index);
  }
  return used.size;
}

/** `count` scaled to one million readings (NaN when nothing was read). */
export function perMillion(count: number, readings: number): number {
  return readings === 0 ? Number.NaN : Math.round((count / readings) * 1_000_000);
}
