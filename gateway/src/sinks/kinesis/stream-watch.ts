import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Logger } from '../../logger.js';
import { describeStream } from './stream.js';

/** What the gateway last learned about its stream: `ACTIVE`, `UPDATING`, `CREATING`, `DELETING`, `MISSING`, or `UNKNOWN` (the last check failed). */
export interface StreamState {
  status: string;
  /** Open shards, when known. */
  openShards?: number;
  /** Why the last check failed, when it did. */
  error?: string;
  checkedAt: number;
}

export interface StreamWatchOptions {
  client: KinesisClient;
  stream: string;
  logger: Logger;
  /** Initial status (from startup). */
  initial: { status: string; openShards?: number };
  /** Check period, ms. Default 15 s: DescribeStreamSummary allows 20 calls/s per account, shared by every gateway. */
  intervalMs?: number;
}

export interface StreamWatch {
  readonly state: StreamState;
  /** True while the stream takes writes (ACTIVE or UPDATING), as far as the last check knows. */
  readonly writable: boolean;
  check(): Promise<void>;
  close(): void;
}

/**
 * Watches the stream's status with DescribeStreamSummary, so that `/readyz` notices a stream that was deleted
 * or is being deleted even while no reading is written, and logs every change of state once.
 */
export function startStreamWatch(options: StreamWatchOptions): StreamWatch {
  const { client, stream, logger } = options;
  let state: StreamState = { ...options.initial, checkedAt: Date.now() };
  let checking = false;

  function update(next: StreamState): void {
    const changed = next.status !== state.status || next.openShards !== state.openShards;
    const previous = state.status;
    state = next;
    if (!changed) return;
    const context = { stream, status: next.status, previous, openShards: next.openShards, err: next.error };
    if (next.status === 'ACTIVE' || next.status === 'UPDATING') logger.info(context, `stream ${stream} is ${next.status}`);
    else logger.warn(context, `stream ${stream} is ${next.status}: it may not take writes`);
  }

  async function check(): Promise<void> {
    if (checking) return;
    checking = true;
    try {
      const summary = await describeStream(client, stream);
      update(
        summary === undefined
          ? { status: 'MISSING', checkedAt: Date.now() }
          : {
              status: summary.StreamStatus ?? 'UNKNOWN',
              ...(summary.OpenShardCount === undefined ? {} : { openShards: summary.OpenShardCount }),
              checkedAt: Date.now(),
            },
      );
    } catch (err) {
      // A failed check says nothing about the stream itself (throttling, a network blip): keep the status.
      update({ ...state, error: (err as Error).message, checkedAt: Date.now() });
    } finally {
      checking = false;
    }
  }

  const timer = setInterval(() => void check(), options.intervalMs ?? 15_000);
  timer.unref();
  return {
    get state() {
      return state;
    },
    get writable() {
      return state.status === 'ACTIVE' || state.status === 'UPDATING';
    },
    check,
    close: () => clearInterval(timer),
  };
}
