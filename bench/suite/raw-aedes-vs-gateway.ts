/**
 * The same load — 100 devices, QoS 1, 50 publishes in flight each, 200-byte readings — against a bare aedes
 * broker (which acknowledges on receipt and forwards nowhere) and against the full gateway with an unthrottled
 * stub Kinesis sink (acknowledges once PutRecords accepted the reading). 64 shards, so no per-shard limit binds.
 * Both run back to back in every repetition, pinned to the same core, so the ratio compares like with like.
 */
import { runThroughRawAedes } from '../lib/raw-run.js';
import { shardCap, shardsUsed } from '../lib/record-math.js';
import { assertValid, gatewayNotes, rawNotes, runAgainstStub } from './gateway-load.js';
import type { Scenario } from './types.js';

const DEVICES = 100;
const SHARDS = 64;
const PAYLOAD_BYTES = 200;

export const rawAedesVsGateway: Scenario = {
  name: 'raw-aedes-vs-gateway',
  describe: `${DEVICES} devices, QoS 1 (window 50), ${PAYLOAD_BYTES} B readings: bare aedes vs the gateway into a ${SHARDS}-shard stub Kinesis; acknowledged/s and their ratio`,
  figures: {
    gatewayPerSec: { label: 'gateway acked/s (end to end)', unit: 'readings/s', better: 'higher', chart: 'subject' },
    rawAedesPerSec: { label: 'raw aedes acked/s', unit: 'readings/s', better: 'info', chart: 'baseline' },
    gatewayVsRawAedesRatio: { label: 'gateway ÷ raw aedes', unit: '×', better: 'higher' },
    gatewayP50Ms: { label: 'gateway ack p50', unit: 'ms', better: 'lower' },
    gatewayP99Ms: { label: 'gateway ack p99', unit: 'ms', better: 'lower' },
    rawAedesP99Ms: { label: 'raw aedes ack p99', unit: 'ms', better: 'info' },
    gatewayCpuPercent: { label: 'gateway CPU', unit: '% of a core', better: 'info' },
    rawAedesCpuPercent: { label: 'raw aedes CPU', unit: '% of a core', better: 'info' },
    generatorCpuPercentGateway: { label: 'generator + stub CPU (gateway run)', unit: '% of a core', better: 'info' },
    generatorCpuPercentRaw: { label: 'generator CPU (raw run)', unit: '% of a core', better: 'info' },
    kinesisCapPerSec: { label: 'Kinesis cap for these devices', unit: 'readings/s', better: 'info' },
  },
  defaultRuns: 3,
  async run(ctx) {
    const prefix = 'ratio';
    const load = {
      qos: 1 as const, connections: DEVICES, inflight: 50, payloadBytes: PAYLOAD_BYTES, workers: 1, clientIdPrefix: prefix,
      durationMs: ctx.quick ? 2000 : 5000, drainTimeoutMs: 30_000,
    };
    const ids = Array.from({ length: DEVICES }, (_, i) => `${prefix}-${i}`);
    const aggregationMaxBytes = Number(ctx.build.defaultOf('aggregation-max-bytes') ?? 75_000);
    const cap = shardCap(ids[0] as string, PAYLOAD_BYTES, aggregationMaxBytes).readingsPerSecond * shardsUsed(ids, SHARDS);

    ctx.log('gateway');
    const g = await runAgainstStub(ctx, { shards: SHARDS, load, gatewayArgs: ['--shards', String(SHARDS)] });
    assertValid('gateway', g.load, g.crashed);
    ctx.log(`gateway ${Math.round(g.load.throughputPerSec)}/s; raw aedes`);
    const r = await runThroughRawAedes(ctx.subjectCpu, load);
    assertValid('raw aedes', r.load, r.crashed);
    ctx.log(`raw aedes ${Math.round(r.load.throughputPerSec)}/s`);
    return {
      figures: {
        gatewayPerSec: g.load.throughputPerSec,
        rawAedesPerSec: r.load.throughputPerSec,
        gatewayVsRawAedesRatio: g.load.throughputPerSec / r.load.throughputPerSec,
        gatewayP50Ms: g.load.latencyMs?.p50,
        gatewayP99Ms: g.load.latencyMs?.p99,
        rawAedesP99Ms: r.load.latencyMs?.p99,
        gatewayCpuPercent: g.cpuPercent,
        rawAedesCpuPercent: r.cpuPercent,
        generatorCpuPercentGateway: g.load.generatorCpu.percentOfOneCore,
        generatorCpuPercentRaw: r.load.generatorCpu.percentOfOneCore,
        kinesisCapPerSec: cap,
      },
      notes: [...gatewayNotes('gateway', g), ...rawNotes('raw aedes', r)],
    };
  },
};
