/**
 * Firehose and Lambda limits the runner enforces, each with the AWS page that states it ("Firehose Developer Guide"
 * is the Amazon Data Firehose Developer Guide). common/aws/README.md gathers them with the behaviours around them.
 */

/** "MB" in Firehose buffering hints (`SizeInMBs`, `BufferSizeInMBs`) is taken as MiB. */
export const MIB = 1024 * 1024;

// S3 buffering hints: Firehose API Reference, BufferingHints.

/** `SizeInMBs`: 1–128. The runner accepts any value in (0, 128] so tests can force size flushes. */
export const MAX_BUFFER_SIZE_MB = 128;
/** `IntervalInSeconds`: 0–900. */
export const MAX_BUFFER_INTERVAL_S = 900;

// The Lambda processor: Firehose Developer Guide, "Transform source data in Amazon Data Firehose", unless noted.

/** Processor `BufferSizeInMBs`: 0.2–3. The runner accepts (0, 3]. */
export const MAX_PROCESSOR_BUFFER_SIZE_MB = 3;
/** Processor `BufferIntervalInSeconds`: 0–900. */
export const MAX_PROCESSOR_BUFFER_INTERVAL_S = 900;
/** Processor `NumberOfRetries`: 0–300 (Firehose API Reference, ProcessorParameter). */
export const MAX_NUMBER_OF_RETRIES = 300;
/** Lambda's longest invocation, 5 minutes. */
export const MAX_INVOCATION_TIMEOUT_MS = 300_000;

/**
 * Request budget of one transform invocation. Lambda enforces 6 MiB on the JSON request; the runner cuts
 * batches at the decimal 6,000,000 like the transform's own budget (`transforms/lambda/limits.ts`), whose argument
 * "a response always fits when the request did" relies on the request staying under that figure.
 */
export const MAX_INVOCATION_REQUEST_BYTES = 6_000_000;
/** Lambda's synchronous response limit, 6 MiB. A larger response fails the invocation (a function error). */
export const MAX_INVOCATION_RESPONSE_BYTES = 6 * MIB;

// S3 prefixes: Firehose Developer Guide, "Understand custom prefixes for Amazon S3 objects".

/** Each prefix is at most 512 characters after evaluation. */
export const MAX_EVALUATED_PREFIX_CHARS = 512;
/** `!{firehose:random-string}` is 11 characters. */
export const RANDOM_STRING_CHARS = 11;

// Reading the source stream: Kinesis API Reference, GetRecords.

/** GetRecords: at most 10,000 records per call. */
export const GET_RECORDS_LIMIT = 10_000;
/** GetRecords: 5 calls per second per shard, so never poll a shard faster than every 200 ms. */
export const MIN_GET_RECORDS_SPACING_MS = 200;
