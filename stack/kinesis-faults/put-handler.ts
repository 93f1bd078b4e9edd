/** PutRecords/PutRecord: validation, routing, the mode-specific writer, and the HTTP answer. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KinesisApiError } from './errors.js';
import type { ShardRange, ShardRouter } from './hashing.js';
import { sendError, sendJson, sendRaw } from './http-io.js';
import type { PutController, PutOutcome, PutResultEntry, PutWriter } from './put-pipeline.js';
import type { StubShard, StubStore } from './stub-store.js';
import type { Upstream } from './upstream.js';
import { parsePutRecord, parsePutRecords, requireStreamName } from './validation.js';
import type { JsonObject, PutEntry } from './validation.js';

export interface PutHandlerDeps {
  readonly controller: PutController;
  readonly maxRecordBytes: number;
  /** Exactly one of `store` (stub mode) and `upstream` (proxy mode) is set. */
  readonly store?: StubStore | undefined;
  readonly upstream?: Upstream | undefined;
}

export interface PutRequest {
  readonly action: 'PutRecords' | 'PutRecord';
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The request body as received, forwarded verbatim when no entry was dropped. */
  readonly raw: Buffer;
  readonly body: JsonObject;
}

export async function handlePut(deps: PutHandlerDeps, request: PutRequest): Promise<void> {
  const { action, body } = request;
  const streamName = requireStreamName(body);
  const entries =
    action === 'PutRecords' ? parsePutRecords(body, deps.maxRecordBytes) : [parsePutRecord(body, deps.maxRecordBytes)];

  let shardIds: string[];
  let write: PutWriter;
  if (deps.store !== undefined) {
    const store = deps.store;
    const stream = store.get(streamName);
    // Stub shards cover the whole hash space, so routing always succeeds.
    const shards = entries.map((e) => stream.router.route(e.partitionKey, e.explicitHashKey) as StubShard);
    shardIds = shards.map((s) => s.shardId);
    write = (indexes) => ({
      kind: 'written',
      records: indexes.map((i) => store.append(shards[i] as StubShard, entries[i] as PutEntry)),
    });
  } else if (deps.upstream !== undefined) {
    const upstream = deps.upstream;
    const routed = await routeUpstream(upstream, streamName, entries);
    if (routed === undefined) {
      // No open shard covers some key (stream not ACTIVE yet, mid-reshard): let the upstream answer untouched.
      const response = await upstream.forward(request.req, action, request.raw);
      sendRaw(request.res, response.statusCode, response.headers, response.body);
      return;
    }
    shardIds = routed;
    write = (indexes) => writeUpstream(upstream, request, entries, indexes);
  } else {
    throw new KinesisApiError('InternalFailure', 'endpoint has neither a store nor an upstream', 500);
  }

  const outcome = await deps.controller.process({ action, streamName, entries, shardIds }, write);
  respond(request, outcome);
}

function routeWith(router: ShardRouter<ShardRange>, entries: readonly PutEntry[]): string[] | undefined {
  const ids: string[] = [];
  for (const entry of entries) {
    const shard = router.route(entry.partitionKey, entry.explicitHashKey);
    if (shard === undefined) return undefined;
    ids.push(shard.shardId);
  }
  return ids;
}

/** Routes with the cached shard map, re-reading it once from the upstream if a key falls outside it. */
async function routeUpstream(upstream: Upstream, streamName: string, entries: readonly PutEntry[]): Promise<string[] | undefined> {
  const ids = routeWith(await upstream.router(streamName), entries);
  return ids ?? routeWith(await upstream.router(streamName, true), entries);
}

async function writeUpstream(
  upstream: Upstream,
  request: PutRequest,
  entries: readonly PutEntry[],
  indexes: readonly number[],
): Promise<Awaited<ReturnType<PutWriter>>> {
  // Only a reduced PutRecords is re-serialised; the upstream cannot verify SigV4 of a changed body, which
  // kinesalite does not check anyway.
  const payload =
    indexes.length === entries.length
      ? request.raw
      : Buffer.from(JSON.stringify({ ...request.body, Records: indexes.map((i) => entries[i]?.raw) }), 'utf8');
  const response = await upstream.forward(request.req, request.action, payload);
  if (response.statusCode !== 200) return { kind: 'upstream-error', response };
  const json = JSON.parse(response.body.toString('utf8')) as JsonObject;
  if (request.action === 'PutRecord') {
    return { kind: 'written', records: [{ SequenceNumber: String(json['SequenceNumber']), ShardId: String(json['ShardId']) }] };
  }
  return { kind: 'written', records: (json['Records'] ?? []) as PutResultEntry[] };
}

function respond(request: PutRequest, outcome: PutOutcome): void {
  const { res, action } = request;
  switch (outcome.kind) {
    case 'reset':
      request.req.socket.destroy();
      return;
    case 'error':
      sendError(res, outcome.error);
      return;
    case 'upstream-error':
      sendRaw(res, outcome.response.statusCode, outcome.response.headers, outcome.response.body);
      return;
    case 'records':
      break;
  }
  if (outcome.resetAfter) {
    // Written, but the client never learns it: a retry will duplicate the records.
    request.req.socket.destroy();
    return;
  }
  if (action === 'PutRecords') {
    sendJson(res, 200, { FailedRecordCount: outcome.failed, Records: outcome.records });
    return;
  }
  // PutRecord has no per-entry errors: a failed entry is a whole-request error, as AWS answers it.
  const record = outcome.records[0];
  if (record?.ErrorCode === undefined && record?.SequenceNumber !== undefined) {
    sendJson(res, 200, { ShardId: record.ShardId, SequenceNumber: record.SequenceNumber });
  } else if (record?.ErrorCode === 'ProvisionedThroughputExceededException') {
    sendError(res, new KinesisApiError(record.ErrorCode, record.ErrorMessage ?? 'Rate exceeded.'));
  } else {
    sendError(res, new KinesisApiError('InternalFailureException', record?.ErrorMessage ?? 'Internal service failure.', 500));
  }
}
