/**
 * Amazon Data Firehose Direct PUT limits. Sources: Firehose API Reference, PutRecordBatch; Firehose Developer Guide,
 * "Amazon Data Firehose Quota" (see README.md §7 in this folder).
 */

/** PutRecordBatch: 1-500 records per call. */
export const PUT_RECORD_BATCH_MAX_RECORDS = 500;
/** PutRecordBatch: 4 MiB of record data per call. */
export const PUT_RECORD_BATCH_MAX_BYTES = 4 * 1024 * 1024;
/** A record's data: 1,000 KiB. */
export const FIREHOSE_MAX_RECORD_BYTES = 1_024_000;
/**
 * Default Direct PUT quotas per delivery stream in us-east-1, us-west-2 and eu-west-1 (other regions: 100,000
 * records/s, 1,000 requests/s, 1 MiB/s). AWS raises them on request, so they are settings.
 */
export const DEFAULT_STREAM_RECORDS_PER_SECOND = 500_000;
export const DEFAULT_STREAM_BYTES_PER_SECOND = 5 * 1024 * 1024;
