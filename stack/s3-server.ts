/**
 * The embedded S3 API server of local mode: s3rver (a real S3 REST API over HTTP, objects stored as files under
 * `dir`), path-style, with the destination buckets created at start. The runner talks to it with the AWS SDK
 * exactly as it would to S3 (see {@link createS3Client}).
 *
 * s3rver facts (common/aws/README.md §8): credentials must be S3RVER/S3RVER, multipart upload is not implemented
 * (the runner uses single PutObject calls), and `aws-chunked` bodies are not decoded (the client sets WHEN_REQUIRED
 * checksums).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import S3rver, { type S3rverStore } from 's3rver';
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
  commitWholeObjectsOnly(s3rver.store);
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

/**
 * S3 stores an object only once its whole body arrived, and a reader sees the old object or the new one, never a
 * part. s3rver 3.7.1 truncates the object's file first and streams the body into it, so an upload cut off by the
 * client (a PutObject aborted at close, a reset connection) leaves an empty or partial object in place of the one
 * that was there, and a GET during a PUT can read a partial file. Here the body is read to its end first (an
 * aborted request rejects, and nothing is written), written to a temporary file beside the object and renamed over
 * it; then s3rver's own metadata step runs as before.
 */
function commitWholeObjectsOnly(store: S3rverStore): void {
  store.putObject = async (object) => {
    const content = Buffer.isBuffer(object.content) ? object.content : await buffer(object.content);
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    const temporary = `${objectPath}.${randomUUID()}.partial`;
    try {
      await writeFile(temporary, content);
      await rename(temporary, objectPath);
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
    const md5 = createHash('md5').update(content).digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, md5);
    return { size: content.length, md5 };
  };
}
