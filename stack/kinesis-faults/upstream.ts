/** Proxy mode: forwarding to the upstream Kinesis API server and caching its shard maps. */
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import { KinesisApiError } from './errors.js';
import { ShardRouter } from './hashing.js';
import type { ShardRange } from './hashing.js';
import { AMZ_JSON } from './http-io.js';
import type { JsonObject } from './validation.js';

/** A buffered upstream answer, relayed to the client as is. */
export interface UpstreamResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/** Thrown when an upstream call made by the endpoint itself fails; the server relays `response` to the client. */
export class UpstreamResponseError extends Error {
  readonly code = 'ERR_UPSTREAM_RESPONSE';
  constructor(readonly response: UpstreamResponse) {
    super(`upstream answered HTTP ${response.statusCode}: ${response.body.toString('utf8').slice(0, 200)}`);
    this.name = 'UpstreamResponseError';
  }
}

/** Per-connection headers that must not be relayed (RFC 9110 §7.6.1), plus the length we recompute. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'upgrade', 'trailer', 'content-length']);

function relayableHeaders(headers: http.IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

/** Actions after which a stream's shard map may differ, so the cached one is dropped. */
const SHARD_MAP_CHANGING = new Set(['CreateStream', 'DeleteStream', 'SplitShard', 'MergeShards', 'UpdateShardCount']);

export class Upstream {
  private readonly base: URL;
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly routers = new Map<string, Promise<ShardRouter<ShardRange>>>();

  constructor(baseUrl: string) {
    this.base = new URL(baseUrl);
    if (this.base.protocol !== 'http:') {
      throw Object.assign(new Error(`upstream must be an http:// URL, got ${baseUrl}`), { code: 'ERR_INVALID_ARG_VALUE' });
    }
  }

  /** Relays a client request with `body` (the original bytes, or a rewritten PutRecords body). */
  forward(req: IncomingMessage, action: string | undefined, body: Buffer): Promise<UpstreamResponse> {
    const headers = relayableHeaders(req.headers);
    headers['host'] = this.base.host;
    headers['content-length'] = String(body.length);
    const result = this.send(req.method ?? 'POST', req.url ?? '/', headers, body);
    if (action !== undefined && SHARD_MAP_CHANGING.has(action)) {
      // Drop before and after: a put racing with the reshard must not keep a stale map.
      this.invalidate();
      void result.finally(() => this.invalidate()).catch(() => undefined);
    }
    return result;
  }

  /** Calls an action on the upstream with a syntactically valid (unverified) SigV4 header, as kinesalite requires one. */
  async call(action: string, payload: JsonObject): Promise<JsonObject> {
    const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const headers = {
      'content-type': AMZ_JSON,
      'x-amz-target': `Kinesis_20131202.${action}`,
      'x-amz-date': amzDate,
      authorization:
        `AWS4-HMAC-SHA256 Credential=tidegate/${amzDate.slice(0, 8)}/us-east-1/kinesis/aws4_request, ` +
        `SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`,
      host: this.base.host,
    };
    const response = await this.send('POST', '/', headers, Buffer.from(JSON.stringify(payload)));
    if (response.statusCode !== 200) throw new UpstreamResponseError(response);
    return response.body.length === 0 ? {} : (JSON.parse(response.body.toString('utf8')) as JsonObject);
  }

  /** The routing table of a stream's open shards, read via ListShards and cached until invalidated. */
  router(streamName: string, refresh = false): Promise<ShardRouter<ShardRange>> {
    let router = refresh ? undefined : this.routers.get(streamName);
    if (router === undefined) {
      router = this.loadRouter(streamName);
      this.routers.set(streamName, router);
      // Failures and empty maps (stream still CREATING) are not worth caching.
      router.then(
        (r) => {
          if (r.shardCount === 0 && this.routers.get(streamName) === router) this.routers.delete(streamName);
        },
        () => {
          if (this.routers.get(streamName) === router) this.routers.delete(streamName);
        },
      );
    }
    return router;
  }

  invalidate(streamName?: string): void {
    if (streamName === undefined) this.routers.clear();
    else this.routers.delete(streamName);
  }

  /** Creates the stream upstream unless it exists, then waits until it is ACTIVE. */
  async ensureStream(name: string, shardCount: number, timeoutMs = 10_000): Promise<void> {
    try {
      await this.call('CreateStream', { StreamName: name, ShardCount: shardCount });
    } catch (error) {
      if (!(error instanceof UpstreamResponseError && error.response.body.includes('ResourceInUseException'))) throw error;
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const summary = await this.call('DescribeStreamSummary', { StreamName: name });
      const status = (summary['StreamDescriptionSummary'] as JsonObject | undefined)?.['StreamStatus'];
      if (status === 'ACTIVE') return;
      if (Date.now() > deadline) {
        throw new KinesisApiError('ResourceInUseException', `upstream stream ${name} is still ${String(status)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private async loadRouter(streamName: string): Promise<ShardRouter<ShardRange>> {
    const open: ShardRange[] = [];
    let page = await this.call('ListShards', { StreamName: streamName });
    for (;;) {
      for (const shard of (page['Shards'] ?? []) as JsonObject[]) {
        const range = shard['HashKeyRange'] as JsonObject | undefined;
        const sequence = shard['SequenceNumberRange'] as JsonObject | undefined;
        // Closed parents of a split/merge keep their range but no longer accept writes.
        if (sequence?.['EndingSequenceNumber'] !== undefined) continue;
        open.push({
          shardId: String(shard['ShardId']),
          start: BigInt(String(range?.['StartingHashKey'])),
          end: BigInt(String(range?.['EndingHashKey'])),
        });
      }
      const next = page['NextToken'];
      if (typeof next !== 'string') break;
      page = await this.call('ListShards', { NextToken: next });
    }
    return new ShardRouter(open);
  }

  private send(
    method: string,
    path: string,
    headers: Record<string, string | string[]>,
    body: Buffer,
  ): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      const request = http.request(
        { hostname: this.base.hostname, port: this.base.port, method, path, headers, agent: this.agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () =>
            resolve({
              statusCode: response.statusCode ?? 502,
              headers: relayableHeaders(response.headers),
              body: Buffer.concat(chunks),
            }),
          );
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }
}
