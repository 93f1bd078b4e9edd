import type { LocalServices } from '../gateway/src/sinks/local-services.js';
import { startLocalDelivery } from './delivery.js';
import { startLocalFirehose } from './firehose.js';
import { startLocalKinesis } from './kinesis-server.js';

/**
 * The local stack's servers, handed to the gateway: the embedded Kinesis API server (kinesalite), the delivery
 * runner with the transform and an embedded S3 API server, and the local Firehose API.
 */
export const localStackServices: LocalServices = {
  startKinesis: (options) => startLocalKinesis(options),
  startDelivery: (options) => startLocalDelivery(options),
  startFirehose: (options) => startLocalFirehose(options),
};
