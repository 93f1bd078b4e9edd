import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Ingest, IngestResult, Publish } from '../ingest/pipeline.js';
import type { RejectReason } from '../ingest/payload.js';
import { isValidDeviceId, telemetryTopic } from '../ingest/topic.js';
import type { Logger } from '../../../common/logger.js';
import { createEventLog } from '../logging/event-log.js';
import { authenticateDevice, type DeviceAuthenticator } from './auth.js';
import { readBody } from './body.js';
import { isJsonArrayText, splitJsonArray } from './json-array.js';
import { sendError, sendJson } from './respond.js';

/** The URL of a device's telemetry: `POST /v1/devices/{id}/telemetry`. */
export const TELEMETRY_ROUTE = /^\/v1\/devices\/([^/]*)\/telemetry$/;

/** Readings one request may carry. */
export const MAX_READINGS_PER_REQUEST = 500;

export interface HttpIngestOptions {
  ingest: Ingest;
  /** True while the forwarder cannot take more (backpressure): requests get 503 with Retry-After. */
  overloaded: () => boolean;
  logger: Logger;
  /** Largest request body, bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Time a client has to send its whole body, ms. Default 10 s. */
  readTimeoutMs?: number;
  /** Retry-After (seconds) sent with 429 and 503. Default 1. */
  retryAfterSeconds?: number;
  /**
   * When present, every request must authenticate as the device in its path: HTTP Basic with the device id as
   * user name, or `Authorization: Bearer <the device's secret>`.
   */
  authenticator?: DeviceAuthenticator;
  /** Per-device admission (rate limits): false answers 429. Called with the request's readings and body size. */
  admit?: (deviceId: string, messages: number, bytes: number) => boolean;
  /**
   * Whether requests without an authenticator are served. Default true. The gateway passes false when the HTTP
   * listener is reachable from other machines, as it does for anonymous MQTT devices.
   */
  allowAnonymous?: boolean;
}

export interface HttpIngest {
  /** Serves one request whose path matched {@link TELEMETRY_ROUTE}; `rawId` is the path segment, still encoded. */
  handle(req: IncomingMessage, res: ServerResponse, rawId: string): void;
  /** From now on new requests get 503 (shutting down); requests already waiting for Kinesis still get answered. */
  stopAccepting(): void;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_READ_TIMEOUT_MS = 10_000;

interface InvalidReading {
  index: number;
  reason: RejectReason;
  message: string;
}

function decodeId(rawId: string): string | undefined {
  try {
    return decodeURIComponent(rawId);
  } catch {
    return undefined;
  }
}

function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [type, ...params] = header.split(';').map((p) => p.trim().toLowerCase());
  if (type !== 'application/json') return false;
  // JSON is UTF-8 (RFC 8259); a declared charset must agree.
  return params.every((p) => !p.startsWith('charset=') || p === 'charset=utf-8' || p === 'charset="utf-8"');
}

/**
 * HTTP ingest for devices that cannot speak MQTT. A request carries one JSON reading (an object) or an array
 * of readings for the device in its path; readings are validated like MQTT publishes, submitted in array order
 * (per-device order holds), and the request is answered 202 only once every reading was acknowledged end to end
 * (as a QoS 1 PUBACK: after Kinesis, or after the spool with `--ack spool`).
 *
 * A request with any invalid reading is refused as a whole (400 naming each invalid index and its reason), so a
 * client can fix it and resend without creating duplicates; the invalid readings are dead-lettered and counted
 * exactly like bad MQTT payloads, the valid ones are neither forwarded nor counted.
 */
export function createHttpIngest(options: HttpIngestOptions): HttpIngest {
  const { ingest, logger } = options;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const readTimeoutMs = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const retryAfter = { 'retry-after': String(options.retryAfterSeconds ?? 1) };
  const allowAnonymous = options.allowAnonymous ?? true;
  let accepting = true;
  const events = createEventLog({ logger });

  const closeAfter = { connection: 'close' };

  /** Answers 503 when the gateway cannot take readings now. The body may be unread: the connection closes. */
  function unavailable(res: ServerResponse): boolean {
    const headers = { ...retryAfter, ...closeAfter };
    if (!accepting) {
      sendError(res, 503, 'shutting_down', 'the gateway is shutting down; retry against another instance or later', {}, headers);
      return true;
    }
    if (options.overloaded()) {
      sendError(res, 503, 'backpressure', 'the gateway is applying backpressure (buffers full); retry later', {}, headers);
      return true;
    }
    return false;
  }

  /** Submits every reading in order and answers once each has its result. */
  function submit(res: ServerResponse, deviceId: string, payloads: readonly Buffer[]): void {
    const topic = telemetryTopic(deviceId);
    const results: (IngestResult | undefined)[] = new Array(payloads.length);
    let pending = payloads.length;
    const onAll = (): void => {
      if (res.writableEnded || res.destroyed) return; // the client went away; its readings were still delivered
      const failed = results.flatMap((r, index) => (r === undefined || (r.action === 'ack' && r.forwarded) ? [] : [{ index, r }]));
      const accepted = payloads.length - failed.length;
      if (failed.length === 0) {
        sendJson(res, 202, { accepted });
        return;
      }
      const notAccepted = failed.map((f) => f.index);
      const down = failed.find((f) => f.r.action === 'unavailable');
      if (down !== undefined && down.r.action === 'unavailable') {
        sendError(res, 503, 'unavailable', `not every reading was acknowledged: ${down.r.error.message}`, { accepted, notAccepted }, retryAfter);
        return;
      }
      // Dead-lettered after submission: the stream itself refused the record (only the sink can tell).
      sendError(res, 422, 'rejected_by_sink', 'the stream refused some readings; they were dead-lettered', { accepted, notAccepted });
    };
    payloads.forEach((payload, index) => {
      const publish: Publish = { identity: deviceId, topic, payload, qos: 1, protocol: 'http' };
      ingest.handle(publish, (result) => {
        results[index] = result;
        if (--pending === 0) onAll();
      });
    });
  }

  async function serve(req: IncomingMessage, res: ServerResponse, rawId: string): Promise<void> {
    if (req.method !== 'POST') {
      sendError(res, 405, 'method_not_allowed', 'use POST', {}, { allow: 'POST' });
      return;
    }
    const deviceId = decodeId(rawId);
    if (deviceId === undefined || !isValidDeviceId(deviceId)) {
      sendError(res, 400, 'invalid_device_id', 'a device id is 1-128 characters of [A-Za-z0-9_.:-]', {}, closeAfter);
      return;
    }
    if (options.authenticator === undefined) {
      if (!allowAnonymous) {
        sendError(res, 403, 'ingest_disabled',
          'HTTP ingest without device authentication is only served on a loopback listener', {}, closeAfter);
        return;
      }
    } else if (!(await authenticateDevice(options.authenticator, deviceId, req.headers.authorization))) {
      events.event('http_auth_failed', 'warn', { deviceId, remoteAddress: req.socket.remoteAddress }, 'http ingest: authentication failed');
      sendError(res, 401, 'unauthorized', `authenticate as device ${deviceId} (HTTP Basic with the device id as user, or a Bearer token)`,
        {}, { 'www-authenticate': 'Basic realm="tidegate", charset="UTF-8"', ...closeAfter });
      return;
    }
    if (!isJsonContentType(req.headers['content-type'])) {
      sendError(res, 415, 'unsupported_media_type', 'send Content-Type: application/json', {}, closeAfter);
      return;
    }
    if (unavailable(res)) return;

    const read = await readBody(req, { maxBytes: maxBodyBytes, timeoutMs: readTimeoutMs });
    if (!read.ok) {
      if (read.error === 'too_large') {
        sendError(res, 413, 'body_too_large', `request body exceeds ${maxBodyBytes} bytes`, { limit: maxBodyBytes }, closeAfter);
      } else if (read.error === 'timeout') {
        sendError(res, 408, 'request_timeout', `request body not received within ${readTimeoutMs} ms`, {}, closeAfter);
      } else {
        res.destroy();
      }
      return;
    }
    const body = read.body;
    const topic = telemetryTopic(deviceId);
    const asPublish = (payload: Buffer): Publish => ({ identity: deviceId, topic, payload, qos: 1, protocol: 'http' });

    let payloads: Buffer[];
    if (isJsonArrayText(body)) {
      let elements: Buffer[] | undefined;
      try {
        JSON.parse(body.toString('utf8'));
        elements = splitJsonArray(body);
      } catch {
        elements = undefined;
      }
      if (elements === undefined) {
        const check = ingest.check(deviceId, body) ?? { reason: 'invalid_json' as const, message: 'body is not valid JSON' };
        ingest.reject(asPublish(body), check.reason, check.message);
        sendError(res, 400, check.reason, check.message);
        return;
      }
      if (elements.length === 0) {
        sendError(res, 400, 'empty_batch', 'the array holds no readings');
        return;
      }
      if (elements.length > MAX_READINGS_PER_REQUEST) {
        sendError(res, 400, 'too_many_readings', `at most ${MAX_READINGS_PER_REQUEST} readings per request, got ${elements.length}`);
        return;
      }
      payloads = elements;
    } else {
      payloads = [body];
    }

    const invalid: InvalidReading[] = [];
    payloads.forEach((payload, index) => {
      const check = ingest.check(deviceId, payload);
      if (check !== undefined) invalid.push({ index, ...check });
    });
    if (invalid.length > 0) {
      for (const bad of invalid) ingest.reject(asPublish(payloads[bad.index] as Buffer), bad.reason, bad.message);
      const first = invalid[0] as InvalidReading;
      const single = payloads.length === 1 && !isJsonArrayText(body);
      sendError(
        res,
        400,
        first.reason,
        single ? first.message : `reading ${first.index}: ${first.message} (nothing in this request was forwarded)`,
        single ? {} : { index: first.index, invalid },
      );
      return;
    }
    if (options.admit !== undefined && !options.admit(deviceId, payloads.length, body.length)) {
      events.event('http_rate_limited', 'info', { deviceId, readings: payloads.length }, 'http ingest: device over its rate limit');
      sendError(res, 429, 'rate_limited', `device ${deviceId} is over its rate limit`, {}, retryAfter);
      return;
    }
    if (unavailable(res)) return;
    submit(res, deviceId, payloads);
  }

  return {
    handle(req, res, rawId) {
      serve(req, res, rawId).catch((err: unknown) => {
        logger.error({ err }, 'http ingest failed');
        if (!res.headersSent) sendError(res, 500, 'internal', 'internal error', {}, closeAfter);
        else res.destroy();
      });
    },
    stopAccepting() {
      accepting = false;
      events.close();
    },
  };
}
