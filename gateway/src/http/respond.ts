import type { ServerResponse } from 'node:http';

/** Writes a JSON response that is never cached. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** The JSON error body every HTTP error of the gateway uses: a stable machine code and a human explanation. */
export function sendError(
  res: ServerResponse,
  status: number,
  error: string,
  message: string,
  extra: Readonly<Record<string, unknown>> = {},
  headers: Readonly<Record<string, string>> = {},
): void {
  sendJson(res, status, { error, message, ...extra }, headers);
}
