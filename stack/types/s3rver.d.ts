/** The part of s3rver 3.7.1 (CommonJS, no bundled types) the embedded S3 server uses. */
declare module 's3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface S3rverBucketConfig {
    name: string;
    /** CORS or website configuration XML documents. */
    configs?: Array<string | Buffer>;
  }

  export interface S3rverOptions {
    address?: string;
    port?: number;
    /** Suppresses request logging (winston, to the console). */
    silent?: boolean;
    /** Root of the filesystem store. */
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    /** Virtual-host-style buckets (`bucket.localhost`); off means path-style only. */
    vhostBuckets?: boolean;
    configureBuckets?: S3rverBucketConfig[];
  }

  export default class S3rver {
    constructor(options?: S3rverOptions);
    /** Creates `configureBuckets` in the store. */
    configureBuckets(): Promise<void>;
    /** Koa request listener, for an http.Server the caller owns. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    readonly logger: { close(): void };
    /** The filesystem store behind the API. */
    readonly store: S3rverStore;
  }

  /** An object as the PUT controller hands it to the store: the request body as a stream (or a Buffer). */
  export interface S3rverObject {
    bucket: string;
    key: string;
    content: NodeJS.ReadableStream | Buffer;
    metadata: Record<string, string>;
  }

  export interface S3rverStore {
    putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
    getResourcePath(bucket: string, key: string, resource: string): string;
    putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  }
}
