/**
 * The same load — 100 devices, QoS 1, 50 publishes in flight each, 200-byte readings — against a bare aedes
 * broker (which acknowledges on receipt and forwards nowhere) and against the full gateway with an unthrottled
 * stub Kinesis sink (acknowledges once PutRecords accepted the reading). 64 shards, so no per-shard limit binds.
 * Both run back to back in every repetition, pinned to the same core, so the ratio compares like with like.
 */
import { defineScenario } from './declare.js';
import { ackQuantile, gatewayCpu, generatorCpu, kinesisCap, mqttLeg, rawAedesLeg } from './legs.js';
import type { ScenarioContext } from './types.js';

const DEVICES = 100;
const SHARDS = 64;
const PAYLOAD_BYTES = 200;
const PREFIX = 'ratio';

export const rawAedesVsGateway = defineScenario({
  name: 'raw-aedes-vs-gateway',
  describe: `${DEVICES} devices, QoS 1 (window 50), ${PAYLOAD_BYTES} B readings: bare aedes vs the gateway into a ${SHARDS}-shard stub Kinesis; acknowledged/s and their ratio`,
  defaultRuns: 3,
  legs: (ctx: ScenarioContext) => {
    const load = {
      qos: 1 as const, connections: DEVICES, inflight: 50, payloadBytes: PAYLOAD_BYTES, workers: 1, clientIdPrefix: PREFIX,
      durationMs: ctx.quick ? 2000 : 5000, drainTimeoutMs: 30_000,
    };
    return { gateway: mqttLeg('gateway', { shards: SHARDS, load }), raw: rawAedesLeg('raw aedes', load) };
  },
  figures: {
    gatewayPerSec: { label: 'gateway acked/s (end to end)', unit: 'readings/s', better: 'higher', chart: 'subject', value: (m) => m.gateway.load.throughputPerSec },
    rawAedesPerSec: { label: 'raw aedes acked/s', unit: 'readings/s', better: 'info', chart: 'baseline', value: (m) => m.raw.load.throughputPerSec },
    gatewayVsRawAedesRatio: {
      label: 'gateway ÷ raw aedes', unit: '×', better: 'higher', value: (m) => m.gateway.load.throughputPerSec / m.raw.load.throughputPerSec,
      target: {
        id: 'gateway-vs-raw-aedes', describe: 'gateway throughput ≥ 0.85 × raw aedes on the same load', comparator: '>=', threshold: 0.85,
        bound: 'the gateway does per reading what aedes does not: JSON validation, envelope, KPL packing with MD5, the SDK\'s base64/JSON request encoding, per-reading metrics; GC is the largest single item (13% of its CPU)',
      },
    },
    gatewayP50Ms: ackQuantile('gateway', 'p50', 'gateway ack p50'),
    gatewayP99Ms: ackQuantile('gateway', 'p99', 'gateway ack p99'),
    rawAedesP99Ms: ackQuantile('raw', 'p99', 'raw aedes ack p99', 'info'),
    gatewayCpuPercent: gatewayCpu('gateway'),
    rawAedesCpuPercent: gatewayCpu('raw', 'raw aedes CPU'),
    generatorCpuPercentGateway: generatorCpu('gateway', 'generator + stub CPU (gateway run)'),
    generatorCpuPercentRaw: generatorCpu('raw', 'generator CPU (raw run)'),
    kinesisCapPerSec: kinesisCap(PREFIX, DEVICES, SHARDS, PAYLOAD_BYTES),
  },
});
