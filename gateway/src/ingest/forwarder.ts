import type { AckCallback } from '../bridge/types.js';
import type { SinkLimits } from '../sinks/sink.js';

/**
 * Where ingest hands accepted records, and when it may acknowledge them:
 * - `--ack kinesis`: the bridge; `accepted` runs when Kinesis accepted the record;
 * - `--ack spool`: the write-ahead spool; `accepted` runs when the record is durable on local disk.
 */
export interface Forwarder {
  /** The destination's record limits (ingest dead-letters records that could never fit). */
  readonly limits: SinkLimits;
  forward(deviceId: string, record: Buffer, accepted: AckCallback): void;
  /** True while the destination cannot take more: the transport stops reading from devices. */
  readonly overloaded: boolean;
  whenRelieved(callback: () => void): void;
}
