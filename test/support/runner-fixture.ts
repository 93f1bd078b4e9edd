/**
 * What the delivery runner's integration tests share, as vitest fixtures: a Kinesis API server with stream
 * `telemetry`, a client for it, an embedded S3, a temporary directory, and a `startRunner` that fills in the stack
 * and closes every runner it started. Each fixture starts only when a test asks for it (or for one that needs it)
 * and is closed after that test, runners first.
 *
 *   const test = createRunnerTest(() => ({ transform: createTransform({ catalog }) }));
 *   test('…', async ({ kinesis, s3, startRunner }) => { … });
 *
 * `shards` (default 2) is overridden per suite with `test.override({ shards: 1 })`; a file whose Kinesis comes from
 * elsewhere (a gateway's embedded server) redefines `kinesisEndpoint` with `test.extend`.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { test as base } from 'vitest';
import { createKinesisClient } from '../../common/aws/kinesis-client.js';
import { ensureStream } from '../../gateway/src/sinks/kinesis/stream.js';
import { startLocalKinesis } from '../../stack/kinesis-server.js';
import { startDeliveryRunner, type DeliveryRunner, type DeliveryRunnerOptions } from '../../transforms/delivery/index.js';
import { startTestS3, TEST_BUCKET, type TestS3 } from './s3.js';
import { makeTempDir } from './tmp.js';

/** The stream every fixture writes to and every runner reads. */
export const RUNNER_STREAM = 'telemetry';

/** Runner timings that keep integration tests fast: 100 ms polls, 0.1 s processor and 0.3 s S3 buffering. */
export const FAST_RUNNER_OPTIONS = { pollIntervalMs: 100, processorBufferIntervalS: 0.1, bufferIntervalS: 0.3 } as const;

export interface RunnerFixtures {
  /** Shards of the stream the default `kinesisEndpoint` creates. Default 2. */
  shards: number;
  /** Endpoint of a Kinesis API server holding stream `telemetry`. Default: an embedded kinesalite, closed after. */
  kinesisEndpoint: string;
  /** A client for `kinesisEndpoint`. */
  kinesis: KinesisClient;
  /** An embedded S3 with bucket `TEST_BUCKET`, and its client. */
  s3: TestS3;
  /** A fresh temporary directory, removed after the test. */
  tempDir: string;
  /**
   * Starts a runner on the stack: the stream, the S3 client, `TEST_BUCKET`, {@link FAST_RUNNER_OPTIONS}, then the
   * file's defaults, then `options`. Every runner it started is closed after the test, before the stack.
   */
  startRunner(options?: Partial<DeliveryRunnerOptions>): Promise<DeliveryRunner>;
}

/**
 * The runner test API. `defaults` is called for every runner started, so each gets its own instances (a transform,
 * say) as it did when the tests built their runners by hand.
 */
export function createRunnerTest(defaults: () => Partial<DeliveryRunnerOptions> = () => ({})) {
  return base.extend<RunnerFixtures>({
    shards: 2,
    kinesisEndpoint: async ({ shards }, use) => {
      const server = await startLocalKinesis({ port: 0 });
      try {
        const client = testKinesisClient(server.endpoint);
        try {
          await ensureStream({ client, stream: RUNNER_STREAM, shardCount: shards, create: true });
        } finally {
          client.destroy();
        }
        await use(server.endpoint);
      } finally {
        await server.close();
      }
    },
    kinesis: async ({ kinesisEndpoint }, use) => {
      const client = testKinesisClient(kinesisEndpoint);
      try {
        await use(client);
      } finally {
        client.destroy();
      }
    },
    s3: async ({}, use) => {
      const s3 = await startTestS3();
      try {
        await use(s3);
      } finally {
        await s3.stop();
      }
    },
    tempDir: async ({}, use) => {
      const dir = makeTempDir();
      try {
        await use(dir.path);
      } finally {
        dir.remove();
      }
    },
    startRunner: async ({ kinesis, s3 }, use) => {
      const runners: DeliveryRunner[] = [];
      try {
        await use(async (options = {}) => {
          const runner = await startDeliveryRunner({
            kinesis,
            stream: RUNNER_STREAM,
            s3: s3.client,
            bucket: TEST_BUCKET,
            ...FAST_RUNNER_OPTIONS,
            ...defaults(),
            ...options,
          });
          runners.push(runner);
          return runner;
        });
      } finally {
        for (const runner of runners.splice(0)) await runner.close();
      }
    },
  });
}

function testKinesisClient(endpoint: string): KinesisClient {
  return createKinesisClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
}
