import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { authenticateDevice, parseAuthorization } from '../../gateway/src/http/auth.js';
import { isJsonArrayText, splitJsonArray } from '../../gateway/src/http/json-array.js';
import { createEventLog } from '../../gateway/src/logging/event-log.js';
import { createLogger, resolveLogFormat } from '../../common/logger.js';
import { bucketDelta, quantile } from '../../gateway/src/ops/histogram.js';
import { createLatestReadings } from '../../gateway/src/ops/latest-readings.js';

describe('JSON array splitting (HTTP batches keep each reading byte for byte)', () => {
  const split = (text: string): string[] => splitJsonArray(Buffer.from(text)).map((b) => b.toString('utf8'));
  it('returns each element exactly as written', () => {
    expect(split('[{"a":1},{"b":2}]')).toEqual(['{"a":1}', '{"b":2}']);
    expect(split(' \n[ {"a": 1.0} ,\t{"big":12345678901234567890} ]\n')).toEqual(['{"a": 1.0}', '{"big":12345678901234567890}']);
    expect(split('[]')).toEqual([]);
    expect(split('[ ]')).toEqual([]);
    expect(split('[1,"x",null,[1,[2]],{"k":{"l":[{}]}}]')).toEqual(['1', '"x"', 'null', '[1,[2]]', '{"k":{"l":[{}]}}']);
  });
  it('is not fooled by brackets, commas, quotes and escapes inside strings', () => {
    expect(split('[{"s":"],[{,}\\"\\\\"},{"t":"\\u005d"}]')).toEqual(['{"s":"],[{,}\\"\\\\"}', '{"t":"\\u005d"}']);
    expect(split('[{"ü":"ö,]"}]')).toEqual(['{"ü":"ö,]"}']);
  });
  it('recognises array bodies', () => {
    expect(isJsonArrayText(Buffer.from('  [1]'))).toBe(true);
    expect(isJsonArrayText(Buffer.from('{"a":[1]}'))).toBe(false);
    expect(isJsonArrayText(Buffer.from(''))).toBe(false);
  });
});

describe('HTTP device authentication', () => {
  const basic = (s: string): string => `Basic ${Buffer.from(s).toString('base64')}`;
  it('parses Basic and Bearer, rejects the rest', () => {
    expect(parseAuthorization(basic('dev-1:pa:ss'))).toEqual({ kind: 'basic', username: 'dev-1', secret: 'pa:ss' });
    expect(parseAuthorization('bearer tok en')).toEqual({ kind: 'bearer', secret: 'tok en' });
    expect(parseAuthorization(undefined)).toBeUndefined();
    expect(parseAuthorization('Basic')).toBeUndefined();
    expect(parseAuthorization('Basic !!!')).toBeUndefined();
    expect(parseAuthorization(basic('no-colon'))).toBeUndefined();
    expect(parseAuthorization('Digest x')).toBeUndefined();
  });
  it('accepts only the path device\'s own credentials', async () => {
    const secrets = new Map([['a', 'sa'], ['b', 'sb']]);
    const auth = { verify: async (id: string, secret: string) => secrets.get(id) === secret };
    expect(await authenticateDevice(auth, 'a', basic('a:sa'))).toBe(true);
    expect(await authenticateDevice(auth, 'a', 'Bearer sa')).toBe(true);
    expect(await authenticateDevice(auth, 'a', basic('b:sb'))).toBe(false);
    expect(await authenticateDevice(auth, 'a', 'Bearer sb')).toBe(false);
    expect(await authenticateDevice(auth, 'a', basic('a:wrong'))).toBe(false);
    expect(await authenticateDevice(auth, 'a', undefined)).toBe(false);
  });
});

describe('histogram quantiles (dashboard latency percentiles)', () => {
  const inf = Number.POSITIVE_INFINITY;
  it('interpolates inside the bucket like histogram_quantile', () => {
    const b: Array<[number, number]> = [[0.01, 50], [0.02, 90], [0.05, 100], [inf, 100]];
    expect(quantile(b, 0.5)).toBeCloseTo(0.01);
    expect(quantile(b, 0.7)).toBeCloseTo(0.015);
    expect(quantile(b, 0.99)).toBeCloseTo(0.047);
    expect(quantile([[0.01, 0], [inf, 0]], 0.5)).toBeUndefined();
    expect(quantile([[0.01, 0], [inf, 3]], 0.5)).toBe(0.01);
  });
  it('takes the difference of two cumulative snapshots', () => {
    expect(bucketDelta([[1, 5], [inf, 6]], [[1, 7], [inf, 10]])).toEqual([[1, 2], [inf, 4]]);
    expect(bucketDelta(undefined, [[1, 7], [inf, 10]])).toEqual([[1, 7], [inf, 10]]);
  });
});

describe('latest readings ring', () => {
  it('keeps the newest reading of the most recently active devices, bounded', () => {
    let t = 1000;
    const latest = createLatestReadings({ devices: 3, maxRecordBytes: 200, now: () => t++ });
    const rec = (id: string, seq: number, reading: string): Buffer =>
      Buffer.from(`{"deviceId":"${id}","epoch":1,"seq":${seq},"receivedAt":${5000 + seq},"reading":${reading}}`);
    latest.record('a', rec('a', 1, '{"v":1}'));
    latest.record('b', rec('b', 1, '{"v":2}'));
    latest.record('a', rec('a', 2, '{"v":3}'));
    latest.record('c', rec('c', 1, '{"v":4}'));
    latest.record('d', rec('d', 1, `{"v":"${'x'.repeat(300)}"}`));
    const list = latest.list();
    expect(list.map((r) => r.deviceId)).toEqual(['d', 'c', 'a']);
    expect(list[2]).toEqual({ deviceId: 'a', seq: 2, receivedAt: 5002, reading: { v: 3 }, bytes: rec('a', 2, '{"v":3}').length });
    expect(list[0]?.reading).toBeUndefined();
    expect(list[0]?.bytes).toBeGreaterThan(300);
  });
});

describe('logging', () => {
  function capture(level: 'info' | 'debug'): { lines: Record<string, unknown>[]; logger: ReturnType<typeof createLogger> } {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _e, cb) {
        for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    return { lines, logger: createLogger({ level, destination }) };
  }

  it('summarises a burst of events instead of flooding, per kind', () => {
    const { lines, logger } = capture('info');
    const events = createEventLog({ logger, burst: 3, intervalMs: 60_000 });
    for (let i = 0; i < 10; i++) events.event('connection_accepted', 'info', { clientId: `d${i}` }, 'connection accepted');
    events.event('connection_closed', 'info', { clientId: 'd0' }, 'connection closed');
    events.close();
    expect(lines.filter((l) => l['msg'] === 'connection accepted').map((l) => l['clientId'])).toEqual(['d0', 'd1', 'd2']);
    expect(lines.filter((l) => l['msg'] === 'connection closed')).toHaveLength(1);
    expect(lines.find((l) => l['suppressed'] !== undefined)).toMatchObject({ event: 'connection_accepted', suppressed: 7 });
  });

  it('logs every event at debug level', () => {
    const { lines, logger } = capture('debug');
    const events = createEventLog({ logger, burst: 1 });
    for (let i = 0; i < 5; i++) events.event('x', 'info', { i }, 'x happened');
    events.close();
    expect(lines.filter((l) => l['msg'] === 'x happened')).toHaveLength(5);
  });

  it('pretty-prints for a terminal and writes JSON otherwise', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('auto', undefined)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    let out = '';
    const destination = new Writable({
      write(chunk: Buffer, _e, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const logger = createLogger({ format: 'pretty', destination });
    logger.info({ clientId: 'dev-1' }, 'connection accepted');
    return new Promise<void>((resolve) => setTimeout(() => {
      expect(out).toMatch(/INFO.*connection accepted.*"?clientId"?: ?"dev-1"/);
      expect(() => JSON.parse(out)).toThrow();
      resolve();
    }, 50));
  });
});
