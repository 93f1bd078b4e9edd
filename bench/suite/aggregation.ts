/**
 * KPL aggregation on vs off against the throttling stub Kinesis endpoint (4 shards limited like AWS: 1,000
 * records/s and 1 MiB/s each, 1 s burst): 1,000 devices publish 200 B QoS 1 readings; every record is read back,
 * so Kinesis records and PUT payload units (25 KiB each, data + partition key) per 1M readings are exact, and
 * per-device order is checked. Full parameter sweep: bench/aggregation.ts.
 */
import { perMillion } from '../lib/record-math.js';
import { defineScenario } from './declare.js';
import type { ScenarioContext } from './types.js';
import { lostOrReordered, throttledLeg } from './legs.js';

const DEVICES = 1000;
const SHARDS = 4;

function modeLeg(ctx: ScenarioContext, aggregation: 'on' | 'off'): ReturnType<typeof throttledLeg> {
  // Off moves ~4,000 readings/s (1,000 records/s per shard), on ~13,000/s: sized for similar run times.
  const perDevice = aggregation === 'on' ? (ctx.quick ? 30 : 150) : ctx.quick ? 8 : 40;
  return throttledLeg(`aggregation ${aggregation}`, {
    shards: SHARDS,
    args: ['--aggregation', aggregation],
    load: {
      qos: 1, connections: DEVICES, inflight: 50, payloadBytes: 200, workers: 1, clientIdPrefix: `agg-${aggregation}`,
      messagesPerConnection: perDevice, durationMs: ctx.quick ? 20_000 : 60_000, drainTimeoutMs: 30_000,
    },
  });
}

export const aggregation = defineScenario({
  name: 'aggregation',
  describe: `KPL aggregation on vs off, ${DEVICES} devices QoS 1 into a ${SHARDS}-shard stub throttled like AWS; Kinesis records and PUT payload units per 1M readings (every record read back), and throughput`,
  defaultRuns: 2,
  legs: (ctx: ScenarioContext) => ({ off: modeLeg(ctx, 'off'), on: modeLeg(ctx, 'on') }),
  figures: {
    recordsPerMillionOn: { label: 'Kinesis records per 1M readings (on)', unit: 'records', better: 'lower', value: ({ on }) => perMillion(on.readback.records, on.readback.readings) },
    recordsPerMillionOff: { label: 'Kinesis records per 1M readings (off)', unit: 'records', better: 'info', value: ({ off }) => perMillion(off.readback.records, off.readback.readings) },
    putUnitsPerMillionOn: { label: 'PUT payload units per 1M readings (on)', unit: 'units', better: 'lower', value: ({ on }) => perMillion(on.readback.unitsWithKey, on.readback.readings) },
    putUnitsPerMillionOff: { label: 'PUT payload units per 1M readings (off)', unit: 'units', better: 'info', value: ({ off }) => perMillion(off.readback.unitsWithKey, off.readback.readings) },
    readingsPerRecordOn: { label: 'readings per Kinesis record (on)', unit: 'readings', better: 'info', value: ({ on }) => on.readback.readings / Math.max(1, on.readback.records) },
    readingsPerSecOn: { label: 'acked readings/s (on)', unit: 'readings/s', better: 'higher', chart: 'subject', value: ({ on }) => on.run.load.throughputPerSec },
    readingsPerSecOff: { label: 'acked readings/s (off)', unit: 'readings/s', better: 'info', chart: 'baseline', value: ({ off }) => off.run.load.throughputPerSec },
    utilisationOn: { label: 'stream byte-limit utilisation (on)', unit: '%', better: 'higher', value: ({ on }) => on.utilisation * 100 },
    throttledPerMillionOn: { label: 'throttled entries per 1M readings (on)', unit: 'entries', better: 'info', value: ({ on }) => perMillion(on.throttled, on.readback.readings) },
    gatewayCpuPercentOn: { label: 'gateway CPU (on)', unit: '% of a core', better: 'info', value: ({ on }) => on.run.cpuPercent },
    generatorCpuPercentOn: { label: 'generator + stub CPU (on)', unit: '% of a core', better: 'info', value: ({ on }) => on.run.load.generatorCpu.percentOfOneCore },
    lostOrReordered: { label: 'readings lost or reordered (both modes)', unit: 'readings', better: 'lower', value: ({ on, off }) => lostOrReordered(on) + lostOrReordered(off) },
  },
});
