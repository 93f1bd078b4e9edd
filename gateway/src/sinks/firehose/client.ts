import { FirehoseClient } from '@aws-sdk/client-firehose';
import { keepAliveHandler } from '../../../../common/aws/http-handler.js';

export interface FirehoseClientOptions {
  /** Endpoint URL; unset means the SDK's own resolution (AWS_ENDPOINT_URL_FIREHOSE, AWS_ENDPOINT_URL, AWS). */
  endpoint?: string;
  /** Region; unset means the SDK default chain. */
  region?: string;
  /** Static credentials (local mode); unset means the SDK default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** SDK-level attempts per call: 1 for PutRecordBatch (the bridge retries failed entries), 3 for control calls. */
  maxAttempts?: number;
  /** Sockets per endpoint. Default 64. */
  maxSockets?: number;
}

/** A Firehose client on HTTP/1.1 keep-alive ({@link keepAliveHandler}). */
export function createFirehoseClient(options: FirehoseClientOptions): FirehoseClient {
  return new FirehoseClient({
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: keepAliveHandler(options.maxSockets ?? 64),
  });
}
