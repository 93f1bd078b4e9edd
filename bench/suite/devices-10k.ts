/**
 * 10,000 devices, each publishing one QoS 1 reading per second (phases spread evenly over the second, as an
 * unsynchronised fleet does), into a 16-shard stub Kinesis endpoint (the stub, not kinesalite, so the sink's
 * own cost stays out of the gateway's numbers). Measures publish→PUBACK latency under a steady, realistic load,
 * and the gateway's memory per connected device:
 *   RSS per device = (RSS with every device connected and idle − RSS before the first connection) ÷ devices.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openFilesLimit } from '../lib/fd-limit.js';
import { processMemory } from '../lib/proc.js';
import { histogramQuantile } from '../lib/prom.js';
import { assertValid, gatewayNotes, mib, runAgainstStub } from './gateway-load.js';
import type { Scenario } from './types.js';

const DEVICES = 10_000;
const seconds = (s: number | undefined): number | undefined => (s === undefined ? undefined : s * 1000);
const SHARDS = 16;
/** File descriptors this process needs beyond one per device (workers, stub, pipes, the gateway's own files). */
const FD_HEADROOM = 500;

/** RSS after the gateway's memory settles: the lowest of a few samples, so a passing allocation burst is not counted. */
async function settledRss(pid: number, settleMs: number): Promise<number | undefined> {
  await sleep(settleMs);
  let low: number | undefined;
  for (let i = 0; i < 5; i++) {
    const rss = processMemory(pid)?.rssBytes;
    if (rss !== undefined) low = low === undefined ? rss : Math.min(low, rss);
    await sleep(200);
  }
  return low;
}

export const devices10k: Scenario = {
  name: 'devices-10k',
  describe: `${DEVICES.toLocaleString('en-US')} devices × 1 QoS 1 reading/s (200 B) into a ${SHARDS}-shard stub; publish→PUBACK p50/p99 and gateway RSS per connected device`,
  figures: {
    ackP50Ms: { label: 'publish→PUBACK p50', unit: 'ms', better: 'lower' },
    ackP99Ms: { label: 'publish→PUBACK p99', unit: 'ms', better: 'lower' },
    gatewayAckP99Ms: { label: "gateway's own receive→Kinesis ack p99 (its histogram)", unit: 'ms', better: 'lower' },
    putP99Ms: { label: 'PutRecords round trip p99 (gateway histogram)', unit: 'ms', better: 'info' },
    ackedPerSec: { label: 'acked readings/s (offered: 10,000/s)', unit: 'readings/s', better: 'info' },
    rssPerDeviceBytes: { label: 'gateway RSS per idle connected device', unit: 'B', better: 'lower' },
    rssBeforeMiB: { label: 'gateway RSS before devices connect', unit: 'MiB', better: 'info' },
    rssIdleMiB: { label: 'gateway RSS with all devices idle', unit: 'MiB', better: 'info' },
    gatewayPeakRssMiB: { label: 'gateway peak RSS', unit: 'MiB', better: 'lower' },
    gatewayCpuPercent: { label: 'gateway CPU', unit: '% of a core', better: 'lower' },
    generatorCpuPercent: { label: 'generator + stub CPU', unit: '% of a core', better: 'info' },
    connectMs: { label: 'time to connect all devices', unit: 'ms', better: 'info' },
    lingerMs: { label: 'gateway --linger-ms', unit: 'ms', better: 'info' },
  },
  defaultRuns: 3,
  async run(ctx) {
    const limit = openFilesLimit();
    if (limit !== undefined && limit.soft < DEVICES + FD_HEADROOM) {
      throw new Error(`open-files limit ${limit.soft} is below the ${DEVICES + FD_HEADROOM} this scenario needs: raise it (ulimit -n ${DEVICES * 2}) and run again`);
    }
    const settleMs = ctx.quick ? 1500 : 3000;
    let rssBefore: number | undefined;
    let rssIdle: number | undefined;
    const g = await runAgainstStub(ctx, {
      shards: SHARDS,
      gatewayArgs: ['--shards', String(SHARDS)],
      load: {
        qos: 1, connections: DEVICES, inflight: 5, payloadBytes: 200, workers: 2, clientIdPrefix: 'fleet',
        ratePerConnection: 1, spreadPhases: true, durationMs: ctx.quick ? 5000 : 30_000,
        // Paced below what the listener's backlog and one core absorb without connect timeouts.
        connectRatePerSecond: 4000, connectTimeoutMs: 20_000, drainTimeoutMs: 30_000,
      },
      onGatewayStarted: async (pid) => {
        rssBefore = await settledRss(pid, settleMs);
      },
      onConnected: async (pid) => {
        ctx.log('all devices connected; measuring idle memory');
        rssIdle = await settledRss(pid, settleMs);
      },
    });
    assertValid('gateway', g.load, g.crashed);
    const perDevice = rssBefore === undefined || rssIdle === undefined ? undefined : (rssIdle - rssBefore) / DEVICES;
    ctx.log(`p99 ${g.load.latencyMs?.p99 ?? 'n/a'} ms, ${perDevice === undefined ? 'n/a' : Math.round(perDevice)} B RSS per device`);
    return {
      figures: {
        ackP50Ms: g.load.latencyMs?.p50,
        ackP99Ms: g.load.latencyMs?.p99,
        gatewayAckP99Ms: g.gatewayAckP99Ms,
        putP99Ms: seconds(histogramQuantile(undefined, g.metricsAfter, 'tidegate_sink_put_duration_seconds', 0.99)),
        ackedPerSec: g.load.throughputPerSec,
        rssPerDeviceBytes: perDevice,
        rssBeforeMiB: mib(rssBefore),
        rssIdleMiB: mib(rssIdle),
        gatewayPeakRssMiB: mib(g.peakRssBytes),
        gatewayCpuPercent: g.cpuPercent,
        generatorCpuPercent: g.load.generatorCpu.percentOfOneCore,
        connectMs: g.load.connectMs,
        lingerMs: Number(ctx.build.defaultOf('linger-ms') ?? 20),
      },
      notes: gatewayNotes('gateway', g),
    };
  },
};
