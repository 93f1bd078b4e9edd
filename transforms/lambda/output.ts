import fastJson from 'fast-json-stringify';
import type { Location } from './catalog/types.js';

/**
 * One delivered line (the S3 object holds these, one per line). Example:
 * {"deviceId":"sim-env-sensor-imperial-3","epoch":1795655957515,"seq":17,"receivedAt":1795655960097,
 *  "processedAt":"2026-11-26T10:00:01.000Z","deviceType":"env-sensor-imperial","site":"sim-site-us",
 *  "location":{"lat":40.71,"lon":-74,"label":"Brooklyn yard"},
 *  "reading":{"temperature":21.5,"humidity":40.2,"battery":3.71,"ts":1795655960000},
 *  "units":{"temperature":"C","humidity":"%","battery":"V"},"derived":{"dewPoint":7.4},"anomalies":[],
 *  "original":{"temperature":{"value":70.7,"unit":"F"}}}
 */
export interface OutputRecord {
  deviceId: string;
  epoch: number;
  seq: number;
  receivedAt: number;
  /** When the transform ran (ISO 8601, UTC), one value per invocation. */
  processedAt: string;
  /** Catalog type, or `unknown`. */
  deviceType: string;
  site: string | null;
  location: Location | null;
  /** The device's reading with known fields normalised; fields the catalog does not know are kept unchanged. */
  reading: Record<string, unknown>;
  /** Unit of each known field present in `reading`, after normalisation. */
  units: Record<string, string>;
  /** Values computed from the reading; a key is absent when its inputs are (e.g. no humidity → no dewPoint). */
  derived: { dewPoint?: number };
  /** Threshold crossings such as `temperature_high`, `battery_low`; empty when none. */
  anomalies: string[];
  /** Value and unit as the device sent them, only for fields that were converted; omitted when none were. */
  original?: Record<string, { value: number; unit: string }> | undefined;
}

/**
 * Explicit schema, so the line's shape is a contract rather than whatever the object held. `reading` is the one
 * open object: devices may send fields the catalog does not know, and those are delivered as sent.
 */
export const OUTPUT_RECORD_SCHEMA = {
  title: 'TidegateDeliveredRecord',
  type: 'object',
  properties: {
    deviceId: { type: 'string' },
    epoch: { type: 'integer' },
    seq: { type: 'integer' },
    receivedAt: { type: 'integer' },
    processedAt: { type: 'string' },
    deviceType: { type: 'string' },
    site: { type: ['string', 'null'] },
    location: {
      type: ['object', 'null'],
      properties: { lat: { type: 'number' }, lon: { type: 'number' }, label: { type: 'string' } },
      required: ['lat', 'lon'],
      additionalProperties: false,
    },
    // Any JSON object (checked upstream). An empty schema makes fast-json-stringify hand the whole value to the
    // native JSON.stringify in one call, which on Node ≤ 24 is faster than its per-key loop for open objects.
    reading: {},
    units: { type: 'object', additionalProperties: { type: 'string' } },
    derived: {
      type: 'object',
      properties: { dewPoint: { type: 'number' } },
      additionalProperties: false,
    },
    anomalies: { type: 'array', items: { type: 'string' } },
    original: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { value: { type: 'number' }, unit: { type: 'string' } },
        required: ['value', 'unit'],
        additionalProperties: false,
      },
    },
  },
  required: ['deviceId', 'epoch', 'seq', 'receivedAt', 'processedAt', 'deviceType', 'site', 'location', 'reading', 'units', 'derived', 'anomalies'],
  additionalProperties: false,
} as const;

/** Serialises one record as JSON (no trailing newline). Throws if a value does not fit the schema (e.g. NaN). */
export const stringifyOutputRecord: (record: OutputRecord) => string = fastJson(OUTPUT_RECORD_SCHEMA);
