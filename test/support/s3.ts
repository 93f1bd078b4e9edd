import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../transforms/delivery/s3-writer/client.js';
import { LOCAL_S3_CREDENTIALS, startLocalS3, type LocalS3 } from '../../stack/s3-server.js';
import { makeTempDir } from './tmp.js';

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

export interface StoredObject {
  key: string;
  size: number;
}

/** Every object under `prefix`, in key order (all pages). */
export async function listObjects(client: S3Client, bucket: string, prefix = ''): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token === undefined ? {} : { ContinuationToken: token }) }),
    );
    for (const o of page.Contents ?? []) out.push({ key: o.Key as string, size: o.Size ?? 0 });
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export async function getObject(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

export async function getObjectText(client: S3Client, bucket: string, key: string): Promise<string> {
  return (await getObject(client, bucket, key)).toString('utf8');
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
