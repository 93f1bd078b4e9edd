/**
 * Scale-out: several gateways share MQTT sessions and message routing through Redis, with aedes's own distributed
 * engine — mqemitter-redis carries every publish to the broker where its subscribers are connected, and
 * aedes-persistence-redis keeps subscriptions, persistent sessions, offline queues, retained messages and wills
 * in Redis, so a device that reconnects to another gateway finds its session there. Each gateway still forwards
 * the readings it receives to Kinesis itself.
 */
import mqemitterRedis from 'mqemitter-redis';
import aedesPersistenceRedis, { type AedesPersistenceRedis } from 'aedes-persistence-redis';
import { GatewayError } from '../errors.js';
import type { Logger } from '../logger.js';

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
   * Disconnects from Redis: the persistence, then the emitter. Closing the broker does the same (through the
   * emitter's close), so this is for a broker that never started. Idempotent.
   */
  destroy(): Promise<void>;
}

interface RedisConnection {
  status: string;
  once(event: 'ready', listener: () => void): unknown;
  off(event: 'ready', listener: () => void): unknown;
}

interface MqEmitterRedis {
  subConn: RedisConnection;
  pubConn: RedisConnection;
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
  const mq = (mqemitterRedis as unknown as (o: object) => MqEmitterRedis)({ ...connection });
  mq.state.on('error', onError);
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  const ready = (await Promise.all([whenReady(mq.pubConn, timeoutMs), whenReady(mq.subConn, timeoutMs)])).every(Boolean);
  if (!ready) {
    await new Promise<void>((resolve) => mq.close(() => resolve()));
    throw new GatewayError('GW_ERR_CLUSTER', `cluster: Redis at ${safeUrl} did not answer within ${timeoutMs} ms`, {
      detail: { hint: 'start Redis or fix --cluster', cause: lastError },
    });
  }
  lastError = undefined;
  const persistence = aedesPersistenceRedis({ ...connection });
  // aedes closes its emitter when the broker closes, but never the persistence, which needs the emitter to
  // unsubscribe: so the emitter's close first destroys the persistence (disconnecting its Redis connection).
  let persistenceGone: Promise<void> | undefined;
  const destroyPersistence = (): Promise<void> =>
    (persistenceGone ??= new Promise<void>((resolve) => {
      // CallBackPersistence waits for its setup before destroying; a broker that never started never sets it up.
      const timer = setTimeout(resolve, 2000);
      persistence.destroy(() => {
        clearTimeout(timer);
        resolve();
      });
    }));
  const closeEmitter = mq.close.bind(mq);
  mq.close = (cb: () => void): void => {
    void destroyPersistence().finally(() => closeEmitter(cb));
  };
  logger.info({ redis: safeUrl }, 'cluster: sessions and routing shared through Redis');
  return {
    mq,
    persistence,
    url: safeUrl,
    get connected() {
      return mq.pubConn.status === 'ready' && mq.subConn.status === 'ready';
    },
    destroy: () => new Promise<void>((resolve) => mq.close(() => resolve())),
  };
}
