/**
 * The downlink API: `POST /v1/devices/{id}/commands[/<subtopic>]` publishes the request body to
 * `devices/{id}/commands/<subtopic>` (`default` when absent), QoS 1 unless `?qos=0`, through the broker — so the
 * device receives it wherever it is connected: on this gateway, on another gateway of the cluster (--cluster), or
 * from its persistent session when it reconnects. Operators only: `Authorization: Bearer <--http-token>`; without a
 * configured token the API refuses every request.
 *
 * Answers: 202 published · 400 bad device id, subtopic or qos · 401 missing or wrong token · 403 API disabled (no
 * token configured) · 405 not POST · 413 body over --max-payload-bytes · 503 not published (shutting down, Redis
 * unreachable). Errors are JSON `{error, message}`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter } from 'prom-client';
import { isValidDeviceId } from '../ingest/topic.js';
import type { Logger } from '../../../common/logger.js';
import type { Registry } from 'prom-client';

export interface CommandsRouteOptions {
  /** The operator token (--http-token); undefined disables the API. */
  token: string | undefined;
  /** Publishes through the broker (Broker.publish). */
  publish: (topic: string, payload: Buffer, qos: 0 | 1) => Promise<void>;
  /** Largest command body, bytes. */
  maxBytes: number;
  registry: Registry;
  logger: Logger;
}

/** Handles the request when its path is the commands API's (returns true), leaves it to other routes otherwise. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean>;

const PATH = /^\/v1\/devices\/([^/]+)\/commands(?:\/(.+))?$/;
/** One subtopic level: what a device id may contain; at most 8 levels, no wildcards, no empty levels. */
const LEVEL = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_LEVELS = 8;
export const DEFAULT_COMMAND_SUBTOPIC = 'default';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** Reads the body up to `max` bytes; undefined when it is larger (the rest is discarded). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) over = true;
      else chunks.push(chunk);
    });
    req.once('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

export function createCommandsRoute(options: CommandsRouteOptions): HttpRoute {
  const { logger } = options;
  const expected = options.token === undefined ? undefined : digest(options.token);
  const requests = new Counter({
    name: 'tidegate_commands_total',
    help: 'Downlink command requests (POST /v1/devices/{id}/commands), by outcome.',
    labelNames: ['outcome'],
    registers: [options.registry],
  });

  return async (req, res, path) => {
    const match = PATH.exec(path);
    if (match === null) return false;
    const refuse = (status: number, outcome: string, error: string, message: string, headers?: Record<string, string>): true => {
      requests.inc({ outcome });
      send(res, status, { error, message }, headers);
      req.resume();
      return true;
    };
    if (req.method !== 'POST') return refuse(405, 'invalid', 'method_not_allowed', 'use POST', { allow: 'POST' });
    if (expected === undefined) {
      return refuse(403, 'disabled', 'operator_api_disabled', 'the operator API is disabled: set --http-token (TIDEGATE_HTTP_TOKEN)');
    }
    const auth = req.headers.authorization ?? '';
    const presented = /^Bearer (.+)$/.exec(auth)?.[1];
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
      return refuse(401, 'unauthorized', 'unauthorized', 'send "Authorization: Bearer <operator token>"', {
        'www-authenticate': 'Bearer realm="tidegate"',
      });
    }
    let deviceId: string;
    let levels: string[];
    try {
      deviceId = decodeURIComponent(match[1] as string);
      levels = match[2] === undefined ? [DEFAULT_COMMAND_SUBTOPIC] : match[2].split('/').map((l) => decodeURIComponent(l));
    } catch {
      return refuse(400, 'invalid', 'invalid_path', 'the path is not valid percent-encoding');
    }
    if (!isValidDeviceId(deviceId)) return refuse(400, 'invalid', 'invalid_device_id', 'the device id must match [A-Za-z0-9_.:-]{1,128}');
    if (levels.length > MAX_LEVELS || !levels.every((l) => LEVEL.test(l))) {
      return refuse(400, 'invalid', 'invalid_subtopic', `the subtopic is 1 to ${MAX_LEVELS} levels of [A-Za-z0-9_.:-]{1,64}`);
    }
    const qosParam = new URL(req.url ?? '/', 'http://localhost').searchParams.get('qos') ?? '1';
    if (qosParam !== '0' && qosParam !== '1') return refuse(400, 'invalid', 'invalid_qos', 'qos is 0 or 1');
    const qos = qosParam === '1' ? 1 : 0;
    const body = await readBody(req, options.maxBytes);
    if (body === undefined) return refuse(413, 'too_large', 'payload_too_large', `the command is larger than ${options.maxBytes} bytes`);
    const topic = `devices/${deviceId}/commands/${levels.join('/')}`;
    try {
      await options.publish(topic, body, qos);
    } catch (err) {
      logger.warn({ deviceId, topic, err: (err as Error).message }, 'command not published');
      return refuse(503, 'failed', 'publish_failed', `the command was not published: ${(err as Error).message}`);
    }
    requests.inc({ outcome: 'published' });
    logger.info({ deviceId, topic, qos, bytes: body.length }, 'command published');
    send(res, 202, { status: 'published', topic, qos, bytes: body.length });
    return true;
  };
}
