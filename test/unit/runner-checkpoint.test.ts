import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCheckpointWriter, loadCheckpoint, saveCheckpoint, type CheckpointState } from '../../transforms/delivery/checkpoint/checkpoint.js';
import { isTidegateError } from '../../common/errors.js';
import { createShardProgress } from '../../transforms/delivery/checkpoint/progress.js';
import { makeTempDir } from '../support/tmp.js';

describe('shard progress (what may be checkpointed)', () => {
  it('advances only over a contiguous run of done records, in read order', () => {
    const p = createShardProgress('s');
    const a = p.track('100', 1);
    const b = p.track('200', 1);
    const c = p.track('300', 1);
    p.complete(c, 0);
    p.complete(b, 0);
    expect(p.position()).toBeUndefined();
    expect(p.pending()).toBe(3);
    p.complete(a, 0);
    expect(p.position()).toEqual({ sequenceNumber: '300' });
    expect(p.pending()).toBe(0);
  });

  it('names the last done subsequence of a partly delivered head aggregate', () => {
    const p = createShardProgress('s');
    const agg = p.track('100', 4);
    const next = p.track('200', 1);
    p.complete(next, 0);
    p.complete(agg, 1);
    expect(p.position()).toBeUndefined();
    p.complete(agg, 0);
    expect(p.position()).toEqual({ sequenceNumber: '100', subSequenceNumber: 1 });
    p.complete(agg, 3);
    expect(p.position()).toEqual({ sequenceNumber: '100', subSequenceNumber: 1 });
    p.complete(agg, 2);
    // the aggregate is whole, and the record after it was already done
    expect(p.position()).toEqual({ sequenceNumber: '200' });
  });

  it('resumes inside an aggregate: records up to the checkpointed subsequence count as done', () => {
    const resumed = { sequenceNumber: '100', subSequenceNumber: 1 };
    const p = createShardProgress('s', resumed);
    expect(p.position()).toEqual(resumed);
    const agg = p.track('100', 4, 2);
    p.complete(agg, 2);
    expect(p.position()).toEqual({ sequenceNumber: '100', subSequenceNumber: 2 });
    p.complete(agg, 3);
    expect(p.position()).toEqual({ sequenceNumber: '100' });
  });

  it('an empty or already delivered aggregate is done on arrival; completions are idempotent', () => {
    const advanced: string[] = [];
    const p = createShardProgress('s', undefined, (pr) => advanced.push(JSON.stringify(pr.position())));
    p.track('100', 0);
    expect(p.position()).toEqual({ sequenceNumber: '100' });
    const e = p.track('200', 3, 3);
    expect(p.position()).toEqual({ sequenceNumber: '200' });
    p.complete(e, 1);
    const single = p.track('300', 1);
    p.complete(single, 0);
    p.complete(single, 0);
    expect(p.position()).toEqual({ sequenceNumber: '300' });
    expect(advanced).toHaveLength(3);
    expect(p.version).toBe(3);
  });

  it('stays correct over many records (queue compaction)', () => {
    const p = createShardProgress('s');
    const entries = Array.from({ length: 5000 }, (_, i) => p.track(String(1000 + i), 1));
    for (let i = 0; i < 4000; i++) p.complete(entries[i]!, 0);
    expect(p.position()).toEqual({ sequenceNumber: '4999' });
    expect(p.pending()).toBe(1000);
    for (let i = 4999; i >= 4000; i--) p.complete(entries[i]!, 0);
    expect(p.position()).toEqual({ sequenceNumber: '5999' });
    expect(p.pending()).toBe(0);
  });
});

describe('checkpoint file', () => {
  let dir: ReturnType<typeof makeTempDir> | undefined;
  afterEach(() => dir?.remove());

  const state = (shards: CheckpointState['shards']): CheckpointState => ({
    version: 1,
    deliveryStreamName: 'telemetry-to-s3',
    streamName: 'telemetry',
    streamCreatedAt: 1_795_600_000_000,
    createdAt: 1_795_650_000_000,
    updatedAt: 1_795_655_960_100,
    shards,
  });

  it('round-trips positions, partial aggregates and finished shards', async () => {
    dir = makeTempDir();
    const path = join(dir.path, 'nested', 'cp.json');
    expect(await loadCheckpoint(path)).toBeUndefined();
    const s = state({
      'shardId-000000000000': { sequenceNumber: '49680569986597018617107543572338417797848182715282620418' },
      'shardId-000000000001': { sequenceNumber: '49680569986597018617107543572338417797848182715282620419', subSequenceNumber: 41 },
      'shardId-000000000002': { finished: true },
    });
    await saveCheckpoint(path, s);
    expect(await loadCheckpoint(path)).toEqual(s);
  });

  it('refuses a corrupt file with TG_ERR_DELIVERY_CHECKPOINT', async () => {
    dir = makeTempDir();
    const path = join(dir.path, 'cp.json');
    const bad = ['{', '[]', '{"version":2}', JSON.stringify({ ...state({}), shards: { s: { sequenceNumber: 'abc' } } }),
      JSON.stringify({ ...state({}), shards: { s: { sequenceNumber: '1', subSequenceNumber: -1 } } })];
    for (const text of bad) {
      writeFileSync(path, text);
      const err = await loadCheckpoint(path).catch((e: unknown) => e);
      expect(isTidegateError(err, 'TG_ERR_DELIVERY_CHECKPOINT'), text).toBe(true);
    }
  });

  it('the writer coalesces requests and always ends with the newest state', async () => {
    dir = makeTempDir();
    const path = join(dir.path, 'cp.json');
    let seq = 0;
    const errors: unknown[] = [];
    const writer = createCheckpointWriter(path, () => state({ s: { sequenceNumber: String(++seq) } }), { onError: (e) => errors.push(e) });
    for (let i = 0; i < 20; i++) writer.request();
    await writer.saveNow();
    expect(errors).toEqual([]);
    expect(writer.writes).toBeLessThan(20);
    expect(JSON.parse(readFileSync(path, 'utf8')).shards.s.sequenceNumber).toBe(String(seq));
  });
});
