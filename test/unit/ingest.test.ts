import { describe, expect, it } from 'vitest';
import { createSequencer, encodeRecord } from '../../gateway/src/ingest/envelope.js';
import { checkPayload } from '../../gateway/src/ingest/payload.js';
import { isValidDeviceId, parseTelemetryTopic, telemetryTopic } from '../../gateway/src/ingest/topic.js';

describe('topic contract', () => {
  it('parses devices/{id}/telemetry', () => {
    expect(parseTelemetryTopic('devices/dev-42/telemetry')).toBe('dev-42');
    expect(parseTelemetryTopic('devices/dev-42/status')).toBeUndefined();
    expect(parseTelemetryTopic('devices//telemetry')).toBeUndefined();
    expect(parseTelemetryTopic('devices/a/b/telemetry')).toBeUndefined();
    expect(parseTelemetryTopic('x/devices/a/telemetry')).toBeUndefined();
    expect(telemetryTopic('a:b')).toBe('devices/a:b/telemetry');
  });

  it('accepts AWS IoT style device ids only', () => {
    expect(isValidDeviceId('dev-42')).toBe(true);
    expect(isValidDeviceId('a.b_c:d-1')).toBe(true);
    expect(isValidDeviceId('')).toBe(false);
    expect(isValidDeviceId('a/b')).toBe(false);
    expect(isValidDeviceId('a+b')).toBe(false);
    expect(isValidDeviceId('x'.repeat(128))).toBe(true);
    expect(isValidDeviceId('x'.repeat(129))).toBe(false);
  });
});

describe('payload validation', () => {
  const ok = (s: string | Buffer, max = 100) => checkPayload(Buffer.isBuffer(s) ? s : Buffer.from(s), max);
  it('accepts JSON objects within the size limit', () => {
    expect(ok('{"t":1}')).toEqual({ ok: true });
    expect(ok(' {"t":{"u":[1]}} ')).toEqual({ ok: true });
  });
  it('names the reason for everything else', () => {
    expect(ok('{"t":')).toMatchObject({ ok: false, reason: 'invalid_json' });
    expect(ok('')).toMatchObject({ ok: false, reason: 'invalid_json' });
    expect(ok('[1]')).toMatchObject({ ok: false, reason: 'not_json_object' });
    expect(ok('null')).toMatchObject({ ok: false, reason: 'not_json_object' });
    expect(ok('42')).toMatchObject({ ok: false, reason: 'not_json_object' });
    expect(ok(Buffer.from([0x7b, 0x7d, 0xff]))).toMatchObject({ ok: false, reason: 'invalid_json' });
    expect(ok('\ufeff{}')).toMatchObject({ ok: false, reason: 'invalid_json' });
    expect(ok(`{"p":"${'x'.repeat(100)}"}`)).toMatchObject({ ok: false, reason: 'payload_too_large' });
  });
});

describe('record envelope', () => {
  it('wraps the payload bytes unchanged with device id, epoch, sequence and receive time', () => {
    const payload = Buffer.from('{ "t": 1.50, "s": "ü" }');
    const rec = encodeRecord({ deviceId: 'd"1', epoch: 1700000000000, seq: 7, receivedAt: 1700000000123 }, payload);
    const text = rec.toString('utf8');
    expect(text).toBe('{"deviceId":"d\\"1","epoch":1700000000000,"seq":7,"receivedAt":1700000000123,"reading":{ "t": 1.50, "s": "ü" }}');
    expect(JSON.parse(text).reading).toEqual({ t: 1.5, s: 'ü' });
  });

  it('numbers each device from 1 without gaps', () => {
    const s = createSequencer(5);
    expect([s.next('a'), s.next('a'), s.next('b'), s.next('a')]).toEqual([1, 2, 1, 3]);
    expect(s.epoch).toBe(5);
  });
});
