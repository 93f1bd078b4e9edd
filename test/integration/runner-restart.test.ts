import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect } from 'vitest';
import { encodeAggregate } from '../../common/kpl/index.js';
import type { CheckpointState } from '../../transforms/delivery/checkpoint/checkpoint.js';
import { createRunnerTest } from '../support/runner-fixture.js';
import { createTransform, loadCatalogFile } from '../../transforms/lambda/handler.js';
import { listShards, owningShard } from '../support/kinesis.js';
import { readLines, TEST_BUCKET, waitFor } from '../support/s3.js';

const CATALOG = loadCatalogFile(new URL('../../transforms/catalog.json', import.meta.url).pathname);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const envReading = (deviceId: string, seq: number): Buffer =>
  Buffer.from(JSON.stringify({ deviceId, epoch: 1, seq, receivedAt: Date.now(), reading: { temperature: 20, humidity: 50, battery: 3.7 } }));
const vibrationReading = (deviceId: string, seq: number): Buffer =>
  Buffer.from(JSON.stringify({ deviceId, epoch: 1, seq, receivedAt: Date.now(), reading: { vibrationRms: 1.5, temperature: 40, battery: 3.7 } }));

/** An S3 client whose PutObject for matching keys stores the object and then fails, as when the response is lost. */
function lostResponses(client: S3Client, matches: (key: string) => boolean): S3Client {
  const send = client.send.bind(client) as (command: unknown, options?: unknown) => Promise<unknown>;
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver);
      return async (command: unknown, options?: unknown) => {
        const out = await send(command, options);
        if (command instanceof PutObjectCommand && matches(command.input.Key ?? '')) {
          throw Object.assign(new Error('socket hang up after the upload'), { name: 'TimeoutError' });
        }
        return out;
      };
    },
  });
}

interface Line {
  deviceId: string;
  seq: number;
}
const idOf = (l: Line): string => `${l.deviceId}#${l.seq}`;

const it = createRunnerTest(() => ({ transform: createTransform({ catalog: CATALOG }) }));
const checkpointIn = (dir: string): string => join(dir, 'delivery', 'telemetry-to-s3.checkpoint.json');

describe('delivery runner restarts (at-least-once checkpoints)', () => {
  it('close + start with the same checkpoint mid-stream loses nothing and re-delivers at most what was not checkpointed', async ({ kinesis, s3, tempDir, startRunner }) => {
    const checkpointPath = checkpointIn(tempDir);
    const devices = Array.from({ length: 8 }, (_, i) => `sim-env-sensor-${String(i).padStart(4, '0')}`);
    const sent: string[] = [];
    let round = 0;
    const produce = async (rounds: number): Promise<void> => {
      for (const end = round + rounds; round < end; round++) {
        // Even rounds aggregated (KPL), odd rounds plain records.
        const entries = devices.map((id) => {
          const seqs = [round * 3, round * 3 + 1, round * 3 + 2];
          for (const s of seqs) sent.push(`${id}#${s}`);
          return round % 2 === 0
            ? { PartitionKey: id, Data: encodeAggregate(seqs.map((s) => ({ partitionKey: id, data: envReading(id, s) }))) }
            : seqs.map((s) => ({ PartitionKey: id, Data: envReading(id, s) }));
        });
        await kinesis.send(new PutRecordsCommand({ StreamName: 'telemetry', Records: entries.flat() }));
        await sleep(60);
      }
    };

    // The producer keeps writing while A closes and B starts.
    const a = await startRunner({ checkpointPath });
    const producing = produce(12);
    await waitFor(async () => (round >= 6 ? true : undefined), 10_000, 10);
    await a.close();
    const at = a.stats();
    const uncheckpointed = at.recordsRead - at.recordsDelivered - at.recordsFailed - at.recordsDropped;
    const saved = JSON.parse(readFileSync(checkpointPath, 'utf8')) as CheckpointState;
    expect(Object.keys(saved.shards).length).toBeGreaterThan(0);
    expect(at.recordsRead).toBeGreaterThan(0);

    const b = await startRunner({ checkpointPath });
    await producing;
    const lines = await waitFor(async () => {
      const all = (await readLines(s3.client, TEST_BUCKET, '2')).map((l) => JSON.parse(l) as Line);
      return new Set(all.map(idOf)).size >= sent.length ? all : undefined;
    });
    expect(new Set(lines.map(idOf))).toEqual(new Set(sent));
    expect(lines.length - sent.length).toBeLessThanOrEqual(uncheckpointed);
    expect(b.stats().recordsRead).toBeLessThan(sent.length);
    for (const id of devices) {
      const seqs = lines.filter((l) => l.deviceId === id).map((l) => l.seq);
      expect(seqs).toHaveLength(36);
    }
  });

  it('after a lost S3 response, a restart resumes inside the aggregate: only its undelivered user records are re-delivered', async ({ kinesis, s3, tempDir, startRunner }) => {
    const checkpointPath = checkpointIn(tempDir);
    const prefix = 'type=!{partitionKeyFromLambda:deviceType}/';
    // One aggregate: 5 env-sensor readings (indices 0-4), then 4 vibration readings (5-8).
    const users = [
      ...Array.from({ length: 5 }, (_, i) => ({ partitionKey: 'sim-env-sensor-0001', data: envReading('sim-env-sensor-0001', i) })),
      ...Array.from({ length: 4 }, (_, i) => ({ partitionKey: 'sim-vibration-monitor-0001', data: vibrationReading('sim-vibration-monitor-0001', i) })),
    ];
    const a = await startRunner({
      s3: lostResponses(s3.client, (key) => key.startsWith('type=vibration-monitor/')),
      checkpointPath,
      prefix,
      retryBaseMs: 20,
      retryMaxMs: 50,
      closeTimeoutMs: 300,
    });
    await kinesis.send(new PutRecordsCommand({ StreamName: 'telemetry', Records: [{ PartitionKey: 'sim-env-sensor-0001', Data: encodeAggregate(users) }] }));
    // The vibration object reaches S3, but the runner never learns it did.
    await waitFor(async () => ((await readLines(s3.client, TEST_BUCKET, 'type=vibration-monitor/')).length >= 4 ? true : undefined));
    await waitFor(async () => ((await readLines(s3.client, TEST_BUCKET, 'type=env-sensor/')).length >= 5 ? true : undefined));
    await sleep(100);
    await a.close();
    const at = a.stats();
    expect(at.recordsDelivered).toBe(5);
    const saved = JSON.parse(readFileSync(checkpointPath, 'utf8')) as CheckpointState;
    const positions = Object.values(saved.shards);
    expect(positions).toContainEqual({ sequenceNumber: expect.any(String), subSequenceNumber: 4 });

    const b = await startRunner({ checkpointPath, prefix });
    const vibration = await waitFor(async () => {
      const l = await readLines(s3.client, TEST_BUCKET, 'type=vibration-monitor/');
      return l.length >= 8 ? l : undefined;
    });
    await b.flush();
    expect(b.stats().recordsRead).toBe(4);
    const env = (await readLines(s3.client, TEST_BUCKET, 'type=env-sensor/')).map((l) => JSON.parse(l) as Line);
    expect(env.map((l) => l.seq)).toEqual([0, 1, 2, 3, 4]);
    // Delivered twice: the 4 records that were not checkpointed, and no others.
    const counts = new Map<number, number>();
    for (const l of vibration.map((x) => JSON.parse(x) as Line)) counts.set(l.seq, (counts.get(l.seq) ?? 0) + 1);
    expect([...counts.entries()].sort()).toEqual([[0, 2], [1, 2], [2, 2], [3, 2]]);
    const after = JSON.parse(readFileSync(checkpointPath, 'utf8')) as CheckpointState;
    expect(Object.values(after.shards)).toContainEqual({ sequenceNumber: (positions.find((p) => 'subSequenceNumber' in p) as { sequenceNumber: string }).sequenceNumber });
  });
});

describe("startingPosition 'LATEST' (AWS: LATEST as of the delivery stream's creation)", () => {
  it('skips what was written before the first start, delivers what arrived since, also across a restart', async ({ kinesis, s3, tempDir, startRunner }) => {
    const checkpointPath = join(tempDir, 'cp.json');
    const shards = await listShards(kinesis, 'telemetry');
    // One device per shard.
    const candidates = Array.from({ length: 20 }, (_, i) => `sim-env-sensor-${String(i).padStart(4, '0')}`);
    const onShard = (n: number): string => candidates.find((id) => owningShard(shards, id) === `shardId-00000000000${n}`) as string;
    const d0 = onShard(0);
    const d1 = onShard(1);
    const put = (id: string, seq: number) =>
      kinesis.send(new PutRecordsCommand({ StreamName: 'telemetry', Records: [{ PartitionKey: id, Data: envReading(id, seq) }] }));
    // FAST_RUNNER_OPTIONS with a shorter S3 interval.
    const start = () => startRunner({ checkpointPath, startingPosition: 'LATEST', bufferIntervalS: 0.2 });
    const delivered = async (n: number) =>
      waitFor(async () => {
        const l = (await readLines(s3.client, TEST_BUCKET, '2')).map((x) => JSON.parse(x) as Line);
        return l.length >= n ? l.map(idOf).sort() : undefined;
      }, 30_000);

    await put(d0, 0);
    await put(d1, 0);
    const a = await start();
    await sleep(300);
    await put(d1, 1);
    expect(await delivered(1)).toEqual([`${d1}#1`]);
    await a.close();

    // While no runner runs: shard 1 resumes after its checkpoint; shard 0 has none, so it reads from the creation on.
    await put(d0, 2);
    await put(d1, 2);
    await start();
    expect(await delivered(3)).toEqual([`${d0}#2`, `${d1}#1`, `${d1}#2`]);
  });
});
