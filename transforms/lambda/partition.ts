/**
 * Partition keys for Firehose dynamic partitioning (`!{partitionKeyFromLambda:<key>}` in the S3 prefix), e.g.
 * `deviceType=!{partitionKeyFromLambda:deviceType}/date=!{partitionKeyFromLambda:date}/`.
 *
 * Time keys come from the gateway's `receivedAt` in UTC, not from the device clock (which drifts or is absent) nor
 * from Firehose's arrival time (which moves with retries), so a record always lands in the same partition.
 * Device ids are deliberately not a key: Firehose allows 500 active partitions by default, a fleet has more devices.
 */
// A type alias, not an interface, so it is assignable to the SDK's `{ [name: string]: string }`.
export type PartitionKeys = {
  readonly deviceType: string;
  /** yyyy-MM-dd */
  readonly date: string;
  /** yyyy */
  readonly year: string;
  /** MM */
  readonly month: string;
  /** dd */
  readonly day: string;
  /** HH */
  readonly hour: string;
};

export interface PartitionKeyed {
  readonly keys: PartitionKeys;
  /** `{ partitionKeys: keys }`, the response's `metadata`, built once and shared (frozen) by the hour's records. */
  readonly metadata: { readonly partitionKeys: PartitionKeys };
  /** Byte length of `JSON.stringify(keys)`, for the response size budget. */
  readonly jsonBytes: number;
}

export interface PartitionKeyCache {
  keysFor(deviceType: string, receivedAt: number): PartitionKeyed;
}

const MS_PER_HOUR = 3_600_000;
/** Readings of one batch span a few hours at most; the cap bounds memory across a long-lived Lambda container. */
const CACHE_LIMIT = 4096;

/**
 * Builds each (type, hour) key object once and shares it between records: a batch holds thousands of readings
 * from a handful of types within an hour or two, so formatting a date per record would be wasted work.
 */
export function createPartitionKeyCache(): PartitionKeyCache {
  const byType = new Map<string, Map<number, PartitionKeyed>>();
  let size = 0;
  return {
    keysFor(deviceType, receivedAt) {
      const hourIndex = Math.floor(receivedAt / MS_PER_HOUR);
      let byHour = byType.get(deviceType);
      if (byHour === undefined) {
        byHour = new Map();
        byType.set(deviceType, byHour);
      }
      let keyed = byHour.get(hourIndex);
      if (keyed === undefined) {
        if (size >= CACHE_LIMIT) {
          byType.clear();
          byHour = new Map();
          byType.set(deviceType, byHour);
          size = 0;
        }
        keyed = buildKeys(deviceType, hourIndex);
        byHour.set(hourIndex, keyed);
        size++;
      }
      return keyed;
    },
  };
}

function buildKeys(deviceType: string, hourIndex: number): PartitionKeyed {
  // toISOString: "2026-11-26T10:00:00.000Z" (4-digit years: receivedAt was validated to be at most MAX_RECEIVED_AT_MS).
  const iso = new Date(hourIndex * MS_PER_HOUR).toISOString();
  const keys: PartitionKeys = Object.freeze({
    deviceType,
    date: iso.slice(0, 10),
    year: iso.slice(0, 4),
    month: iso.slice(5, 7),
    day: iso.slice(8, 10),
    hour: iso.slice(11, 13),
  });
  return { keys, metadata: Object.freeze({ partitionKeys: keys }), jsonBytes: Buffer.byteLength(JSON.stringify(keys)) };
}
