import type { LatestReading } from './dashboard-api.js';

export type { LatestReading } from './dashboard-api.js';

export interface LatestReadings {
  /** Remembers a device's newest record (the Kinesis record: envelope + reading). Constant time. */
  record(deviceId: string, record: Buffer): void;
  /** The newest reading of each of the most recently active devices, newest first. */
  list(): LatestReading[];
}

export interface LatestReadingsOptions {
  /** Devices remembered. Default 8. */
  devices?: number;
  /** Largest record kept whole, bytes; larger ones are listed by size only. Default 4 KiB. */
  maxRecordBytes?: number;
  now?: () => number;
}

/**
 * A small bounded view of the traffic for the dashboard: the last record of the few devices that published
 * most recently. Memory is at most `devices × maxRecordBytes`, whatever the fleet size.
 */
export function createLatestReadings(options: LatestReadingsOptions = {}): LatestReadings {
  const capacity = options.devices ?? 8;
  const maxBytes = options.maxRecordBytes ?? 4096;
  const now = options.now ?? Date.now;
  // Insertion order is recency order: a device is moved to the end whenever it publishes.
  const byDevice = new Map<string, { record: Buffer | undefined; bytes: number; at: number }>();
  return {
    record(deviceId, record) {
      byDevice.delete(deviceId);
      byDevice.set(deviceId, { record: record.length <= maxBytes ? record : undefined, bytes: record.length, at: now() });
      if (byDevice.size > capacity) {
        const oldest = byDevice.keys().next();
        if (oldest.done !== true) byDevice.delete(oldest.value);
      }
    },
    list() {
      const out: LatestReading[] = [];
      for (const [deviceId, entry] of byDevice) {
        let parsed: { seq?: unknown; receivedAt?: unknown; reading?: unknown } | undefined;
        try {
          if (entry.record !== undefined) parsed = JSON.parse(entry.record.toString('utf8')) as typeof parsed;
        } catch {
          parsed = undefined;
        }
        out.push({
          deviceId,
          receivedAt: typeof parsed?.receivedAt === 'number' ? parsed.receivedAt : entry.at,
          ...(typeof parsed?.seq === 'number' ? { seq: parsed.seq } : {}),
          ...(parsed?.reading === undefined ? {} : { reading: parsed.reading }),
          bytes: entry.bytes,
        });
      }
      return out.reverse();
    },
  };
}
