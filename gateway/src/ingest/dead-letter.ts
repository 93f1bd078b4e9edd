import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { GatewayMetrics } from '../metrics.js';
import type { RejectReason } from './payload.js';

export interface DeadLetter {
  reason: RejectReason;
  message: string;
  /** The connection's identity (device id) or MQTT client id. */
  clientId: string;
  topic: string;
  payload: Buffer;
}

export interface DeadLetterWriter {
  write(entry: DeadLetter): void;
  close(): Promise<void>;
}

export interface DeadLetterOptions {
  /** JSON-lines file the entries are appended to. */
  path: string;
  metrics: GatewayMetrics;
  /** Payload bytes kept per entry; the rest is cut and `truncated` set. Default 64 KiB. */
  maxPayloadBytes?: number;
  /**
   * Bytes the file may fall behind (slow disk) before new entries are dropped and counted, so that a flood of
   * bad input can never exhaust memory. Default 8 MiB.
   */
  maxBacklogBytes?: number;
  now?: () => number;
}

export const DEFAULT_DEAD_LETTER_OPTIONS = { maxPayloadBytes: 64 * 1024, maxBacklogBytes: 8 * 1024 * 1024 };

/**
 * Appends rejected publishes to a JSON-lines file: one object per line with the time, reason, identity, topic,
 * payload (base64) and its full size.
 */
export function createDeadLetterWriter(options: DeadLetterOptions): DeadLetterWriter {
  const maxPayload = options.maxPayloadBytes ?? DEFAULT_DEAD_LETTER_OPTIONS.maxPayloadBytes;
  const maxBacklog = options.maxBacklogBytes ?? DEFAULT_DEAD_LETTER_OPTIONS.maxBacklogBytes;
  const now = options.now ?? Date.now;
  let stream: WriteStream | undefined;

  const open = (): WriteStream => {
    if (stream === undefined) {
      mkdirSync(dirname(options.path), { recursive: true });
      stream = createWriteStream(options.path, { flags: 'a' });
      // A failing disk must not crash the gateway; entries written afterwards are counted as dropped.
      stream.on('error', () => undefined);
    }
    return stream;
  };

  return {
    write(entry) {
      const out = open();
      if (out.errored || out.writableLength > maxBacklog) {
        options.metrics.deadLettersDropped.inc();
        return;
      }
      const truncated = entry.payload.length > maxPayload;
      const line = JSON.stringify({
        time: new Date(now()).toISOString(),
        reason: entry.reason,
        message: entry.message,
        clientId: entry.clientId,
        topic: entry.topic,
        payloadBytes: entry.payload.length,
        truncated,
        payload: entry.payload.subarray(0, maxPayload).toString('base64'),
      });
      out.write(line + '\n');
      options.metrics.deadLetters.inc({ reason: entry.reason });
    },
    close() {
      const s = stream;
      if (s === undefined || s.destroyed) return Promise.resolve();
      return new Promise((resolve) => s.end(() => resolve()));
    },
  };
}
