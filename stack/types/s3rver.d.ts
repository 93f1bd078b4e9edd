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
  }
}
