import type { DeviceDirectory } from './catalog/compile.js';
import type { RecordDecoder } from './decode.js';
import { enrich } from './enrich.js';
import { checkEnvelope } from './envelope.js';
import type { LineEncoder } from './line-encoder.js';
import { stringifyOutputRecord } from './output.js';
import type { PartitionKeyCache, PartitionKeyed } from './partition.js';
import { Rejection } from './rejection.js';

/** An `Ok` record: base64 of one JSON line ending in "\n", and its partition keys. */
export interface Delivered {
  readonly data: string;
  readonly keyed: PartitionKeyed;
}

/** `DROPPED` (the type says discard), a {@link Rejection} (`ProcessingFailed`), or the delivered record. */
export type RecordOutcome = Delivered | typeof DROPPED | Rejection;

export const DROPPED: unique symbol = Symbol('Dropped');

export interface RecordProcessor {
  /** Decides one record from its base64 `data`. Never throws: an unexpected error is `internal_error`. */
  process(data: string): RecordOutcome;
}

export interface RecordProcessorDeps {
  directory: DeviceDirectory;
  decoder: RecordDecoder;
  encoder: LineEncoder;
  partitionKeys: PartitionKeyCache;
  /** ISO 8601 time stamped on every record of this invocation. */
  processedAt: string;
}

export function createRecordProcessor(deps: RecordProcessorDeps): RecordProcessor {
  const { directory, decoder, encoder, partitionKeys, processedAt } = deps;
  const run = (data: string): RecordOutcome => {
    const value = decoder.decode(data);
    if (value instanceof Rejection) return value;
    const env = checkEnvelope(value);
    if (env instanceof Rejection) return env;
    const device = directory.resolve(env.deviceId);
    // Dropped before the reading is validated: a dropped type's data is discarded either way, and its malformed
    // readings should not fill the error output.
    if (device.type.drop) return DROPPED;
    const record = enrich(env, device, processedAt);
    if (record instanceof Rejection) return record;
    return {
      data: encoder.encode(stringifyOutputRecord(record)),
      keyed: partitionKeys.keysFor(device.type.name, env.receivedAt),
    };
  };
  return {
    process(data) {
      try {
        return run(data);
      } catch (err) {
        // One record's surprise (a serializer rejecting a value, a bug) must not cost the rest of the batch.
        return new Rejection('internal_error', err instanceof Error ? `${err.name}: ${err.message}` : String(err));
      }
    },
  };
}
