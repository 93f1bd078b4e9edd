/**
 * The Lambda package (npm run build:lambda) under AWS's own Node.js runtime interface client, as Lambda runs it:
 * the zip unpacked into a directory laid out like /var/task (index.mjs at the root, no node_modules anywhere above
 * it), aws-lambda-ric started on it with handler `index.handler`, and a Runtime API on loopback that hands it
 * Firehose transformation events and enforces Lambda's 6,291,556-byte response limit (test/support/lambda-runtime-api).
 *
 * What this adds to the in-process tests in test/unit/transform-lambda.test.ts: the handler is found by Lambda's
 * resolution rules, the async handler is accepted by the client (no callback), the result is serialised by the
 * client and sent over HTTP by its native code, errors take the runtime's error routes, and the size of what arrives
 * at the Runtime API is measured there, not predicted.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FirehoseTransformationResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import catalog from '../../transforms/catalog.json' with { type: 'json' };
import { encodeAggregate } from '../../common/kpl/aggregate.js';
import { deaggregate } from '../../common/kpl/deaggregate.js';
import { encodeRecord } from '../../gateway/src/ingest/envelope.js';
import { buildLambda } from '../../transforms/build-lambda.js';
import { unzipSync } from 'fflate';
import { eventRecord, recordIdOf, type DeliveryTransformEvent } from '../../transforms/delivery/records/records.js';
import { parseCatalog } from '../../transforms/lambda/catalog/validate.js';
import { createTransform } from '../../transforms/lambda/transform.js';
import { loadEvent, loadExpected, statusModelProblems } from '../fixtures/firehose/index.js';
import { LAMBDA_MAX_RESPONSE_BYTES, startRuntimeApi, type InvocationOutcome, type RuntimeApi } from '../support/lambda-runtime-api.js';
import { startRic, type RicProcess } from '../support/lambda-ric.js';

const dirs: string[] = [];
const tempDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

/** Lambda's synchronous request payload limit (6 MB), which bounds the event Firehose can send. */
const LAMBDA_MAX_REQUEST_BYTES = 6 * 1024 * 1024;
const RECEIVED_AT = Date.UTC(2026, 10, 26, 10, 0, 0);
const EPOCH = RECEIVED_AT - 3_600_000;

/**
 * A KDS-sourced event the way the pipeline produces one: readings enveloped by the gateway's encoder, packed into
 * KPL aggregates (200 readings each), deaggregated as Firehose does, and turned into event entries by the delivery
 * runner's own builder, as many as fit in `maxEventBytes` of JSON.
 */
function streamEvent(maxEventBytes: number): DeliveryTransformEvent {
  const event: DeliveryTransformEvent = {
    invocationId: 'a1b2c3d4-0000-4000-8000-000000000001',
    deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/tidegate-telemetry-to-s3',
    sourceKinesisStreamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/tidegate-telemetry',
    region: 'us-east-1',
    records: [],
  };
  let eventBytes = Buffer.byteLength(JSON.stringify(event));
  for (let agg = 0; ; agg++) {
    const users = [];
    for (let i = 0; i < 200; i++) {
      const n = agg * 200 + i;
      const deviceId = `sim-env-sensor-${String(n % 500).padStart(4, '0')}`;
      const reading = Buffer.from(JSON.stringify({ temperature: 18 + (n % 70) / 10, humidity: 40 + (n % 30), battery: 3.7, ts: RECEIVED_AT + n - 900 }));
      const data = encodeRecord({ deviceId, epoch: EPOCH, seq: Math.floor(n / 500) + 1, receivedAt: RECEIVED_AT + n }, reading);
      users.push({ partitionKey: deviceId, data });
    }
    const sequenceNumber = `4954698668313554428650745793632162567570019247${String(1_000_000_000 + agg)}`;
    for (const [sub, user] of deaggregate(encodeAggregate(users), users[0]?.partitionKey ?? '').entries()) {
      const source = { shardId: 'shardId-000000000001', sequenceNumber, subsequenceNumber: user.subSequenceNumber ?? sub, partitionKey: user.partitionKey, arrival: RECEIVED_AT + agg, data: user.data };
      const entry = eventRecord(source, recordIdOf(source));
      const entryBytes = Buffer.byteLength(JSON.stringify(entry)) + (event.records.length > 0 ? 1 : 0);
      if (eventBytes + entryBytes > maxEventBytes) return event;
      event.records.push(entry);
      eventBytes += entryBytes;
    }
  }
}

const resultOf = (outcome: InvocationOutcome): FirehoseTransformationResult => {
  if (outcome.status !== 'success') throw new Error(`invocation failed: ${JSON.stringify(outcome.error)}`);
  return JSON.parse(outcome.payload.toString('utf8')) as FirehoseTransformationResult;
};

/** What the same transform answers in-process, minus what depends on the clock (enrichment time stamps). */
async function inProcess(event: DeliveryTransformEvent | ReturnType<typeof loadEvent>, maxResponseBytes?: number) {
  const result = await createTransform({ catalog: parseCatalog(catalog), maxResponseBytes })(event);
  return result.records.map((r) => [r.recordId, r.result, r.metadata?.partitionKeys]);
}

/**
 * A second handler in the same task root around the package's own: the package keeps its responses under its
 * budget (6,000,000 bytes, response-budget.ts), so it never answers over Lambda's limit by itself. This wrapper
 * pads the package's real response to `padTo` bytes, to see what Lambda does with a response at and over the limit.
 */
const OVERSIZE_HANDLER = `import { handler as transform } from './index.mjs';
export const handler = async (event) => {
  const { padTo, ...firehoseEvent } = event;
  const result = await transform(firehoseEvent);
  if (padTo === undefined) return result;
  const bytes = Buffer.byteLength(JSON.stringify({ ...result, padding: '' }));
  return { ...result, padding: 'x'.repeat(padTo - bytes) };
};
`;

let taskRoot = '';
beforeAll(async () => {
  const built = await buildLambda({ outDir: tempDir('tidegate-ric-build-') });
  taskRoot = tempDir('tidegate-var-task-');
  for (const [name, data] of Object.entries(unzipSync(readFileSync(built.zipPath)))) writeFileSync(join(taskRoot, name), data);
  writeFileSync(join(taskRoot, 'oversize.mjs'), OVERSIZE_HANDLER);
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A Runtime API and the client on it; both closed after the describe block. */
function environment(handler: string, env: Record<string, string> = {}) {
  const state: { api?: RuntimeApi; ric?: RicProcess } = {};
  beforeAll(async () => {
    state.api = await startRuntimeApi();
    state.ric = startRic({ taskRoot, handler, runtimeApi: state.api.address, env });
  });
  afterAll(async () => {
    await state.ric?.kill();
    await state.api?.close();
  });
  return {
    get api(): RuntimeApi {
      return state.api as RuntimeApi;
    },
    get ric(): RicProcess {
      return state.ric as RicProcess;
    },
  };
}

describe('the Lambda zip under aws-lambda-ric: index.handler', () => {
  const env = environment('index.handler');

  it('answers the gateway fixture event with the expected result codes, record ids and base64 data', async () => {
    // Prepare
    const event = loadEvent('gateway-records');
    // Act
    const outcome = await env.api.invoke(event);
    // Assess
    const result = resultOf(outcome);
    expect(statusModelProblems(event, result)).toEqual([]);
    expect(result.records.map((r) => r.result)).toEqual(loadExpected().map((e) => e.result));
    expect(result.records.map((r) => [r.recordId, r.result, r.metadata?.partitionKeys])).toEqual(await inProcess(event));
    const ok = result.records.find((r) => r.result === 'Ok');
    expect(JSON.parse(Buffer.from(ok?.data ?? '', 'base64').toString('utf8'))).toMatchObject({ deviceId: 'dev-42' });
    expect(env.api.exchanges.at(-1)).toMatchObject({ method: 'POST', status: 202 });
  });

  it('answers AWS’s documented example event (a record that is not a gateway reading fails alone)', async () => {
    const event = loadEvent('aws-example');
    const result = resultOf(await env.api.invoke(event));
    expect(statusModelProblems(event, result)).toEqual([]);
    expect(result.records).toEqual([{ recordId: 'record1', result: 'ProcessingFailed', data: 'SGVsbG8gV29ybGQ=' }]);
  });

  it('answers the largest event Lambda accepts under the limit the Runtime API enforces, demoting the tail', async () => {
    // Prepare: a batch of stream records as large as an invocation can be; its enriched response, unbounded, would
    // be over Lambda's limit.
    const event = streamEvent(LAMBDA_MAX_REQUEST_BYTES);
    const unbounded = await createTransform({ catalog: parseCatalog(catalog), maxResponseBytes: Number.MAX_SAFE_INTEGER })(event);
    expect(Buffer.byteLength(JSON.stringify(unbounded))).toBeGreaterThan(LAMBDA_MAX_RESPONSE_BYTES);
    // Act
    const outcome = await env.api.invoke(event);
    // Assess: accepted (202), measured at the Runtime API, and the same records demoted as in-process.
    const result = resultOf(outcome);
    expect(env.api.exchanges.at(-1)).toMatchObject({ status: 202 });
    expect(outcome.status === 'success' && outcome.payload.length).toBeLessThanOrEqual(LAMBDA_MAX_RESPONSE_BYTES);
    expect(statusModelProblems(event, result)).toEqual([]);
    const results = result.records.map((r) => r.result);
    const firstFailed = results.indexOf('ProcessingFailed');
    expect(firstFailed).toBeGreaterThan(0);
    expect(results.slice(0, firstFailed).every((r) => r === 'Ok')).toBe(true);
    expect(results.slice(firstFailed).every((r) => r === 'ProcessingFailed')).toBe(true);
    expect(result.records.map((r) => [r.recordId, r.result, r.metadata?.partitionKeys])).toEqual(await inProcess(event));
  });

  it('reports a handler error through the runtime’s error route, and serves the next invocation', async () => {
    const failed = await env.api.invoke({ notAFirehoseEvent: true });
    expect(failed).toMatchObject({ status: 'error', reportedBy: 'function', error: { errorType: 'TransformError' } });
    expect(failed.status === 'error' && failed.error.errorMessage).toMatch(/records/);
    expect(env.api.exchanges.at(-1)).toMatchObject({ method: 'POST', status: 202 });
    expect(env.api.exchanges.at(-1)?.path).toMatch(/\/error$/);
    expect(resultOf(await env.api.invoke(loadEvent('gateway-records'))).records).toHaveLength(loadExpected().length);
  });
});

describe('Lambda’s response limit, enforced by the Runtime API (oversize.handler pads the zip’s response)', () => {
  const env = environment('oversize.handler');

  it('accepts a response of exactly 6,291,556 bytes', async () => {
    const outcome = await env.api.invoke({ ...loadEvent('gateway-records'), padTo: LAMBDA_MAX_RESPONSE_BYTES });
    expect(outcome.status === 'success' && outcome.payload.length).toBe(LAMBDA_MAX_RESPONSE_BYTES);
    expect(env.api.exchanges.at(-1)).toMatchObject({ status: 202, requestBytes: LAMBDA_MAX_RESPONSE_BYTES });
  });

  it('answers one byte more with 413 and fails the invocation with Function.ResponseSizeTooLarge; the runtime goes on', async () => {
    // Act
    const outcome = await env.api.invoke({ ...loadEvent('gateway-records'), padTo: LAMBDA_MAX_RESPONSE_BYTES + 1 });
    // Assess
    expect(outcome).toMatchObject({
      status: 'error',
      reportedBy: 'runtime-api',
      error: {
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: `Response payload size (${LAMBDA_MAX_RESPONSE_BYTES + 1} bytes) exceeded maximum allowed payload size (${LAMBDA_MAX_RESPONSE_BYTES} bytes).`,
      },
    });
    const refused = env.api.exchanges.at(-1);
    expect(refused).toMatchObject({ method: 'POST', status: 413 });
    expect(JSON.parse(refused?.responseBody ?? '{}')).toEqual({ errorType: 'RequestEntityTooLarge', errorMessage: `Exceeded maximum allowed payload size (${LAMBDA_MAX_RESPONSE_BYTES} bytes).` });
    // The execution environment survives: the next invocation is served.
    const next = await env.api.invoke(loadEvent('gateway-records'));
    expect(resultOf(next).records.map((r) => r.result)).toEqual(loadExpected().map((e) => e.result));
  });
});

describe('a cold start that fails: a TIDEGATE_CATALOG that does not exist', () => {
  const env = environment('index.handler', { TIDEGATE_CATALOG: '/var/task/no-such-catalog.json' });

  it('is reported on the init error route with the transform’s error, and the runtime exits', async () => {
    const error = await env.api.initError;
    expect(`${error.errorType} ${error.errorMessage}`).toMatch(/no-such-catalog\.json/);
    expect(await env.ric.exited).not.toBe(0);
    expect(env.api.exchanges.map((e) => e.path)).toEqual(['/2018-06-01/runtime/init/error']);
  });
});
