import { isUtf8 } from 'node:buffer';
import { Rejection } from './rejection.js';

export interface RecordDecoder {
  /** base64 → UTF-8 → JSON → object. Never throws. */
  decode(data: string): Record<string, unknown> | Rejection;
}

/** Firehose records are at most 1,000 KiB; the scratch buffer starts small and grows to the largest seen. */
const INITIAL_SCRATCH_BYTES = 64 * 1024;

/**
 * One decoder per transform instance. It decodes into a reused scratch buffer rather than allocating a Buffer per
 * record; the loop that calls it never awaits, so concurrent invocations cannot interleave inside it.
 */
export function createRecordDecoder(): RecordDecoder {
  let scratch = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);
  return {
    decode(data) {
      const expected = decodedLength(data);
      if (expected < 0) return new Rejection('invalid_base64', 'data is not padded base64 (length not a multiple of 4)');
      if (expected > scratch.length) scratch = Buffer.allocUnsafe(Math.max(expected, scratch.length * 2));
      // Node's decoder skips characters outside the alphabet instead of failing, so a short count is how an
      // invalid character shows. (It also accepts the URL-safe alphabet, which is harmless here.)
      const n = scratch.write(data, 'base64');
      if (n !== expected) return new Rejection('invalid_base64', 'data contains characters outside the base64 alphabet');
      const text = scratch.toString('utf8', 0, n);
      // The gateway only forwards valid UTF-8; decoding anything else silently inserts U+FFFD. Only a text that
      // holds U+FFFD can have come from invalid bytes, so the byte-level check (costly per call) runs just for those.
      if (text.includes('\ufffd') && !isUtf8(scratch.subarray(0, n))) return new Rejection('invalid_utf8', 'record is not valid UTF-8');
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        return new Rejection('invalid_json', `record is not JSON: ${(err as Error).message}`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return new Rejection('not_json_object', 'record is JSON but not an object');
      }
      return value as Record<string, unknown>;
    },
  };
}

/** Byte length of canonical padded base64, or -1 when the length cannot be canonical. */
function decodedLength(data: string): number {
  const len = data.length;
  if (len % 4 !== 0) return -1;
  if (len === 0) return 0;
  const pad = data.charCodeAt(len - 1) === 0x3d ? (data.charCodeAt(len - 2) === 0x3d ? 2 : 1) : 0;
  return (len / 4) * 3 - pad;
}
