import { MAX_RECEIVED_AT_MS } from './limits.js';
import { Rejection } from './rejection.js';

/** The gateway's record header (see gateway/src/ingest/envelope.ts) plus the reading, validated. */
export interface Envelope {
  deviceId: string;
  epoch: number;
  seq: number;
  receivedAt: number;
  reading: Record<string, unknown>;
}

/**
 * Checks the fields the gateway always writes and returns the same object, now typed. Unknown top-level fields are
 * ignored (the output schema is explicit), so a newer gateway adding a header field does not fail this transform.
 */
export function checkEnvelope(value: Record<string, unknown>): Envelope | Rejection {
  const { deviceId, epoch, seq, receivedAt, reading } = value;
  if (typeof deviceId !== 'string' || deviceId.length === 0) return bad('deviceId must be a non-empty string');
  if (!isCount(epoch)) return bad('epoch must be a non-negative integer');
  if (!isCount(seq)) return bad('seq must be a non-negative integer');
  if (!isCount(receivedAt) || receivedAt > MAX_RECEIVED_AT_MS) return bad('receivedAt must be epoch milliseconds');
  if (typeof reading !== 'object' || reading === null || Array.isArray(reading)) return bad('reading must be a JSON object');
  return value as unknown as Envelope;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function bad(message: string): Rejection {
  return new Rejection('invalid_envelope', message);
}
