/**
 * A local Firehose API endpoint (AWS JSON 1.1) serving Direct PUT delivery streams, so the unmodified
 * `@aws-sdk/client-firehose` works against it: PutRecord, PutRecordBatch, DescribeDeliveryStream,
 * ListDeliveryStreams. Signatures are not verified (any credentials work, as with the other local servers).
 *
 * Tests inject the failures Firehose produces and local servers never do: per-record ServiceUnavailableException
 * or InternalFailure inside a 200 (`FailedPutCount > 0`), and whole-request errors.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Counter, type Registry } from 'prom-client';
import { listenOn } from '../../../common/listen.js';
import { DeliveryError } from '../errors.js';
import {
  FIREHOSE_CONTENT_TYPE,
  FIREHOSE_OPERATIONS,
  FIREHOSE_TARGET_PREFIX,
  FirehoseApiError,
  deliveryStreamNameOf,
  parsePutRecord,
  parsePutRecordBatch,
  putRecordBatchOutput,
  type FirehoseOperation,
  type PutResult,
} from './protocol.js';
import type { DirectPutStream } from './stream.js';

/** Largest request body read: 4 MiB of data is ~5.6 MB of base64, plus JSON. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * A test's fault for one PutRecordBatch/PutRecord record: the record is refused with that code (and never stored).
 * `index` is the record's position in its request; `data` its bytes.
 */
export type RecordFault = (data: Buffer, index: number) => 'ServiceUnavailableException' | 'InternalFailure' | undefined;

export interface FirehoseApiServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 4573; 0 picks a free port. */
  port?: number;
  streams: readonly DirectPutStream[];
  /** Counters go here (`tidegate_local_firehose_*`). Default: not exported. */
  registry?: Registry;
  /** Keep {@link FirehoseApiServer.requests} (tests). Default false: a long-running server keeps nothing per request. */
  recordRequests?: boolean;
}

export interface FirehoseApiServer {
  readonly endpoint: string;
  readonly port: number;
  /** Refuses records the function picks; `undefined` clears it. */
  setRecordFault(fault: RecordFault | undefined): void;
  /** Answers the next `count` PutRecordBatch/PutRecord calls with this error (HTTP status per its type). */
  failNextRequests(count: number, type: 'ServiceUnavailableException' | 'InternalFailure' | 'ResourceNotFoundException'): void;
  /** Records received per request, in arrival order, with `recordRequests` (tests check the batching limits with it). */
  readonly requests: ReadonlyArray<{ operation: FirehoseOperation; records: number; bytes: number }>;
  close(): Promise<void>;
}

const STATUS: Record<string, number> = { ServiceUnavailableException: 503, InternalFailure: 500 };

export async function startFirehoseApiServer(options: FirehoseApiServerOptions): Promise<FirehoseApiServer> {
  const streams = new Map(options.streams.map((s) => [s.description.name, s]));
  const registers = options.registry === undefined ? [] : [options.registry];
  const requestsTotal = new Counter({
    name: 'tidegate_local_firehose_requests_total',
    help: 'Requests to the local Firehose API, by operation and outcome (ok or the error type).',
    labelNames: ['operation', 'outcome'],
    registers,
  });
  const recordsTotal = new Counter({
    name: 'tidegate_local_firehose_records_total',
    help: 'Records put to the local Firehose API, by outcome (accepted or the per-record error code).',
    labelNames: ['outcome'],
    registers,
  });
  let recordFault: RecordFault | undefined;
  let failNext = { count: 0, type: 'ServiceUnavailableException' as 'ServiceUnavailableException' | 'InternalFailure' | 'ResourceNotFoundException' };
  const requests: Array<{ operation: FirehoseOperation; records: number; bytes: number }> = [];

  function streamOf(body: unknown): DirectPutStream {
    const name = deliveryStreamNameOf(body);
    const stream = streams.get(name);
    if (stream === undefined) throw new FirehoseApiError('ResourceNotFoundException', `Firehose ${name} under account ${accountOf()} not found.`);
    return stream;
  }
  const accountOf = (): string => options.streams[0]?.description.account ?? '000000000000';

  function injectedFailure(): void {
    if (failNext.count <= 0) return;
    failNext.count--;
    const type = failNext.type;
    throw new FirehoseApiError(type, `injected ${type}`, STATUS[type] ?? 400);
  }

  async function put(stream: DirectPutStream, records: Buffer[]): Promise<PutResult[]> {
    const results: (PutResult | undefined)[] = records.map((data, i) => {
      const code = recordFault?.(data, i);
      return code === undefined ? undefined : { errorCode: code, errorMessage: code === 'InternalFailure' ? 'Internal service failure.' : 'Slow down.' };
    });
    const accepted = records.filter((_, i) => results[i] === undefined);
    const stored = accepted.length === 0 ? [] : await stream.put(accepted);
    let next = 0;
    const out = results.map((r) => r ?? (stored[next++] as PutResult));
    for (const r of out) recordsTotal.inc({ outcome: 'recordId' in r ? 'accepted' : r.errorCode });
    return out;
  }

  function describe(stream: DirectPutStream): Record<string, unknown> {
    const d = stream.description;
    return {
      DeliveryStreamDescription: {
        DeliveryStreamName: d.name,
        DeliveryStreamARN: d.arn,
        DeliveryStreamStatus: 'ACTIVE',
        DeliveryStreamType: 'DirectPut',
        DeliveryStreamEncryptionConfiguration: { Status: 'DISABLED' },
        VersionId: String(d.version),
        CreateTimestamp: d.createdAt / 1000,
        HasMoreDestinations: false,
        Destinations: [
          {
            DestinationId: 'destinationId-000000000001',
            ExtendedS3DestinationDescription: {
              RoleARN: `arn:aws:iam::${d.account}:role/tidegate-local-firehose`,
              BucketARN: `arn:aws:s3:::${d.bucket}`,
              Prefix: d.prefix,
              ErrorOutputPrefix: d.errorOutputPrefix,
              BufferingHints: { SizeInMBs: d.bufferSizeMB, IntervalInSeconds: d.bufferIntervalS },
              CompressionFormat: d.compression,
              EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
              ProcessingConfiguration:
                d.lambdaArn === undefined
                  ? { Enabled: false, Processors: [] }
                  : { Enabled: true, Processors: [{ Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: d.lambdaArn }] }] },
            },
          },
        ],
      },
    };
  }

  async function handle(operation: FirehoseOperation, body: unknown): Promise<Record<string, unknown>> {
    switch (operation) {
      case 'ListDeliveryStreams': {
        const all = [...streams.keys()].sort();
        const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
        const type = input['DeliveryStreamType'];
        const start = typeof input['ExclusiveStartDeliveryStreamName'] === 'string' ? (input['ExclusiveStartDeliveryStreamName'] as string) : '';
        const limit = typeof input['Limit'] === 'number' ? Math.max(1, Math.min(10_000, input['Limit'])) : 10;
        const names = type !== undefined && type !== 'DirectPut' ? [] : all.filter((n) => n > start);
        return { DeliveryStreamNames: names.slice(0, limit), HasMoreDeliveryStreams: names.length > limit };
      }
      case 'DescribeDeliveryStream':
        return describe(streamOf(body));
      case 'PutRecord': {
        const stream = streamOf(body);
        const { record } = parsePutRecord(body);
        injectedFailure();
        if (options.recordRequests === true) requests.push({ operation, records: 1, bytes: record.length });
        const [result] = await put(stream, [record]);
        if (result === undefined || !('recordId' in result)) {
          const code = result?.errorCode ?? 'InternalFailure';
          throw new FirehoseApiError(code, result?.errorMessage ?? 'Internal service failure.', STATUS[code] ?? 500);
        }
        return { RecordId: result.recordId, Encrypted: false };
      }
      case 'PutRecordBatch': {
        const stream = streamOf(body);
        const { records } = parsePutRecordBatch(body);
        injectedFailure();
        if (options.recordRequests === true) requests.push({ operation, records: records.length, bytes: records.reduce((n, r) => n + r.length, 0) });
        return putRecordBatchOutput(await put(stream, records));
      }
    }
  }

  function send(res: ServerResponse, status: number, body: Record<string, unknown>, errorType?: string): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': FIREHOSE_CONTENT_TYPE,
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
      ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
    });
    res.end(text);
  }

  // No HTTP router: AWS JSON 1.1 serves every operation on `POST /` and names it in X-Amz-Target, so dispatch is
  // the switch over four operations in handle(); a path router would have one route.
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.headers['x-amz-target'];
    const operation = typeof target === 'string' && target.startsWith(FIREHOSE_TARGET_PREFIX) ? target.slice(FIREHOSE_TARGET_PREFIX.length) : undefined;
    let label = operation ?? 'unknown';
    try {
      if (req.method !== 'POST') throw new FirehoseApiError('UnknownOperationException', 'only POST / is served', 404);
      if (operation === undefined || !(FIREHOSE_OPERATIONS as readonly string[]).includes(operation)) {
        label = 'unknown';
        throw new FirehoseApiError('UnknownOperationException', `unsupported operation ${String(target)}`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) throw new FirehoseApiError('SerializationException', `request body over ${MAX_BODY_BYTES} bytes`, 413);
        chunks.push(chunk as Buffer);
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        throw new FirehoseApiError('SerializationException', 'the request body is not JSON');
      }
      const output = await handle(operation as FirehoseOperation, body);
      requestsTotal.inc({ operation: label, outcome: 'ok' });
      send(res, 200, output);
    } catch (err) {
      const apiError = err instanceof FirehoseApiError ? err : new FirehoseApiError('InternalFailure', 'internal error', 500);
      requestsTotal.inc({ operation: label, outcome: apiError.type });
      if (!res.headersSent) send(res, apiError.status, { __type: apiError.type, message: apiError.message }, apiError.type);
      if (!(err instanceof FirehoseApiError)) throw err;
    }
  }

  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    route(req, res).catch(() => {
      /* answered with InternalFailure above */
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 4573;
  const bound = await listenOn(server, port, host, (err) =>
    new DeliveryError('TG_ERR_DELIVERY_LISTEN', `local Firehose API could not bind ${host}:${port}: ${err.message}`, { cause: err }),
  );
  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    port: bound,
    requests,
    setRecordFault(fault) {
      recordFault = fault;
    },
    failNextRequests(count, type) {
      failNext = { count, type };
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections would hold close() open; requests in flight finish first.
        server.closeIdleConnections();
        const timer = setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 5000);
        timer.unref();
      });
    },
  };
}
