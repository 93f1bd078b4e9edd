/**
 * Which shards to read, and when: lists the stream's shards (at start, every discovery interval, and right after a
 * shard ends), starts a reader for each open or unread shard, and follows reshards. A child shard (ParentShardId,
 * AdjacentParentShardId after a merge) starts only once every parent has been read to its end, so each key's
 * records enter the pipeline in order (a key moves to a child shard at the reshard).
 *
 * A parent is "ended" when its reader saw the end; it becomes "finished" (checkpointed as such) once everything read
 * from it is in S3. Children need only "ended": the pipeline after the readers is FIFO, so the parent's records stay
 * ahead of the children's; after a restart, an unfinished parent is re-read and its children wait for it again.
 */
import { ListShardsCommand, type KinesisClient, type Shard } from '@aws-sdk/client-kinesis';
import type { Logger } from 'pino';
import { isFinished, type ShardCheckpoint } from '../checkpoint/checkpoint.js';
import { createShardProgress, type ShardPosition, type ShardProgress } from '../checkpoint/progress.js';
import type { ShardReader, StartPosition } from './shard-reader.js';

export type ShardStatus = 'waiting' | 'reading' | 'ended' | 'finished';

export interface ShardState {
  readonly shardId: string;
  readonly parents: readonly string[];
  status: ShardStatus;
  readonly progress: ShardProgress;
  /** Set when resuming inside an aggregate: its user records up to this subsequence are already delivered. */
  readonly resumeSkip: Required<ShardPosition> | undefined;
  /** Starts at LATEST: open when a LATEST delivery stream was created (first start) and nothing checkpointed. */
  readonly latest: boolean;
  reader?: ShardReader;
}

export interface ShardCoordinatorOptions {
  kinesis: KinesisClient;
  stream: { StreamName: string; StreamARN?: string };
  /** Shard entries from the checkpoint file. */
  checkpoint: Readonly<Record<string, ShardCheckpoint>>;
  /** Where a shard with no checkpoint starts. */
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** The delivery stream's creation (first start), for LATEST. */
  createdAt: number;
  /** True when no checkpoint existed: this start is the delivery stream's creation. */
  firstStart: boolean;
  /** ListShards timeout, ms. */
  requestTimeoutMs: number;
  startReader: (shardId: string, start: StartPosition) => ShardReader;
  /** A shard's checkpoint position moved, or a shard finished: the checkpoint should be saved. */
  onProgress: () => void;
  logger: Logger;
}

export interface ShardCoordinator {
  /** Lists shards and starts the readers that may start. Serialised; errors are logged and retried next time. */
  refresh(): Promise<void>;
  state(shardId: string): ShardState | undefined;
  /** A reader saw its shard's end. */
  ended(shardId: string): void;
  /** The shard entries to checkpoint now. */
  snapshot(): Record<string, ShardCheckpoint>;
  /** Stops every reader. */
  stop(): Promise<void>;
  states(): readonly ShardState[];
}

async function listShards(kinesis: KinesisClient, stream: ShardCoordinatorOptions['stream'], timeoutMs: number): Promise<Shard[]> {
  const shards: Shard[] = [];
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    let token: string | undefined;
    do {
      // ListShards takes either the stream or a NextToken, never both.
      const input = token === undefined ? { ...stream } : { NextToken: token };
      const out = await kinesis.send(new ListShardsCommand(input), { abortSignal: controller.signal });
      shards.push(...(out.Shards ?? []));
      token = out.NextToken;
    } while (token !== undefined);
  } finally {
    clearTimeout(timer);
  }
  return shards;
}

export function createShardCoordinator(options: ShardCoordinatorOptions): ShardCoordinator {
  const { logger } = options;
  const shards = new Map<string, ShardState>();
  // Entries of shards not seen in a listing yet; dropped once a listing shows they are gone (past retention).
  const loaded = new Map(Object.entries(options.checkpoint));
  let stopped = false;
  let listedOnce = false;
  let running: Promise<void> | undefined;
  let again = false;

  const finishIfDone = (s: ShardState): void => {
    if (s.status === 'ended' && s.progress.pending() === 0) {
      s.status = 'finished';
      logger.info({ shardId: s.shardId }, 'closed shard fully delivered');
      options.onProgress();
    }
  };

  // The first listing of the first start is "the creation" of a LATEST delivery stream.
  const latestAtCreation = (): boolean => options.startingPosition === 'LATEST' && options.firstStart && !listedOnce;

  const addShard = (shard: Shard): ShardState => {
    const shardId = shard.ShardId as string;
    const saved = loaded.get(shardId);
    const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => p !== undefined);
    const resumed = saved !== undefined && !isFinished(saved) ? saved : undefined;
    // LATEST at creation, as on AWS: a shard already closed when the delivery stream is created holds nothing newer.
    const closedBeforeCreation =
      latestAtCreation() && saved === undefined && shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
    const state: ShardState = {
      shardId,
      parents,
      latest: latestAtCreation() && saved === undefined,
      status: isFinished(saved) || closedBeforeCreation ? 'finished' : 'waiting',
      progress: createShardProgress(shardId, resumed, () => {
        options.onProgress();
        finishIfDone(state);
      }),
      resumeSkip:
        resumed?.subSequenceNumber === undefined
          ? undefined
          : { sequenceNumber: resumed.sequenceNumber, subSequenceNumber: resumed.subSequenceNumber },
    };
    shards.set(shardId, state);
    return state;
  };

  const startPosition = (s: ShardState): StartPosition => {
    const saved = s.progress.position();
    if (saved !== undefined) {
      return saved.subSequenceNumber === undefined
        ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: saved.sequenceNumber }
        : { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: saved.sequenceNumber };
    }
    if (options.startingPosition === 'TRIM_HORIZON') return { type: 'TRIM_HORIZON' };
    // LATEST: open at creation → LATEST; created later in this run (a reshard's children) → all of it; on a later
    // start, a shard with nothing delivered yet → what arrived since the creation.
    if (s.latest) return { type: 'LATEST' };
    return options.firstStart ? { type: 'TRIM_HORIZON' } : { type: 'AT_TIMESTAMP', timestamp: options.createdAt };
  };

  const parentDone = (id: string): boolean => {
    const p = shards.get(id);
    // A parent no longer listed is past the stream's retention: nothing of it is left to read.
    return p === undefined || p.status === 'ended' || p.status === 'finished';
  };

  async function refreshOnce(): Promise<void> {
    let listed: Shard[];
    try {
      listed = await listShards(options.kinesis, options.stream, options.requestTimeoutMs);
    } catch (err) {
      logger.warn({ err }, 'ListShards failed; shard discovery retries at the next interval');
      return;
    }
    const ids = new Set<string>();
    for (const shard of listed) {
      if (shard.ShardId === undefined) continue;
      ids.add(shard.ShardId);
      if (!shards.has(shard.ShardId)) addShard(shard);
    }
    listedOnce = true;
    for (const id of [...loaded.keys()]) if (!ids.has(id)) loaded.delete(id);
    // Parents before children: a child whose parent ended during this pass starts in the same pass.
    let started = true;
    while (started && !stopped) {
      started = false;
      for (const s of shards.values()) {
        if (s.status !== 'waiting' || !s.parents.every(parentDone)) continue;
        s.status = 'reading';
        s.reader = options.startReader(s.shardId, startPosition(s));
        logger.info({ shardId: s.shardId, parents: s.parents }, 'reading shard');
        started = true;
      }
    }
  }

  const coordinator: ShardCoordinator = {
    refresh() {
      if (stopped) return Promise.resolve();
      if (running !== undefined) {
        again = true;
        return running;
      }
      running = (async () => {
        do {
          again = false;
          await refreshOnce();
        } while (again && !stopped);
      })().finally(() => {
        running = undefined;
      });
      return running;
    },
    state: (id) => shards.get(id),
    ended(shardId) {
      const s = shards.get(shardId);
      if (s === undefined) return;
      s.status = 'ended';
      finishIfDone(s);
      // Its children may start now.
      void coordinator.refresh();
    },
    snapshot() {
      const out: Record<string, ShardCheckpoint> = Object.fromEntries(loaded);
      for (const s of shards.values()) {
        const position = s.progress.position();
        if (s.status === 'finished') out[s.shardId] = { finished: true };
        else if (position !== undefined) out[s.shardId] = position;
      }
      return out;
    },
    async stop() {
      stopped = true;
      await running;
      await Promise.all([...shards.values()].map((s) => s.reader?.stop()));
    },
    states: () => [...shards.values()],
  };
  return coordinator;
}
