/**
 * A stub Firehose endpoint for the bench: the local Firehose API server (transforms/delivery/direct-put) in front of
 * a delivery stream that accepts every record at once and only counts it — no intake fsync, no S3 — so a run
 * measures the gateway's Firehose sink, as the stub Kinesis endpoint does for the Kinesis sink.
 */
import { startFirehoseApiServer, type DirectPutStream, type FirehoseApiServer } from '../../transforms/delivery/direct-put/index.js';
import { createDeliveryMetrics } from '../../transforms/delivery/metrics.js';
import { trackCloser } from './cleanup.js';

export const DELIVERY_STREAM = 'telemetry-to-s3';

export interface FirehoseStub {
  readonly url: string;
  readonly server: FirehoseApiServer;
  /** Records accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

function countingStream(): DirectPutStream & { count: number } {
  let next = 0;
  const stream = {
    count: 0,
    description: {
      name: DELIVERY_STREAM, arn: `arn:aws:firehose:us-east-1:000000000000:deliverystream/${DELIVERY_STREAM}`, createdAt: Date.now(),
      region: 'us-east-1', account: '000000000000', bucket: 'stub', prefix: '', errorOutputPrefix: '', bufferSizeMB: 5,
      bufferIntervalS: 300, lambdaArn: undefined, compression: 'UNCOMPRESSED', version: 1,
    },
    metrics: createDeliveryMetrics(),
    async put(records: readonly Buffer[]) {
      stream.count += records.length;
      return records.map(() => ({ recordId: String(next++).padStart(34, '0') }));
    },
    async flush() {},
    async close() {},
    stats() {
      return {
        recordsRead: 0, recordsDelivered: 0, recordsDropped: 0, recordsFailed: 0, objectsWritten: 0, errorObjectsWritten: 0,
        invocations: 0, bufferedBytes: 0, recordsAccepted: stream.count, recordsRefused: 0, pending: 0, replayed: 0,
      };
    },
  };
  return stream;
}

export async function startFirehoseStub(): Promise<FirehoseStub> {
  const stream = countingStream();
  const server = await startFirehoseApiServer({ port: 0, streams: [stream] });
  const untrack = trackCloser(() => server.close());
  return {
    url: server.endpoint,
    server,
    accepted: () => stream.count,
    async close() {
      untrack();
      await server.close();
    },
  };
}
