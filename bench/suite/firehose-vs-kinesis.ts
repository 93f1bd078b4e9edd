/**
 * The Firehose sink (`--sink firehose`, PutRecordBatch) beside the Kinesis sink (PutRecords, KPL aggregation) on
 * the same loads, each into a stub endpoint that accepts everything at once (no throttling, no storage), so the
 * figures are the gateway's own cost per sink. Two loads: many devices (where requests fill up with many devices'
 * readings) and one busy device (where the Firehose sink's one-reading-per-round-trip order rule binds, while
 * the Kinesis sink packs the device's backlog into one aggregated record).
 */
import { startFirehoseStub } from '../lib/firehose-stub.js';
import type { GatewayRunResult } from '../lib/gateway-run.js';
import { runThroughGateway } from '../lib/gateway-run.js';
import { startStub } from '../lib/stub.js';
import { assertValid, gatewayNotes } from './gateway-load.js';
import type { Scenario, ScenarioContext } from './types.js';

const DEVICES = 1000;
const SHARDS = 64;

interface LoadShape {
  connections: number;
  inflight: number;
  prefix: string;
}
const MANY: LoadShape = { connections: DEVICES, inflight: 20, prefix: 'fhm' };
const ONE: LoadShape = { connections: 1, inflight: 50, prefix: 'fh1' };

async function runSink(ctx: ScenarioContext, sink: 'kinesis' | 'firehose', shape: LoadShape): Promise<GatewayRunResult> {
  const kinesis = await startStub({ shards: SHARDS, retain: false });
  const firehose = sink === 'firehose' ? await startFirehoseStub() : undefined;
  try {
    return await runThroughGateway({
      kinesisEndpoint: kinesis.url,
      cpu: ctx.subjectCpu,
      gatewayArgs: [
        '--shards', String(SHARDS),
        ...(firehose === undefined ? [] : ['--sink', 'firehose', '--firehose-endpoint', firehose.url]),
      ],
      load: {
        qos: 1, connections: shape.connections, inflight: shape.inflight, payloadBytes: 200, workers: 1,
        clientIdPrefix: `${shape.prefix}-${sink}`, durationMs: ctx.quick ? 2000 : 6000, drainTimeoutMs: 30_000,
      },
    });
  } finally {
    await firehose?.close();
    await kinesis.close();
  }
}

export const firehoseVsKinesis: Scenario = {
  name: 'firehose-vs-kinesis',
  describe:
    `QoS 1 acknowledged readings/s through --sink firehose (PutRecordBatch) vs --sink kinesis (PutRecords, aggregated), ` +
    `${DEVICES} devices (window 20) and 1 device (window 50), 200 B readings, stub endpoints`,
  figures: {
    kinesisAckedPerSec: { label: `kinesis sink, ${DEVICES} devices: acked/s`, unit: 'readings/s', better: 'higher', chart: 'baseline' },
    firehoseAckedPerSec: { label: `firehose sink, ${DEVICES} devices: acked/s`, unit: 'readings/s', better: 'higher', chart: 'subject' },
    firehoseVsKinesisRatio: { label: `firehose / kinesis, ${DEVICES} devices`, unit: '×', better: 'higher' },
    kinesisAckP99Ms: { label: `kinesis sink, ${DEVICES} devices: PUBACK p99`, unit: 'ms', better: 'lower' },
    firehoseAckP99Ms: { label: `firehose sink, ${DEVICES} devices: PUBACK p99`, unit: 'ms', better: 'lower' },
    kinesisCpuPercent: { label: `kinesis sink, ${DEVICES} devices: gateway CPU`, unit: '% of a core', better: 'info' },
    firehoseCpuPercent: { label: `firehose sink, ${DEVICES} devices: gateway CPU`, unit: '% of a core', better: 'info' },
    kinesisOneDevicePerSec: { label: 'kinesis sink, 1 device: acked/s', unit: 'readings/s', better: 'higher' },
    firehoseOneDevicePerSec: { label: 'firehose sink, 1 device: acked/s', unit: 'readings/s', better: 'higher' },
    generatorCpuPercent: { label: 'generator + stubs CPU (max)', unit: '% of a core', better: 'info' },
  },
  defaultRuns: 3,
  async run(ctx) {
    const notes: string[] = [];
    const k = await runSink(ctx, 'kinesis', MANY);
    assertValid('kinesis sink', k.load, k.crashed);
    const f = await runSink(ctx, 'firehose', MANY);
    assertValid('firehose sink', f.load, f.crashed);
    const k1 = await runSink(ctx, 'kinesis', ONE);
    assertValid('kinesis sink, 1 device', k1.load, k1.crashed);
    const f1 = await runSink(ctx, 'firehose', ONE);
    assertValid('firehose sink, 1 device', f1.load, f1.crashed);
    for (const [label, r] of [['kinesis', k], ['firehose', f], ['kinesis 1 device', k1], ['firehose 1 device', f1]] as const) {
      notes.push(...gatewayNotes(label, r));
    }
    ctx.log(
      `kinesis ${Math.round(k.load.throughputPerSec)}/s, firehose ${Math.round(f.load.throughputPerSec)}/s; ` +
        `1 device: ${Math.round(k1.load.throughputPerSec)}/s vs ${Math.round(f1.load.throughputPerSec)}/s`,
    );
    return {
      figures: {
        kinesisAckedPerSec: k.load.throughputPerSec,
        firehoseAckedPerSec: f.load.throughputPerSec,
        firehoseVsKinesisRatio: k.load.throughputPerSec > 0 ? f.load.throughputPerSec / k.load.throughputPerSec : undefined,
        kinesisAckP99Ms: k.load.latencyMs?.p99,
        firehoseAckP99Ms: f.load.latencyMs?.p99,
        kinesisCpuPercent: k.cpuPercent,
        firehoseCpuPercent: f.cpuPercent,
        kinesisOneDevicePerSec: k1.load.throughputPerSec,
        firehoseOneDevicePerSec: f1.load.throughputPerSec,
        generatorCpuPercent: Math.max(k.load.generatorCpu.percentOfOneCore, f.load.generatorCpu.percentOfOneCore),
      },
      notes,
    };
  },
};
