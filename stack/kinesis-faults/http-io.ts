/** Low-level HTTP helpers for the AWS JSON 1.1 protocol. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KinesisApiError } from './errors.js';

export const AMZ_JSON = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'Kinesis_20131202.';

/** Bodies above this are refused with 413 (AWS caps PutRecords at 10 MiB of records; base64 adds a third). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Reads the whole request body; rejects with code `ERR_BODY_TOO_LARGE` above the limit. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('request body too large'), { code: 'ERR_BODY_TOO_LARGE' }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, length)));
    req.on('error', reject);
  });
}

/** `PutRecords` from `X-Amz-Target: Kinesis_20131202.PutRecords`, or `undefined` when the header is not Kinesis'. */
export function actionFromTarget(req: IncomingMessage): string | undefined {
  const target = req.headers['x-amz-target'];
  if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) return undefined;
  const action = target.slice(TARGET_PREFIX.length);
  return action.length > 0 ? action : undefined;
}

/** True once the response can no longer be written (socket destroyed by a fault, or client gone). */
function isGone(res: ServerResponse): boolean {
  return res.destroyed || res.writableEnded || res.socket === null || res.socket.destroyed;
}

export function sendJson(res: ServerResponse, statusCode: number, payload: unknown): void {
  sendRaw(res, statusCode, { 'content-type': AMZ_JSON }, Buffer.from(JSON.stringify(payload), 'utf8'));
}

export function sendRaw(
  res: ServerResponse,
  statusCode: number,
  headers: Record<string, string | string[]>,
  body: Buffer,
): void {
  if (isGone(res)) return;
  res.statusCode = statusCode;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (!res.hasHeader('x-amzn-requestid')) res.setHeader('x-amzn-RequestId', randomUUID());
  res.setHeader('content-length', body.length);
  res.end(body);
}

/** Answers in the AWS JSON error shape; the SDK maps `__type` to the exception class/name. */
export function sendError(res: ServerResponse, error: KinesisApiError): void {
  sendJson(res, error.statusCode, { __type: error.code, message: error.message });
}

/** Turns anything thrown while handling a request into an AWS-shaped error. */
export function toApiError(error: unknown): KinesisApiError {
  if (error instanceof KinesisApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new KinesisApiError('InternalFailure', `tidegate kinesis endpoint: ${message}`, 500);
}

export function sleep(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve();
    }, ms);
    timers.add(timer);
  });
}
