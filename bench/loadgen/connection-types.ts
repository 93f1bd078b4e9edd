/** Options and results of `DeviceConnection` (connection.ts), kept apart to keep that file small. */
import type { Histogram } from './histogram.js';

/** Options for one simulated device. */
export interface DeviceConnectionOptions {
  host: string;
  port: number;
  clientId: string;
  /** Publish QoS. Default: 1. */
  qos?: 0 | 1;
  /** QoS 1 only: maximum unacknowledged publishes (1–65535). Default: 50. */
  inflight?: number;
  /** JSON payload size in bytes. Default: 150. */
  payloadBytes?: number;
  /** Target messages/s for this connection. Default: undefined (as fast as the broker allows). */
  ratePerSecond?: number;
  /** Source address to bind, e.g. 127.0.0.2, to spread sockets over several loopback addresses. Default: OS choice. */
  localAddress?: string;
  /** MQTT keep-alive in seconds; a PINGREQ is sent when idle for half of it. Default: 60. */
  keepaliveSec?: number;
  /** Default: none. */
  username?: string;
  /** Default: none (requires `username`). */
  password?: string;
  /** Time allowed for TCP connect + CONNACK. Default: 10000 ms. */
  connectTimeoutMs?: number;
  /** QoS 1 publish→PUBACK latencies are recorded here when given. Default: none. */
  latency?: Histogram;
}

/** When a run stops sending; if both are given the first one reached wins. */
export interface RunLimits {
  /** Stop sending after this long. */
  durationMs?: number;
  /** Stop after this many publishes. */
  messages?: number;
  /** Time allowed after sending stops for outstanding PUBACKs (QoS 1) or the PINGRESP barrier (QoS 0). Default: 10000 ms. */
  drainTimeoutMs?: number;
  /**
   * Rate-limited runs: delay this connection's schedule (first publish and deadline) by this much, so a fleet
   * of devices publishing once a second is spread over the second instead of firing in lockstep. Default: 0.
   */
  startOffsetMs?: number;
}

/** Counters of one run. Times are epoch milliseconds so they compare across worker threads. */
export interface ConnectionResult {
  sent: number;
  acked: number;
  /** Socket errors, unexpected closes, protocol surprises, and publishes never acknowledged. */
  errors: number;
  lastError?: string;
  startedAt: number;
  finishedAt: number;
}

/** Topic layout the gateway subscribes to. */
export function telemetryTopic(clientId: string): string {
  return `devices/${clientId}/telemetry`;
}
