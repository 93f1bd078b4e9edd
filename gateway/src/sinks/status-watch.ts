import type { Logger } from '../../../common/logger.js';

/**
 * What the gateway last learned about its destination (a Kinesis stream or a Firehose delivery stream): `ACTIVE`,
 * `UPDATING`, `CREATING`, `DELETING`, `MISSING`, or `UNKNOWN`.
 */
export interface StreamState {
  status: string;
  /** Open shards, when known. */
  openShards?: number;
  /** Why the last check failed, when it did. */
  error?: string;
  checkedAt: number;
}

export interface StreamWatchOptions {
  /** One status check (DescribeStreamSummary, DescribeDeliveryStream); undefined when it does not exist. */
  describe: () => Promise<{ status: string; openShards?: number } | undefined>;
  /** What is watched, for logs, e.g. `stream telemetry`. */
  target: string;
  logger: Logger;
  /** Initial status (from startup). */
  initial: { status: string; openShards?: number };
  /**
   * Check period, ms. Default 15 s: DescribeStreamSummary allows 20 calls/s per account and DescribeDeliveryStream
   * 10, shared by every gateway.
   */
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
 * Watches the destination's status, so that `/readyz` notices a stream that was deleted or is being deleted even
 * while no reading is written, and logs every change of state once.
 */
export function startStreamWatch(options: StreamWatchOptions): StreamWatch {
  const { target, logger } = options;
  let state: StreamState = { ...options.initial, checkedAt: Date.now() };
  let checking = false;

  function update(next: StreamState): void {
    const changed = next.status !== state.status || next.openShards !== state.openShards;
    const previous = state.status;
    state = next;
    if (!changed) return;
    const context = { target, status: next.status, previous, openShards: next.openShards, err: next.error };
    if (next.status === 'ACTIVE' || next.status === 'UPDATING') logger.info(context, `${target} is ${next.status}`);
    else logger.warn(context, `${target} is ${next.status}: it may not take writes`);
  }

  async function check(): Promise<void> {
    if (checking) return;
    checking = true;
    try {
      const found = await options.describe();
      update(found === undefined ? { status: 'MISSING', checkedAt: Date.now() } : { ...found, checkedAt: Date.now() });
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
