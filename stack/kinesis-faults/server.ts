/** The HTTP server: request dispatch, lifecycle, and the public {@link startKinesisEndpoint}. */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { KinesisApiError } from './errors.js';
import { actionFromTarget, readBody, sendError, sendJson, sendRaw, toApiError } from './http-io.js';
import { handlePut } from './put-handler.js';
import type { PutHandlerDeps } from './put-handler.js';
import { PutController } from './put-pipeline.js';
import { StatsCollector } from './stats.js';
import { handleStubAction } from './stub-actions.js';
import { StubStore } from './stub-store.js';
import type { KinesisEndpoint, KinesisEndpointOptions } from './types.js';
import { Upstream, UpstreamResponseError } from './upstream.js';
import type { JsonObject } from './validation.js';

const DEFAULT_MAX_RECORD_BYTES = 1_048_576;

function optionError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_INVALID_ARG_VALUE' });
}

function parseJsonObject(raw: Buffer): JsonObject {
  let value: unknown;
  try {
    value = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KinesisApiError('SerializationException', 'Request body is not a JSON object.');
  }
  return value as JsonObject;
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(Object.assign(new Error('server has no TCP address'), { code: 'ERR_SERVER_NOT_RUNNING' }));
        return;
      }
      resolve(address.port);
    });
  });
}

/**
 * Starts a Kinesis-API-compatible endpoint for tests and benchmarks.
 * Stub mode (no `upstream`) serves streams from memory; proxy mode forwards to `upstream` and only intervenes in puts.
 */
export async function startKinesisEndpoint(options: KinesisEndpointOptions = {}): Promise<KinesisEndpoint> {
  const host = options.host ?? '127.0.0.1';
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const latencyMs = options.latencyMs ?? 0;
  if (!(maxRecordBytes > 0)) throw optionError('maxRecordBytes must be positive');
  if (!(latencyMs >= 0)) throw optionError('latencyMs must not be negative');
  for (const s of options.streams ?? []) {
    if (!Number.isInteger(s.shardCount) || s.shardCount < 1) throw optionError(`stream ${s.name}: shardCount must be ≥ 1`);
  }

  const upstream = options.upstream === undefined ? undefined : new Upstream(options.upstream);
  const store = upstream === undefined ? new StubStore(options.retain ?? true) : undefined;
  const stats = new StatsCollector();
  const timers = new Set<NodeJS.Timeout>();
  const controller = new PutController(stats, options.now ?? (() => performance.now()), latencyMs, timers);
  const putDeps: PutHandlerDeps = { controller, maxRecordBytes, store, upstream };

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const action = actionFromTarget(req);
    stats.action(action ?? '(none)');
    if (upstream !== undefined && action !== 'PutRecords' && action !== 'PutRecord') {
      const response = await upstream.forward(req, action, raw);
      sendRaw(res, response.statusCode, response.headers, response.body);
      return;
    }
    if (req.method !== 'POST' || action === undefined) {
      throw new KinesisApiError('UnknownOperationException', 'Expected POST with X-Amz-Target: Kinesis_20131202.<Action>.');
    }
    const body = parseJsonObject(raw);
    if (action === 'PutRecords' || action === 'PutRecord') {
      await handlePut(putDeps, { action, req, res, raw, body });
      return;
    }
    if (store === undefined) throw new KinesisApiError('InternalFailure', 'stub store missing', 500);
    sendJson(res, 200, handleStubAction(store, action, body));
  }

  const server = http.createServer((req, res) => {
    dispatch(req, res).catch((error: unknown) => {
      if (error instanceof UpstreamResponseError) {
        // e.g. ListShards for the shard map said ResourceNotFoundException: the client sees the upstream's answer.
        sendRaw(res, error.response.statusCode, error.response.headers, error.response.body);
      } else if ((error as { code?: unknown }).code === 'ERR_BODY_TOO_LARGE') {
        sendError(res, new KinesisApiError('RequestEntityTooLarge', 'Request body too large.', 413));
      } else {
        sendError(res, toApiError(error));
      }
    });
  });
  // Outlive the SDK agent's idle sockets, so a reused keep-alive socket is not closed under a request (ECONNRESET).
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;

  const port = await listen(server, options.port ?? 0, host);
  const shownHost = host.includes(':') ? `[${host}]` : host;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.close(() => resolve());
      server.closeAllConnections();
      upstream?.close();
    });
    return closed;
  };

  try {
    for (const s of options.streams ?? []) {
      if (store !== undefined) store.create(s.name, s.shardCount, 'PROVISIONED');
      else await upstream?.ensureStream(s.name, s.shardCount);
    }
  } catch (error) {
    await close();
    throw error;
  }

  return {
    endpoint: `http://${shownHost}:${port}`,
    mode: upstream === undefined ? 'stub' : 'proxy',
    setPutRecordsFault: (plan) => controller.setPlan(plan),
    throttle: (throttleOptions) => controller.setThrottle(throttleOptions),
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    invalidateShardMap: (streamName) => upstream?.invalidate(streamName),
    close,
  };
}
