import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../bench/loadgen/cli.js';
import { InflightWindow } from '../../bench/loadgen/inflight.js';

describe('InflightWindow', () => {
  it('hands out ids 1..capacity, reuses acknowledged ids FIFO and returns send times', () => {
    const w = new InflightWindow(3);
    expect([w.take(10), w.take(11), w.take(12)]).toEqual([1, 2, 3]);
    expect(w.size).toBe(3);
    expect(() => w.take(13)).toThrow(/full/);
    expect(w.release(2)).toBe(11);
    expect(w.release(2)).toBeUndefined();
    expect(w.release(0)).toBeUndefined();
    expect(w.release(4)).toBeUndefined();
    expect(w.release(1)).toBe(10);
    expect([w.take(20), w.take(21)]).toEqual([2, 1]);
    expect(w.size).toBe(3);
  });

  it('rejects capacities outside the MQTT packet id range', () => {
    expect(() => new InflightWindow(0)).toThrow(RangeError);
    expect(() => new InflightWindow(65_536)).toThrow(RangeError);
  });
});

describe('parseCliArgs', () => {
  it('maps flags to runLoad options and omits unset ones', () => {
    expect(parseCliArgs(['--port', '1884', '--qos', '0', '--duration', '2.5', '--local-addresses', '127.0.0.2, 127.0.0.3'])).toEqual({
      port: 1884,
      qos: 0,
      durationMs: 2500,
      localAddresses: ['127.0.0.2', '127.0.0.3'],
    });
  });

  it('returns undefined for --help and rejects bad values', () => {
    expect(parseCliArgs(['--help'])).toBeUndefined();
    expect(() => parseCliArgs(['--qos', '2'])).toThrow(/qos/);
    expect(() => parseCliArgs(['--connections', 'many'])).toThrow(/number/);
    expect(() => parseCliArgs(['--bogus'])).toThrow();
  });
});
