/**
 * Checks a transform response the way Firehose does (Firehose Developer Guide, "Required parameters for data
 * transformation"): a JSON object with a `records` array, every request `recordId` exactly once, `result` one of
 * Ok, Dropped or ProcessingFailed, `data` base64.
 *
 * Decisions on the points AWS does not document (the runner's README.md, "Decisions on unverified points" 1–3):
 * - `data` is required on every entry, Dropped and ProcessingFailed too: the docs say every record needs
 *   recordId, result and data, and a transform that passes here should pass on AWS.
 * - A missing or duplicated id fails the whole batch: once the function answered ids it was not asked about, or
 *   not the ones it was asked, no entry of that response is trustworthy.
 * - An invalid `result`, a non-string id or non-base64 data is `Lambda.JsonProcessingException` (wrong status model).
 * - Unknown extra ids are ignored (observed on AWS, common/aws/README.md §5.3) and counted.
 */
import { MAX_INVOCATION_RESPONSE_BYTES } from '../limits.js';

export type ValidationErrorCode = 'Lambda.JsonProcessingException' | 'Lambda.MissingRecordId' | 'Lambda.DuplicatedRecordId';

export type TransformResultKind = 'Ok' | 'Dropped' | 'ProcessingFailed';

export interface RecordResult {
  result: TransformResultKind;
  /** Ok: the decoded data. */
  data?: Buffer;
  /** Ok: `metadata.partitionKeys`, for `!{partitionKeyFromLambda:…}`. */
  partitionKeys?: Readonly<Record<string, string>>;
}

export type ValidationOutcome =
  | { ok: true; results: Map<string, RecordResult>; unknownIds: number }
  | { ok: false; code: ValidationErrorCode; detail: string };

const RESULTS: ReadonlySet<string> = new Set(['Ok', 'Dropped', 'ProcessingFailed']);
const BASE64_CHARS = /^[A-Za-z0-9+/]*(={0,2})$/;

/**
 * Standard-alphabet base64, padding optional (like Java's basic decoder, which Firehose runs on) but, when
 * present, completing a 4-character group.
 */
export function isBase64(s: string): boolean {
  const m = BASE64_CHARS.exec(s);
  if (m === null) return false;
  const pad = (m[1] as string).length;
  if (pad > 0) return s.length % 4 === 0;
  return s.length % 4 !== 1;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkPartitionKeys(metadata: unknown): Readonly<Record<string, string>> | undefined | false {
  if (metadata === undefined) return undefined;
  if (!isPlainObject(metadata)) return false;
  const keys = metadata['partitionKeys'];
  if (keys === undefined) return undefined;
  if (!isPlainObject(keys)) return false;
  for (const v of Object.values(keys)) if (typeof v !== 'string') return false;
  return keys as Record<string, string>;
}

/**
 * @param response - what the transform returned
 * @param requested - the ids of the request, each exactly once
 */
export function validateResponse(response: unknown, requested: ReadonlySet<string>): ValidationOutcome {
  const json = (detail: string): ValidationOutcome => ({ ok: false, code: 'Lambda.JsonProcessingException', detail });
  if (!isPlainObject(response)) return json('the response is not a JSON object');
  const entries = response['records'];
  if (!Array.isArray(entries)) return json('the response has no records array');
  const results = new Map<string, RecordResult>();
  let unknownIds = 0;
  let duplicated: string | undefined;
  for (let i = 0; i < entries.length; i++) {
    const e: unknown = entries[i];
    if (!isPlainObject(e)) return json(`records[${i}] is not an object`);
    const id = e['recordId'];
    if (typeof id !== 'string') return json(`records[${i}].recordId is not a string`);
    const result = e['result'];
    if (typeof result !== 'string' || !RESULTS.has(result)) {
      return json(`records[${i}].result ${JSON.stringify(result)} is not Ok, Dropped or ProcessingFailed`);
    }
    const data = e['data'];
    if (typeof data !== 'string') return json(`records[${i}].data is missing or not a string`);
    if (!isBase64(data)) return json(`records[${i}].data is not base64`);
    const partitionKeys = checkPartitionKeys(e['metadata']);
    if (partitionKeys === false) return json(`records[${i}].metadata.partitionKeys is not an object of strings`);
    if (!requested.has(id)) {
      unknownIds++;
      continue;
    }
    if (results.has(id)) {
      duplicated ??= id;
      continue;
    }
    const r: RecordResult = { result: result as TransformResultKind };
    if (result === 'Ok') {
      r.data = Buffer.from(data, 'base64');
      if (partitionKeys !== undefined) r.partitionKeys = partitionKeys;
    }
    results.set(id, r);
  }
  if (duplicated !== undefined) {
    return { ok: false, code: 'Lambda.DuplicatedRecordId', detail: `record id ${duplicated} was returned more than once` };
  }
  if (results.size < requested.size) {
    return {
      ok: false,
      code: 'Lambda.MissingRecordId',
      detail: `${requested.size - results.size} of ${requested.size} record ids were not returned`,
    };
  }
  return { ok: true, results, unknownIds };
}

const metadataBytes = new WeakMap<object, number>();
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function jsonBytes(value: unknown): number {
  if (typeof value === 'string') return PLAIN_ASCII.test(value) ? value.length + 2 : Buffer.byteLength(JSON.stringify(value));
  const s = JSON.stringify(value) as string | undefined;
  return s === undefined ? 0 : Buffer.byteLength(s);
}

/**
 * Bytes of `JSON.stringify(response)`, computed without building the string (a response is up to 6 MB): exact for
 * the usual entry shape (string fields and a metadata object), with the metadata size cached per object because
 * transforms share one metadata object between the records of a partition.
 */
export function responseBytes(response: unknown): number {
  if (!isPlainObject(response) || !Array.isArray(response['records']) || Object.keys(response).length !== 1) {
    return jsonBytes(response);
  }
  const entries = response['records'] as unknown[];
  let total = '{"records":[]}'.length + Math.max(0, entries.length - 1);
  for (const e of entries) {
    if (!isPlainObject(e)) {
      total += jsonBytes(e);
      continue;
    }
    let n = 2;
    let fields = 0;
    for (const [key, value] of Object.entries(e)) {
      if (value === undefined) continue;
      let v: number;
      if (key === 'metadata' && isPlainObject(value)) {
        v = metadataBytes.get(value) ?? jsonBytes(value);
        metadataBytes.set(value, v);
      } else {
        v = jsonBytes(value);
      }
      n += key.length + 3 + v;
      fields++;
    }
    total += n + Math.max(0, fields - 1);
  }
  return total;
}

/** True when the response exceeds Lambda's 6 MiB response limit, which fails the invocation. */
export function exceedsResponseLimit(response: unknown, limit = MAX_INVOCATION_RESPONSE_BYTES): boolean {
  return responseBytes(response) > limit;
}
