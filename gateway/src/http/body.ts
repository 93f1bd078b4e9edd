import type { IncomingMessage } from 'node:http';

export type BodyResult =
  | { ok: true; body: Buffer }
  | { ok: false; error: 'too_large'; limit: number; received: number }
  | { ok: false; error: 'timeout'; received: number }
  | { ok: false; error: 'aborted'; received: number };

export interface ReadBodyOptions {
  /** Largest body accepted, bytes; reading stops as soon as it is exceeded. */
  maxBytes: number;
  /** Time the client has to send the whole body, ms. */
  timeoutMs: number;
}

/**
 * Reads a request body with a size limit enforced while streaming (a body announced by Content-Length as too
 * large is refused before a byte of it is read) and a deadline for slow clients. On `too_large` and `timeout`
 * the rest of the body is not read: the caller answers and closes the connection.
 *
 * Not raw-body (the ecosystem's, under Express's body parsers): it has the limit but no deadline, so the timer
 * and the early stop below would wrap it anyway; and it reports by throwing, where ingest answers each outcome.
 */
export function readBody(req: IncomingMessage, options: ReadBodyOptions): Promise<BodyResult> {
  const announced = req.headers['content-length'];
  if (announced !== undefined) {
    const length = Number(announced);
    if (Number.isFinite(length) && length > options.maxBytes) {
      return Promise.resolve({ ok: false, error: 'too_large', limit: options.maxBytes, received: 0 });
    }
  }
  return new Promise<BodyResult>((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAborted);
      req.off('error', onAborted);
      req.off('close', onClose);
      if (!result.ok) req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > options.maxBytes) {
        finish({ ok: false, error: 'too_large', limit: options.maxBytes, received });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish({ ok: true, body: Buffer.concat(chunks, received) });
    const onAborted = (): void => finish({ ok: false, error: 'aborted', received });
    const onClose = (): void => {
      if (!req.complete) onAborted();
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'timeout', received }), options.timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    req.on('error', onAborted);
    req.on('close', onClose);
  });
}
