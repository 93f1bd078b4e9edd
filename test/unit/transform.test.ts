import type { FirehoseTransformationResultRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import catalog from '../../transforms/catalog.json' with { type: 'json' };
import { parseCatalog } from '../../transforms/lambda/catalog/validate.js';
import type { OutputRecord } from '../../transforms/lambda/output.js';
import { createTransform } from '../../transforms/lambda/transform.js';
import type { InvocationSummary } from '../../transforms/lambda/transform.js';
import type { TransformEvent } from '../../transforms/lambda/types.js';
import { loadEvent, loadExpected, statusModelProblems } from '../fixtures/firehose/index.js';

const NOW = Date.UTC(2026, 10, 26, 10, 0, 1);
const CATALOG = parseCatalog(catalog);

function setup() {
  const summaries: InvocationSummary[] = [];
  const transform = createTransform({ catalog: CATALOG, now: () => NOW, onInvocation: (s) => summaries.push(s) });
  return { transform, summaries };
}

const line = (r: FirehoseTransformationResultRecord | undefined): string => Buffer.from(r?.data ?? '', 'base64').toString('utf8');
const delivered = (r: FirehoseTransformationResultRecord | undefined): OutputRecord => JSON.parse(line(r)) as OutputRecord;
const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64');

function eventOf(...data: string[]): TransformEvent {
  return {
    invocationId: 'inv-1',
    deliveryStreamArn: 'arn:aws:firehose:eu-west-1:123456789012:deliverystream/t',
    region: 'eu-west-1',
    records: data.map((d, i) => ({ recordId: `r${i}`, approximateArrivalTimestamp: NOW, data: d })),
  };
}
const reading = (deviceId: string, r: unknown, receivedAt = 1795655960097) => ({ deviceId, epoch: 1, seq: 1, receivedAt, reading: r });

describe('Firehose transform over the gateway fixture', () => {
  it('answers every record once, in order, with the expected result kind', async () => {
    // Prepare
    const { transform, summaries } = setup();
    const event = loadEvent('gateway-records');
    // Act
    const result = await transform(event);
    // Assess
    expect(statusModelProblems(event, result)).toEqual([]);
    expect(result.records.map((r) => ({ recordId: r.recordId, result: r.result }))).toEqual(
      loadExpected().map((e) => ({ recordId: e.recordId, result: e.result })),
    );
    expect(summaries[0]).toMatchObject({ records: 12, ok: 6, dropped: 1, failed: 5 });
    expect(summaries[0]?.failures).toEqual({ invalid_base64: 1, invalid_json: 1, not_json_object: 1, invalid_envelope: 1, out_of_range: 1 });
  });

  it('delivers one JSON line ending in a newline per Ok record, with partition keys from receivedAt (UTC)', async () => {
    const { transform } = setup();
    const result = await transform(loadEvent('gateway-records'));
    const ok = result.records.filter((r) => r.result === 'Ok');
    expect(ok).toHaveLength(6);
    for (const r of ok) {
      const text = line(r);
      expect(text.endsWith('\n')).toBe(true);
      expect(text.indexOf('\n')).toBe(text.length - 1);
      const rec = JSON.parse(text) as OutputRecord;
      expect(rec.processedAt).toBe('2026-11-26T10:00:01.000Z');
      expect(r.metadata?.partitionKeys).toEqual({ deviceType: rec.deviceType, date: '2026-11-26', year: '2026', month: '11', day: '26', hour: '01' });
    }
  });

  it('enriches env-sensor readings with metadata, units, dew point and no anomalies', async () => {
    const { transform } = setup();
    const result = await transform(loadEvent('gateway-records'));
    expect(delivered(result.records[0])).toEqual({
      deviceId: 'dev-42',
      epoch: 1795655957515,
      seq: 1,
      receivedAt: 1795655960098,
      processedAt: '2026-11-26T10:00:01.000Z',
      deviceType: 'env-sensor',
      site: 'demo',
      location: { lat: 52.52, lon: 13.405, label: 'Demo bench' },
      reading: { temperature: 21.5, humidity: 40.2, battery: 3.71, ts: 1795655960000 },
      units: { temperature: 'C', humidity: '%', battery: 'V' },
      derived: { dewPoint: 7.4 },
      anomalies: [],
    });
  });

  it('normalises °F to °C, keeps the original value and unit, and applies thresholds in °C', async () => {
    const { transform } = setup();
    const result = await transform(loadEvent('gateway-records'));
    const rec = delivered(result.records[2]);
    expect(rec.deviceType).toBe('env-sensor-imperial');
    expect(rec.reading.temperature).toBe(21.5);
    expect(rec.units.temperature).toBe('C');
    expect(rec.original).toEqual({ temperature: { value: 70.7, unit: 'F' } });
    expect(rec.anomalies).toEqual([]);
    // 113 °F = 45 °C is at the threshold (strict), 113.2 °F = 45.11 °C is above it.
    const hot = await transform(eventOf(b64(reading('sim-env-sensor-imperial-1', { temperature: 113 })), b64(reading('sim-env-sensor-imperial-1', { temperature: 113.2 }))));
    expect(hot.records.map((r) => delivered(r).anomalies)).toEqual([[], ['temperature_high']]);
    expect(delivered(hot.records[1]).reading.temperature).toBe(45.11);
  });

  it('flags anomalies from the type thresholds', async () => {
    const { transform } = setup();
    const result = await transform(loadEvent('gateway-records'));
    expect(delivered(result.records[1]).anomalies).toEqual(['temperature_high', 'humidity_high']);
    expect(delivered(result.records[3]).anomalies).toEqual(['vibrationRms_high']);
    expect(delivered(result.records[4]).anomalies).toEqual(['battery_low']);
  });

  it('keeps fields the catalog does not know, and delivers unknown devices as type unknown', async () => {
    const { transform } = setup();
    const result = await transform(loadEvent('gateway-records'));
    expect(delivered(result.records[4]).reading).toMatchObject({ fix: '3d' });
    expect(delivered(result.records[4]).units).toEqual({ lat: 'deg', lon: 'deg', speed: 'm/s', battery: 'V' });
    const unknown = delivered(result.records[11]);
    expect(unknown).toMatchObject({ deviceId: 'thermo-x-9', deviceType: 'unknown', site: null, location: null, units: {}, derived: {}, anomalies: [] });
    expect(unknown.reading).toEqual({ t: 19.25, status: 'ok', nested: { a: [1, 2] } });
    expect(result.records[11]?.metadata?.partitionKeys.deviceType).toBe('unknown');
  });

  it('returns the original data for ProcessingFailed and an empty string for Dropped', async () => {
    const event = loadEvent('gateway-records');
    const { transform } = setup();
    const result = await transform(event);
    for (const i of [6, 7, 8, 9, 10]) expect(result.records[i]).toEqual({ recordId: event.records[i]?.recordId, result: 'ProcessingFailed', data: event.records[i]?.data });
    expect(result.records[5]).toEqual({ recordId: event.records[5]?.recordId, result: 'Dropped', data: '' });
  });

  it('gives good records the same result whatever bad records surround them', async () => {
    const event = loadEvent('gateway-records');
    const good = { ...event, records: event.records.filter((_, i) => loadExpected()[i]?.result === 'Ok') };
    const { transform } = setup();
    const alone = await transform(good);
    const mixed = await transform(event);
    expect(mixed.records.filter((r) => r.result === 'Ok')).toEqual(alone.records);
  });
});

describe('the documented AWS example event', () => {
  it.each(['aws-example', 'aws-example-subsequence-string'] as const)('%s: not a gateway record → ProcessingFailed', async (name) => {
    const { transform } = setup();
    const event = loadEvent(name);
    const result = await transform(event);
    expect(statusModelProblems(event, result)).toEqual([]);
    expect(result.records).toEqual([{ recordId: 'record1', result: 'ProcessingFailed', data: 'SGVsbG8gV29ybGQ=' }]);
  });
});

describe('record validation', () => {
  const cases: Array<[string, string, string]> = [
    ['invalid char in 4-aligned base64', 'eyJh!Ijo=', 'invalid_base64'],
    ['unpadded base64', 'eyJhIjoxfQ', 'invalid_base64'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]).toString('base64'), 'invalid_utf8'],
    ['empty data', '', 'invalid_json'],
    ['JSON null', b64('null'), 'not_json_object'],
    ['empty deviceId', b64(reading('', {})), 'invalid_envelope'],
    ['seq as string', b64({ deviceId: 'dev-42', epoch: 1, seq: '1', receivedAt: 1, reading: {} }), 'invalid_envelope'],
    ['fractional epoch', b64({ deviceId: 'dev-42', epoch: 1.5, seq: 1, receivedAt: 1, reading: {} }), 'invalid_envelope'],
    ['receivedAt past year 9999', b64(reading('dev-42', {}, 253402300800000)), 'invalid_envelope'],
    ['reading is an array', b64(reading('dev-42', [21.5])), 'invalid_envelope'],
    ['known field as string', b64(reading('dev-42', { temperature: '21.5' })), 'invalid_reading'],
    ['known field null', b64(reading('dev-42', { humidity: null })), 'invalid_reading'],
    ['number too large for a double', '{"deviceId":"x","epoch":1,"seq":1,"receivedAt":1,"reading":{"a":{"b":1e400}}}', 'invalid_reading'],
    ['below min', b64(reading('dev-42', { battery: -0.1 })), 'out_of_range'],
    ['above max (°F range for imperial)', b64(reading('sim-env-sensor-imperial-1', { temperature: 185.5 })), 'out_of_range'],
  ];
  it.each(cases)('%s → ProcessingFailed (%#)', async (_name, data, reason) => {
    const { transform, summaries } = setup();
    const encoded = data.startsWith('{') ? b64(data) : data;
    const result = await transform(eventOf(encoded));
    expect(result.records[0]).toEqual({ recordId: 'r0', result: 'ProcessingFailed', data: encoded });
    expect(summaries[0]?.failures).toEqual({ [reason]: 1 });
  });

  it('accepts boundary values, absent known fields, and the Unicode replacement character sent on purpose', async () => {
    const { transform } = setup();
    const result = await transform(
      eventOf(
        b64(reading('dev-42', { temperature: -40, humidity: 100, battery: 0 })),
        b64(reading('dev-42', { battery: 3.5 })),
        b64(reading('dev-42', { note: 'bad byte shown as \ufffd' })),
      ),
    );
    expect(result.records.map((r) => r.result)).toEqual(['Ok', 'Ok', 'Ok']);
    expect(delivered(result.records[0]).anomalies).toEqual(['temperature_low', 'humidity_high', 'battery_low']);
    expect(delivered(result.records[1])).toMatchObject({ units: { battery: 'V' }, derived: {}, anomalies: [] });
    expect(delivered(result.records[2]).reading.note).toBe('bad byte shown as \ufffd');
  });

  it('drops a drop:true type before validating its reading', async () => {
    const { transform } = setup();
    const result = await transform(eventOf(b64(reading('sim-lab-test-rig-1', { temperature: 999 }))));
    expect(result.records[0]).toEqual({ recordId: 'r0', result: 'Dropped', data: '' });
  });

  it('derives date and hour keys per record in UTC, across hour and day boundaries', async () => {
    const { transform } = setup();
    const at = (iso: string) => b64(reading('dev-42', {}, Date.parse(iso)));
    const result = await transform(eventOf(at('2026-12-31T23:59:59.999Z'), at('2027-01-01T00:00:00.000Z'), at('2027-01-01T00:59:00.000Z')));
    expect(result.records.map((r) => r.metadata?.partitionKeys)).toEqual([
      { deviceType: 'env-sensor', date: '2026-12-31', year: '2026', month: '12', day: '31', hour: '23' },
      { deviceType: 'env-sensor', date: '2027-01-01', year: '2027', month: '01', day: '01', hour: '00' },
      { deviceType: 'env-sensor', date: '2027-01-01', year: '2027', month: '01', day: '01', hour: '00' },
    ]);
  });

  it('uses the injected clock once per invocation', async () => {
    let t = NOW;
    const transform = createTransform({ catalog: CATALOG, now: () => (t += 1000) });
    const first = await transform(eventOf(b64(reading('dev-42', {})), b64(reading('dev-42', {}))));
    const second = await transform(eventOf(b64(reading('dev-42', {}))));
    expect(first.records.map((r) => delivered(r).processedAt)).toEqual(['2026-11-26T10:00:02.000Z', '2026-11-26T10:00:02.000Z']);
    expect(delivered(second.records[0]).processedAt).toBe('2026-11-26T10:00:03.000Z');
  });

  it('fails the invocation only for an event that is not a Firehose event', async () => {
    const { transform } = setup();
    await expect(transform({} as TransformEvent)).rejects.toMatchObject({ code: 'TG_ERR_EVENT' });
    await expect(transform({ ...eventOf(), records: [null] } as unknown as TransformEvent)).rejects.toMatchObject({ code: 'TG_ERR_EVENT' });
    await expect(transform(eventOf())).resolves.toEqual({ records: [] });
  });
});
