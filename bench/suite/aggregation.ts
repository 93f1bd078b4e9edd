/**
 * KPL aggregation on vs off against the throttling stub Kinesis endpoint (4 shards limited like AWS: 1,000
 * records/s and 1 MiB/s each, 1 s burst): 1,000 devices publish 200 B QoS 1 readings; every record is read back,
 * so Kinesis records and PUT payload units (25 KiB each, data + partition key) per 1M readings are exact, and
 * per-device order is checked. Full parameter sweep: bench/aggregation.ts.
 */
import { perMillion } from '../lib/record-math.js';
import { runThrottled } from '../lib/throttled-run.js';
import type { ThrottledRunResult } from '../lib/throttled-run.js';
import { assertValid, gatewayNotes } from './gateway-load.js';
import type { Scenario, ScenarioContext } from './types.js';

const DEVICES = 1000;
const SHARDS = 4;

async function runMode(ctx: ScenarioContext, aggregation: 'on' | 'off'): Promise<ThrottledRunResult> {
  // Off moves ~4,000 readings/s (1,000 records/s per shard), on ~13,000/s: sized for similar run times.
  const perDevice = aggregation === 'on' ? (ctx.quick ? 30 : 150) : ctx.quick ? 8 : 40;
  const x = await runThrottled({
    shards: SHARDS,
    gatewayArgs: ['--aggregation', aggregation],
    cpu: ctx.subjectCpu,
    load: {
      qos: 1, connections: DEVICES, inflight: 50, payloadBytes: 200, workers: 1, clientIdPrefix: `agg-${aggregation}`,
      messagesPerConnection: perDevice, durationMs: ctx.quick ? 20_000 : 60_000, drainTimeoutMs: 30_000,
    },
  });
  assertValid(`aggregation ${aggregation}`, x.run.load, x.run.crashed);
  ctx.log(`aggregation ${aggregation}: ${Math.round(x.run.load.throughputPerSec)} readings/s, ${x.readback.records} records for ${x.readback.readings} readings`);
  return x;
}

function orderNotes(label: string, x: ThrottledRunResult): string[] {
  const o = x.readback.order;
  const missing = Math.max(0, x.run.load.acked - o.readings);
  const out: string[] = [];
  if (o.gaps + missing > 0 || o.reordered > 0) {
    out.push(`${label}: DELIVERY ERROR: ${o.gaps + missing} readings lost, ${o.reordered} reordered (read back from the stream)`);
  }
  if (o.duplicates > 0) out.push(`${label}: ${o.duplicates} duplicates (at-least-once retries)`);
  return out;
}

export const aggregation: Scenario = {
  name: 'aggregation',
  describe: `KPL aggregation on vs off, ${DEVICES} devices QoS 1 into a ${SHARDS}-shard stub throttled like AWS; Kinesis records and PUT payload units per 1M readings (every record read back), and throughput`,
  figures: {
    recordsPerMillionOn: { label: 'Kinesis records per 1M readings (on)', unit: 'records', better: 'lower' },
    recordsPerMillionOff: { label: 'Kinesis records per 1M readings (off)', unit: 'records', better: 'info' },
    putUnitsPerMillionOn: { label: 'PUT payload units per 1M readings (on)', unit: 'units', better: 'lower' },
    putUnitsPerMillionOff: { label: 'PUT payload units per 1M readings (off)', unit: 'units', better: 'info' },
    readingsPerRecordOn: { label: 'readings per Kinesis record (on)', unit: 'readings', better: 'info' },
    readingsPerSecOn: { label: 'acked readings/s (on)', unit: 'readings/s', better: 'higher', chart: 'subject' },
    readingsPerSecOff: { label: 'acked readings/s (off)', unit: 'readings/s', better: 'info', chart: 'baseline' },
    utilisationOn: { label: 'stream byte-limit utilisation (on)', unit: '%', better: 'higher' },
    throttledPerMillionOn: { label: 'throttled entries per 1M readings (on)', unit: 'entries', better: 'info' },
    gatewayCpuPercentOn: { label: 'gateway CPU (on)', unit: '% of a core', better: 'info' },
    generatorCpuPercentOn: { label: 'generator + stub CPU (on)', unit: '% of a core', better: 'info' },
    lostOrReordered: { label: 'readings lost or reordered (both modes)', unit: 'readings', better: 'lower' },
  },
  defaultRuns: 2,
  async run(ctx) {
    const off = await runMode(ctx, 'off');
    const on = await runMode(ctx, 'on');
    const bad = (x: ThrottledRunResult): number => x.readback.order.gaps + x.readback.order.reordered + Math.max(0, x.run.load.acked - x.readback.order.readings);
    return {
      figures: {
        recordsPerMillionOn: perMillion(on.readback.records, on.readback.readings),
        recordsPerMillionOff: perMillion(off.readback.records, off.readback.readings),
        putUnitsPerMillionOn: perMillion(on.readback.unitsWithKey, on.readback.readings),
        putUnitsPerMillionOff: perMillion(off.readback.unitsWithKey, off.readback.readings),
        readingsPerRecordOn: on.readback.readings / Math.max(1, on.readback.records),
        readingsPerSecOn: on.run.load.throughputPerSec,
        readingsPerSecOff: off.run.load.throughputPerSec,
        utilisationOn: on.utilisation * 100,
        throttledPerMillionOn: perMillion(on.throttled, on.readback.readings),
        gatewayCpuPercentOn: on.run.cpuPercent,
        generatorCpuPercentOn: on.run.load.generatorCpu.percentOfOneCore,
        lostOrReordered: bad(on) + bad(off),
      },
      notes: [...gatewayNotes('off', off.run), ...orderNotes('off', off), ...gatewayNotes('on', on.run), ...orderNotes('on', on)],
    };
  },
};
