import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAsync } from 'mqtt';
import type { MqttClient } from 'mqtt';
import { DeviceConnection } from '../../bench/loadgen/connection.js';
import { startRawAedes } from '../../bench/loadgen/raw-aedes.js';
import type { RawAedes } from '../../bench/loadgen/raw-aedes.js';
import { runLoad } from '../../bench/loadgen/run.js';

const CONNECTIONS = 3;
const MESSAGES = 200;

/** Subscribes to all telemetry and records each device's counters in arrival order. */
async function subscribeAll(port: number): Promise<{ client: MqttClient; seen: Map<string, number[]>; total: () => number }> {
  const client = await connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: `it-sub-${process.pid}`, reconnectPeriod: 0 });
  const seen = new Map<string, number[]>();
  let total = 0;
  client.on('message', (topic, payload) => {
    const list = seen.get(topic) ?? [];
    list.push((JSON.parse(payload.toString('utf8')) as { n: number }).n);
    seen.set(topic, list);
    total++;
  });
  await client.subscribeAsync('devices/+/telemetry', { qos: 1 });
  return { client, seen, total: () => total };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('loadgen against a raw aedes broker', () => {
  let broker: RawAedes;

  beforeAll(async () => {
    broker = await startRawAedes({ port: 0 });
  });

  afterAll(async () => {
    await broker.close();
  });

  it.each([0, 1] as const)('QoS %i: every message arrives, in per-device order', async (qos) => {
    const sub = await subscribeAll(broker.port);
    try {
      const prefix = `it-q${qos}`;
      const result = await runLoad({
        port: broker.port,
        connections: CONNECTIONS,
        qos,
        messagesPerConnection: MESSAGES,
        payloadBytes: 160,
        clientIdPrefix: prefix,
        workers: 2,
      });
      expect(result.errors).toBe(0);
      expect(result.sent).toBe(CONNECTIONS * MESSAGES);
      if (qos === 1) {
        expect(result.acked).toBe(CONNECTIONS * MESSAGES);
        expect(result.latencyMs).not.toBeNull();
      } else {
        expect(result.acked).toBe(0);
        expect(result.latencyMs).toBeNull();
      }
      expect(result.generatorCpu.eventLoopUtilization).toHaveLength(2);
      expect(result.generatorCpu.userMs + result.generatorCpu.systemMs).toBeGreaterThan(0);

      await waitFor(() => sub.total() >= CONNECTIONS * MESSAGES, 10_000);
      const expected = Array.from({ length: MESSAGES }, (_, i) => i);
      for (let i = 0; i < CONNECTIONS; i++) {
        expect(sub.seen.get(`devices/${prefix}-${i}/telemetry`), `device ${i}`).toEqual(expected);
      }
      expect(sub.total()).toBe(CONNECTIONS * MESSAGES);
    } finally {
      await sub.client.endAsync();
    }
  });

  it('paces a rate-limited QoS 1 run and still acknowledges everything', async () => {
    const result = await runLoad({
      port: broker.port,
      connections: 2,
      qos: 1,
      messagesPerConnection: 30,
      ratePerConnection: 300,
      inflight: 5,
      clientIdPrefix: 'it-rate',
    });
    expect(result).toMatchObject({ sent: 60, acked: 60, errors: 0 });
  });
});

describe('connection refusal', () => {
  let server: Server;
  let port: number;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // Answers any CONNECT with CONNACK return code 5 (not authorized).
    server = createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.once('data', () => socket.write(Buffer.from([0x20, 0x02, 0x00, 0x05])));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('DeviceConnection.connect rejects with the CONNACK reason', async () => {
    const conn = new DeviceConnection({ host: '127.0.0.1', port, clientId: 'refused-1' });
    await expect(conn.connect()).rejects.toThrow(/refused-1: broker refused connection: CONNACK return code 5 \(not authorized\)/);
    await conn.close();
  });

  it('runLoad rejects instead of benchmarking a partial fleet', async () => {
    await expect(runLoad({ port, connections: 2, qos: 1, messagesPerConnection: 1, clientIdPrefix: 'refused' }))
      .rejects.toThrow(/2 of 2 connections failed; first: .*not authorized/);
  });
});
