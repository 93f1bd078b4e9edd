import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBridge, type Bridge, type BridgeOptions } from '../../gateway/src/bridge/bridge.js';
import { GatewayError } from '../../common/errors.js';
import { createLogger } from '../../common/logger.js';
import { createMetrics } from '../../gateway/src/metrics.js';
import type { Sink, SinkEntry, SinkEntryResult, SinkLimits } from '../../gateway/src/sinks/sink.js';
import { mulberry32 } from '../support/prng.js';


const LIMITS: SinkLimits = { maxEntriesPerRequest: 500, maxRequestBytes: 5 * 1024 * 1024, maxEntryBytes: 1024 * 1024, partitionKeyCounts: true };

type Behaviour = (entries: readonly SinkEntry[], call: number) => SinkEntryResult[] | Error | Promise<SinkEntryResult[] | Error>;

/** An in-memory sink whose answers a test scripts; it records what was accepted and checks the one-in-flight rule. */
function scriptedSink(behaviour: Behaviour, limits: SinkLimits = LIMITS) {
  const accepted: { key: string; data: string }[] = [];
  const requests: SinkEntry[][] = [];
  const inFlightKeys = new Set<string>();
  let violations = 0;
  let calls = 0;
  const sink: Sink = {
    name: 'scripted',
    limits,
    async put(entries) {
      const call = calls++;
      requests.push([...entries]);
      for (const e of entries) {
        if (inFlightKeys.has(e.partitionKey)) violations++;
        inFlightKeys.add(e.partitionKey);
      }
      await new Promise((r) => setImmediate(r));
      const out = await behaviour(entries, call);
      for (const e of entries) inFlightKeys.delete(e.partitionKey);
      if (out instanceof Error) throw out;
      out.forEach((r, i) => {
        if (r.ok) accepted.push({ key: entries[i]!.partitionKey, data: entries[i]!.data.toString() });
      });
      return out;
    },
  };
  return { sink, accepted, requests, violations: () => violations };
}

const allOk: Behaviour = (entries) => entries.map(() => ({ ok: true as const }));

let bridges: Bridge[] = [];
function bridge(sink: Sink, extra: Partial<BridgeOptions> = {}): Bridge {
  const b = createBridge({
    sink, metrics: createMetrics({ defaultMetrics: false }), logger: createLogger({ level: 'silent' }),
    lingerMs: 5, retryBaseMs: 1, retryMaxMs: 5, random: mulberry32(1), ...extra,
  });
  bridges.push(b);
  return b;
}

function submitAll(b: Bridge, items: { key: string; data: string }[]): Promise<(GatewayError | undefined)[]> {
  return Promise.all(items.map((it) => new Promise<GatewayError | undefined>((resolve) => b.submit(it.key, Buffer.from(it.data), resolve))));
}

afterEach(async () => {
  vi.useRealTimers();
  for (const b of bridges) await b.close();
  bridges = [];
});

describe('bridge batching', () => {
  it('keeps requests within the entry and byte limits', async () => {
    const limits = { ...LIMITS, maxRequestBytes: 20_000 };
    const s = scriptedSink(allOk, limits);
    const b = bridge(s.sink);
    const items = Array.from({ length: 1500 }, (_, i) => ({ key: `d${i}`, data: 'x'.repeat(i % 3 === 0 ? 100 : 10) }));
    const results = await submitAll(b, items);
    expect(results.every((r) => r === undefined)).toBe(true);
    expect(s.accepted).toHaveLength(1500);
    for (const req of s.requests) {
      expect(req.length).toBeLessThanOrEqual(500);
      expect(req.reduce((n, e) => n + e.data.length + Buffer.byteLength(e.partitionKey), 0)).toBeLessThanOrEqual(20_000);
    }
  });

  it('holds a lone reading for the linger time, then sends it', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const s = scriptedSink(allOk);
    const b = bridge(s.sink, { lingerMs: 20, now: () => Date.now() });
    b.submit('a', Buffer.from('{}'), () => undefined);
    await vi.advanceTimersByTimeAsync(19);
    expect(s.requests).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.requests).toHaveLength(1);
  });

  it('sends at once when a request is full, without waiting for the linger', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const s = scriptedSink(allOk);
    const b = bridge(s.sink, { lingerMs: 10_000, now: () => Date.now() });
    for (let i = 0; i < 500; i++) b.submit(`d${i}`, Buffer.from('{}'), () => undefined);
    await vi.advanceTimersByTimeAsync(0);
    expect(s.requests[0]).toHaveLength(500);
  });
});

describe('bridge ordering and retries', () => {
  it('never lets a device overtake itself while entries fail at random, and never has two of its entries in flight', async () => {
    const random = mulberry32(42);
    const s = scriptedSink((entries) =>
      entries.map((): SinkEntryResult => {
        const r = random();
        if (r < 0.2) return { ok: false, errorCode: 'ProvisionedThroughputExceededException', errorMessage: 'Rate exceeded', retriable: true };
        if (r < 0.25) return { ok: false, errorCode: 'InternalFailure', errorMessage: 'Internal service failure.', retriable: true };
        return { ok: true };
      }),
    );
    const b = bridge(s.sink, { maxInFlight: 4 });
    const items: { key: string; data: string }[] = [];
    for (let n = 0; n < 60; n++) for (let d = 0; d < 25; d++) items.push({ key: `dev${d}`, data: String(n) });
    const results = await submitAll(b, items);
    expect(results.every((r) => r === undefined)).toBe(true);
    expect(s.violations()).toBe(0);
    for (let d = 0; d < 25; d++) {
      const seen = s.accepted.filter((a) => a.key === `dev${d}`).map((a) => Number(a.data));
      expect(seen).toEqual(Array.from({ length: 60 }, (_, n) => n));
    }
  });

  it('retries a whole request that failed with a retriable error', async () => {
    const s = scriptedSink((entries, call) =>
      call < 3 ? new GatewayError('GW_ERR_SINK_RETRIABLE', 'reset', { detail: { awsCode: 'ECONNRESET' } }) : allOk(entries, call),
    );
    const b = bridge(s.sink);
    const results = await submitAll(b, [{ key: 'a', data: '1' }, { key: 'a', data: '2' }, { key: 'b', data: '1' }]);
    expect(results).toEqual([undefined, undefined, undefined]);
    expect(s.accepted.filter((a) => a.key === 'a').map((a) => a.data)).toEqual(['1', '2']);
  });

  it('reports a fatal error, keeps the readings, and clears it when the sink recovers', async () => {
    let healthy = false;
    const s = scriptedSink((entries, call) =>
      healthy ? allOk(entries, call) : new GatewayError('GW_ERR_SINK_FATAL', 'no stream', { detail: { awsCode: 'ResourceNotFoundException' } }),
    );
    const b = bridge(s.sink);
    const done = submitAll(b, [{ key: 'a', data: '1' }]);
    await vi.waitFor(() => expect(b.fatalError?.code).toBe('GW_ERR_SINK_FATAL'));
    expect(b.stats().bufferedReadings).toBe(1);
    healthy = true;
    expect(await done).toEqual([undefined]);
    expect(b.fatalError).toBeUndefined();
  });

  it('fails only the readings of an entry the sink will never accept', async () => {
    const s = scriptedSink((entries) =>
      entries.map((e): SinkEntryResult =>
        e.partitionKey === 'huge'
          ? { ok: false, errorCode: 'InvalidArgumentException', errorMessage: 'too big', retriable: false }
          : { ok: true },
      ),
    );
    const b = bridge(s.sink);
    const [bad, good] = await submitAll(b, [{ key: 'huge', data: 'x' }, { key: 'fine', data: 'y' }]);
    expect(bad?.code).toBe('GW_ERR_SINK_FATAL');
    expect(bad?.detail['awsCode']).toBe('InvalidArgumentException');
    expect(good).toBeUndefined();
  });
});

describe('bridge backpressure and flush', () => {
  it('reports overload at the limit and relief below 80% of it', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const s = scriptedSink(async (entries) => {
      await gate;
      return allOk(entries, 0);
    });
    const b = bridge(s.sink, { maxBufferedReadings: 10, lingerMs: 0 });
    let relieved = false;
    const acks = submitAll(b, Array.from({ length: 10 }, (_, i) => ({ key: `d${i}`, data: '{}' })));
    expect(b.overloaded).toBe(true);
    b.whenRelieved(() => (relieved = true));
    expect(relieved).toBe(false);
    release();
    await acks;
    expect(b.overloaded).toBe(false);
    expect(relieved).toBe(true);
  });

  it('flush sends lingering readings at once and times out when the sink cannot take them', async () => {
    const s = scriptedSink(allOk);
    const b = bridge(s.sink, { lingerMs: 60_000 });
    const acks = submitAll(b, [{ key: 'a', data: '1' }]);
    await b.flush(5_000);
    expect(await acks).toEqual([undefined]);

    const down = scriptedSink(() => new GatewayError('GW_ERR_SINK_RETRIABLE', 'down'));
    const b2 = bridge(down.sink);
    b2.submit('a', Buffer.from('1'), () => undefined);
    await expect(b2.flush(50)).rejects.toMatchObject({ code: 'GW_ERR_FLUSH_TIMEOUT' });
  });

  it('refuses readings once flushing has begun', async () => {
    const b = bridge(scriptedSink(allOk).sink);
    await b.flush(1000);
    const [err] = await submitAll(b, [{ key: 'a', data: '1' }]);
    expect(err?.code).toBe('GW_ERR_SHUTTING_DOWN');
  });
});

describe('bridge with per-shard limits and aggregation', () => {
  it('lets a shard at its byte limit wait for a full aggregate instead of sending many small records', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { createShardRateLimiter } = await import('../../gateway/src/bridge/rate-limiter.js');
    const { createKplPacker } = await import('../../gateway/src/bridge/kpl-packer.js');
    const limiter = createShardRateLimiter({ recordsPerSecond: 1000, bytesPerSecond: 1_048_576, now: () => Date.now() });
    limiter.consume('*', 0, limiter.depthBytes); // the shard has just been running at its limit
    const s = scriptedSink(allOk);
    const b = bridge(s.sink, {
      lingerMs: 20,
      now: () => Date.now(),
      rateLimiter: limiter,
      minGroupSendBytes: 50_000,
      packer: createKplPacker({ maxAggregateBytes: 51_200, maxEntryBytes: 1_048_576 }),
    });
    const acks = submitAll(b, Array.from({ length: 200 }, (_, i) => ({ key: `d${i % 20}`, data: 'x'.repeat(200) })));
    await vi.advanceTimersByTimeAsync(30);
    expect(s.requests).toHaveLength(0); // 30 ms of refill is ~31 kB: not a full aggregate yet
    await vi.advanceTimersByTimeAsync(30);
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]).toHaveLength(1); // one aggregated record holding all 200 readings
    expect((await acks).every((e) => e === undefined)).toBe(true);
  });
});
