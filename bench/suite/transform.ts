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
import { defineScenario } from './declare.js';
import { inProcessLeg } from './legs.js';

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

interface TransformTimes {
  floorMs: number;
  cleanMs: number;
  dirtyMs: number;
  dataBytes: number;
}

async function timeTransform(quick: boolean): Promise<TransformTimes> {
  const fn = createTransform({ catalog: parseCatalog(catalog), now: () => RECEIVED_AT + 60_000 });
  const clean = makeTransformEvent(RECORDS, 0);
  const dirty = makeTransformEvent(RECORDS, 20);
  const [warmup, samples] = quick ? [3, 8] : [5, 20];
  return {
    floorMs: await timeInvocations(clean, floorTransform, warmup, samples),
    cleanMs: await timeInvocations(clean, fn, warmup, samples),
    dirtyMs: await timeInvocations(dirty, fn, warmup, samples),
    dataBytes: clean.records.reduce((n, r) => n + Buffer.from(r.data, 'base64').length, 0),
  };
}

const perSec = (ms: number): number => (RECORDS / ms) * 1000;

export const transform = defineScenario({
  name: 'transform',
  describe: `Firehose transform on one core: ${RECORDS.toLocaleString('en-US')}-record (~1 MB) invocations; records/s, all valid and with 5% invalid JSON, beside a parse+stringify floor`,
  defaultRuns: 5,
  quickRuns: 2,
  legs: () => ({ t: inProcessLeg('transform', (ctx) => timeTransform(ctx.quick), (t) => `${Math.round(perSec(t.cleanMs))} records/s`) }),
  figures: {
    recordsPerSec: {
      label: 'transform records/s (all valid)', unit: 'records/s', better: 'higher', chart: 'subject', value: (m) => perSec(m.t.cleanMs),
      target: {
        id: 'transform-throughput', describe: 'transform ≥ 200,000 records/s per core', comparator: '>=', threshold: 200_000,
        bound: 'fast-json-stringify (~25%), JSON.parse (~16%), GC (~18%) and base64/UTF-8 conversions (~14%) of its CPU; it runs on the generator\'s core, so other load on that core counts against it',
      },
    },
    floorRecordsPerSec: { label: 'floor: decode+parse+stringify+encode', unit: 'records/s', better: 'info', chart: 'baseline', value: (m) => perSec(m.t.floorMs) },
    recordsPerSecWithInvalid: { label: 'transform records/s (5% invalid)', unit: 'records/s', better: 'higher', value: (m) => perSec(m.t.dirtyMs) },
    msPerInvocation: { label: 'ms per 1 MB invocation', unit: 'ms', better: 'lower', value: (m) => m.t.cleanMs },
    dataMB: { label: 'record data per invocation (what the 1 MB buffer counts)', unit: 'MB', better: 'info', value: (m) => m.t.dataBytes / 1e6 },
  },
});
