/**
 * Kinesis-API-compatible HTTP endpoint for integration tests and benchmarks: an in-memory stub, or a fault-injecting
 * proxy in front of a real Kinesis API server (kinesalite). See `server.ts` for the entry point.
 */
export { startKinesisEndpoint } from './server.js';
export { hashKeyForPartitionKey, splitHashRange, formatShardId, MAX_HASH_KEY } from './hashing.js';
export { KinesisApiError, ACCOUNT_ID, REGION } from './errors.js';
export { streamArn } from './validation.js';
export type {
  KinesisEndpoint,
  KinesisEndpointOptions,
  KinesisEndpointStats,
  PutRecordsErrorCode,
  PutRecordsFault,
  PutRecordsFaultContext,
  PutRecordsFaultEntry,
  PutRecordsFaultPlan,
  ShardStats,
  ThrottleOptions,
} from './types.js';
