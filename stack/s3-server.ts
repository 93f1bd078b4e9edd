/**
 * The embedded S3 API server of local mode: s3rver (a real S3 REST API over HTTP, objects stored as files under
 * `dir`), path-style, with the destination buckets created at start. The runner talks to it with the AWS SDK
 * exactly as it would to S3 (see {@link createS3Client}).
 *
 * s3rver facts (common/aws/README.md §8): credentials must be S3RVER/S3RVER, multipart upload is not implemented
 * (the runner uses single PutObject calls), and `aws-chunked` bodies are not decoded (the client sets WHEN_REQUIRED
 * checksums).
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { DeliveryError } from '../transforms/delivery/errors.js';

export { createS3Client, DEFAULT_S3_CLIENT_OPTIONS } from '../transforms/delivery/s3-writer/client.js';
export type { S3ClientOptions } from '../transforms/delivery/s3-writer/client.js';

export interface LocalS3Options {
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default 4569 (4568, s3rver's own default, collides with kinesis-local's HTTP port). */
  port?: number;
  /** Directory of the object store (e.g. `./data/s3`); created if missing. Objects survive restarts. */
  dir: string;
  /** Buckets created at start (existing ones are kept). Default `['telemetry-archive']`. */
  buckets?: readonly string[];
}

export const DEFAULT_LOCAL_S3_OPTIONS = {
  host: '127.0.0.1',
  port: 4569,
  buckets: ['telemetry-archive'],
} as const;

/** The only key pair s3rver accepts (it checks SigV4 signatures). */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface LocalS3 {
  /** `http://host:port`, for `createS3Client({ endpoint })`. */
  readonly endpoint: string;
  readonly port: number;
  readonly dir: string;
  /** Stops listening and closes every connection (keep-alive ones included). */
  close(): Promise<void>;
}

export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const host = options.host ?? DEFAULT_LOCAL_S3_OPTIONS.host;
  const port = options.port ?? DEFAULT_LOCAL_S3_OPTIONS.port;
  const buckets = options.buckets ?? DEFAULT_LOCAL_S3_OPTIONS.buckets;
  const fail = (err: unknown): DeliveryError =>
    new DeliveryError('TG_ERR_DELIVERY_LISTEN', `embedded S3 could not start on ${host}:${port} (${options.dir}): ${(err as Error).message}`, {
      cause: err,
      detail: { hint: 'another process may use the port, or the data directory is not writable' },
    });
  const s3rver = new S3rver({
    directory: options.dir,
    silent: true,
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  let server: Server;
  try {
    mkdirSync(options.dir, { recursive: true });
    await s3rver.configureBuckets();
    // Our own http.Server rather than s3rver.run(): run() leaves a listen error (EADDRINUSE) as an unhandled
    // 'error' event, which would crash the process instead of failing the start.
    server = createServer(s3rver.callback());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    s3rver.logger.close();
    throw fail(err);
  }
  const bound = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    port: bound,
    dir: options.dir,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => {
          s3rver.logger.close();
          if (err) reject(err);
          else resolve();
        });
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
