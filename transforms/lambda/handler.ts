/**
 * The Lambda entry point (handler string `index.handler` in the bundle) and the module the local delivery runner
 * imports: one implementation, two hosts. The runner calls {@link createTransform} with its own catalog and clock;
 * Lambda calls {@link handler}.
 */
import type { FirehoseTransformationHandler } from 'aws-lambda';
import bundledCatalog from '../catalog.json' with { type: 'json' };
import { loadCatalogFile } from './catalog/load.js';
import type { Catalog } from './catalog/types.js';
import { parseCatalog } from './catalog/validate.js';
import { createTransform } from './transform.js';
import type { InvocationSummary } from './transform.js';

export { createTransform, DEFAULT_TRANSFORM_OPTIONS } from './transform.js';
export type { InvocationSummary, TransformOptions } from './transform.js';
export type { Transform, TransformEvent, TransformEventRecord, TransformResult } from './types.js';
export type { Catalog, DeviceRule, DeviceTypeSpec, FieldSpec, Location, ThresholdSpec } from './catalog/types.js';
export { parseCatalog, UNKNOWN_TYPE } from './catalog/validate.js';
export { loadCatalogFile } from './catalog/load.js';
export type { OutputRecord } from './output.js';
export type { PartitionKeys } from './partition.js';
export { TransformError, isTransformError } from './errors.js';
export type { FailureReason, TransformErrorCode } from './errors.js';

/**
 * The Lambda function is its own composition root, so it reads its one setting here: `TIDEGATE_CATALOG`, a path to
 * a catalog file that replaces the bundled one without a rebuild. Read once, at cold start; a bad catalog fails the
 * cold start with the full list of problems instead of failing every record.
 */
function lambdaCatalog(): Catalog {
  const path = process.env.TIDEGATE_CATALOG;
  return path !== undefined && path !== '' ? loadCatalogFile(path) : parseCatalog(bundledCatalog, 'bundled catalog.json');
}

/** One line per invocation in CloudWatch Logs: counts, not records; samples only when something failed. */
function logInvocation(summary: InvocationSummary): void {
  const level = summary.failed > 0 ? 'warn' : 'info';
  const line = JSON.stringify({ level, msg: 'firehose transform', ...summary, samples: summary.failed > 0 ? summary.samples : undefined });
  if (level === 'warn') console.warn(line);
  else console.log(line);
}

const transform = createTransform({ catalog: lambdaCatalog(), onInvocation: logInvocation });

export const handler: FirehoseTransformationHandler = async (event) => transform(event);
