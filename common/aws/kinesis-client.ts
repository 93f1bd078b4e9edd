import { KinesisClient } from '@aws-sdk/client-kinesis';
import { keepAliveHandler } from './http-handler.js';

export interface KinesisClientOptions {
  /** Endpoint URL; unset means the SDK's own resolution (AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL, AWS). */
  endpoint?: string;
  /** Region; unset means the SDK default chain. */
  region?: string;
  /** Static credentials (local mode); unset means the SDK default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * SDK-level attempts per call. The bridge retries PutRecords itself (only the failed entries, with metrics), so
   * its client uses 1; control-plane calls keep the SDK's standard 3.
   */
  maxAttempts?: number;
  /** Sockets per endpoint. Default 64. */
  maxSockets?: number;
}

/** A Kinesis client on HTTP/1.1 keep-alive ({@link keepAliveHandler}). */
export function createKinesisClient(options: KinesisClientOptions): KinesisClient {
  const maxSockets = options.maxSockets ?? 64;
  return new KinesisClient({
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: keepAliveHandler(maxSockets),
  });
}
