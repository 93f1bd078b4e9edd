import type { Entry, EntryPacker } from './types.js';

/** One reading per entry (aggregation off): the partition key is the device id. */
export function createSinglePacker(): EntryPacker {
  return {
    pack(group, budget, out) {
      let used = 0;
      while (budget.entries > 0) {
        const device = group.ready.peek();
        if (device === undefined) break;
        const reading = device.queue.peek();
        if (reading === undefined || reading.size > budget.bytes) break;
        group.ready.shift();
        device.queue.shift();
        device.ready = false;
        device.inFlight = true;
        const entry: Entry = {
          partitionKey: device.id,
          data: reading.data,
          readings: [reading],
          devices: [device],
          size: reading.size,
          groupKey: group.key,
          attempts: 0,
          notBefore: 0,
        };
        out.push(entry);
        budget.entries--;
        budget.bytes -= reading.size;
        used += reading.size;
      }
      return used;
    },
  };
}
