/**
 * A Lambda Runtime API on loopback, for running a function package under AWS's own runtime interface client
 * (aws-lambda-ric) the way Lambda runs it. It speaks the documented runtime endpoints:
 *
 *   GET  /2018-06-01/runtime/invocation/next           long-polls until an invocation is queued; the event is the
 *                                                      body, its id, deadline and function ARN are headers
 *   POST /2018-06-01/runtime/invocation/{id}/response  the function's result → 202, or 413 over the payload limit
 *   POST /2018-06-01/runtime/invocation/{id}/error     the function's error → 202
 *   POST /2018-06-01/runtime/init/error                the runtime could not load the handler → 202
 *
 * The payload limit is enforced the way Lambda's Runtime API enforces it (its emulator, aws-lambda-runtime-interface-
 * emulator, is the public reference): a response body over 6,291,556 bytes (6 MiB + 100) is answered with 413 and
 * `RequestEntityTooLarge`, and the invocation fails with `Function.ResponseSizeTooLarge`; the runtime is then free to
 * ask for the next invocation, as in Lambda.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Lambda's synchronous response payload limit in bytes: 6 MiB plus 100 bytes of allowance. */
export const LAMBDA_MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100;

export interface RuntimeApiOptions {
  /** Response bodies over this many bytes are refused with 413. Default {@link LAMBDA_MAX_RESPONSE_BYTES}. */
  maxResponseBytes?: number;
  /** The ARN sent as Lambda-Runtime-Invoked-Function-Arn. Default a `tidegate-transform` function in us-east-1. */
  functionArn?: string;
  /** The function timeout, for Lambda-Runtime-Deadline-Ms. Default 60,000 ms (the template's default). */
  timeoutMs?: number;
}

export interface LambdaError {
  errorType: string;
  errorMessage: string;
  [key: string]: unknown;
}

/** What the caller of an invocation gets back, as Lambda would report it. */
export type InvocationOutcome =
  | { requestId: string; status: 'success'; payload: Buffer }
  | {
      requestId: string;
      status: 'error';
      error: LambdaError;
      /** `function`: the runtime posted an error; `runtime-api`: the Runtime API refused the response. */
      reportedBy: 'function' | 'runtime-api';
      /** The Lambda-Runtime-Function-Error-Type header the runtime sent, if it did. */
      errorTypeHeader?: string;
    };

/** One exchange of the runtime with the API: what it posted and what the API answered. */
export interface RuntimeApiExchange {
  method: string;
  path: string;
  status: number;
  requestBytes: number;
  responseBody: string;
}

export interface RuntimeApi {
  /** `host:port`, the value of AWS_LAMBDA_RUNTIME_API. */
  readonly address: string;
  /** Every request the runtime made, in order. */
  readonly exchanges: readonly RuntimeApiExchange[];
  /** Queues an event; resolves once the runtime has answered it (or the Runtime API refused the answer). */
  invoke(event: unknown): Promise<InvocationOutcome>;
  /** Resolves with the error of POST /runtime/init/error, once the runtime reports one. */
  readonly initError: Promise<LambdaError>;
  close(): Promise<void>;
}

const NEXT = '/2018-06-01/runtime/invocation/next';
const INIT_ERROR = '/2018-06-01/runtime/init/error';
const INVOCATION = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/;

interface Pending {
  requestId: string;
  body: string;
  resolve: (outcome: InvocationOutcome) => void;
}

/** Reads a request body, keeping at most `keep` bytes (the rest is counted and discarded). */
async function readBody(req: IncomingMessage, keep: number): Promise<{ body: Buffer; bytes: number }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (bytes + chunk.length <= keep) chunks.push(chunk);
    bytes += chunk.length;
  }
  return { body: Buffer.concat(chunks), bytes };
}

function parseError(body: Buffer): LambdaError {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as Partial<LambdaError>;
    return { ...parsed, errorType: String(parsed.errorType ?? ''), errorMessage: String(parsed.errorMessage ?? '') };
  } catch {
    return { errorType: 'Unparseable', errorMessage: body.toString('utf8') };
  }
}

export async function startRuntimeApi(options: RuntimeApiOptions = {}): Promise<RuntimeApi> {
  const maxResponseBytes = options.maxResponseBytes ?? LAMBDA_MAX_RESPONSE_BYTES;
  const functionArn = options.functionArn ?? 'arn:aws:lambda:us-east-1:123456789012:function:tidegate-transform';
  const timeoutMs = options.timeoutMs ?? 60_000;

  const queue: Pending[] = [];
  const waiting: ServerResponse[] = [];
  /** The invocation handed to the runtime and not yet answered (Lambda runs one at a time per environment). */
  let current: Pending | undefined;
  const exchanges: RuntimeApiExchange[] = [];
  let reportInitError: (e: LambdaError) => void = () => undefined;
  const initError = new Promise<LambdaError>((resolve) => (reportInitError = resolve));

  const reply = (req: IncomingMessage, res: ServerResponse, requestBytes: number, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    exchanges.push({ method: req.method ?? '', path: req.url ?? '', status, requestBytes, responseBody: text });
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };

  const handOut = (): void => {
    while (waiting.length > 0 && queue.length > 0 && current === undefined) {
      const res = waiting.shift() as ServerResponse;
      if (res.destroyed) continue;
      current = queue.shift() as Pending;
      exchanges.push({ method: 'GET', path: NEXT, status: 200, requestBytes: 0, responseBody: '' });
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(current.body),
        'Lambda-Runtime-Aws-Request-Id': current.requestId,
        'Lambda-Runtime-Deadline-Ms': String(Date.now() + timeoutMs),
        'Lambda-Runtime-Invoked-Function-Arn': functionArn,
        'Lambda-Runtime-Trace-Id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Parent=0;Sampled=0`,
      });
      res.end(current.body);
    }
  };

  const finish = (outcome: InvocationOutcome): void => {
    const done = current;
    current = undefined;
    done?.resolve(outcome);
    handOut();
  };

  const server = createServer((req, res) => {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === NEXT) {
      waiting.push(res);
      handOut();
      return;
    }
    void (async () => {
      if (req.method === 'POST' && url === INIT_ERROR) {
        const { body, bytes } = await readBody(req, 1024 * 1024);
        reply(req, res, bytes, 202, { status: 'OK' });
        reportInitError(parseError(body));
        return;
      }
      const m = req.method === 'POST' ? INVOCATION.exec(url) : null;
      if (m === null) {
        const { bytes } = await readBody(req, 0);
        reply(req, res, bytes, 404, { errorType: 'InvalidRequest', errorMessage: `no route ${req.method} ${url}` });
        return;
      }
      const requestId = decodeURIComponent(m[1] as string);
      const kind = m[2] as 'response' | 'error';
      const { body, bytes } = await readBody(req, maxResponseBytes);
      if (current === undefined || current.requestId !== requestId) {
        reply(req, res, bytes, 400, { errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' });
        return;
      }
      if (kind === 'error') {
        reply(req, res, bytes, 202, { status: 'OK' });
        const header = req.headers['lambda-runtime-function-error-type'];
        const outcome: InvocationOutcome = { requestId, status: 'error', error: parseError(body), reportedBy: 'function' };
        if (typeof header === 'string') outcome.errorTypeHeader = header;
        finish(outcome);
        return;
      }
      if (bytes > maxResponseBytes) {
        reply(req, res, bytes, 413, {
          errorMessage: `Exceeded maximum allowed payload size (${maxResponseBytes} bytes).`,
          errorType: 'RequestEntityTooLarge',
        });
        finish({
          requestId,
          status: 'error',
          reportedBy: 'runtime-api',
          error: {
            errorType: 'Function.ResponseSizeTooLarge',
            errorMessage: `Response payload size (${bytes} bytes) exceeded maximum allowed payload size (${maxResponseBytes} bytes).`,
          },
        });
        return;
      }
      reply(req, res, bytes, 202, { status: 'OK' });
      finish({ requestId, status: 'success', payload: body });
    })().catch((err: unknown) => {
      if (!res.headersSent) reply(req, res, 0, 500, { errorType: 'ServiceException', errorMessage: String(err) });
    });
  });
  // Event and response bodies reach 6 MB; the runtime may take a while between its long-polls.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    address: `127.0.0.1:${port}`,
    exchanges,
    initError,
    invoke(event) {
      return new Promise<InvocationOutcome>((resolve) => {
        queue.push({ requestId: randomUUID(), body: JSON.stringify(event), resolve });
        handOut();
      });
    },
    async close() {
      for (const res of waiting.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
