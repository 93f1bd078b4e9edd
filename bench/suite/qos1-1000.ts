/**
 * QoS 1 end to end at 1,000 devices: each device keeps 20 readings in flight and gets a PUBACK only once the
 * stub Kinesis endpoint accepted the reading. 64 shards, so Kinesis limits do not bind; the gateway's core does.
 */
import { assertValid, gatewayNotes, mib, runAgainstStub } from './gateway-load.js';
import type { Scenario } from './types.js';

const DEVICES = 1000;
const SHARDS = 64;

export const qos1Devices1000: Scenario = {
  name: 'qos1-1000-devices',
  describe: `${DEVICES} devices, QoS 1 (window 20), 200 B readings into a ${SHARDS}-shard stub; acknowledged (in Kinesis) readings/s and publish→PUBACK latency`,
  figures: {
    ackedPerSec: { label: 'acked readings/s (end to end)', unit: 'readings/s', better: 'higher', chart: 'subject' },
    ackP50Ms: { label: 'publish→PUBACK p50', unit: 'ms', better: 'lower' },
    ackP99Ms: { label: 'publish→PUBACK p99', unit: 'ms', better: 'lower' },
    gatewayCpuPercent: { label: 'gateway CPU', unit: '% of a core', better: 'info' },
    generatorCpuPercent: { label: 'generator + stub CPU', unit: '% of a core', better: 'info' },
    gatewayPeakRssMiB: { label: 'gateway peak RSS', unit: 'MiB', better: 'lower' },
    connectMs: { label: 'time to connect all devices', unit: 'ms', better: 'info' },
  },
  defaultRuns: 3,
  async run(ctx) {
    const g = await runAgainstStub(ctx, {
      shards: SHARDS,
      gatewayArgs: ['--shards', String(SHARDS)],
      load: {
        qos: 1, connections: DEVICES, inflight: 20, payloadBytes: 200, workers: 1, clientIdPrefix: 'q1k',
        durationMs: ctx.quick ? 3000 : 8000, drainTimeoutMs: 30_000,
      },
    });
    assertValid('gateway', g.load, g.crashed);
    ctx.log(`${Math.round(g.load.throughputPerSec)} acked/s, p99 ${g.load.latencyMs?.p99 ?? 'n/a'} ms`);
    return {
      figures: {
        ackedPerSec: g.load.throughputPerSec,
        ackP50Ms: g.load.latencyMs?.p50,
        ackP99Ms: g.load.latencyMs?.p99,
        gatewayCpuPercent: g.cpuPercent,
        generatorCpuPercent: g.load.generatorCpu.percentOfOneCore,
        gatewayPeakRssMiB: mib(g.peakRssBytes),
        connectMs: g.load.connectMs,
      },
      notes: gatewayNotes('gateway', g),
    };
  },
};
