import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import kinesalite from 'kinesalite';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startKinesisEndpoint, type KinesisEndpoint, type PutRecordsFault } from '../../stack/kinesis-faults/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { parseRecord, readStream, testKinesisClient, type TelemetryRecord } from '../support/kinesis.js';
import { closeAll, connectDevice } from '../../stack/harness/mqtt-client.js';

/**
 * The gateway against a Kinesis endpoint that fails the way AWS does and emulators never do: partial failures
 * inside a 200, HTTP 500s, connection resets before and after the write, per-shard throttling. Every
 * acknowledged reading must be in the stream, and a device's readings must never overtake each other.
 */
describe('retries and ordering under injected Kinesis faults', () => {
  let upstream: Server;
  let upstreamUrl: string;
  let endpoint: KinesisEndpoint;
  let reader: KinesisClient;
  let tg: TestGateway | undefined;

  beforeAll(async () => {
    upstream = kinesalite({ createStreamMs: 0, shardLimit: 100 });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    reader = testKinesisClient(upstreamUrl);
  });
  afterEach(async () => {
    await tg?.stop();
    tg = undefined;
    await endpoint?.close();
  });
  afterAll(async () => {
    reader?.destroy();
    await new Promise<void>((r) => upstream.close(() => r()));
    upstream.closeAllConnections();
  });

  /** Runs `devices` × `perDevice` QoS 1 readings through a gateway whose Kinesis is the fault endpoint. */
  async function drive(
    stream: string,
    devices: number,
    perDevice: number,
    configure: (ep: KinesisEndpoint) => void,
  ): Promise<{ acked: Map<string, number[]>; stored: Map<string, TelemetryRecord[]> }> {
    endpoint = await startKinesisEndpoint({ upstream: upstreamUrl });
    configure(endpoint);
    tg = await startTestGateway(['--kinesis-endpoint', endpoint.endpoint, '--stream', stream, '--retry-base-ms', '5', '--retry-max-ms', '50', '--request-timeout-ms', '2000']);
    const ids = Array.from({ length: devices }, (_, i) => `${stream}-dev-${i}`);
    const clients = await Promise.all(ids.map((id) => connectDevice(tg!.gateway.mqttPort, id)));
    const acked = new Map<string, number[]>(ids.map((id) => [id, []]));
    await Promise.all(
      clients.map(async (client, i) => {
        const id = ids[i] as string;
        await Promise.all(
          Array.from({ length: perDevice }, (_, n) =>
            client.publishAsync(`devices/${id}/telemetry`, JSON.stringify({ n }), { qos: 1 }).then(() => acked.get(id)?.push(n)),
          ),
        );
      }),
    );
    await closeAll(clients);
    const records = (await readStream(reader, stream)).map(parseRecord);
    const stored = new Map<string, TelemetryRecord[]>(ids.map((id) => [id, records.filter((r) => r.deviceId === id)]));
    return { acked, stored };
  }

  function expectComplete(acked: Map<string, number[]>, stored: Map<string, TelemetryRecord[]>, perDevice: number, allowDuplicates: boolean): void {
    for (const [id, ns] of acked) {
      expect(ns).toHaveLength(perDevice);
      const seqs = (stored.get(id) ?? []).map((r) => r.seq);
      // Never overtaken: the first occurrences of a device's sequence numbers are strictly increasing. A write whose
      // response was lost is sent again whole, so duplicates replay a batch (1..30, 1..30) but never reorder.
      const firsts = seqs.filter((seq, i) => seqs.indexOf(seq) === i);
      expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
      if (!allowDuplicates) expect(firsts).toHaveLength(seqs.length);
      const readings = new Set((stored.get(id) ?? []).map((r) => r.reading['n'] as number));
      expect(ns.filter((n) => !readings.has(n))).toEqual([]);
    }
  }

  it('retries only the failed entries of a 200 with FailedRecordCount > 0', async () => {
    // The first 8 requests fail their first entry (and 40% of the rest), alternating the two per-entry error
    // codes. A failed entry always causes another request, so both codes are certain to occur.
    const plan = (ctx: { requestIndex: number }): PutRecordsFault | undefined =>
      ctx.requestIndex < 8
        ? {
            kind: 'partial',
            errorCode: ctx.requestIndex % 2 === 0 ? 'ProvisionedThroughputExceededException' : 'InternalFailure',
            failIndexes: [0],
            failRatio: 0.4,
          }
        : undefined;
    const { acked, stored } = await drive('partial', 16, 40, (ep) => ep.setPutRecordsFault(plan));
    expect(endpoint.stats().entriesFailed['ProvisionedThroughputExceededException'] ?? 0).toBeGreaterThan(0);
    expectComplete(acked, stored, 40, false);
    const m = await (await fetch(`http://127.0.0.1:${tg!.gateway.httpPort}/metrics`)).text();
    expect(m).toMatch(/tidegate_sink_entries_failed_total\{error_code="InternalFailure"\} [1-9]/);
  });

  it('retries whole requests that failed with HTTP 500 or a reset before the write, without duplicates', async () => {
    const { acked, stored } = await drive('whole', 12, 40, (ep) =>
      ep.setPutRecordsFault(({ requestIndex }) =>
        requestIndex % 3 === 0
          ? { kind: 'http-error', status: 500, errorType: 'InternalFailure', message: 'Internal service failure.' }
          : requestIndex % 3 === 1
            ? { kind: 'reset-before' }
            : undefined,
      ),
    );
    const s = endpoint.stats();
    expect(s.httpErrorsInjected + s.resetsInjected).toBeGreaterThan(0);
    expectComplete(acked, stored, 40, false);
  });

  it('keeps order when a response is lost after the write (at-least-once: duplicates, never reordering)', async () => {
    const { acked, stored } = await drive('lost', 10, 30, (ep) =>
      ep.setPutRecordsFault(({ requestIndex }) => (requestIndex % 3 === 0 ? { kind: 'reset-after' } : undefined)),
    );
    expect(endpoint.stats().resetsInjected).toBeGreaterThan(0);
    expectComplete(acked, stored, 30, true);
  });

  it('keeps order and loses nothing when shards throttle like AWS', async () => {
    // Far below the real 1 MiB/s, so the gateway's own per-shard limiter (which aims at the real limits) runs into
    // the endpoint's throttling and has to adapt. The bucket still holds one full aggregate (75,000 bytes by
    // default), as AWS's 1 MiB bucket holds any valid record.
    const { acked, stored } = await drive('throttled', 40, 100, (ep) =>
      ep.throttle({ recordsPerSecond: 1000, bytesPerSecond: 128 * 1024, burstSeconds: 1 }),
    );
    expect(endpoint.stats().entriesFailed['ProvisionedThroughputExceededException'] ?? 0).toBeGreaterThan(0);
    expectComplete(acked, stored, 100, false);
  });
});
