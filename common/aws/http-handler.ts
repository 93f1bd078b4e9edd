import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * The request handler every AWS client of the gateway uses: HTTP/1.1 with keep-alive. The SDK's default HTTP/2
 * handler fails against kinesalite and other local servers (ERR_HTTP2_ERROR), and keep-alive matters for request
 * rate.
 */
export function keepAliveHandler(maxSockets: number): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: new Agent({ keepAlive: true, maxSockets }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    connectionTimeout: 5000,
  });
}
