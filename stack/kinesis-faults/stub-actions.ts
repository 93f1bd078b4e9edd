/** Stub-mode handlers for the control-plane and read actions (puts go through the put pipeline instead). */
import { KinesisApiError, ValidationErrors, invalidArgument } from './errors.js';
import type { StubShard, StubStore, StubStream, ShardIteratorType } from './stub-store.js';
import { optionalInteger, optionalStreamName, optionalString, requireStreamName } from './validation.js';
import type { JsonObject } from './validation.js';

const ITERATOR_TYPES: readonly ShardIteratorType[] = [
  'AT_SEQUENCE_NUMBER',
  'AFTER_SEQUENCE_NUMBER',
  'TRIM_HORIZON',
  'LATEST',
  'AT_TIMESTAMP',
];

/** Shard count of an ON_DEMAND stream at creation (AWS starts new on-demand streams at 4 MB/s, i.e. 4 shards). */
const ON_DEMAND_SHARDS = 4;

/** Reads an optional integer and checks it against [min, max] like the AWS model does. */
function boundedInteger(body: JsonObject, field: string, min: number, max: number): number | undefined {
  const value = optionalInteger(body, field);
  if (value === undefined) return undefined;
  const errors = new ValidationErrors();
  const path = field.charAt(0).toLowerCase() + field.slice(1);
  if (value < min) errors.add(String(value), path, `have value greater than or equal to ${min}`);
  if (value > max) errors.add(String(value), path, `have value less than or equal to ${max}`);
  errors.throwIfAny();
  return value;
}

function shardJson(shard: StubShard): JsonObject {
  return {
    ShardId: shard.shardId,
    HashKeyRange: { StartingHashKey: shard.start.toString(), EndingHashKey: shard.end.toString() },
    SequenceNumberRange: { StartingSequenceNumber: shard.startingSequenceNumber },
  };
}

function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64');
}

function decodeToken(token: string): unknown {
  try {
    return JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
}

function createStream(store: StubStore, body: JsonObject): JsonObject {
  const name = requireStreamName(body);
  const details = body['StreamModeDetails'];
  const mode =
    typeof details === 'object' && details !== null && (details as JsonObject)['StreamMode'] === 'ON_DEMAND'
      ? 'ON_DEMAND'
      : 'PROVISIONED';
  let shardCount = boundedInteger(body, 'ShardCount', 1, 100_000);
  if (shardCount === undefined) {
    if (mode === 'PROVISIONED') throw invalidArgument('ShardCount is required for PROVISIONED streams.');
    shardCount = ON_DEMAND_SHARDS;
  }
  store.create(name, shardCount, mode);
  return {};
}

function streamSummaryFields(stream: StubStream): JsonObject {
  return {
    StreamName: stream.name,
    StreamARN: stream.arn,
    StreamStatus: 'ACTIVE',
    StreamModeDetails: { StreamMode: stream.mode },
    RetentionPeriodHours: 24,
    StreamCreationTimestamp: stream.createdAtSeconds,
    EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
    EncryptionType: 'NONE',
  };
}

function describeStream(store: StubStore, body: JsonObject): JsonObject {
  const stream = store.get(requireStreamName(body));
  const limit = boundedInteger(body, 'Limit', 1, 10_000) ?? 100;
  const after = optionalString(body, 'ExclusiveStartShardId');
  const shards = after === undefined ? stream.shards : stream.shards.filter((s) => s.shardId > after);
  return {
    StreamDescription: {
      ...streamSummaryFields(stream),
      Shards: shards.slice(0, limit).map(shardJson),
      HasMoreShards: shards.length > limit,
    },
  };
}

function describeStreamSummary(store: StubStore, body: JsonObject): JsonObject {
  const stream = store.get(requireStreamName(body));
  return {
    StreamDescriptionSummary: { ...streamSummaryFields(stream), OpenShardCount: stream.shards.length, ConsumerCount: 0 },
  };
}

function listShards(store: StubStore, body: JsonObject): JsonObject {
  const nextToken = optionalString(body, 'NextToken');
  const named = optionalStreamName(body);
  const maxResults = boundedInteger(body, 'MaxResults', 1, 10_000) ?? 1000;
  let streamName: string;
  let after = optionalString(body, 'ExclusiveStartShardId');
  if (nextToken !== undefined) {
    if (named !== undefined) throw invalidArgument('NextToken and StreamName cannot be provided together.');
    const token = decodeToken(nextToken);
    if (!Array.isArray(token) || typeof token[0] !== 'string' || typeof token[1] !== 'string') {
      throw invalidArgument('Invalid NextToken.');
    }
    streamName = token[0];
    after = token[1];
  } else {
    if (named === undefined) throw invalidArgument('Either NextToken or StreamName should be provided.');
    streamName = named;
  }
  const stream = store.get(streamName);
  const remaining = after === undefined ? stream.shards : stream.shards.filter((s) => s.shardId > after);
  const page = remaining.slice(0, maxResults);
  const last = page[page.length - 1];
  const result: JsonObject = { Shards: page.map(shardJson) };
  if (remaining.length > page.length && last !== undefined) result['NextToken'] = encodeToken([stream.name, last.shardId]);
  return result;
}

function listStreams(store: StubStore, body: JsonObject): JsonObject {
  const limit = boundedInteger(body, 'Limit', 1, 10_000) ?? 100;
  const nextToken = optionalString(body, 'NextToken');
  let after = optionalString(body, 'ExclusiveStartStreamName');
  if (nextToken !== undefined) {
    const token = decodeToken(nextToken);
    if (typeof token !== 'string') throw invalidArgument('Invalid NextToken.');
    after = token;
  }
  const remaining = store.list().filter((s) => after === undefined || s.name > after);
  const page = remaining.slice(0, limit);
  const last = page[page.length - 1];
  const result: JsonObject = {
    StreamNames: page.map((s) => s.name),
    HasMoreStreams: remaining.length > page.length,
    StreamSummaries: page.map((s) => ({
      StreamName: s.name,
      StreamARN: s.arn,
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: s.mode },
      StreamCreationTimestamp: s.createdAtSeconds,
    })),
  };
  if (remaining.length > page.length && last !== undefined) result['NextToken'] = encodeToken(last.name);
  return result;
}

function getShardIterator(store: StubStore, body: JsonObject): JsonObject {
  const stream = store.get(requireStreamName(body));
  const shardId = optionalString(body, 'ShardId');
  const type = optionalString(body, 'ShardIteratorType');
  const errors = new ValidationErrors();
  if (shardId === undefined) errors.add(null, 'shardId', 'not be null');
  if (type === undefined) errors.add(null, 'shardIteratorType', 'not be null');
  else if (!ITERATOR_TYPES.includes(type as ShardIteratorType)) {
    errors.add(type, 'shardIteratorType', `satisfy enum value set: [${ITERATOR_TYPES.join(', ')}]`);
  }
  errors.throwIfAny();
  const timestamp = body['Timestamp'];
  const iterator = store.shardIterator(stream, {
    shardId: shardId ?? '',
    type: type as ShardIteratorType,
    startingSequenceNumber: optionalString(body, 'StartingSequenceNumber'),
    timestamp: typeof timestamp === 'number' ? timestamp : undefined,
  });
  return { ShardIterator: iterator };
}

function getRecords(store: StubStore, body: JsonObject): JsonObject {
  const iterator = optionalString(body, 'ShardIterator');
  if (iterator === undefined) {
    const errors = new ValidationErrors();
    errors.add(null, 'shardIterator', 'not be null');
    errors.throwIfAny();
  }
  const limit = boundedInteger(body, 'Limit', 1, 10_000) ?? 10_000;
  return store.getRecords(iterator ?? '', limit);
}

function deleteStream(store: StubStore, body: JsonObject): JsonObject {
  store.delete(requireStreamName(body));
  return {};
}

type StubAction = (store: StubStore, body: JsonObject) => JsonObject;

const STUB_ACTIONS: Readonly<Record<string, StubAction>> = {
  CreateStream: createStream,
  DeleteStream: deleteStream,
  DescribeStream: describeStream,
  DescribeStreamSummary: describeStreamSummary,
  ListShards: listShards,
  ListStreams: listStreams,
  GetShardIterator: getShardIterator,
  GetRecords: getRecords,
};

/** Runs a non-put action against the in-memory store; unknown actions get UnknownOperationException. */
export function handleStubAction(store: StubStore, action: string, body: JsonObject): JsonObject {
  const handler = STUB_ACTIONS[action];
  if (handler === undefined) {
    throw new KinesisApiError('UnknownOperationException', `Operation ${action} is not implemented by the stub endpoint.`);
  }
  return handler(store, body);
}
