import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { telemetryTopic } from './connection-types.js';
import type { ConnectionResult, DeviceConnectionOptions, RunLimits } from './connection-types.js';
import { recordNs } from './histogram.js';
import { InflightWindow } from './inflight.js';
import { CONNACK_REASONS, DISCONNECT, encodeConnect, MqttDecoder, PINGREQ, PublishTemplate } from './packets.js';

/** Publishes per `socket.write()`: amortises the syscall while bounding how long one connection holds the thread. */
const MAX_BATCH = 64;

export { telemetryTopic };
export type { ConnectionResult, DeviceConnectionOptions, RunLimits };

const epochNow = (): number => performance.timeOrigin + performance.now();

/** One simulated device speaking raw MQTT 3.1.1 over a `node:net` socket. */
export class DeviceConnection {
  readonly clientId: string;
  private readonly options: DeviceConnectionOptions;
  private readonly qos: 0 | 1;
  private readonly window: InflightWindow;
  private readonly template: PublishTemplate;
  private readonly decoder: MqttDecoder;
  private socket: Socket | undefined;
  private counter = 0;
  private sent = 0;
  private acked = 0;
  private errors = 0;
  private lastError: string | undefined;
  private blocked = false;
  private sending = false;
  private pumpScheduled = false;
  private awaitingBarrier = false;
  private pingsOutstanding = 0;
  private limit = Number.POSITIVE_INFINITY;
  private deadline = Number.POSITIVE_INFINITY;
  private startTime = 0;
  private startedAt = 0;
  private lastWriteAt = 0;
  private chunkTime = 0;
  private pumpTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private drainTimeoutMs = 10_000;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private settleConnect: ((err?: Error) => void) | undefined;
  private settleRun: (() => void) | undefined;

  constructor(options: DeviceConnectionOptions) {
    this.options = options;
    this.clientId = options.clientId;
    this.qos = options.qos ?? 1;
    this.window = new InflightWindow(options.inflight ?? 50);
    if (options.ratePerSecond !== undefined && !(options.ratePerSecond > 0)) {
      throw new RangeError(`ratePerSecond must be > 0, got ${options.ratePerSecond}`);
    }
    this.template = new PublishTemplate({
      topic: telemetryTopic(options.clientId),
      qos: this.qos,
      payloadBytes: options.payloadBytes ?? 150,
    });
    this.decoder = new MqttDecoder({
      onConnack: (code) => this.onConnack(code),
      onPuback: (id) => this.onPuback(id),
      onPingresp: () => this.onPingresp(),
      onOther: (type) => this.fail(`unexpected packet type ${type} from broker`),
    });
  }

  /** Opens the socket and resolves on CONNACK 0; rejects with the broker's reason otherwise. */
  connect(): Promise<void> {
    if (this.socket !== undefined) return Promise.reject(new Error(`${this.clientId}: connect() called twice`));
    const { host, port, localAddress } = this.options;
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settleConnect?.(new Error(`${this.clientId}: no CONNACK from ${host}:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.settleConnect = (err) => {
        clearTimeout(timer);
        this.settleConnect = undefined;
        if (err === undefined) {
          this.startKeepalive();
          resolve();
          return;
        }
        this.socket?.destroy();
        reject(err);
      };
      const socket = netConnect({ host, port, noDelay: true, ...(localAddress === undefined ? {} : { localAddress }) });
      this.socket = socket;
      socket.on('connect', () => {
        this.write(encodeConnect({
          clientId: this.clientId,
          keepaliveSec: this.options.keepaliveSec ?? 60,
          clean: true,
          ...(this.options.username === undefined ? {} : { username: this.options.username }),
          ...(this.options.password === undefined ? {} : { password: this.options.password }),
        }));
      });
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('drain', () => {
        this.blocked = false;
        this.pump();
      });
      socket.on('error', (err) => {
        this.settleConnect?.(new Error(`${this.clientId}: ${err.message}`));
        this.fail(err.message);
      });
      socket.on('close', () => {
        clearInterval(this.keepaliveTimer);
        this.settleConnect?.(new Error(`${this.clientId}: connection closed before CONNACK`));
        if (this.sending || this.settleRun !== undefined) this.fail('connection closed by broker');
        this.finish();
      });
    });
  }

  /** Publishes until a limit is reached, then waits for acknowledgements (QoS 1) or a PINGRESP barrier (QoS 0). */
  run(limits: RunLimits): Promise<ConnectionResult> {
    if (this.socket === undefined || this.socket.destroyed) {
      return Promise.reject(new Error(`${this.clientId}: run() before connect() succeeded`));
    }
    if (limits.durationMs === undefined && limits.messages === undefined) {
      return Promise.reject(new Error('run() needs durationMs or messages'));
    }
    return new Promise<ConnectionResult>((resolve) => {
      this.settleRun = () => {
        this.settleRun = undefined;
        resolve({
          sent: this.sent,
          acked: this.acked,
          errors: this.errors,
          ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
          startedAt: this.startedAt,
          finishedAt: epochNow(),
        });
      };
      this.drainTimeoutMs = limits.drainTimeoutMs ?? 10_000;
      this.startTime = performance.now() + (limits.startOffsetMs ?? 0);
      this.startedAt = epochNow();
      this.limit = this.sent + (limits.messages ?? Number.POSITIVE_INFINITY);
      this.sending = true;
      if (limits.durationMs !== undefined) {
        this.deadline = this.startTime + limits.durationMs;
        // QoS 1 only pumps on PUBACKs; a stalled broker must still end the run on time.
        this.deadlineTimer = setTimeout(() => this.finishSending(), limits.durationMs + (limits.startOffsetMs ?? 0));
      }
      this.pump();
    });
  }

  /** Sends DISCONNECT and closes the socket; safe to call at any time. */
  async close(): Promise<void> {
    this.clearTimers();
    clearInterval(this.keepaliveTimer);
    const socket = this.socket;
    if (socket === undefined || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => socket.destroy(), 2_000);
      socket.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      if (socket.writable) socket.end(DISCONNECT);
      else socket.destroy();
    });
  }

  private pump(): void {
    if (!this.sending || this.blocked) return;
    const now = performance.now();
    if (now >= this.deadline || this.sent >= this.limit) {
      this.finishSending();
      return;
    }
    let budget = Math.min(MAX_BATCH, this.limit - this.sent);
    if (this.qos === 1) budget = Math.min(budget, this.window.capacity - this.window.size);
    const rate = this.options.ratePerSecond;
    if (rate !== undefined) {
      const due = Math.floor(((now - this.startTime) * rate) / 1000) + 1;
      if (due <= this.sent) {
        const nextDueAt = this.startTime + (this.sent * 1000) / rate;
        this.schedule(Math.max(1, Math.ceil(nextDueAt - now)));
        return;
      }
      budget = Math.min(budget, due - this.sent);
    }
    if (budget <= 0) return; // QoS 1 window full: the next PUBACK pumps again.
    this.writeBatch(budget, now);
    if (this.blocked || (this.qos === 1 && this.window.size >= this.window.capacity)) return;
    // Yield between batches so other connections in this thread and incoming PUBACKs get a turn.
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    const run = (): void => {
      this.pumpScheduled = false;
      this.pumpTimer = undefined;
      this.pump();
    };
    // Only the scheduled callback clears the flag, so direct pumps (drain, PUBACK) never fork a second loop.
    if (delayMs === 0) setImmediate(run);
    else this.pumpTimer = setTimeout(run, delayMs);
  }

  private writeBatch(count: number, now: number): void {
    const size = this.template.length;
    const buf = Buffer.allocUnsafe(size * count);
    for (let i = 0; i < count; i++) {
      const packetId = this.qos === 1 ? this.window.take(now) : 0;
      this.template.writeInto(buf, i * size, this.counter++, packetId);
    }
    this.sent += count;
    this.write(buf);
  }

  private write(buf: Buffer): void {
    const socket = this.socket;
    if (socket === undefined || !socket.writable) return;
    this.lastWriteAt = performance.now();
    if (!socket.write(buf)) this.blocked = true;
  }

  private finishSending(): void {
    if (!this.sending) return;
    this.sending = false;
    this.clearTimers();
    this.drainTimer = setTimeout(() => {
      const unacked = this.window.size;
      if (this.qos === 1 && unacked > 0) {
        this.fail(`${unacked} publishes unacknowledged ${this.drainTimeoutMs} ms after sending stopped`, unacked);
      } else if (this.awaitingBarrier) {
        this.fail(`no PINGRESP ${this.drainTimeoutMs} ms after sending stopped`);
      }
      this.finish();
    }, this.drainTimeoutMs);
    if (this.qos === 0) {
      // The broker handles a connection's packets in order, so the PINGRESP proves it has
      // read every publish before it: QoS 0 throughput then counts processed, not buffered, data.
      this.awaitingBarrier = true;
      this.ping();
    } else if (this.window.size === 0) {
      this.finish();
    }
  }

  private finish(): void {
    this.sending = false;
    this.awaitingBarrier = false;
    this.clearTimers();
    this.settleRun?.();
  }

  private onData(chunk: Buffer): void {
    this.chunkTime = performance.now();
    try {
      this.decoder.push(chunk);
    } catch (err) {
      this.fail(`protocol error: ${(err as Error).message}`);
      this.socket?.destroy();
      return;
    }
    if (this.qos === 1) {
      if (this.sending) this.pump();
      else if (this.settleRun !== undefined && this.window.size === 0) this.finish();
    }
  }

  private onConnack(code: number): void {
    if (this.settleConnect === undefined) {
      this.fail('unexpected CONNACK');
      return;
    }
    if (code === 0) this.settleConnect();
    else {
      const reason = CONNACK_REASONS[code] ?? 'unknown';
      this.settleConnect(new Error(`${this.clientId}: broker refused connection: CONNACK return code ${code} (${reason})`));
    }
  }

  private onPuback(packetId: number): void {
    const sentAt = this.window.release(packetId);
    if (sentAt === undefined) {
      this.fail(`PUBACK for packet id ${packetId} that is not in flight`);
      return;
    }
    this.acked++;
    if (this.options.latency !== undefined) recordNs(this.options.latency, (this.chunkTime - sentAt) * 1e6);
  }

  private onPingresp(): void {
    this.pingsOutstanding = Math.max(0, this.pingsOutstanding - 1);
    if (this.awaitingBarrier && this.pingsOutstanding === 0) this.finish();
  }

  private ping(): void {
    this.pingsOutstanding++;
    this.write(PINGREQ);
  }

  private startKeepalive(): void {
    const keepaliveMs = (this.options.keepaliveSec ?? 60) * 1000;
    if (keepaliveMs === 0) return;
    this.lastWriteAt = performance.now();
    // The broker drops clients silent for 1.5× keep-alive; long connect phases or slow rates need pings.
    this.keepaliveTimer = setInterval(() => {
      if (performance.now() - this.lastWriteAt >= keepaliveMs / 2) this.ping();
    }, keepaliveMs / 2);
    this.keepaliveTimer.unref();
  }

  private fail(message: string, count = 1): void {
    this.errors += count;
    this.lastError = message;
  }

  private clearTimers(): void {
    // A pending setImmediate pump may still run; it is harmless because `sending` is false.
    if (this.pumpTimer !== undefined) this.pumpScheduled = false;
    clearTimeout(this.pumpTimer);
    clearTimeout(this.deadlineTimer);
    clearTimeout(this.drainTimer);
    this.pumpTimer = this.deadlineTimer = this.drainTimer = undefined;
  }
}
