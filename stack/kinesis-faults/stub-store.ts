/** In-memory streams, shards, records and shard iterators for stub mode. */
import { randomUUID } from 'node:crypto';
import { ACCOUNT_ID, KinesisApiError, invalidArgument, streamNotFound } from './errors.js';
import { ShardRouter, formatShardId, splitHashRange } from './hashing.js';
import type { ShardRange } from './hashing.js';
import { streamArn } from './validation.js';
import type { PutEntry } from './validation.js';

/** Digits of the per-shard counter at the end of a sequence number. */
const COUNTER_DIGITS = 24;

interface StoredRecord {
  readonly counter: number;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** Base64, exactly as received, so GetRecords returns it without re-encoding. */
  readonly data: string;
  readonly arrivalSeconds: number;
}

export interface StubShard extends ShardRange {
  readonly ordinal: number;
  /**
   * Sequence numbers are `<prefix><counter>`: "49", the shard ordinal in 10 digits, then a 24-digit counter.
   * Fixed width keeps them increasing per shard both numerically and as strings, unique in the stream, and
   * matching `0|([1-9]\d{0,128})`, while costing one padStart per record instead of BigInt arithmetic.
   */
  readonly prefix: string;
  readonly startingSequenceNumber: string;
  counter: number;
  readonly records: StoredRecord[];
}

export interface StubStream {
  readonly name: string;
  readonly arn: string;
  /** Distinguishes a recreated stream of the same name, so stale shard iterators are rejected. */
  readonly uid: string;
  readonly mode: 'PROVISIONED' | 'ON_DEMAND';
  readonly createdAtSeconds: number;
  readonly shards: readonly StubShard[];
  readonly router: ShardRouter<StubShard>;
}

export type ShardIteratorType = 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

export interface IteratorRequest {
  readonly shardId: string;
  readonly type: ShardIteratorType;
  readonly startingSequenceNumber?: string | undefined;
  /** Epoch seconds, as the SDK serialises timestamps in JSON. */
  readonly timestamp?: number | undefined;
}

interface IteratorState {
  readonly stream: StubStream;
  readonly shard: StubShard;
  readonly position: number;
}

/** First index in [0, length) for which `isAtOrAfter` holds, given it is monotonic; `length` if none. */
function lowerBound(length: number, isAtOrAfter: (index: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (isAtOrAfter(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export class StubStore {
  private readonly streams = new Map<string, StubStream>();

  /** @param retain when false records are only sequenced, not stored (benchmarks). */
  constructor(private readonly retain: boolean) {}

  create(name: string, shardCount: number, mode: 'PROVISIONED' | 'ON_DEMAND'): StubStream {
    if (this.streams.has(name)) {
      throw new KinesisApiError('ResourceInUseException', `Stream ${name} under account ${ACCOUNT_ID} already exists.`);
    }
    const shards = splitHashRange(shardCount).map((range, ordinal): StubShard => {
      const prefix = `49${String(ordinal).padStart(10, '0')}`;
      return {
        shardId: formatShardId(ordinal),
        start: range.start,
        end: range.end,
        ordinal,
        prefix,
        startingSequenceNumber: prefix + '0'.repeat(COUNTER_DIGITS),
        counter: 0,
        records: [],
      };
    });
    const stream: StubStream = {
      name,
      arn: streamArn(name),
      uid: randomUUID().slice(0, 8),
      mode,
      createdAtSeconds: Math.floor(Date.now() / 1000),
      shards,
      router: new ShardRouter(shards),
    };
    this.streams.set(name, stream);
    return stream;
  }

  delete(name: string): void {
    if (!this.streams.delete(name)) throw streamNotFound(name);
  }

  get(name: string): StubStream {
    const stream = this.streams.get(name);
    if (stream === undefined) throw streamNotFound(name);
    return stream;
  }

  /** All streams, ordered by name (ListStreams pages through them in this order). */
  list(): StubStream[] {
    return [...this.streams.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  shard(stream: StubStream, shardId: string): StubShard {
    const shard = stream.shards.find((s) => s.shardId === shardId);
    if (shard === undefined) {
      throw new KinesisApiError(
        'ResourceNotFoundException',
        `Shard ${shardId} in stream ${stream.name} under account ${ACCOUNT_ID} does not exist`,
      );
    }
    return shard;
  }

  /** Writes one entry to its (already routed) shard and returns the PutRecords result entry. */
  append(shard: StubShard, entry: PutEntry): { SequenceNumber: string; ShardId: string } {
    const counter = ++shard.counter;
    const sequenceNumber = shard.prefix + String(counter).padStart(COUNTER_DIGITS, '0');
    if (this.retain) {
      shard.records.push({
        counter,
        sequenceNumber,
        partitionKey: entry.partitionKey,
        data: entry.data,
        arrivalSeconds: Date.now() / 1000,
      });
    }
    return { SequenceNumber: sequenceNumber, ShardId: shard.shardId };
  }

  shardIterator(stream: StubStream, request: IteratorRequest): string {
    const shard = this.shard(stream, request.shardId);
    const { records } = shard;
    const needsSequence = request.type === 'AT_SEQUENCE_NUMBER' || request.type === 'AFTER_SEQUENCE_NUMBER';
    if (needsSequence !== (request.startingSequenceNumber !== undefined)) {
      throw invalidArgument(
        'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or ' +
          '(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. ' +
          `Request specified ${request.type}${needsSequence ? ' and no StartingSequenceNumber' : ' and also a StartingSequenceNumber'}.`,
      );
    }
    let position: number;
    switch (request.type) {
      case 'TRIM_HORIZON':
        position = 0;
        break;
      case 'LATEST':
        position = records.length;
        break;
      case 'AT_TIMESTAMP': {
        const at = request.timestamp;
        if (at === undefined) throw invalidArgument('Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP.');
        position = lowerBound(records.length, (i) => (records[i]?.arrivalSeconds ?? Infinity) >= at);
        break;
      }
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER': {
        const target = this.counterOf(stream, shard, request.startingSequenceNumber ?? '');
        const after = request.type === 'AFTER_SEQUENCE_NUMBER' ? 1 : 0;
        position = lowerBound(records.length, (i) => (records[i]?.counter ?? Infinity) >= target + after);
        break;
      }
    }
    return Buffer.from(JSON.stringify([stream.name, stream.uid, shard.ordinal, position])).toString('base64');
  }

  /** GetRecords: up to `limit` records from the iterator's position, and the iterator to continue with. */
  getRecords(iterator: string, limit: number): Record<string, unknown> {
    const { stream, shard, position } = this.decodeIterator(iterator);
    const end = Math.min(shard.records.length, position + limit);
    const records: Array<Record<string, unknown>> = [];
    for (let i = position; i < end; i++) {
      const r = shard.records[i];
      if (r === undefined) break;
      records.push({
        SequenceNumber: r.sequenceNumber,
        ApproximateArrivalTimestamp: r.arrivalSeconds,
        Data: r.data,
        PartitionKey: r.partitionKey,
      });
    }
    const next = Buffer.from(JSON.stringify([stream.name, stream.uid, shard.ordinal, position + records.length]));
    return { Records: records, NextShardIterator: next.toString('base64'), MillisBehindLatest: 0 };
  }

  private counterOf(stream: StubStream, shard: StubShard, sequenceNumber: string): number {
    const valid =
      sequenceNumber.length === shard.prefix.length + COUNTER_DIGITS && sequenceNumber.startsWith(shard.prefix);
    const counter = valid ? Number(sequenceNumber.slice(shard.prefix.length)) : Number.NaN;
    if (!Number.isSafeInteger(counter)) {
      throw invalidArgument(
        `StartingSequenceNumber ${sequenceNumber} used in GetShardIterator on shard ${shard.shardId} in stream ` +
          `${stream.name} under account ${ACCOUNT_ID} is invalid.`,
      );
    }
    return counter;
  }

  private decodeIterator(iterator: string): IteratorState {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(iterator, 'base64').toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (Array.isArray(parsed) && parsed.length === 4) {
      const [name, uid, ordinal, position] = parsed as unknown[];
      const stream = typeof name === 'string' ? this.streams.get(name) : undefined;
      const shard = typeof ordinal === 'number' ? stream?.shards[ordinal] : undefined;
      if (stream !== undefined && shard !== undefined && stream.uid === uid && typeof position === 'number') {
        return { stream, shard, position };
      }
    }
    throw invalidArgument(`Invalid ShardIterator: ${iterator.slice(0, 64)}`);
  }
}
