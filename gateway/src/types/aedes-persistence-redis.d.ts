declare module 'aedes-persistence-redis' {
  /** The options this project passes (ioredis connection options plus the persistence's own). */
  export interface AedesPersistenceRedisOptions {
    host?: string;
    port?: number;
    username?: string;
    password?: string;
    db?: number;
    tls?: Record<string, unknown>;
    /** An existing ioredis connection to use instead of opening one. */
    conn?: unknown;
    /** Offline messages delivered when a persistent session reconnects. Default 1000. */
    maxSessionDelivery?: number;
    /** Seconds an offline message is kept; 0 (default) keeps it until delivered. */
    packetTTL?: (packet: unknown) => number;
  }

  /** An aedes persistence (callback API); `destroy` disconnects its Redis connection. */
  export interface AedesPersistenceRedis {
    setup(broker: unknown): Promise<void>;
    /** Without a callback: the promise of the underlying async persistence. */
    destroy(): Promise<void>;
    destroy(cb: (err?: Error) => void): void;
  }

  export default function aedesPersistenceRedis(options?: AedesPersistenceRedisOptions): AedesPersistenceRedis;
}
