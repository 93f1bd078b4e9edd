import fastJson from 'fast-json-stringify';

/**
 * The Kinesis user record for one reading:
 * `{"deviceId":"dev-42","epoch":1764115200000,"seq":17,"receivedAt":1764115260123,"reading":{...}}`
 *
 * - `epoch` identifies one run of the gateway (its start time, ms); `seq` counts a device's readings within
 *   that run from 1 without gaps. Consumers detect a gap (seq jumps), a duplicate (same epoch and seq, e.g.
 *   after a retried request whose response was lost) and reordering (seq going back within an epoch).
 * - `receivedAt` is the gateway's receive time in ms since the Unix epoch.
 * - `reading` is the device's JSON object byte for byte: it is spliced in, never re-serialised.
 */
export interface EnvelopeHeader {
  deviceId: string;
  epoch: number;
  seq: number;
  receivedAt: number;
}

const stringifyHeader = fastJson({
  title: 'TelemetryRecordHeader',
  type: 'object',
  properties: {
    deviceId: { type: 'string' },
    epoch: { type: 'integer' },
    seq: { type: 'integer' },
    receivedAt: { type: 'integer' },
  },
  required: ['deviceId', 'epoch', 'seq', 'receivedAt'],
  additionalProperties: false,
});

const READING_KEY = Buffer.from(',"reading":');
const CLOSE = Buffer.from('}');

/** Encodes one record. `payload` must already be validated as a JSON object. */
export function encodeRecord(header: EnvelopeHeader, payload: Buffer): Buffer {
  const head = stringifyHeader(header);
  // Drop the header's closing brace, then append the reading and close the object.
  const headBytes = Buffer.byteLength(head) - 1;
  const out = Buffer.allocUnsafe(headBytes + READING_KEY.length + payload.length + 1);
  out.write(head, 0, headBytes, 'utf8');
  READING_KEY.copy(out, headBytes);
  payload.copy(out, headBytes + READING_KEY.length);
  CLOSE.copy(out, out.length - 1);
  return out;
}

/** Per-device sequence numbers for one gateway run. */
export interface Sequencer {
  readonly epoch: number;
  next(deviceId: string): number;
  /** Devices seen in this run. */
  readonly size: number;
}

export function createSequencer(epoch: number = Date.now()): Sequencer {
  const counters = new Map<string, number>();
  return {
    epoch,
    next(deviceId) {
      const n = (counters.get(deviceId) ?? 0) + 1;
      counters.set(deviceId, n);
      return n;
    },
    get size() {
      return counters.size;
    },
  };
}
