/**
 * Per-shard delivery progress: which records are safely done (in S3, or dropped by the transform) and so how far
 * the checkpoint may advance.
 *
 * Records complete out of order (objects of different prefixes flush at different times), but the checkpoint is a
 * single position, so it only moves over a contiguous done run from the oldest record read. An aggregate's user
 * records also complete separately; when the head aggregate is only partly done, the position names the last done
 * subsequence number of the contiguous run, and a restart re-reads that aggregate (AT_SEQUENCE_NUMBER) and skips
 * what was already delivered (how the KCL checkpoints aggregates).
 */

/** A checkpoint position inside one shard. */
export interface ShardPosition {
  /** Sequence number of the Kinesis record the position is in. */
  sequenceNumber: string;
  /**
   * Absent: the whole Kinesis record is delivered, resume AFTER it. Present: user records 0..subSequenceNumber of
   * this aggregate are delivered, resume AT it and skip those.
   */
  subSequenceNumber?: number;
}

/** One Kinesis record in flight. */
export interface ProgressEntry {
  readonly sequenceNumber: string;
  /** User records in the Kinesis record (1 when not aggregated). */
  readonly count: number;
  /** Lowest index not yet done; the entry is done when `low === count`. */
  low: number;
  /** Done flags for aggregates (`count > 1`); undefined when one record. */
  readonly done: Uint8Array | undefined;
  readonly progress: ShardProgress;
}

export interface ShardProgress {
  readonly shardId: string;
  /**
   * Registers a Kinesis record read from the shard, in read order. `firstIndex` > 0 marks user records already
   * delivered before a restart (they are never handed on).
   */
  track(sequenceNumber: string, count: number, firstIndex?: number): ProgressEntry;
  /** Marks user record `index` of `entry` as done. */
  complete(entry: ProgressEntry, index: number): void;
  /** The furthest position with everything before it done; undefined when nothing was done yet (nor resumed). */
  position(): ShardPosition | undefined;
  /** Kinesis records tracked and not fully done. */
  pending(): number;
  /** Increments whenever `position()` changes, so a checkpoint writer can tell whether to save. */
  readonly version: number;
}

/**
 * @param shardId - the shard
 * @param resumed - the checkpointed position this reader resumes from, if any: it stays the position until
 *   something newer completes
 * @param onAdvance - called (synchronously) when the position moves
 */
export function createShardProgress(
  shardId: string,
  resumed?: ShardPosition,
  onAdvance?: (progress: ShardProgress) => void,
): ShardProgress {
  const queue: ProgressEntry[] = [];
  let head = 0;
  let position: ShardPosition | undefined = resumed === undefined ? undefined : { ...resumed };
  let version = 0;

  // Moves the position over done entries at the head of the queue, then over a partly done head aggregate.
  const advance = (): void => {
    let next: ShardPosition | undefined;
    while (head < queue.length) {
      const e = queue[head] as ProgressEntry;
      if (e.low < e.count) break;
      next = { sequenceNumber: e.sequenceNumber };
      head++;
    }
    const partial = queue[head];
    if (partial !== undefined && partial.low > 0) {
      next = { sequenceNumber: partial.sequenceNumber, subSequenceNumber: partial.low - 1 };
    }
    // Compact now and then so the array does not grow with the shard's history.
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    if (
      next !== undefined &&
      (position === undefined ||
        next.sequenceNumber !== position.sequenceNumber ||
        next.subSequenceNumber !== position.subSequenceNumber)
    ) {
      position = next;
      version++;
      onAdvance?.(progress);
    }
  };

  const progress: ShardProgress = {
    shardId,
    track(sequenceNumber, count, firstIndex = 0) {
      const low = Math.min(firstIndex, count);
      const entry: ProgressEntry = {
        sequenceNumber,
        count,
        low,
        done: count > 1 ? new Uint8Array(count) : undefined,
        progress,
      };
      queue.push(entry);
      // An empty aggregate, or one delivered before a restart, is done on arrival.
      if (low >= count) advance();
      return entry;
    },
    complete(entry, index) {
      if (entry.done === undefined) {
        if (entry.low !== 0) return;
        entry.low = 1;
      } else {
        if (index < entry.low || entry.done[index] === 1) return;
        entry.done[index] = 1;
        while (entry.low < entry.count && entry.done[entry.low] === 1) entry.low++;
      }
      if (queue[head] === entry) advance();
    },
    position: () => position,
    pending: () => queue.length - head,
    get version() {
      return version;
    },
  };
  return progress;
}
