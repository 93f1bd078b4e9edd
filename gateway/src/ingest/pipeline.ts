import type { GatewayError } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import type { GatewayMetrics } from '../metrics.js';
import { entrySize } from '../sinks/sink.js';
import type { DeadLetterWriter } from './dead-letter.js';
import type { Forwarder } from './forwarder.js';
import { encodeRecord, type Sequencer } from './envelope.js';
import { checkPayload, type RejectReason } from './payload.js';
import { TELEMETRY_TOPIC_PREFIX, telemetryTopic } from './topic.js';

export interface Publish {
  /** The device id the connection authenticated as (never taken from the payload). */
  identity: string;
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  protocol: 'mqtt' | 'http';
}

/**
 * What the transport should do with a publish:
 * - `ack`: acknowledge it (the sink accepted it, or it was dead-lettered as bad data the device cannot fix by
 *   resending);
 * - `refuse`: an authorization failure (topic outside the device's namespace, spoofed device id): MQTT 3.1.1 has
 *   no negative PUBACK, so the connection is closed [MQTT-3.3.5-2];
 * - `unavailable`: the gateway cannot take it now (shutting down): do not acknowledge, so the device resends.
 */
export type IngestResult =
  | { action: 'ack'; forwarded: boolean; reason?: RejectReason }
  | { action: 'refuse'; reason: RejectReason; message: string }
  | { action: 'unavailable'; error: GatewayError };

export interface IngestOptions {
  forwarder: Forwarder;
  deadLetter: DeadLetterWriter;
  metrics: GatewayMetrics;
  logger: Logger;
  sequencer: Sequencer;
  /** Largest reading payload, bytes. */
  maxPayloadBytes: number;
  now?: () => number;
}

export interface Ingest {
  /**
   * Handles one publish. `done` runs once: for QoS 1/2 readings after the sink accepted them; for QoS 0 readings
   * as soon as they are queued (later, while the bridge applies backpressure); at once for everything else.
   */
  handle(publish: Publish, done: (result: IngestResult) => void): void;
  /**
   * Checks a telemetry payload the way `handle` would, without forwarding it: the reason it would be
   * dead-lettered, or undefined. The record-size check assumes the largest envelope header (a sequence number
   * and time of 16 and 13 digits), so near the limit it is stricter than `handle` by at most those digits.
   */
  check(identity: string, payload: Buffer): { reason: RejectReason; message: string } | undefined;
  /**
   * Counts a telemetry publish as received and dead-letters it with `reason` (a transport rejected it after
   * `check`, e.g. an HTTP request refused as a whole).
   */
  reject(publish: Publish, reason: RejectReason, message: string): void;
}

/** The largest header a record can get: only its length matters. */
const WORST_HEADER = { epoch: 9_999_999_999_999, seq: Number.MAX_SAFE_INTEGER, receivedAt: 9_999_999_999_999 };
const EMPTY_OBJECT = Buffer.from('{}');

export function createIngest(options: IngestOptions): Ingest {
  const { forwarder, deadLetter, metrics, logger, sequencer } = options;
  const now = options.now ?? Date.now;
  // Topic strings per identity, so the hot path compares instead of concatenating.
  const topicsOf = new Map<string, { prefix: string; telemetry: string }>();

  function ownTopics(identity: string): { prefix: string; telemetry: string } {
    let topics = topicsOf.get(identity);
    if (topics === undefined) {
      topics = { prefix: `${TELEMETRY_TOPIC_PREFIX}${identity}/`, telemetry: telemetryTopic(identity) };
      if (topicsOf.size >= 100_000) topicsOf.clear();
      topicsOf.set(identity, topics);
    }
    return topics;
  }

  function reject(publish: Publish, reason: RejectReason, message: string): void {
    metrics.readingsRejected.inc({ reason });
    deadLetter.write({ reason, message, clientId: publish.identity, topic: publish.topic, payload: publish.payload });
    logger.debug({ deviceId: publish.identity, topic: publish.topic, reason }, message);
  }

  return {
    check(identity, payload) {
      const payloadCheck = checkPayload(payload, options.maxPayloadBytes);
      if (!payloadCheck.ok) return { reason: payloadCheck.reason, message: payloadCheck.message };
      const recordBytes = encodeRecord({ deviceId: identity, ...WORST_HEADER }, EMPTY_OBJECT).length - EMPTY_OBJECT.length + payload.length;
      const size = recordBytes + (forwarder.limits.partitionKeyCounts ? Buffer.byteLength(identity) : 0);
      if (size > forwarder.limits.maxEntryBytes) {
        return {
          reason: 'record_too_large',
          message: `record of up to ${recordBytes} bytes exceeds the stream's ${forwarder.limits.maxEntryBytes}-byte limit`,
        };
      }
      return undefined;
    },
    reject(publish, reason, message) {
      metrics.readingsReceived.inc({ qos: String(publish.qos), protocol: publish.protocol });
      reject(publish, reason, message);
    },
    handle(publish, done) {
      const { identity, topic } = publish;
      const { prefix, telemetry } = ownTopics(identity);
      if (!topic.startsWith(prefix)) {
        const reason: RejectReason = topic.startsWith(TELEMETRY_TOPIC_PREFIX) ? 'identity_mismatch' : 'invalid_topic';
        const message =
          reason === 'identity_mismatch'
            ? `device ${identity} may not publish to ${topic}`
            : `topic ${topic} is outside ${prefix}`;
        reject(publish, reason, message);
        done({ action: 'refuse', reason, message });
        return;
      }
      // Other topics in the device's own namespace are plain MQTT traffic; only telemetry goes to the sink.
      if (topic !== telemetry) {
        done({ action: 'ack', forwarded: false });
        return;
      }
      metrics.readingsReceived.inc({ qos: String(publish.qos), protocol: publish.protocol });
      const check = checkPayload(publish.payload, options.maxPayloadBytes);
      if (!check.ok) {
        reject(publish, check.reason, check.message);
        done({ action: 'ack', forwarded: false, reason: check.reason });
        return;
      }
      const receivedAt = now();
      const record = encodeRecord(
        { deviceId: identity, epoch: sequencer.epoch, seq: sequencer.next(identity), receivedAt },
        publish.payload,
      );
      if (entrySize(forwarder.limits, identity, record) > forwarder.limits.maxEntryBytes) {
        const message = `record of ${record.length} bytes exceeds the stream's ${forwarder.limits.maxEntryBytes}-byte limit`;
        reject(publish, 'record_too_large', message);
        done({ action: 'ack', forwarded: false, reason: 'record_too_large' });
        return;
      }

      // The callback outlives this call for as long as the reading is buffered: it captures strings and the
      // record (which the bridge holds anyway), never the original payload or packet.
      const qos = publish.qos;
      const protocol = publish.protocol;
      const waitForSink = qos > 0;
      forwarder.forward(identity, record, (err) => {
        if (err === undefined) {
          if (waitForSink) {
            metrics.ackLatency.observe({ qos: String(qos), protocol }, (now() - receivedAt) / 1000);
            done({ action: 'ack', forwarded: true });
          }
          return;
        }
        if (err.code === 'GW_ERR_SINK_FATAL') {
          // The sink will never take this record (it rejected the entry itself, not the request).
          metrics.readingsRejected.inc({ reason: 'rejected_by_sink' });
          deadLetter.write({ reason: 'rejected_by_sink', message: err.message, clientId: identity, topic, payload: record });
          if (waitForSink) done({ action: 'ack', forwarded: false, reason: 'rejected_by_sink' });
          return;
        }
        if (waitForSink) done({ action: 'unavailable', error: err });
        else logger.warn({ deviceId: identity, code: err.code }, 'QoS 0 reading lost: ' + err.message);
      });
      if (!waitForSink) forwarder.whenRelieved(() => done({ action: 'ack', forwarded: true }));
    },
  };
}
