declare module 'aedes-persistence-redis' {
  /** The options this project passes (ioredis connection options plus the persistence's own). */
  export interface AedesPersistenceRedisOptions {
    host?: string;
    port?: number;
    username?: string;
    password?: string;
    db?: number;
    tls?: Record<string, unknown>;
    /** Offline messages delivered when a persistent session reconnects. Default 1000. */
    maxSessionDelivery?: number;
    /** Seconds an offline message is kept; 0 (default) keeps it until delivered. */
    packetTTL?: (packet: unknown) => number;
  }

  /** An aedes persistence (callback API); `destroy` disconnects its Redis connection. */
  export interface AedesPersistenceRedis {
    setup(broker: unknown): Promise<void>;
    destroy(cb?: (err?: Error) => void): void;
  }

  export default function aedesPersistenceRedis(options?: AedesPersistenceRedisOptions): AedesPersistenceRedis;
}
