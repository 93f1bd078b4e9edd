import { ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect } from 'vitest';
import { isTidegateError } from '../../common/errors.js';
import { createS3Client, LOCAL_S3_CREDENTIALS, startLocalS3, type LocalS3 } from '../../stack/s3-server.js';
import { createRunnerTest } from '../support/runner-fixture.js';
import { getObjectText, listObjects } from '../support/s3.js';

// Only the temporary directory is shared with the runner tests: these tests start (and restart) the server itself.
const it = createRunnerTest();

describe('embedded S3 (s3rver) for the delivery runner', () => {
  const servers: LocalS3[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  it('creates its buckets, serves path-style SDK calls, and keeps objects across a restart', async ({ tempDir }) => {
    const first = await startLocalS3({ port: 0, dir: tempDir, buckets: ['telemetry-archive', 'other'] });
    servers.push(first);
    expect(first.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = createS3Client({ endpoint: first.endpoint, region: 'us-east-1', credentials: LOCAL_S3_CREDENTIALS });
    try {
      const buckets = (await client.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
      expect(buckets?.sort()).toEqual(['other', 'telemetry-archive']);
      await client.send(new PutObjectCommand({ Bucket: 'telemetry-archive', Key: '2026/11/26/10/a b=c', Body: Buffer.from('x\n') }));
    } finally {
      client.destroy();
    }
    await first.close();
    servers.length = 0;

    const second = await startLocalS3({ port: 0, dir: tempDir });
    servers.push(second);
    const again = createS3Client({ endpoint: second.endpoint, region: 'us-east-1', credentials: LOCAL_S3_CREDENTIALS });
    try {
      expect((await listObjects(again, 'telemetry-archive')).map((o) => o.key)).toEqual(['2026/11/26/10/a b=c']);
      expect(await getObjectText(again, 'telemetry-archive', '2026/11/26/10/a b=c')).toBe('x\n');
    } finally {
      again.destroy();
    }
  });

  it('fails to start with TG_ERR_DELIVERY_LISTEN when the port is taken', async ({ tempDir }) => {
    const first = await startLocalS3({ port: 0, dir: tempDir });
    servers.push(first);
    const err = await startLocalS3({ port: first.port, dir: tempDir }).catch((e: unknown) => e);
    expect(isTidegateError(err, 'TG_ERR_DELIVERY_LISTEN')).toBe(true);
  });
});
