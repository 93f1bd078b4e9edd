import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import kinesalite from 'kinesalite';
import { GatewayError } from '../common/errors.js';

export interface LocalKinesisOptions {
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default 4567. */
  port?: number;
  /** Directory of the LevelDB store, so a restart keeps streams and records; in memory when unset. */
  path?: string;
  /** Most shards per account, as Kinesis enforces per region. Default 100. */
  shardLimit?: number;
  /** How long CREATING lasts, ms. Default 50 (AWS takes seconds; locally there is no reason to wait). */
  createStreamMs?: number;
}

/**
 * kinesalite opens its LevelDB store in the background and reports a failure (the store locked by another
 * process) as an unhandled error; opening it once here first turns that into a clear startup error.
 */
async function probeStore(path: string): Promise<void> {
  const require = createRequire(import.meta.url);
  const leveldown = require('leveldown') as (location: string) => {
    open(cb: (err?: Error) => void): void;
    close(cb: (err?: Error) => void): void;
  };
  const db = leveldown(path);
  await new Promise<void>((resolve, reject) =>
    db.open((err) =>
      err
        ? reject(
            new GatewayError('GW_ERR_DATA_DIR_LOCKED', `embedded Kinesis store ${path} cannot be opened: ${err.message}`, {
              cause: err,
              detail: { hint: 'another process uses this data directory' },
            }),
          )
        : db.close(() => resolve()),
    ),
  );
}

export interface LocalKinesis {
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The embedded Kinesis API server of local mode (kinesalite: the real Kinesis JSON/CBOR API, MD5 shard routing,
 * shard iterators and sequence numbers, persisted in LevelDB).
 */
export async function startLocalKinesis(options: LocalKinesisOptions = {}): Promise<LocalKinesis> {
  const host = options.host ?? '127.0.0.1';
  if (options.path !== undefined) {
    mkdirSync(options.path, { recursive: true });
    await probeStore(options.path);
  }
  const server = kinesalite({
    ...(options.path === undefined ? {} : { path: options.path }),
    shardLimit: options.shardLimit ?? 100,
    createStreamMs: options.createStreamMs ?? 50,
    deleteStreamMs: 50,
    updateStreamMs: 50,
  });
  // LevelDB reports a store held by another process asynchronously, as an 'error' on the server.
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(
        new GatewayError('GW_ERR_LISTEN', `embedded Kinesis could not start on ${host}:${options.port ?? 4567}: ${err.message}`, {
          cause: err,
          detail: { hint: 'another process may use the port or the data directory' },
        }),
      );
    };
    server.once('error', onError);
    server.listen(options.port ?? 4567, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err?: Error) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
