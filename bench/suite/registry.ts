/**
 * Every scenario of `npm run bench`, in run order. To add one: write a module exporting a `Scenario`
 * (see types.ts) and list it here; the runner, report, comparison and CI check pick it up from this list.
 */
import { aggregation } from './aggregation.js';
import { devices10k } from './devices-10k.js';
import { e2eS3 } from './e2e-s3.js';
import { firehoseVsKinesis } from './firehose-vs-kinesis.js';
import { httpIngest } from './http-ingest.js';
import { qos0Max } from './qos0-max.js';
import { qos1Devices1000 } from './qos1-1000.js';
import { rawAedesVsGateway } from './raw-aedes-vs-gateway.js';
import { transform } from './transform.js';
import type { Scenario } from './types.js';

export const SCENARIOS: readonly Scenario[] = [
  rawAedesVsGateway,
  qos0Max,
  qos1Devices1000,
  devices10k,
  aggregation,
  httpIngest,
  firehoseVsKinesis,
  transform,
  e2eS3,
];

/** The scenarios named (in registry order); throws naming the unknown ones. */
export function selectScenarios(names: readonly string[] | undefined, all: readonly Scenario[] = SCENARIOS): Scenario[] {
  if (names === undefined || names.length === 0) return [...all];
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${all.map((s) => s.name).join(', ')}`);
  return all.filter((s) => names.includes(s.name));
}
