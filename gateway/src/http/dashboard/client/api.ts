/** Fetching the gateway's JSON endpoints, and the shapes they answer with. */
export type { LatestResponse, StatsSnapshot } from '../../../ops/dashboard-api.js';

/**
 * The body of `GET /readyz` (built in http/server.ts, whose Node types this program does not load). `checks` is
 * absent from an error reply such as a 401.
 */
export interface ReadyzResponse {
  checks?: Record<string, { ok: boolean; detail: string }>;
}

export interface JsonReply<T> {
  status: number;
  body: T;
}

/** GET `path` (relative to the page, so the dashboard also works behind a path prefix), never from cache. */
export async function getJson<T>(path: string): Promise<JsonReply<T>> {
  const res = await fetch(path, { cache: 'no-store' });
  // The server's types describe the body; the dashboard trusts its own gateway and does not re-validate it.
  return { status: res.status, body: (await res.json()) as T };
}

/**
 * Calls `render` with `path`'s reply now and every `everyMs`, never two requests to the same path at once; a
 * failed request calls `onError` and the next tick tries again.
 */
export function poll<T>(path: string, everyMs: number, render: (body: T, status: number) => void, onError: () => void): void {
  let busy = false;
  const tick = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      let reply: JsonReply<T>;
      try {
        reply = await getJson<T>(path);
      } catch {
        onError();
        return;
      }
      render(reply.body, reply.status);
    } finally {
      busy = false;
    }
  };
  void tick();
  setInterval(() => void tick(), everyMs);
}
