/**
 * The part of PutRecords/PutRecord handling shared by both modes: latency, fault plan, throttling, stats.
 * The mode-specific part (store in memory, or forward upstream) is the {@link PutWriter} passed in.
 */
import { INTERNAL_FAILURE_MESSAGE, KinesisApiError, rateExceededMessage } from './errors.js';
import { sleep } from './http-io.js';
import type { StatsCollector } from './stats.js';
import { ShardThrottler } from './throttle.js';
import type {
  PutRecordsFault,
  PutRecordsFaultContext,
  PutRecordsFaultEntry,
  PutRecordsFaultPlan,
  ThrottleOptions,
} from './types.js';
import type { UpstreamResponse } from './upstream.js';
import type { PutEntry } from './validation.js';

/** A validated, routed put request. */
export interface PutBatch {
  readonly action: 'PutRecords' | 'PutRecord';
  readonly streamName: string;
  readonly entries: readonly PutEntry[];
  /** Shard of each entry, aligned with `entries`. */
  readonly shardIds: readonly string[];
}

/** One element of a PutRecords response's `Records`. */
export interface PutResultEntry {
  SequenceNumber?: string;
  ShardId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

export type WriteResult =
  /** `records` is aligned with the indexes passed to the writer. */
  | { readonly kind: 'written'; readonly records: readonly PutResultEntry[] }
  /** The upstream refused the (reduced) request as a whole; relayed to the client unchanged. */
  | { readonly kind: 'upstream-error'; readonly response: UpstreamResponse };

/** Writes the entries at `indexes` (request order) and reports their results. */
export type PutWriter = (indexes: readonly number[]) => WriteResult | Promise<WriteResult>;

export type PutOutcome =
  | { readonly kind: 'reset' }
  | { readonly kind: 'error'; readonly error: KinesisApiError }
  | { readonly kind: 'upstream-error'; readonly response: UpstreamResponse }
  | { readonly kind: 'records'; readonly records: readonly PutResultEntry[]; readonly failed: number; readonly resetAfter: boolean };

/** Entry view handed to fault plans; data is decoded only if the plan reads it. */
class FaultEntry implements PutRecordsFaultEntry {
  private decoded: Buffer | undefined;
  constructor(
    private readonly entry: PutEntry,
    readonly shardId: string,
  ) {}
  get partitionKey(): string {
    return this.entry.partitionKey;
  }
  get explicitHashKey(): string | undefined {
    return this.entry.explicitHashKeyText;
  }
  get data(): Buffer {
    this.decoded ??= Buffer.from(this.entry.data, 'base64');
    return this.decoded;
  }
}

/** Indexes that a `partial` fault fails: `failIndexes` ∪ evenly spaced floor(n × failRatio); all when neither is set. */
function failingIndexes(fault: Extract<PutRecordsFault, { kind: 'partial' }>, n: number): Set<number> {
  const chosen = new Set<number>();
  if (fault.failIndexes === undefined && fault.failRatio === undefined) {
    for (let i = 0; i < n; i++) chosen.add(i);
    return chosen;
  }
  for (const i of fault.failIndexes ?? []) if (i >= 0 && i < n) chosen.add(i);
  const ratio = Math.min(1, Math.max(0, fault.failRatio ?? 0));
  // Deterministic spreading keeps tests reproducible: entry i fails when floor((i+1)·r) steps past floor(i·r).
  for (let i = 0; i < n; i++) if (Math.floor((i + 1) * ratio) > Math.floor(i * ratio)) chosen.add(i);
  return chosen;
}

export class PutController {
  private plan: PutRecordsFaultPlan | undefined;
  private planRequestIndex = 0;
  private throttler: ShardThrottler | undefined;

  constructor(
    private readonly stats: StatsCollector,
    private readonly now: () => number,
    private readonly latencyMs: number,
    private readonly timers: Set<NodeJS.Timeout>,
  ) {}

  setPlan(plan: PutRecordsFaultPlan | undefined): void {
    this.plan = plan;
    this.planRequestIndex = 0;
  }

  setThrottle(options: ThrottleOptions | undefined): void {
    this.throttler = options === undefined ? undefined : new ShardThrottler(options, this.now);
  }

  async process(batch: PutBatch, write: PutWriter): Promise<PutOutcome> {
    const { entries, shardIds, streamName } = batch;
    const shardKeys = shardIds.map((id) => `${streamName}/${id}`);
    this.stats.putRequest(shardKeys);

    // The plan is consulted on arrival so that requestIndex follows arrival order even with latency configured.
    const fault = this.consultPlan(batch);
    const delayMs = this.latencyMs + (fault?.kind === 'delay' ? fault.ms : 0);
    if (delayMs > 0) await sleep(delayMs, this.timers);

    if (fault?.kind === 'http-error') {
      this.stats.httpErrorInjected();
      const message = fault.message ?? `Injected ${fault.errorType} (tidegate kinesis endpoint fault).`;
      return { kind: 'error', error: new KinesisApiError(fault.errorType, message, fault.status) };
    }
    if (fault?.kind === 'reset-before') {
      this.stats.resetInjected();
      return { kind: 'reset' };
    }

    const failing = fault?.kind === 'partial' ? failingIndexes(fault, entries.length) : undefined;
    const records = new Array<PutResultEntry>(entries.length);
    const survivors: number[] = [];
    for (let i = 0; i < entries.length; i++) {
      const shardKey = shardKeys[i] ?? '';
      if (failing?.has(i) === true && fault?.kind === 'partial') {
        records[i] = this.fail(shardKey, fault.errorCode, shardIds[i] ?? '', streamName);
      } else if (this.throttler !== undefined && !this.throttler.tryAcquire(shardKey, entries[i]?.recordBytes ?? 0)) {
        records[i] = this.fail(shardKey, 'ProvisionedThroughputExceededException', shardIds[i] ?? '', streamName);
      } else {
        survivors.push(i);
      }
    }

    if (survivors.length > 0) {
      const result = await write(survivors);
      if (result.kind === 'upstream-error') return { kind: 'upstream-error', response: result.response };
      for (let j = 0; j < survivors.length; j++) {
        const i = survivors[j] ?? 0;
        const record = result.records[j] ?? { ErrorCode: 'InternalFailure', ErrorMessage: INTERNAL_FAILURE_MESSAGE };
        records[i] = record;
        const shardKey = shardKeys[i] ?? '';
        if (record.ErrorCode !== undefined) this.stats.failed(shardKey, record.ErrorCode);
        else this.stats.accepted(shardKey, entries[i]?.recordBytes ?? 0);
      }
    }

    let failed = 0;
    for (const record of records) if (record.ErrorCode !== undefined) failed++;
    const resetAfter = fault?.kind === 'reset-after';
    if (resetAfter) this.stats.resetInjected();
    return { kind: 'records', records, failed, resetAfter };
  }

  private consultPlan(batch: PutBatch): PutRecordsFault | undefined {
    const plan = this.plan;
    if (plan === undefined) return undefined;
    const ctx: PutRecordsFaultContext = {
      requestIndex: this.planRequestIndex++,
      action: batch.action,
      streamName: batch.streamName,
      entries: batch.entries.map((entry, i) => new FaultEntry(entry, batch.shardIds[i] ?? '')),
    };
    return plan(ctx);
  }

  private fail(shardKey: string, errorCode: string, shardId: string, streamName: string): PutResultEntry {
    this.stats.failed(shardKey, errorCode);
    const message =
      errorCode === 'ProvisionedThroughputExceededException'
        ? rateExceededMessage(shardId, streamName)
        : INTERNAL_FAILURE_MESSAGE;
    return { ErrorCode: errorCode, ErrorMessage: message };
  }
}
