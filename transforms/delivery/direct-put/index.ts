/** Direct PUT delivery streams: the local Firehose API (PutRecord/PutRecordBatch) in front of the delivery pipeline. */
export { startDirectPutStream } from './stream.js';
export type { DirectPutStream, DirectPutStreamDescription, DirectPutStreamOptions, DirectPutStreamStats } from './stream.js';
export { startFirehoseApiServer } from './server.js';
export type { FirehoseApiServer, FirehoseApiServerOptions, RecordFault } from './server.js';
export {
  FIREHOSE_MAX_RECORD_BYTES,
  PUT_RECORD_BATCH_MAX_BYTES,
  PUT_RECORD_BATCH_MAX_RECORDS,
  FirehoseApiError,
} from './protocol.js';
export type { PutResult } from './protocol.js';
