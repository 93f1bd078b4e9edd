/**
 * Firehose transform throughput on one core: invocations of ~1 MB (5,000 gateway records of ~200 bytes, the
 * default processor buffer), in this process (pinned to the generator's core; nothing else runs meanwhile).
 * Beside it, the floor any JSON transform pays per record, so the enrichment's own cost is visible.
 * Profile: node --cpu-prof --import tsx bench/run.ts --scenario transform
 */
import catalog from '../../transforms/catalog.json' with { type: 'json' };
import { parseCatalog } from '../../transforms/lambda/catalog/validate.js';
import { createTransform } from '../../transforms/lambda/transform.js';
import type { TransformEvent } from '../../transforms/lambda/types.js';
import { floorTransform, makeTransformEvent, RECEIVED_AT } from '../lib/transform-fixture.js';
import type { Scenario } from './types.js';

const RECORDS = 5000;

/** Median milliseconds per invocation over `samples` timed calls, after `warmup` untimed ones. */
async function timeInvocations(event: TransformEvent, fn: (e: TransformEvent) => Promise<unknown>, warmup: number, samples: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn(event);
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = process.hrtime.bigint();
    await fn(event);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

export const transform: Scenario = {
  name: 'transform',
  describe: `Firehose transform on one core: ${RECORDS.toLocaleString('en-US')}-record (~1 MB) invocations; records/s, all valid and with 5% invalid JSON, beside a parse+stringify floor`,
  figures: {
    recordsPerSec: { label: 'transform records/s (all valid)', unit: 'records/s', better: 'higher', chart: 'subject' },
    floorRecordsPerSec: { label: 'floor: decode+parse+stringify+encode', unit: 'records/s', better: 'info', chart: 'baseline' },
    recordsPerSecWithInvalid: { label: 'transform records/s (5% invalid)', unit: 'records/s', better: 'higher' },
    msPerInvocation: { label: 'ms per 1 MB invocation', unit: 'ms', better: 'lower' },
    dataMB: { label: 'record data per invocation (what the 1 MB buffer counts)', unit: 'MB', better: 'info' },
  },
  defaultRuns: 5,
  quickRuns: 2,
  async run(ctx) {
    const fn = createTransform({ catalog: parseCatalog(catalog), now: () => RECEIVED_AT + 60_000 });
    const clean = makeTransformEvent(RECORDS, 0);
    const dirty = makeTransformEvent(RECORDS, 20);
    const [warmup, samples] = ctx.quick ? [3, 8] : [5, 20];
    const floorMs = await timeInvocations(clean, floorTransform, warmup, samples);
    const cleanMs = await timeInvocations(clean, fn, warmup, samples);
    const dirtyMs = await timeInvocations(dirty, fn, warmup, samples);
    const perSec = (ms: number): number => (RECORDS / ms) * 1000;
    ctx.log(`${Math.round(perSec(cleanMs))} records/s`);
    return {
      figures: {
        recordsPerSec: perSec(cleanMs),
        floorRecordsPerSec: perSec(floorMs),
        recordsPerSecWithInvalid: perSec(dirtyMs),
        msPerInvocation: cleanMs,
        dataMB: clean.records.reduce((n, r) => n + Buffer.from(r.data, 'base64').length, 0) / 1e6,
      },
    };
  },
};
