/**
 * Kinesis Data Streams limits. Sources: Kinesis API Reference, PutRecords and PutRecordsRequestEntry; Kinesis
 * Developer Guide, "Quotas and limits" (see README.md §1 in this folder).
 */

/** PutRecords: 1-500 records per call. */
export const PUT_RECORDS_MAX_RECORDS = 500;
/**
 * PutRecords: whole request including partition keys. The current API allows 10 MiB; before the large-record
 * launch it was 5 MiB, which every endpoint accepts, so 5 MiB is the default cap.
 */
export const PUT_RECORDS_DEFAULT_REQUEST_BYTES = 5 * 1024 * 1024;
/** A record's data blob plus partition key: 1 MiB by default per stream (raisable to 10 MiB per stream). */
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
/** Per-shard write limits, provisioned and on-demand alike: 1,000 records/s and 1 MiB/s. */
export const SHARD_MAX_RECORDS_PER_SECOND = 1000;
export const SHARD_MAX_BYTES_PER_SECOND = 1024 * 1024;
/** Billing unit of PUT payloads: 25 KB. */
export const PUT_PAYLOAD_UNIT_BYTES = 25 * 1024;
