/**
 * The Firehose sink (`--sink firehose`, PutRecordBatch) beside the Kinesis sink (PutRecords, KPL aggregation) on
 * the same loads, each into a stub endpoint that accepts everything at once (no throttling, no storage), so the
 * figures are the gateway's own cost per sink. Two loads: many devices (where requests fill up with many devices'
 * readings) and one busy device (where the Firehose sink's one-reading-per-round-trip order rule binds, while
 * the Kinesis sink packs the device's backlog into one aggregated record).
 */
import { defineScenario } from './declare.js';
import { gatewayCpu, mqttLeg } from './legs.js';
import type { ScenarioContext } from './types.js';

const DEVICES = 1000;
const SHARDS = 64;

function sinkLeg(ctx: ScenarioContext, sink: 'kinesis' | 'firehose', connections: number): ReturnType<typeof mqttLeg> {
  const [inflight, prefix] = connections === 1 ? [50, 'fh1'] : [20, 'fhm'];
  return mqttLeg(`${sink} sink${connections === 1 ? ', 1 device' : ''}`, {
    shards: SHARDS,
    sink,
    load: {
      qos: 1, connections, inflight, payloadBytes: 200, workers: 1,
      clientIdPrefix: `${prefix}-${sink}`, durationMs: ctx.quick ? 2000 : 6000, drainTimeoutMs: 30_000,
    },
  });
}

export const firehoseVsKinesis = defineScenario({
  name: 'firehose-vs-kinesis',
  describe:
    `QoS 1 acknowledged readings/s through --sink firehose (PutRecordBatch) vs --sink kinesis (PutRecords, aggregated), ` +
    `${DEVICES} devices (window 20) and 1 device (window 50), 200 B readings, stub endpoints`,
  defaultRuns: 3,
  legs: (ctx: ScenarioContext) => ({
    k: sinkLeg(ctx, 'kinesis', DEVICES),
    f: sinkLeg(ctx, 'firehose', DEVICES),
    k1: sinkLeg(ctx, 'kinesis', 1),
    f1: sinkLeg(ctx, 'firehose', 1),
  }),
  figures: {
    kinesisAckedPerSec: { label: `kinesis sink, ${DEVICES} devices: acked/s`, unit: 'readings/s', better: 'higher', chart: 'baseline', value: (m) => m.k.load.throughputPerSec },
    firehoseAckedPerSec: { label: `firehose sink, ${DEVICES} devices: acked/s`, unit: 'readings/s', better: 'higher', chart: 'subject', value: (m) => m.f.load.throughputPerSec },
    firehoseVsKinesisRatio: {
      label: `firehose / kinesis, ${DEVICES} devices`, unit: '×', better: 'higher',
      value: ({ k, f }) => (k.load.throughputPerSec > 0 ? f.load.throughputPerSec / k.load.throughputPerSec : undefined),
    },
    kinesisAckP99Ms: { label: `kinesis sink, ${DEVICES} devices: PUBACK p99`, unit: 'ms', better: 'lower', value: (m) => m.k.load.latencyMs?.p99 },
    firehoseAckP99Ms: { label: `firehose sink, ${DEVICES} devices: PUBACK p99`, unit: 'ms', better: 'lower', value: (m) => m.f.load.latencyMs?.p99 },
    kinesisCpuPercent: gatewayCpu('k', `kinesis sink, ${DEVICES} devices: gateway CPU`),
    firehoseCpuPercent: gatewayCpu('f', `firehose sink, ${DEVICES} devices: gateway CPU`),
    kinesisOneDevicePerSec: { label: 'kinesis sink, 1 device: acked/s', unit: 'readings/s', better: 'higher', value: (m) => m.k1.load.throughputPerSec },
    firehoseOneDevicePerSec: { label: 'firehose sink, 1 device: acked/s', unit: 'readings/s', better: 'higher', value: (m) => m.f1.load.throughputPerSec },
    generatorCpuPercent: {
      label: 'generator + stubs CPU (max)', unit: '% of a core', better: 'info',
      value: ({ k, f }) => Math.max(k.load.generatorCpu.percentOfOneCore, f.load.generatorCpu.percentOfOneCore),
    },
  },
});
