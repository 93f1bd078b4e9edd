/** Counters read by tests and benchmarks. */
import type { KinesisEndpointStats, ShardStats } from './types.js';

function emptyShardStats(): ShardStats {
  return { requests: 0, entriesReceived: 0, entriesAccepted: 0, entriesFailed: {}, bytesAccepted: 0 };
}

function emptyStats(): KinesisEndpointStats {
  return { ...emptyShardStats(), requestsByAction: {}, httpErrorsInjected: 0, resetsInjected: 0, shards: {} };
}

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** Mutable counters; {@link snapshot} hands out deep copies so callers can diff two snapshots. */
export class StatsCollector {
  private current = emptyStats();

  action(action: string): void {
    bump(this.current.requestsByAction, action);
  }

  /** A put request arrived; `shardKeys` holds one `"<stream>/<shardId>"` per entry. */
  putRequest(shardKeys: readonly string[]): void {
    const c = this.current;
    c.requests++;
    c.entriesReceived += shardKeys.length;
    const seen = new Set<string>();
    for (const key of shardKeys) {
      const shard = this.shard(key);
      shard.entriesReceived++;
      if (!seen.has(key)) {
        seen.add(key);
        shard.requests++;
      }
    }
  }

  accepted(shardKey: string, bytes: number): void {
    this.current.entriesAccepted++;
    this.current.bytesAccepted += bytes;
    const shard = this.shard(shardKey);
    shard.entriesAccepted++;
    shard.bytesAccepted += bytes;
  }

  failed(shardKey: string, errorCode: string): void {
    bump(this.current.entriesFailed, errorCode);
    bump(this.shard(shardKey).entriesFailed, errorCode);
  }

  httpErrorInjected(): void {
    this.current.httpErrorsInjected++;
  }

  resetInjected(): void {
    this.current.resetsInjected++;
  }

  snapshot(): KinesisEndpointStats {
    return structuredClone(this.current);
  }

  reset(): void {
    this.current = emptyStats();
  }

  private shard(key: string): ShardStats {
    let shard = this.current.shards[key];
    if (shard === undefined) {
      shard = emptyShardStats();
      this.current.shards[key] = shard;
    }
    return shard;
  }
}
