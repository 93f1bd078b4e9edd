import { isUtf8 } from 'node:buffer';

/** Why a publish was not forwarded. These are metric label values and dead-letter reasons: keep them stable. */
export type RejectReason =
  | 'invalid_topic'
  | 'identity_mismatch'
  | 'payload_too_large'
  | 'record_too_large'
  | 'invalid_json'
  | 'not_json_object'
  | 'rejected_by_sink';

export type PayloadCheck = { ok: true } | { ok: false; reason: RejectReason; message: string };

/**
 * A reading is a JSON object of at most `maxBytes` bytes. The payload is parsed only to validate it; the record
 * carries the device's bytes unchanged.
 */
export function checkPayload(payload: Buffer, maxBytes: number): PayloadCheck {
  if (payload.length > maxBytes) {
    return { ok: false, reason: 'payload_too_large', message: `payload is ${payload.length} bytes, limit ${maxBytes}` };
  }
  // The record splices these bytes in unchanged, so they must be valid UTF-8, not merely decodable with
  // replacement characters.
  if (!isUtf8(payload)) {
    return { ok: false, reason: 'invalid_json', message: 'payload is not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: 'invalid_json', message: `payload is not JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'not_json_object', message: 'payload is JSON but not an object' };
  }
  return { ok: true };
}
