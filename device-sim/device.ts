/**
 * One simulated device on the wire: connects with its own client id, publishes what its reading source emits on
 * every tick, keeps at most `inflight` QoS 1 publishes unacknowledged, buffers while offline, and reconnects with
 * jittered exponential backoff when the connection drops. Unacknowledged messages are published again after a
 * reconnect: with CleanSession = 1 the protocol redelivers nothing ([MQTT-4.4.0-1] covers only sessions that
 * survive), so the device does it itself — at least once, like real firmware with a local buffer.
 */
import { performance } from 'node:perf_hooks';
import type { Histogram } from 'hdr-histogram-js';
import type { MqttClient } from 'mqtt';
import { closeClient, reconnectDelay, type ConnectionFactory } from './connection.js';
import type { AckHook, ResolvedFleetOptions } from './options.js';
import type { DevicePlan } from './plan.js';
import { createRng } from './prng.js';
import type { Emission, ReadingSource } from './reading-source.js';
import type { Counters } from './stats.js';

export interface DeviceEnv {
  options: ResolvedFleetOptions;
  counters: Counters;
  /** publish→PUBACK latencies of this thread, µs. A getter: the fleet swaps it every period. */
  latency(): Histogram;
  connect: ConnectionFactory;
  noteError(message: string): void;
  onAck?: AckHook;
}

export interface SimDevice {
  readonly id: string;
  /** First connection attempt: true on CONNACK, false if it failed (the device keeps retrying). */
  start(): Promise<boolean>;
  /** Resolves once the device emitted all its ticks and drained, or was stopped. */
  readonly finished: Promise<void>;
  /** Stops emitting, waits up to `drainMs` for outstanding acknowledgements, then disconnects. */
  stop(drainMs: number): Promise<void>;
  /** Messages queued or in flight. */
  pending(): number;
}

type Sendable = Exclude<Emission, { kind: 'skip' }>;

interface Outgoing {
  emission: Sendable;
  /** Published before (so a later publish is a resend). */
  published: boolean;
}

export function createSimDevice(plan: DevicePlan, source: ReadingSource, env: DeviceEnv): SimDevice {
  const o = env.options;
  const counters = env.counters;
  // Backoff and phase jitter have their own stream: network timing must not shift the sensor values.
  const jitter = createRng(o.seed, plan.id, 'net');
  const queue: Outgoing[] = [];
  const inflight = new Set<Outgoing>();
  let client: MqttClient | undefined;
  let generation = 0; // bumps when a connection ends; callbacks of older connections are ignored
  let online = false;
  let everConnected = false;
  let failedFirst = false;
  let failedAttempts = 0;
  let expectClose = false;
  let pumping = false;
  let stopped = false;
  let emitting = false;
  let doneEmitting = false;
  let ticks = 0;
  let emitUntil = Number.POSITIVE_INFINITY;
  let tickTimer: NodeJS.Timeout | undefined;
  let nextTickAt = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  let drainWaiter: (() => void) | undefined;
  let settleStart: (ok: boolean) => void = () => undefined;
  let settleFinished: () => void = () => undefined;
  const started = new Promise<boolean>((resolve) => (settleStart = resolve));
  const finished = new Promise<void>((resolve) => (settleFinished = resolve));

  const idle = (): boolean => queue.length === 0 && inflight.size === 0;

  function connect(): void {
    if (stopped) return;
    const gen = generation;
    try {
      client = env.connect(plan);
    } catch (err) {
      // A bad source address or TLS option throws while the socket is built.
      lost(gen, err);
      return;
    }
    client.on('connect', () => gen === generation && connected());
    client.on('close', () => lost(gen, undefined));
    client.on('error', (err) => lost(gen, err));
  }

  function connected(): void {
    online = true;
    failedAttempts = 0;
    counters.online++;
    if (!everConnected) {
      everConnected = true;
      counters.connected++;
      if (failedFirst) counters.failed--;
      settleStart(true);
    } else {
      counters.reconnects++;
    }
    pump();
  }

  function lost(gen: number, err: unknown): void {
    if (gen !== generation || stopped) return;
    generation++;
    void closeClient(client, false);
    client = undefined;
    const message = err instanceof Error ? err.message : 'connection closed';
    if (online) {
      online = false;
      counters.online--;
      if (!expectClose) {
        counters.connectionLosses++;
        counters.errors++;
        env.noteError(`${plan.id}: connection lost: ${message}`);
      }
    } else {
      counters.connectFailures++;
      counters.errors++;
      env.noteError(`${plan.id}: connect failed: ${message}`);
      if (!everConnected && !failedFirst) {
        failedFirst = true;
        counters.failed++;
        settleStart(false);
      }
    }
    expectClose = false;
    // Unacknowledged messages go back to the front, in order, to be resent; the wrong-topic payload that made the
    // gateway close the connection is not worth a second close.
    const resend = [...inflight].filter((m) => !(m.emission.kind === 'bad' && m.emission.badKind === 'wrong-topic'));
    inflight.clear();
    queue.unshift(...resend);
    scheduleReconnect();
  }

  function scheduleReconnect(): void {
    failedAttempts++;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect();
    }, reconnectDelay(failedAttempts, o.reconnectBaseMs, o.reconnectMaxMs, jitter));
  }

  function beginEmitting(): void {
    if (stopped || doneEmitting) return;
    emitting = true;
    // A random phase spreads the fleet's readings over the interval instead of bursts at the ramp's pace.
    nextTickAt = performance.now() + jitter.next() * o.intervalMs;
    scheduleTick();
  }

  /**
   * Readings follow a fixed schedule (power-on + phase + k·interval), not setInterval, whose lateness
   * accumulates. A tick that fires late still counts as taken at its scheduled time (its `ts` says so), so an
   * overloaded event loop delays readings but never loses them: `--duration` and `--count` give exact counts.
   */
  function scheduleTick(): void {
    if (nextTickAt >= emitUntil) return endEmitting();
    tickTimer = setTimeout(() => {
      const scheduledAt = nextTickAt;
      nextTickAt += o.intervalMs;
      tick(Date.now() - (performance.now() - scheduledAt));
      if (emitting) scheduleTick();
    }, nextTickAt - performance.now());
  }

  function tick(ts: number): void {
    ticks++;
    const e = source.next(Math.round(ts));
    if (e.kind !== 'bad' && e.anomaly !== undefined) counters.anomalies++;
    if (e.kind === 'skip') {
      counters.skipped++;
    } else {
      if (queue.length >= o.maxQueue) {
        queue.shift();
        counters.dropped++;
      }
      queue.push({ emission: e, published: false });
      pump();
    }
    if (o.count !== undefined && ticks >= o.count) endEmitting();
  }

  function endEmitting(): void {
    if (doneEmitting) return;
    emitting = false;
    doneEmitting = true;
    clearTimeout(tickTimer);
    if (idle()) return settleFinished();
    // A device whose messages are never acknowledged still finishes, after the drain timeout; stop() counts
    // what is left as abandoned.
    drainTimer = setTimeout(settleFinished, o.drainTimeoutMs);
  }

  function pump(): void {
    if (pumping) return; // a QoS 0 callback runs inside publish(); the outer loop carries on
    pumping = true;
    try {
      while (online && client !== undefined && queue.length > 0 && inflight.size < o.inflight) publish(client, queue.shift()!);
    } finally {
      pumping = false;
    }
  }

  function publish(c: MqttClient, m: Outgoing): void {
    const e = m.emission;
    const gen = generation;
    inflight.add(m);
    if (e.kind === 'reading') {
      if (m.published) counters.resent++;
      else counters.sent++;
    } else if (!m.published) {
      counters.bad++;
    }
    m.published = true;
    if (e.kind === 'bad' && e.badKind === 'wrong-topic') expectClose = true;
    const t0 = performance.now();
    c.publish(e.topic, e.payload, { qos: o.qos }, (err) => {
      if (gen !== generation) return; // that connection is gone; lost() requeued the message
      inflight.delete(m);
      if (err !== undefined && err !== null) {
        counters.publishErrors++;
        counters.errors++;
        env.noteError(`${plan.id}: publish failed: ${err.message}`);
      } else if (o.qos === 1) {
        if (e.kind === 'reading') {
          counters.acked++;
          env.latency().recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
          env.onAck?.({ deviceId: plan.id, n: e.n, ts: e.ts });
        } else {
          counters.badAcked++;
        }
      }
      pump();
      if (idle()) {
        drainWaiter?.();
        if (doneEmitting) {
          clearTimeout(drainTimer);
          settleFinished();
        }
      }
    });
  }

  return {
    id: plan.id,
    start() {
      if (stopped) return started;
      // Power-on: the device measures from now and buffers until it is connected, like real firmware. So the
      // duration counts from here, a slow CONNACK costs no readings, and a dead broker still ends on time.
      if (o.durationS !== undefined) emitUntil = performance.now() + o.durationS * 1000;
      beginEmitting();
      connect();
      return started;
    },
    finished,
    async stop(drainMs) {
      if (stopped) return;
      clearTimeout(tickTimer);
      emitting = false;
      if (online && !idle()) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, drainMs);
          drainWaiter = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
      stopped = true;
      generation++;
      clearTimeout(reconnectTimer);
      clearTimeout(drainTimer);
      // MQTT.js would hold a graceful DISCONNECT back until its in-flight publishes complete.
      const graceful = inflight.size === 0;
      counters.abandoned += queue.length + inflight.size;
      queue.length = 0;
      inflight.clear();
      if (online) {
        online = false;
        counters.online--;
      }
      const c = client;
      client = undefined;
      settleStart(everConnected);
      settleFinished();
      await closeClient(c, graceful);
    },
    pending: () => queue.length + inflight.size,
  };
}
