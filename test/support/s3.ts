import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../transforms/delivery/s3-writer/client.js';
import { getObjectText, listObjects } from '../../stack/harness/s3-reader.js';
import { LOCAL_S3_CREDENTIALS, startLocalS3, type LocalS3 } from '../../stack/s3-server.js';
import { makeTempDir } from './tmp.js';

// The SDK-level readers live with the other local-stack tools (benchmarks use them too).
export { getObject, getObjectText, listObjects, type StoredObject } from '../../stack/harness/s3-reader.js';

export const TEST_BUCKET = 'telemetry-archive';

export interface TestS3 {
  server: LocalS3;
  client: S3Client;
  dir: string;
  /** Destroys the client, closes the server and removes the store. */
  stop(): Promise<void>;
}

/** An embedded S3 (s3rver) on a free port with a temporary store, and a client for it. */
export async function startTestS3(buckets: string[] = [TEST_BUCKET]): Promise<TestS3> {
  const dir = makeTempDir('tidegate-s3-');
  let server: LocalS3;
  try {
    server = await startLocalS3({ port: 0, dir: dir.path, buckets });
  } catch (err) {
    dir.remove();
    throw err;
  }
  const client = createS3Client({ endpoint: server.endpoint, region: 'us-east-1', credentials: LOCAL_S3_CREDENTIALS });
  let stopped = false;
  return {
    server,
    client,
    dir: dir.path,
    async stop() {
      if (stopped) return;
      stopped = true;
      client.destroy();
      try {
        await server.close();
      } finally {
        dir.remove();
      }
    },
  };
}

/** The non-empty lines of every object under `prefix`, objects in key order. */
export async function readLines(client: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const lines: string[] = [];
  for (const o of await listObjects(client, bucket, prefix)) {
    for (const line of (await getObjectText(client, bucket, o.key)).split('\n')) if (line !== '') lines.push(line);
  }
  return lines;
}

/** Polls until `check` returns a value other than undefined (or throws after `timeoutMs`). */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits until the objects under `prefix` hold at least `count` lines, and returns those lines. */
export async function waitForLines(client: S3Client, bucket: string, prefix: string, count: number, timeoutMs = 20_000): Promise<string[]> {
  return waitFor(async () => {
    const lines = await readLines(client, bucket, prefix);
    return lines.length >= count ? lines : undefined;
  }, timeoutMs);
}
