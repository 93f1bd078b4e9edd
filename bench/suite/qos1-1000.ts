/**
 * QoS 1 end to end at 1,000 devices: each device keeps 20 readings in flight and gets a PUBACK only once the
 * stub Kinesis endpoint accepted the reading. 64 shards, so Kinesis limits do not bind; the gateway's core does.
 */
import { defineScenario } from './declare.js';
import { ackQuantile, gatewayCpu, generatorCpu, mqttLeg, peakRss } from './legs.js';
import type { ScenarioContext } from './types.js';

const DEVICES = 1000;
const SHARDS = 64;

export const qos1Devices1000 = defineScenario({
  name: 'qos1-1000-devices',
  describe: `${DEVICES} devices, QoS 1 (window 20), 200 B readings into a ${SHARDS}-shard stub; acknowledged (in Kinesis) readings/s and publish→PUBACK latency`,
  defaultRuns: 3,
  legs: (ctx: ScenarioContext) => ({
    gateway: mqttLeg('gateway', {
      shards: SHARDS,
      load: {
        qos: 1, connections: DEVICES, inflight: 20, payloadBytes: 200, workers: 1, clientIdPrefix: 'q1k',
        durationMs: ctx.quick ? 3000 : 8000, drainTimeoutMs: 30_000,
      },
    }),
  }),
  figures: {
    ackedPerSec: {
      label: 'acked readings/s (end to end)', unit: 'readings/s', better: 'higher', chart: 'subject', value: (m) => m.gateway.load.throughputPerSec,
      target: { id: 'qos1-throughput', describe: '≥ 25,000 readings/s QoS 1 end-to-end acknowledged with 1,000 devices', comparator: '>=', threshold: 25_000 },
    },
    ackP50Ms: ackQuantile('gateway', 'p50'),
    ackP99Ms: ackQuantile('gateway', 'p99'),
    gatewayCpuPercent: gatewayCpu('gateway'),
    generatorCpuPercent: generatorCpu('gateway'),
    gatewayPeakRssMiB: peakRss('gateway'),
    connectMs: { label: 'time to connect all devices', unit: 'ms', better: 'info', value: (m) => m.gateway.load.connectMs },
  },
});
