/**
 * The local delivery runner: Firehose delivery semantics (KDS source → Lambda transform → S3) on the AWS SDK.
 * See README.md in this directory.
 */
export { startDeliveryRunner } from './runner.js';
export type { DeliveryRunner, DeliveryRunnerStats } from './runner.js';
export { DEFAULT_DELIVERY_RUNNER_OPTIONS } from './options.js';
export type { DeliveryRunnerOptions } from './options.js';
export type { DeliveryTransform, TransformCallback } from './transform/invoke.js';
export type { DeliveryTransformEvent, DeliveryTransformEventRecord, KinesisRecordMetadata } from './records/records.js';
export { DeliveryError } from './errors.js';
export type { DeliveryErrorCode } from './errors.js';
export { ERROR_MESSAGES } from './s3-writer/error-output.js';
export type { DeliveryErrorOutputCode } from './s3-writer/error-output.js';
export { compilePrefix, DEFAULT_ERROR_OUTPUT_PREFIX, DEFAULT_TIMESTAMP_EXPRESSION } from './s3-writer/prefix.js';
export type { CompiledPrefix, PrefixKind } from './s3-writer/prefix.js';
export { objectKey, COMPRESSION_EXTENSION } from './s3-writer/object-key.js';
export type { Compression } from './s3-writer/object-key.js';
export { createDeliveryMetrics } from './metrics.js';
export type { DeliveryMetrics } from './metrics.js';
export type { CheckpointState, ShardCheckpoint } from './checkpoint/checkpoint.js';
