/**
 * Keeping the response under the Lambda limit.
 *
 * The contract (Firehose Developer Guide, "Transform source data in Amazon Data Firehose"): request and response
 * are each limited to 6 MB, base64 and JSON overhead included. Enrichment makes records bigger (a ~200-byte reading
 * becomes a ~450-byte line, plus partition keys), so a request near the limit can produce a response over it. The
 * options, and why this module picks the last one:
 *
 * - Throw, hoping Firehose retries with a smaller batch: it does not. Firehose re-sends the *same* batch
 *   `NumberOfRetries` times (default 3); a deterministic transform fails identically each time, and then every record
 *   of the batch, the good ones too, goes to the error output as `Lambda.FunctionError`. Four invocations wasted.
 * - Return it anyway: past Lambda's limit the invocation fails, which ends the same way as throwing.
 * - `Dropped` for what does not fit: fits, but loses data. Never.
 * - Demote the `Ok` records that do not fit to `ProcessingFailed` with their original data (chosen). Firehose writes
 *   them to the error output (`processing-failed/…`) with `rawData` = the original record, the same place and
 *   format the throw would have put them, but only the overflow goes there, and the rest is delivered now. The
 *   error output is replayable, so nothing is lost.
 *
 * That last option is not free: a `ProcessingFailed` entry carries the original base64, so it also counts against
 * the limit. It always fits, though, when the request did: an all-`ProcessingFailed` response repeats each record's
 * `recordId` and `data` with less overhead (`"result":"ProcessingFailed"`, 27 bytes) than the request had per record
 * (`"approximateArrivalTimestamp":…`, 43 bytes, plus `kinesisRecordMetadata` with a KDS source). So demoting enough
 * records from the end always succeeds for a request within the limit. Demotion runs from the end, so the delivered
 * part is a prefix of the batch and the error output holds its tail, in order.
 *
 * With the default Firehose processor buffer (BufferSizeInMBs = 1) the response stays far below the limit; the
 * demotion is the safety net for larger buffers, and it is counted (`response_limit`) so it never goes unnoticed.
 */

/** Bytes `JSON.stringify(s)` produces for a string, quotes included. */
export function jsonStringBytes(s: string): number {
  // Fast path: printable ASCII without `"` or `\` is written as is. Record ids and base64 always take it.
  return PLAIN_ASCII.test(s) ? s.length + 2 : Buffer.byteLength(JSON.stringify(s));
}
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

const bytes = (s: string): number => Buffer.byteLength(s);
/** `{"records":[` … `]}` around the entries; a comma between consecutive entries. */
export const RESPONSE_FRAME_BYTES = bytes('{"records":[]}');
/** Everything of an Ok entry but the record id, the data and the partition keys object. */
const OK_ENTRY_BYTES = bytes('{"recordId":,"result":"Ok","data":"","metadata":{"partitionKeys":}}');
const DROPPED_ENTRY_BYTES = bytes('{"recordId":,"result":"Dropped","data":""}');
/** The data is base64 and the quotes are in `jsonStringBytes`, hence no `""` here. */
const FAILED_ENTRY_BYTES = bytes('{"recordId":,"result":"ProcessingFailed","data":}');

export function okEntryBytes(recordIdBytes: number, data: string, partitionKeysBytes: number): number {
  return OK_ENTRY_BYTES + recordIdBytes + data.length + partitionKeysBytes;
}

export function droppedEntryBytes(recordIdBytes: number): number {
  return DROPPED_ENTRY_BYTES + recordIdBytes;
}

export function failedEntryBytes(recordIdBytes: number, data: string): number {
  return FAILED_ENTRY_BYTES + recordIdBytes + jsonStringBytes(data);
}

/** Size of the whole response from the sum of its entries' sizes. */
export function responseBytes(entryCount: number, entryBytesSum: number): number {
  return RESPONSE_FRAME_BYTES + Math.max(0, entryCount - 1) + entryBytesSum;
}
