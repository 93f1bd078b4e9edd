/**
 * Bad-payload injection, one kind per rejection path of the gateway:
 * - invalid-json: a truncated reading, a NaN, single quotes → dead-lettered `invalid_json`, still PUBACKed;
 * - non-object: an array, a number, a string, null → `not_json_object`, PUBACKed;
 * - oversize: a valid object above the gateway's payload limit → `payload_too_large`, PUBACKed;
 * - wrong-topic: a valid reading on another device's topic → refused, and the gateway closes the connection
 *   (as AWS IoT Core does); the device reconnects.
 */
import type { Rng } from './prng.js';

export type BadPayloadKind = 'invalid-json' | 'non-object' | 'oversize' | 'wrong-topic';

export const BAD_PAYLOAD_KINDS: readonly BadPayloadKind[] = ['invalid-json', 'non-object', 'oversize', 'wrong-topic'];

/** The gateway's default `--max-payload-bytes` (128 KiB) plus 1 KiB, so the default oversize payload is refused. */
export const DEFAULT_OVERSIZE_BYTES = 128 * 1024 + 1024;

/** A payload for `kind`, built around `reading` (a valid reading's JSON text) where the kind needs one. */
export function badPayload(kind: Exclude<BadPayloadKind, 'wrong-topic'>, rng: Rng, reading: string, oversizeBytes: number): string {
  switch (kind) {
    case 'invalid-json': {
      const variant = rng.int(0, 2);
      // Any proper prefix of a JSON object's text is invalid JSON: the closing brace is missing.
      if (variant === 0) return reading.slice(0, rng.int(1, Math.max(1, reading.length - 1)));
      if (variant === 1) return reading.replace(/:(-?[\d.]+)/, ':NaN');
      return reading.replaceAll('"', "'");
    }
    case 'non-object':
      return rng.pick(['[1,2,3]', '42', '"reading"', 'null', 'true', `[${reading}]`]);
    case 'oversize': {
      const head = '{"blob":"';
      const tail = `","reading":${reading}}`;
      return head + 'x'.repeat(Math.max(0, oversizeBytes - head.length - tail.length)) + tail;
    }
  }
}
