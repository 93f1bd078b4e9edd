import { GatewayError } from '../../../common/errors.js';
import type { DeadLetterWriter } from '../ingest/dead-letter.js';
import type { Forwarder } from '../ingest/forwarder.js';
import { telemetryTopic } from '../ingest/topic.js';
import type { Logger } from '../../../common/logger.js';
import type { GatewayMetrics } from '../metrics.js';
import type { Spool, SpoolEntry } from '../../../common/spool/index.js';
import type { Bridge } from './bridge.js';

export interface SpoolForwardingOptions {
  spool: Spool;
  bridge: Bridge;
  deadLetter: DeadLetterWriter;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Entries taken from the spool per read. Default 2,000. */
  readBatchEntries?: number;
  /** Bytes taken from the spool per read. Default 4 MiB. */
  readBatchBytes?: number;
}

/**
 * `--ack spool`: readings are acknowledged once durable in the write-ahead spool; a drainer reads the spool in
 * log order and hands the entries to the bridge, at the pace the bridge (and so the shards' rate limits) allows,
 * and marks each entry done once Kinesis accepted it. Log order is arrival order, so a device's readings reach the
 * bridge in order, and replayed entries (after a restart) come before anything that arrived later.
 */
export interface SpoolForwarding {
  readonly forwarder: Forwarder;
  /** Starts draining (replaying what a previous run left first). */
  start(): void;
  /** Waits until every pending append is durable and the spool is empty, or the deadline passes. */
  drain(timeoutMs: number): Promise<{ drained: boolean; remaining: number }>;
  /** Stops reading the spool; entries not yet accepted stay there for the next start. */
  stop(): void;
  /** Resolves when the drain loop has ended (after {@link stop} and the spool's close). */
  readonly finished: Promise<void>;
}

const POLL_MS = 20;

export function createSpoolForwarding(options: SpoolForwardingOptions): SpoolForwarding {
  const { spool, bridge, deadLetter, metrics, logger } = options;
  const readEntries = options.readBatchEntries ?? 2000;
  const readBytes = options.readBatchBytes ?? 4 * 1024 * 1024;
  let pendingAppends = 0;
  let stopped = false;
  let loop: Promise<void> | undefined;

  function submit(entry: SpoolEntry): void {
    bridge.submit(entry.deviceId, entry.data, (err) => {
      if (err === undefined) {
        spool.markDone(entry.lsn);
        return;
      }
      if (err.code === 'GW_ERR_SINK_FATAL') {
        // Kinesis rejected this record itself and always will: keep it, but out of the way.
        metrics.readingsRejected.inc({ reason: 'rejected_by_sink' });
        deadLetter.write({
          reason: 'rejected_by_sink',
          message: err.message,
          clientId: entry.deviceId,
          topic: telemetryTopic(entry.deviceId),
          payload: entry.data,
        });
        spool.markDone(entry.lsn);
      }
      // Otherwise the gateway is stopping: the entry stays in the spool and is replayed at the next start.
    });
  }

  async function run(): Promise<void> {
    while (!stopped) {
      if (bridge.overloaded) {
        await new Promise<void>((resolve) => bridge.whenRelieved(resolve));
        continue;
      }
      const entries = await spool.read(readEntries, readBytes);
      if (stopped) break;
      for (const entry of entries) submit(entry);
    }
  }

  const forwarder: Forwarder = {
    limits: bridge.limits,
    forward(deviceId, record, accepted) {
      pendingAppends++;
      spool.append(deviceId, record).then(
        () => {
          pendingAppends--;
          accepted();
        },
        (err: unknown) => {
          pendingAppends--;
          accepted(new GatewayError('GW_ERR_SHUTTING_DOWN', `spool closed before the reading was durable: ${String(err)}`));
        },
      );
    },
    get overloaded() {
      return spool.blocked;
    },
    whenRelieved: (callback) => spool.whenUnblocked(callback),
  };

  return {
    forwarder,
    start() {
      if (loop !== undefined) return;
      const replay = spool.stats().entries;
      if (replay > 0) logger.info({ entries: replay }, 'replaying readings left in the spool');
      loop = run().catch((err: unknown) => {
        logger.error({ err }, 'spool drainer stopped unexpectedly');
      });
    },
    async drain(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && (pendingAppends > 0 || spool.stats().entries > 0)) {
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      const remaining = spool.stats().entries;
      return { drained: pendingAppends === 0 && remaining === 0, remaining };
    },
    stop() {
      stopped = true;
    },
    get finished() {
      return loop ?? Promise.resolve();
    },
  };
}
