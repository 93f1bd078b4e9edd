/**
 * Scale-out: several gateways share MQTT sessions and message routing through Redis, with aedes's own distributed
 * engine — mqemitter-redis carries every publish to the broker where its subscribers are connected, and
 * aedes-persistence-redis keeps subscriptions, persistent sessions, offline queues, retained messages and wills
 * in Redis, so a device that reconnects to another gateway finds its session there. Each gateway still forwards
 * the readings it receives to Kinesis itself.
 */
import mqemitterRedis from 'mqemitter-redis';
import aedesPersistenceRedis, { type AedesPersistenceRedis } from 'aedes-persistence-redis';
import { GatewayError } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';

export interface RedisConnectionOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: Record<string, unknown>;
}

/** `redis://[user[:password]@]host[:port][/db]` or `rediss://…` (TLS) → ioredis connection options. */
export function parseRedisUrl(url: string): RedisConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new GatewayError('GW_ERR_CONFIG', `--cluster: "${url}" is not a URL (accepted: redis://host:port[/db], rediss://…)`, {
      detail: { setting: 'cluster' },
    });
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new GatewayError('GW_ERR_CONFIG', `--cluster: "${url}" must use redis:// or rediss://`, { detail: { setting: 'cluster' } });
  }
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) {
    throw new GatewayError('GW_ERR_CONFIG', `--cluster: database "${db}" is not a number`, { detail: { setting: 'cluster' } });
  }
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port === '' ? 6379 : Number(u.port),
    ...(u.username === '' ? {} : { username: decodeURIComponent(u.username) }),
    ...(u.password === '' ? {} : { password: decodeURIComponent(u.password) }),
    ...(db === '' ? {} : { db: Number(db) }),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** The URL without its password, for logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

export interface ClusterOptions {
  /** `redis://…` URL of the shared Redis. */
  url: string;
  logger: Logger;
  /** How long start-up waits for Redis, ms. Default 10,000. */
  connectTimeoutMs?: number;
}

/** What `startBroker` needs to join the cluster, and the connection state for `/readyz`. */
export interface ClusterBackend {
  /** The aedes `mq` (mqemitter-redis). aedes closes it when the broker closes. */
  readonly mq: unknown;
  /** The aedes `persistence` (aedes-persistence-redis). */
  readonly persistence: AedesPersistenceRedis;
  /** Whether the Redis connections are up. */
  readonly connected: boolean;
  readonly url: string;
  /**
   * The first epoch (ms) at or after `candidate` that no other gateway of the cluster reserved in the last day, so
   * each gateway run has its own `epoch` in the records it writes, and a device's readings from two gateways never
   * look like duplicates of each other.
   */
  reserveEpoch(candidate: number): Promise<number>;
  /**
   * Disconnects from Redis: the persistence, then the emitter. Closing the broker does the same (through the
   * emitter's close), so this is for a broker that never started. Idempotent.
   */
  destroy(): Promise<void>;
}

interface RedisConnection {
  status: string;
  disconnect(): void;
  /** A new connection with the same options (ioredis). */
  duplicate(): RedisConnection;
  on(event: 'error', listener: (err: Error) => void): unknown;
  once(event: 'ready', listener: () => void): unknown;
  off(event: 'ready', listener: () => void): unknown;
}

interface MqEmitterRedis {
  closing?: boolean;
  /** MQEmitter's own close (local listeners), which mqemitter-redis calls once its connections ended. */
  _close(cb: () => void): void;
  subConn: RedisConnection;
  pubConn: RedisConnection & { set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<string | null> };
  state: { on(event: 'error', listener: (err: Error) => void): unknown };
  close(cb: () => void): void;
}

function whenReady(conn: RedisConnection, timeoutMs: number): Promise<boolean> {
  if (conn.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const onReady = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      conn.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    conn.once('ready', onReady);
  });
}

/**
 * Connects to Redis and builds the broker's shared emitter and persistence. Fails with `GW_ERR_CLUSTER` when Redis
 * does not answer in time, instead of letting the broker wait forever.
 */
export async function connectCluster(options: ClusterOptions): Promise<ClusterBackend> {
  const { logger } = options;
  const connection = parseRedisUrl(options.url);
  const safeUrl = redactRedisUrl(options.url);
  // ioredis reconnects by itself; errors are logged (rate-limited to one per state change), never thrown.
  let lastError: string | undefined;
  const onError = (err: Error): void => {
    if (err.message === lastError) return;
    lastError = err.message;
    logger.warn({ redis: safeUrl, err: err.message }, 'cluster: Redis connection error');
  };
  // maxRetriesPerRequest null: while Redis is away, commands wait for it instead of failing after 20 reconnects
  // (a failed command inside aedes or its persistence would be an unhandled rejection). Readings do not wait: they
  // are acknowledged after Kinesis, before the broker hands them to Redis for routing.
  const mq = (mqemitterRedis as unknown as (o: object) => MqEmitterRedis)({ ...connection, maxRetriesPerRequest: null });
  mq.state.on('error', onError);
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  const ready = (await Promise.all([whenReady(mq.pubConn, timeoutMs), whenReady(mq.subConn, timeoutMs)])).every(Boolean);
  if (!ready) {
    // quit() would wait for a connection that never came: drop both and stop reconnecting.
    mq.pubConn.disconnect();
    mq.subConn.disconnect();
    throw new GatewayError('GW_ERR_CLUSTER', `cluster: Redis at ${safeUrl} did not answer within ${timeoutMs} ms`, {
      detail: { hint: 'start Redis or fix --cluster', cause: lastError },
    });
  }
  lastError = undefined;
  // Created when the broker takes it (its own Redis connection), so a gateway that fails before never opens it.
  // Its connection is a duplicate of the emitter's (same options), so its errors are logged like the emitter's rather
  // than printed by ioredis as unhandled, and /readyz sees its state.
  let persistence: AedesPersistenceRedis | undefined;
  let store: RedisConnection | undefined;
  const takePersistence = (): AedesPersistenceRedis => {
    if (persistence === undefined) {
      store = mq.pubConn.duplicate();
      store.on('error', onError);
      persistence = aedesPersistenceRedis({ conn: store });
    }
    return persistence;
  };
  // aedes closes its emitter when the broker closes, but never the persistence, which needs the emitter to
  // unsubscribe: so the emitter's close first destroys the persistence (disconnecting its Redis connection).
  let persistenceGone: Promise<void> | undefined;
  const destroyPersistence = (): Promise<void> =>
    (persistenceGone ??= new Promise<void>((resolve) => {
      if (persistence === undefined) return resolve();
      if (store?.status !== 'ready') {
        // Redis is away: the persistence's unsubscribe and disconnect would wait for it.
        store?.disconnect();
        return resolve();
      }
      // Without a callback, destroy() returns the async persistence's own promise. (With one, it first waits for a
      // 'ready' event that aedes 1.x's async setup never emits.) The timer bounds a Redis that stopped answering.
      const timer = setTimeout(resolve, 5000);
      Promise.resolve(persistence.destroy()).then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (err: unknown) => {
          clearTimeout(timer);
          logger.warn({ err: (err as Error).message }, 'cluster: closing the session store failed');
          resolve();
        },
      );
    }));
  const closeEmitter = mq.close.bind(mq);
  mq.close = (cb: () => void): void => {
    void destroyPersistence().finally(() => {
      if (mq.pubConn.status === 'ready' && mq.subConn.status === 'ready') {
        closeEmitter(cb);
        return;
      }
      // Redis is away: QUIT would wait for it forever. Drop the connections and close the local side.
      store?.disconnect();
      mq.closing = true;
      mq.pubConn.disconnect();
      mq.subConn.disconnect();
      mq._close(cb);
    });
  };
  logger.info({ redis: safeUrl }, 'cluster: sessions and routing shared through Redis');
  return {
    mq,
    get persistence() {
      return takePersistence();
    },
    url: safeUrl,
    get connected() {
      return mq.pubConn.status === 'ready' && mq.subConn.status === 'ready' && (store === undefined || store.status === 'ready');
    },
    async reserveEpoch(candidate) {
      for (let epoch = candidate; epoch < candidate + 10_000; epoch++) {
        const won = await mq.pubConn.set(`tidegate:epoch:${epoch}`, String(process.pid), 'PX', 86_400_000, 'NX');
        if (won === 'OK') return epoch;
      }
      throw new GatewayError('GW_ERR_CLUSTER', 'cluster: no free epoch in 10,000 ms after the start time');
    },
    destroy: () => new Promise<void>((resolve) => mq.close(() => resolve())),
  };
}
