import { FirehoseClient } from '@aws-sdk/client-firehose';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Registry } from 'prom-client';
import type { DeliveryTransform } from '../../transforms/delivery/index.js';
import {
  startDirectPutStream,
  startFirehoseApiServer,
  type DirectPutStream,
  type DirectPutStreamOptions,
  type FirehoseApiServer,
} from '../../transforms/delivery/direct-put/index.js';
import { startTestS3, TEST_BUCKET, type TestS3 } from './s3.js';
import { makeTempDir } from './tmp.js';

/** A plain SDK client, as a user would make one (HTTP/1.1 because the local server speaks only that). */
export function testFirehoseClient(endpoint: string): FirehoseClient {
  return new FirehoseClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: new NodeHttpHandler(),
  });
}

export interface TestFirehose {
  server: FirehoseApiServer;
  stream: DirectPutStream;
  s3: TestS3;
  client: FirehoseClient;
  registry: Registry;
  /** The intake's directory, for restarts. */
  dir: string;
  /** Starts the delivery stream and server again on the same intake (after {@link stopFirehose}-less close). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestFirehoseOptions extends Partial<Omit<DirectPutStreamOptions, 's3' | 'bucket' | 'dir'>> {
  transform?: DeliveryTransform;
}

/**
 * The local Firehose API on a free port with a Direct PUT delivery stream `telemetry-to-s3` writing to an
 * embedded S3, fast buffering hints (1 MiB / 0 s) unless given.
 */
export async function startTestFirehose(options: TestFirehoseOptions = {}): Promise<TestFirehose> {
  const s3 = await startTestS3([TEST_BUCKET]);
  const dir = makeTempDir('tidegate-firehose-');
  const open = async (): Promise<{ stream: DirectPutStream; server: FirehoseApiServer; registry: Registry }> => {
    const registry = new Registry();
    const stream = await startDirectPutStream({
      bufferIntervalS: 0,
      bufferSizeMB: 1,
      processorBufferIntervalS: 0,
      ...options,
      dir: dir.path,
      s3: s3.client,
      bucket: TEST_BUCKET,
      registry,
    });
    const server = await startFirehoseApiServer({ port: 0, streams: [stream], registry, recordRequests: true });
    return { stream, server, registry };
  };
  let current = await open();
  let client = testFirehoseClient(current.server.endpoint);
  const t: TestFirehose = {
    get server() {
      return current.server;
    },
    get stream() {
      return current.stream;
    },
    get client() {
      return client;
    },
    get registry() {
      return current.registry;
    },
    s3,
    dir: dir.path,
    async restart() {
      await current.server.close();
      await current.stream.close();
      client.destroy();
      current = await open();
      client = testFirehoseClient(current.server.endpoint);
    },
    async stop() {
      client.destroy();
      try {
        await current.server.close();
        await current.stream.close();
      } finally {
        await s3.stop();
        dir.remove();
      }
    },
  };
  return t;
}
