/**
 * QoS 0 maximum throughput with few connections: 64 devices each write a fixed number of 200-byte readings as
 * fast as their sockets take them, into a 256-shard stub (64 devices land on ~57 shards, so the per-shard 1 MiB/s
 * limit is far above the target). Loopback socket buffers swallow hundreds of thousands of readings at once, so
 * "sent/s" says little: delivered = readings the gateway forwarded to Kinesis ÷ time from the first publish until
 * its forwarded counter stopped rising (polled every 200 ms), i.e. the rate at which it worked off the backlog.
 */
import { runThroughRawAedes } from '../lib/raw-run.js';
import { shardCap, shardsUsed } from '../lib/record-math.js';
import { assertValid, deliveredPerSec, gatewayNotes, mib, runAgainstStub } from './gateway-load.js';
import type { Scenario } from './types.js';

const DEVICES = 64;
const SHARDS = 256;
const PAYLOAD_BYTES = 200;

export const qos0Max: Scenario = {
  name: 'qos0-max',
  describe: `QoS 0, ${DEVICES} connections flooding ${PAYLOAD_BYTES} B readings into a ${SHARDS}-shard stub; readings/s that reached Kinesis, beside bare aedes on the same load`,
  figures: {
    deliveredPerSec: { label: 'gateway readings/s into Kinesis', unit: 'readings/s', better: 'higher', chart: 'subject' },
    rawAedesPerSec: { label: 'raw aedes readings/s read', unit: 'readings/s', better: 'info', chart: 'baseline' },
    readings: { label: 'readings sent and forwarded', unit: 'readings', better: 'info' },
    gatewayCpuPercent: { label: 'gateway CPU', unit: '% of a core', better: 'info' },
    generatorCpuPercent: { label: 'generator + stub CPU', unit: '% of a core', better: 'info' },
    gatewayPeakRssMiB: { label: 'gateway peak RSS', unit: 'MiB', better: 'lower' },
    kinesisCapPerSec: { label: 'Kinesis cap for these devices', unit: 'readings/s', better: 'info' },
  },
  defaultRuns: 3,
  async run(ctx) {
    const prefix = 'qos0';
    const perDevice = ctx.quick ? 2500 : 10_000;
    const drainMaxMs = ctx.quick ? 60_000 : 120_000;
    const load = {
      qos: 0 as const, connections: DEVICES, payloadBytes: PAYLOAD_BYTES, workers: 1, clientIdPrefix: prefix, messagesPerConnection: perDevice,
      // The PINGRESP barrier waits behind the socket backlog, which the gateway reads only as fast as it forwards.
      drainTimeoutMs: drainMaxMs,
    };
    const ids = Array.from({ length: DEVICES }, (_, i) => `${prefix}-${i}`);
    const aggregationMaxBytes = Number(ctx.build.defaultOf('aggregation-max-bytes') ?? 75_000);
    const cap = shardCap(ids[0] as string, PAYLOAD_BYTES, aggregationMaxBytes).readingsPerSecond * shardsUsed(ids, SHARDS);
    const g = await runAgainstStub(ctx, { shards: SHARDS, load, drainMaxMs, pollMs: 200, gatewayArgs: ['--shards', String(SHARDS)] });
    assertValid('gateway', g.load, g.crashed);
    const delivered = deliveredPerSec(0, g);
    ctx.log(`gateway ${Math.round(delivered)}/s delivered; raw aedes`);
    const r = await runThroughRawAedes(ctx.subjectCpu, load);
    assertValid('raw aedes', r.load, r.crashed);
    const notes = gatewayNotes('gateway', g);
    const lost = g.load.sent - g.forwardedTotal;
    if (lost > 0) notes.push(`gateway: ${lost} of ${g.load.sent} QoS 0 readings written by the generator were not forwarded (unread at disconnect)`);
    return {
      figures: {
        deliveredPerSec: delivered,
        rawAedesPerSec: r.load.throughputPerSec,
        readings: g.forwardedTotal,
        gatewayCpuPercent: g.cpuPercent,
        generatorCpuPercent: g.load.generatorCpu.percentOfOneCore,
        gatewayPeakRssMiB: mib(g.peakRssBytes),
        kinesisCapPerSec: cap,
      },
      notes,
    };
  },
};
