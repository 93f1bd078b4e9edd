/**
 * The checkpoint file: per shard, how far delivery got, so a restart resumes after it (at-least-once: what was
 * not checkpointed is read again, what was checkpointed is in S3).
 *
 * ```json
 * { "version": 1, "deliveryStreamName": "telemetry-to-s3", "streamName": "telemetry",
 *   "streamCreatedAt": 1795600000000, "createdAt": 1795650000000, "updatedAt": 1795655960100,
 *   "shards": { "shardId-000000000000": { "sequenceNumber": "4968…2418" },
 *               "shardId-000000000001": { "sequenceNumber": "4968…7730", "subSequenceNumber": 41 },
 *               "shardId-000000000002": { "finished": true } } }
 * ```
 * `createdAt` is the first start ("delivery stream creation"), the start time for `startingPosition: 'LATEST'`.
 * Writes are atomic (temporary file, fsync, rename), so a crash leaves the old or the new file, never a torn one.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DeliveryError } from '../errors.js';
import type { ShardPosition } from './progress.js';

/** A shard's entry: a position, or `finished` once a closed shard is fully delivered (its children may start). */
export type ShardCheckpoint = ShardPosition | { finished: true };

export interface CheckpointState {
  version: 1;
  deliveryStreamName: string;
  streamName: string;
  /** StreamCreationTimestamp (epoch ms): a recreated stream with the same name invalidates the positions. */
  streamCreatedAt?: number;
  createdAt: number;
  updatedAt: number;
  shards: Record<string, ShardCheckpoint>;
}

export function isFinished(c: ShardCheckpoint | undefined): c is { finished: true } {
  return c !== undefined && 'finished' in c;
}

function invalid(path: string, message: string, cause?: unknown): DeliveryError {
  return new DeliveryError(
    'TG_ERR_DELIVERY_CHECKPOINT',
    `checkpoint ${path}: ${message} (delete the file to re-deliver from startingPosition)`,
    { cause, detail: { path } },
  );
}

function parseShard(path: string, id: string, value: unknown): ShardCheckpoint {
  if (typeof value !== 'object' || value === null) throw invalid(path, `shard ${id} is not an object`);
  const v = value as Record<string, unknown>;
  if (v['finished'] === true) return { finished: true };
  if (typeof v['sequenceNumber'] !== 'string' || !/^\d{1,129}$/.test(v['sequenceNumber'])) {
    throw invalid(path, `shard ${id} has no valid sequenceNumber`);
  }
  const sub = v['subSequenceNumber'];
  if (sub === undefined) return { sequenceNumber: v['sequenceNumber'] };
  if (typeof sub !== 'number' || !Number.isSafeInteger(sub) || sub < 0) {
    throw invalid(path, `shard ${id} has an invalid subSequenceNumber`);
  }
  return { sequenceNumber: v['sequenceNumber'], subSequenceNumber: sub };
}

/** Reads the checkpoint; undefined when the file does not exist. Throws `TG_ERR_DELIVERY_CHECKPOINT` when corrupt. */
export async function loadCheckpoint(path: string): Promise<CheckpointState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw invalid(path, `cannot be read: ${(err as Error).message}`, err);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw invalid(path, 'is not valid JSON', err);
  }
  if (typeof raw !== 'object' || raw === null) throw invalid(path, 'is not a JSON object');
  const r = raw as Record<string, unknown>;
  if (r['version'] !== 1) throw invalid(path, `has unsupported version ${JSON.stringify(r['version'])}`);
  for (const field of ['deliveryStreamName', 'streamName'] as const) {
    if (typeof r[field] !== 'string') throw invalid(path, `has no ${field}`);
  }
  for (const field of ['createdAt', 'updatedAt'] as const) {
    if (typeof r[field] !== 'number') throw invalid(path, `has no ${field}`);
  }
  if (r['streamCreatedAt'] !== undefined && typeof r['streamCreatedAt'] !== 'number') {
    throw invalid(path, 'has an invalid streamCreatedAt');
  }
  if (typeof r['shards'] !== 'object' || r['shards'] === null) throw invalid(path, 'has no shards object');
  const shards: Record<string, ShardCheckpoint> = {};
  for (const [id, value] of Object.entries(r['shards'] as Record<string, unknown>)) shards[id] = parseShard(path, id, value);
  return {
    version: 1,
    deliveryStreamName: r['deliveryStreamName'] as string,
    streamName: r['streamName'] as string,
    ...(r['streamCreatedAt'] === undefined ? {} : { streamCreatedAt: r['streamCreatedAt'] as number }),
    createdAt: r['createdAt'] as number,
    updatedAt: r['updatedAt'] as number,
    shards,
  };
}

/** Writes the checkpoint atomically: temporary file in the same directory, fsync, rename over the old one. */
export async function saveCheckpoint(path: string, state: CheckpointState): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(state, null, 1) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    throw new DeliveryError('TG_ERR_DELIVERY_CHECKPOINT', `checkpoint ${path} could not be written: ${(err as Error).message}`, {
      cause: err,
      detail: { path },
    });
  }
}

export interface CheckpointWriter {
  /** Asks for a save of the current state; saves run one at a time and coalesce. */
  request(): void;
  /** Saves now (after any running save) and resolves when the file holds the current state. */
  saveNow(): Promise<void>;
  readonly writes: number;
}

/**
 * Serialises saves: at most one write in flight, and requests during a write coalesce into one more write.
 * A failed save is reported to `hooks.onError` and retried on the next request (the old file stays valid).
 */
export function createCheckpointWriter(
  path: string | undefined,
  snapshot: () => CheckpointState,
  hooks: { onError: (err: unknown) => void; onSaved?: () => void },
): CheckpointWriter {
  let running: Promise<void> | undefined;
  let dirty = false;
  let writes = 0;
  const run = async (): Promise<void> => {
    while (dirty) {
      dirty = false;
      if (path === undefined) continue;
      try {
        await saveCheckpoint(path, snapshot());
        writes++;
        hooks.onSaved?.();
      } catch (err) {
        hooks.onError(err);
        return;
      }
    }
  };
  const start = (): Promise<void> => {
    dirty = true;
    if (running === undefined) {
      running = run().finally(() => {
        running = undefined;
      });
    }
    return running;
  };
  return {
    request() {
      void start();
    },
    async saveNow() {
      // A write in flight may hold an older snapshot; `run` loops while dirty, so it writes the newest one after it.
      await start();
    },
    get writes() {
      return writes;
    },
  };
}
