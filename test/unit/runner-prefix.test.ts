import { describe, expect, it } from 'vitest';
import { isTidegateError } from '../../common/errors.js';
import { COMPRESSION_EXTENSION, objectKey } from '../../transforms/delivery/s3-writer/object-key.js';
import { compilePrefix, compileTimestampPattern, formatTimestamp, randomString } from '../../transforms/delivery/s3-writer/prefix.js';

// 2026-11-26T10:04:05.678Z; in UTC+14 (Kiribati) it is already the 27th, so a local-time bug shows.
const T = Date.UTC(2026, 10, 26, 10, 4, 5, 678);

const prefixError = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (isTidegateError(err, 'TG_ERR_DELIVERY_PREFIX')) return err.message;
    throw err;
  }
  throw new Error('expected TG_ERR_DELIVERY_PREFIX');
};

describe('prefix evaluation (Firehose custom prefixes)', () => {
  it('defaults to Firehose yyyy/MM/dd/HH/ in UTC', () => {
    const p = compilePrefix(undefined, 'prefix');
    expect(p.template).toBe('!{timestamp:yyyy/MM/dd/HH/}');
    expect(p.evaluate({ timestamp: T })).toBe('2026/11/26/10/');
    expect(compilePrefix('', 'prefix').evaluate({ timestamp: T })).toBe('2026/11/26/10/');
  });

  it('formats every supported pattern letter, quoted literals and non-letters in UTC', () => {
    const p = compilePrefix("data/!{timestamp:'year='yyyy'/month='MM'/day='dd'/'HH-mm-ss}/", 'prefix');
    expect(p.evaluate({ timestamp: T })).toBe('data/year=2026/month=11/day=26/10-04-05/');
    expect(formatTimestamp(compileTimestampPattern("yyyy''MM"), T)).toBe("2026'11");
    expect(formatTimestamp(compileTimestampPattern("'it''s' HH"), T)).toBe("it's 10");
    expect(formatTimestamp(compileTimestampPattern('yyyy-MM-dd'), Date.UTC(987, 0, 2))).toBe('0987-01-02');
  });

  it('evaluates every timestamp instance of one prefix at the same instant', () => {
    const p = compilePrefix('!{timestamp:yyyy}/x/!{timestamp:HH}/', 'prefix');
    expect(p.evaluate({ timestamp: Date.UTC(2026, 11, 31, 23, 59, 59, 999) })).toBe('2026/x/23/');
  });

  it('appends !{timestamp:yyyy/MM/dd/HH/} to a prefix without a timestamp, with no "/" inserted', () => {
    expect(compilePrefix('legacy', 'prefix').evaluate({ timestamp: T })).toBe('legacy2026/11/26/10/');
    expect(compilePrefix('raw/', 'prefix').evaluate({ timestamp: T })).toBe('raw/2026/11/26/10/');
    // random-string alone does not stop the append
    const r = compilePrefix('r-!{firehose:random-string}/', 'prefix');
    expect(r.template).toBe('r-!{firehose:random-string}/!{timestamp:yyyy/MM/dd/HH/}');
    expect(r.evaluate({ timestamp: T, randomString: () => 'abcdefghijk' })).toBe('r-abcdefghijk/2026/11/26/10/');
  });

  it('does not append to a prefix with a timestamp or a partition key expression', () => {
    expect(compilePrefix('t/!{timestamp:yyyy}/', 'prefix').template).toBe('t/!{timestamp:yyyy}/');
    const p = compilePrefix('type=!{partitionKeyFromLambda:deviceType}/h=!{partitionKeyFromLambda:hour}/', 'prefix');
    expect(p.template).toBe('type=!{partitionKeyFromLambda:deviceType}/h=!{partitionKeyFromLambda:hour}/');
    expect(p.partitionKeys).toEqual(['deviceType', 'hour']);
    expect(p.evaluate({ timestamp: T, partitionKeys: { deviceType: 'env-sensor', hour: '10', extra: 'x' } })).toBe('type=env-sensor/h=10/');
  });

  it('fails evaluation when a partition key is missing', () => {
    const p = compilePrefix('!{partitionKeyFromLambda:deviceType}/', 'prefix');
    expect(() => p.evaluate({ timestamp: T, partitionKeys: {} })).toThrow(/deviceType/);
  });

  it('random-string is 11 [a-z0-9] characters, fresh for each instance', () => {
    const p = compilePrefix('!{firehose:random-string}/!{firehose:random-string}/', 'prefix');
    const [a, b] = p.evaluate({ timestamp: T }).split('/');
    expect(a).toMatch(/^[a-z0-9]{11}$/);
    expect(b).toMatch(/^[a-z0-9]{11}$/);
    expect(a).not.toBe(b);
    expect(new Set(Array.from({ length: 50 }, randomString)).size).toBe(50);
  });

  it('error output prefix: default, error-output-type, append rule', () => {
    const def = compilePrefix(undefined, 'errorOutputPrefix');
    expect(def.evaluate({ timestamp: T, errorOutputType: 'processing-failed' })).toBe('processing-failed/2026/11/26/10/');
    const console = compilePrefix('!{firehose:error-output-type}/', 'errorOutputPrefix');
    expect(console.evaluate({ timestamp: T, errorOutputType: 'processing-failed' })).toBe('processing-failed/2026/11/26/10/');
    const custom = compilePrefix('errors/!{firehose:error-output-type}/!{timestamp:yyyy-MM-dd}/', 'errorOutputPrefix');
    expect(custom.evaluate({ timestamp: T, errorOutputType: 'processing-failed' })).toBe('errors/processing-failed/2026-11-26/');
  });

  it('enforces the Firehose prefix rules', () => {
    expect(prefixError(() => compilePrefix('errors/', 'errorOutputPrefix'))).toMatch(/must contain !\{firehose:error-output-type\}/);
    expect(prefixError(() => compilePrefix('!{firehose:error-output-type}/', 'prefix'))).toMatch(/only in the error output prefix/);
    expect(prefixError(() => compilePrefix('!{firehose:error-output-type}/!{partitionKeyFromLambda:k}/', 'errorOutputPrefix'))).toMatch(
      /not allowed in the error output prefix/,
    );
    expect(prefixError(() => compilePrefix('a/!{timestamp:yyyy/', 'prefix'))).toMatch(/no closing/);
    expect(prefixError(() => compilePrefix('!{unknown:x}/', 'prefix'))).toMatch(/unknown expression namespace/);
    expect(prefixError(() => compilePrefix('!{firehose:nope}/', 'prefix'))).toMatch(/unknown expression/);
    expect(prefixError(() => compilePrefix('!{partitionKeyFromQuery:k}/', 'prefix'))).toMatch(/partitionKeyFromLambda/);
    expect(prefixError(() => compilePrefix('!{partitionKeyFromLambda:}/', 'prefix'))).toMatch(/needs a key/);
    expect(prefixError(() => compilePrefix('!{timestamp:yy}/', 'prefix'))).toMatch(/unsupported pattern "yy"/);
    expect(prefixError(() => compilePrefix('!{timestamp:EEE}/', 'prefix'))).toMatch(/unsupported pattern/);
    expect(prefixError(() => compilePrefix("!{timestamp:'open}/", 'prefix'))).toMatch(/unterminated quote/);
    expect(prefixError(() => compilePrefix('x'.repeat(513), 'prefix'))).toMatch(/512/);
  });
});

describe('object naming (Firehose S3 object name format)', () => {
  it('is <prefix><name>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><ext> in UTC', () => {
    const key = objectKey({
      prefix: '2026/11/26/10/',
      deliveryStreamName: 'telemetry-to-s3',
      deliveryStreamVersion: 1,
      timestamp: T,
      uuid: 'a9fa96af-e4e4-409f-bac3-1f804714faaa',
      extension: COMPRESSION_EXTENSION.UNCOMPRESSED,
    });
    expect(key).toBe('2026/11/26/10/telemetry-to-s3-1-2026-11-26-10-04-05-a9fa96af-e4e4-409f-bac3-1f804714faaa');
  });

  it('adds .gz for GZIP and keeps a prefix without a trailing slash as is', () => {
    const key = objectKey({
      prefix: 'legacy2026/01/02/03/',
      deliveryStreamName: 'd',
      deliveryStreamVersion: 7,
      timestamp: Date.UTC(2026, 0, 2, 3, 4, 5),
      uuid: 'u',
      extension: COMPRESSION_EXTENSION.GZIP,
    });
    expect(key).toBe('legacy2026/01/02/03/d-7-2026-01-02-03-04-05-u.gz');
  });
});
