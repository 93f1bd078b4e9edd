import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface S3ClientOptions {
  /** Endpoint URL (the embedded server's `endpoint`); unset means the SDK's own resolution (AWS_ENDPOINT_URL_S3, AWS). */
  endpoint?: string;
  /** Region; unset means the SDK default chain. */
  region?: string;
  /** Static credentials (local mode: {@link LOCAL_S3_CREDENTIALS}); unset means the SDK default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * Path-style addressing (`http://host/bucket/key`). Default: true when `endpoint` is set (s3rver and most local
   * servers need it, common/aws/README.md §8), false otherwise (AWS prefers virtual-hosted style).
   */
  forcePathStyle?: boolean;
  /** Sockets per endpoint. Default 16. */
  maxSockets?: number;
}

export const DEFAULT_S3_CLIENT_OPTIONS = { maxSockets: 16, connectionTimeoutMs: 5000 } as const;

/**
 * An S3 client that works against s3rver and AWS alike: HTTP/1.1 keep-alive, and checksums only when an operation
 * requires them (`WHEN_REQUIRED`). SDK ≥ 3.729 otherwise sends `aws-chunked` bodies with CRC trailers, which
 * s3rver 3.7.1 cannot decode (common/aws/README.md §8). Pass Buffer bodies, not streams.
 */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const maxSockets = options.maxSockets ?? DEFAULT_S3_CLIENT_OPTIONS.maxSockets;
  return new S3Client({
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({
      httpAgent: new Agent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
      connectionTimeout: DEFAULT_S3_CLIENT_OPTIONS.connectionTimeoutMs,
    }),
  });
}
