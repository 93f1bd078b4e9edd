/**
 * Firehose and Lambda limits the runner enforces, each with its source in ../shared/reference/aws-kinesis-firehose.md (beside the repository).
 */

/** "MB" in Firehose buffering hints (`SizeInMBs`, `BufferSizeInMBs`) is taken as MiB. */
export const MIB = 1024 * 1024;

/** S3 buffering hint `SizeInMBs`: 1–128 (§4.2). The runner accepts any value in (0, 128] so tests can force size flushes. */
export const MAX_BUFFER_SIZE_MB = 128;
/** S3 buffering hint `IntervalInSeconds`: 0–900 (§4.2). */
export const MAX_BUFFER_INTERVAL_S = 900;
/** Processor `BufferSizeInMBs`: 0.2–3 (§3.1). The runner accepts (0, 3]. */
export const MAX_PROCESSOR_BUFFER_SIZE_MB = 3;
/** Processor `BufferIntervalInSeconds`: 0–900 (§3.1). */
export const MAX_PROCESSOR_BUFFER_INTERVAL_S = 900;
/** Processor `NumberOfRetries`: 0–300 (API_ProcessorParameter). */
export const MAX_NUMBER_OF_RETRIES = 300;
/** Lambda's longest invocation, 5 minutes (§3.1). */
export const MAX_INVOCATION_TIMEOUT_MS = 300_000;

/**
 * Request budget of one transform invocation. Lambda enforces 6 MiB on the JSON request (§3.1); the runner cuts
 * batches at the decimal 6,000,000 like the transform's own budget (`transforms/lambda/limits.ts`), whose argument
 * "a response always fits when the request did" relies on the request staying under that figure.
 */
export const MAX_INVOCATION_REQUEST_BYTES = 6_000_000;
/** Lambda's synchronous response limit, 6 MiB (§3.1). A larger response fails the invocation (a function error). */
export const MAX_INVOCATION_RESPONSE_BYTES = 6 * MIB;

/** Each prefix is at most 512 characters after evaluation (§4.4). */
export const MAX_EVALUATED_PREFIX_CHARS = 512;
/** `!{firehose:random-string}` is 11 characters (§4.4). */
export const RANDOM_STRING_CHARS = 11;

/** GetRecords: at most 10,000 records per call (API_GetRecords). */
export const GET_RECORDS_LIMIT = 10_000;
/** GetRecords: 5 calls per second per shard (API_GetRecords), so never poll a shard faster than every 200 ms. */
export const MIN_GET_RECORDS_SPACING_MS = 200;
