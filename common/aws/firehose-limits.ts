/** Amazon Data Firehose Direct PUT limits. Source: Firehose API Reference, PutRecordBatch (see README.md §7 here). */

/** PutRecordBatch: 1-500 records per call. */
export const PUT_RECORD_BATCH_MAX_RECORDS = 500;
/** PutRecordBatch: 4 MiB of record data per call. */
export const PUT_RECORD_BATCH_MAX_BYTES = 4 * 1024 * 1024;
/** A record's data: 1,000 KiB. */
export const FIREHOSE_MAX_RECORD_BYTES = 1_024_000;
