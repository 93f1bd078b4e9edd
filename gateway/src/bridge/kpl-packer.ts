import { createAggregateBuilder, type UserRecord } from '../../../common/kpl/index.js';
import type { DeviceState, Entry, EntryPacker, Reading } from './types.js';

export interface KplPackerOptions {
  /** Largest aggregated record (data; the partition key comes on top), bytes. */
  maxAggregateBytes: number;
  /** The stream's record limit (data + partition key), bytes. */
  maxEntryBytes: number;
}

/**
 * KPL aggregation: the ready devices of one shard are packed into aggregated records (the KPL's
 * aggregation-format.md; common/aws/README.md §3), each device's readings in order with the device id as their own
 * partition key. The outer partition key is the first device's id, which routes the record to that shard, and so to
 * every packed device's shard.
 *
 * A device's whole backlog (as far as it fits) goes into one record: a Kinesis record is written or not as a
 * whole, so a device can move many readings per round trip and still never be reordered.
 * An aggregate that would hold one reading is sent as a plain record: smaller, and readable without deaggregation.
 */
export function createKplPacker(options: KplPackerOptions): EntryPacker {
  const builder = createAggregateBuilder();
  const record: UserRecord = { partitionKey: '', data: Buffer.alloc(0) };

  return {
    pack(group, budget, out) {
      let used = 0;
      while (budget.entries > 0 && group.ready.length > 0) {
        const first = group.ready.peek() as DeviceState;
        const outerKeyBytes = Buffer.byteLength(first.id);
        const cap = Math.min(options.maxAggregateBytes, options.maxEntryBytes - outerKeyBytes, budget.bytes - outerKeyBytes);
        const readings: Reading[] = [];
        const devices: DeviceState[] = [];
        builder.reset();
        let full = false;
        while (!full) {
          const device = group.ready.peek();
          if (device === undefined) break;
          let took = 0;
          for (let reading = device.queue.peek(); reading !== undefined; reading = device.queue.peek()) {
            record.partitionKey = device.id;
            record.data = reading.data;
            if (builder.sizeWith(record) > cap) {
              full = true;
              break;
            }
            builder.add({ partitionKey: device.id, data: reading.data });
            readings.push(device.queue.shift() as Reading);
            took++;
          }
          if (took === 0) break;
          group.ready.shift();
          device.ready = false;
          device.inFlight = true;
          devices.push(device);
        }
        if (readings.length === 0) {
          // The head reading does not fit an aggregate; alone it fits a record (ingest checked), if not this request.
          const reading = first.queue.peek();
          if (reading === undefined || reading.size > budget.bytes) break;
          group.ready.shift();
          first.queue.shift();
          first.ready = false;
          first.inFlight = true;
          readings.push(reading);
          devices.push(first);
        }
        const single = readings.length === 1;
        const data = single ? (readings[0] as Reading).data : builder.build();
        if (single) builder.reset();
        const size = data.length + outerKeyBytes;
        const entry: Entry = {
          partitionKey: first.id,
          data,
          readings,
          devices,
          size,
          groupKey: group.key,
          attempts: 0,
          notBefore: 0,
        };
        out.push(entry);
        budget.entries--;
        budget.bytes -= size;
        used += size;
      }
      return used;
    },
  };
}
