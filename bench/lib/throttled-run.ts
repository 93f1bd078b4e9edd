/**
 * A gateway run against the stub endpoint with AWS-like per-shard throttling and retained records, followed by
 * a full read-back: the shared core of the aggregation and utilisation benchmarks.
 */
import { performance } from 'node:perf_hooks';
import type { KinesisEndpointStats } from '../../stack/kinesis-faults/index.js';
import { mqttLoad, runThroughGateway } from './gateway-run.js';
import type { GatewayRunResult, LoadSpec } from './gateway-run.js';
import { readBack } from './readback.js';
import type { ReadbackSummary } from './readback.js';
import { AWS_THROTTLE, SHARD_BYTES_PER_SECOND, STREAM, StatsRecorder, startStub, throttledEntries } from './stub.js';

export interface ThrottledRunOptions {
  shards: number;
  gatewayArgs: readonly string[];
  cpu: number | undefined;
  load: LoadSpec;
  /** Steady state: from this long after the first publish (default 3 s)… */
  steadyFromMs?: number;
  /** …to this long after it (default: 2 s before the last PUBACK). */
  steadyToMs?: number;
}

export interface ThrottledRunResult {
  run: GatewayRunResult;
  stats: KinesisEndpointStats;
  readback: ReadbackSummary;
  /** Throttled entries as the endpoint counted them (every refused attempt). */
  throttled: number;
  /** Seconds from the first publish to the last PUBACK. */
  seconds: number;
  /** Accepted bytes (data + key) per second over the whole run, and over the steady part; with utilisation. */
  acceptedBytesPerSec: number;
  utilisation: number;
  steadyBytesPerSec: number | undefined;
  steadyUtilisation: number | undefined;
  timeline: ReturnType<StatsRecorder['timeline']>;
}

export async function runThrottled(options: ThrottledRunOptions): Promise<ThrottledRunResult> {
  const stub = await startStub({ shards: options.shards, retain: true, throttle: AWS_THROTTLE });
  const recorder = new StatsRecorder(stub.endpoint);
  try {
    let startAt = 0;
    const run = await runThroughGateway({
      kinesisEndpoint: stub.url,
      args: options.gatewayArgs,
      cpu: options.cpu,
      drive: mqttLoad(options.load),
      onRunStart: () => {
        startAt = performance.now();
        recorder.start(1000);
      },
    });
    recorder.stop();
    const stats = stub.endpoint.stats();
    const readback = await readBack(stub.url, STREAM);
    const seconds = run.load.durationMs / 1000;
    const limit = options.shards * SHARD_BYTES_PER_SECOND;
    const steadyFrom = startAt + (options.steadyFromMs ?? 3000);
    const steadyTo = startAt + (options.steadyToMs ?? run.load.durationMs - 2000);
    const steady = steadyTo - steadyFrom >= 2000 ? recorder.bytesPerSecBetween(steadyFrom, steadyTo) : undefined;
    return {
      run,
      stats,
      readback,
      throttled: throttledEntries(stats),
      seconds,
      acceptedBytesPerSec: stats.bytesAccepted / seconds,
      utilisation: stats.bytesAccepted / seconds / limit,
      steadyBytesPerSec: steady,
      steadyUtilisation: steady === undefined ? undefined : steady / limit,
      timeline: recorder.timeline(),
    };
  } finally {
    recorder.stop();
    await stub.close();
  }
}
