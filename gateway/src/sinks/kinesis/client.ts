import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

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

/**
 * A Kinesis client on HTTP/1.1 keep-alive. The SDK's default HTTP/2 handler fails against kinesalite and other
 * local servers (ERR_HTTP2_ERROR), and keep-alive matters for request rate.
 */
export function createKinesisClient(options: KinesisClientOptions): KinesisClient {
  const maxSockets = options.maxSockets ?? 64;
  return new KinesisClient({
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: new NodeHttpHandler({
      httpAgent: new Agent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
      connectionTimeout: 5000,
    }),
  });
}
