/**
 * Reads every record the stub kept (retain: true) back through the AWS SDK, as a consumer would, and computes
 * what the gateway really wrote: Kinesis records and their exact sizes (hence PUT payload units), and the
 * readings inside them, checked per device for loss, duplicates and reordering.
 */
import { deaggregate } from '../../common/kpl/index.js';
import { readRawStream, testKinesisClient } from '../../stack/harness/stream-reader.js';
import { OrderCheck } from './order-check.js';
import { PUT_PAYLOAD_UNIT_BYTES } from './record-math.js';

export interface ReadbackSummary {
  /** Kinesis records (an aggregated record counts once). */
  records: number;
  /** Data + partition key bytes, as the shard limits count them. */
  recordBytes: number;
  /** PUT payload units if a unit covers data + partition key: Σ ceil((data + key) / 25 KiB). */
  unitsWithKey: number;
  /** PUT payload units if a unit covers the data blob only: Σ ceil(data / 25 KiB). */
  unitsDataOnly: number;
  /** Largest record, and the median and 90th percentile record, bytes (data + key). */
  maxRecordBytes: number;
  p50RecordBytes: number;
  p90RecordBytes: number;
  /** Records per shard. */
  recordsByShard: Record<string, number>;
  /** User records (readings). */
  readings: number;
  /** Bytes of the user records (the gateway's JSON envelopes). */
  userRecordBytes: number;
  /** Bytes of the devices' own payloads (the `reading` object inside each envelope). */
  readingPayloadBytes: number;
  order: ReturnType<OrderCheck['result']>;
}

const READING_KEY = Buffer.from(',"reading":');

/** Reads the whole stream from TRIM_HORIZON, shard by shard. */
export async function readBack(endpointUrl: string, stream: string): Promise<ReadbackSummary> {
  const client = testKinesisClient(endpointUrl);
  const order = new OrderCheck();
  const sizes: number[] = [];
  const summary: Omit<ReadbackSummary, 'order'> = {
    records: 0, recordBytes: 0, unitsWithKey: 0, unitsDataOnly: 0, maxRecordBytes: 0, p50RecordBytes: 0, p90RecordBytes: 0, recordsByShard: {},
    readings: 0, userRecordBytes: 0, readingPayloadBytes: 0,
  };
  try {
    // A modest page keeps one JSON response small even when records are 1 MiB aggregates.
    for (const { shardId, partitionKey: key, data } of await readRawStream(client, stream, { pageLimit: 500 })) {
      const size = data.length + Buffer.byteLength(key);
      summary.records++;
      summary.recordBytes += size;
      summary.unitsWithKey += Math.ceil(size / PUT_PAYLOAD_UNIT_BYTES);
      summary.unitsDataOnly += Math.max(1, Math.ceil(data.length / PUT_PAYLOAD_UNIT_BYTES));
      summary.maxRecordBytes = Math.max(summary.maxRecordBytes, size);
      sizes.push(size);
      summary.recordsByShard[shardId] = (summary.recordsByShard[shardId] ?? 0) + 1;
      for (const user of deaggregate(data, key)) {
        summary.readings++;
        summary.userRecordBytes += user.data.length;
        const at = user.data.indexOf(READING_KEY);
        // The envelope closes with "}" after the spliced reading.
        if (at >= 0) summary.readingPayloadBytes += user.data.length - at - READING_KEY.length - 1;
        order.add(shardId, user.data);
      }
    }
  } finally {
    client.destroy();
  }
  sizes.sort((a, b) => a - b);
  const at = (q: number): number => sizes[Math.min(sizes.length - 1, Math.floor(q * sizes.length))] ?? 0;
  return { ...summary, p50RecordBytes: at(0.5), p90RecordBytes: at(0.9), order: order.result() };
}
