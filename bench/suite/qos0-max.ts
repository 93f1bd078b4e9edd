/**
 * QoS 0 maximum throughput with few connections: 64 devices each write a fixed number of 200-byte readings as
 * fast as their sockets take them, into a 256-shard stub (64 devices land on ~57 shards, so the per-shard 1 MiB/s
 * limit is far above the target). Loopback socket buffers swallow hundreds of thousands of readings at once, so
 * "sent/s" says little: delivered = readings the gateway forwarded to Kinesis ÷ time from the first publish until
 * its forwarded counter stopped rising (polled every 200 ms), i.e. the rate at which it worked off the backlog.
 */
import { defineScenario } from './declare.js';
import { forwardedPerSec, gatewayCpu, generatorCpu, kinesisCap, mqttLeg, peakRss, rawAedesLeg } from './legs.js';
import type { ScenarioContext } from './types.js';

const DEVICES = 64;
const SHARDS = 256;
const PAYLOAD_BYTES = 200;
const PREFIX = 'qos0';

export const qos0Max = defineScenario({
  name: 'qos0-max',
  describe: `QoS 0, ${DEVICES} connections flooding ${PAYLOAD_BYTES} B readings into a ${SHARDS}-shard stub; readings/s that reached Kinesis, beside bare aedes on the same load`,
  defaultRuns: 3,
  legs: (ctx: ScenarioContext) => {
    const drainMaxMs = ctx.quick ? 60_000 : 120_000;
    const load = {
      qos: 0 as const, connections: DEVICES, payloadBytes: PAYLOAD_BYTES, workers: 1, clientIdPrefix: PREFIX, messagesPerConnection: ctx.quick ? 2500 : 10_000,
      // The PINGRESP barrier waits behind the socket backlog, which the gateway reads only as fast as it forwards.
      drainTimeoutMs: drainMaxMs,
    };
    return { gateway: mqttLeg('gateway', { shards: SHARDS, load, drainMaxMs, pollMs: 200 }), raw: rawAedesLeg('raw aedes', load) };
  },
  figures: {
    deliveredPerSec: {
      label: 'gateway readings/s into Kinesis', unit: 'readings/s', better: 'higher', chart: 'subject',
      value: (m) => forwardedPerSec(m.gateway),
      target: {
        id: 'qos0-throughput', describe: '≥ 100,000 readings/s at QoS 0 with few connections', comparator: '>=', threshold: 100_000,
        bound: 'one gateway core: the same per-reading costs as the raw-aedes ratio (GC, KPL MD5, SDK encoding, metrics), with readings piling up in memory (400 MiB peak) until backpressure',
      },
    },
    rawAedesPerSec: { label: 'raw aedes readings/s read', unit: 'readings/s', better: 'info', chart: 'baseline', value: (m) => m.raw.load.throughputPerSec },
    readings: { label: 'readings sent and forwarded', unit: 'readings', better: 'info', value: (m) => m.gateway.forwardedTotal },
    gatewayCpuPercent: gatewayCpu('gateway'),
    generatorCpuPercent: generatorCpu('gateway'),
    gatewayPeakRssMiB: peakRss('gateway'),
    kinesisCapPerSec: kinesisCap(PREFIX, DEVICES, SHARDS, PAYLOAD_BYTES),
  },
  notes(m) {
    const lost = m.gateway.load.sent - m.gateway.forwardedTotal;
    return lost > 0 ? [`gateway: ${lost} of ${m.gateway.load.sent} QoS 0 readings written by the generator were not forwarded (unread at disconnect)`] : [];
  },
});
