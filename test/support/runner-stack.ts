import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { startLocalKinesis, type LocalKinesis } from '../../stack/kinesis-server.js';
import { createKinesisClient } from '../../common/aws/kinesis-client.js';
import { ensureStream } from '../../gateway/src/sinks/kinesis/stream.js';
import { startTestS3, type TestS3 } from './s3.js';

/** Runner timings that keep integration tests fast: 100 ms polls, 0.1 s processor and 0.3 s S3 buffering. */
export const FAST_RUNNER_OPTIONS = { pollIntervalMs: 100, processorBufferIntervalS: 0.1, bufferIntervalS: 0.3 } as const;

/** What a delivery runner reads from and writes to: kinesalite with stream `telemetry`, a client, a test S3. */
export interface RunnerStack {
  kinesisServer: LocalKinesis;
  kinesis: KinesisClient;
  s3: TestS3;
  close(): Promise<void>;
}

export async function startRunnerStack(shards = 2): Promise<RunnerStack> {
  const kinesisServer = await startLocalKinesis({ port: 0 });
  const kinesis = createKinesisClient({ endpoint: kinesisServer.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
  await ensureStream({ client: kinesis, stream: 'telemetry', shardCount: shards, create: true });
  const s3 = await startTestS3();
  return {
    kinesisServer,
    kinesis,
    s3,
    async close() {
      kinesis.destroy();
      await s3.stop();
      await kinesisServer.close();
    },
  };
}
