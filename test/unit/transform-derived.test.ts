import { describe, expect, it } from 'vitest';
import { dewPointC } from '../../transforms/lambda/derived.js';
import { canConvert, converterFor, roundTo } from '../../transforms/lambda/units.js';

describe('dew point (Magnus, WMO coefficients)', () => {
  // Prepare: dew points from standard psychrometric tables (over water), to 0.1 °C.
  const table: Array<[number, number, number]> = [
    [20, 50, 9.3],
    [25, 60, 16.7],
    [30, 80, 26.2],
    [10, 30, -6.8],
    [0, 100, 0],
    [35, 20, 8.7],
  ];
  it.each(table)('T=%d °C, RH=%d %% → %d °C', (t, rh, expected) => {
    // Act + Assess: the formula's own error is ≲ 0.1 °C in this range, and the output has 1 decimal.
    expect(Math.abs((dewPointC(t, rh) as number) - expected)).toBeLessThanOrEqual(0.1);
  });

  it('equals the air temperature at saturation and is undefined without humidity', () => {
    expect(dewPointC(21.5, 100)).toBe(21.5);
    expect(dewPointC(20, 0)).toBeUndefined();
    expect(dewPointC(20, -1)).toBeUndefined();
    expect(dewPointC(-243.12, 50)).toBeUndefined();
  });
});

describe('unit conversion', () => {
  it('converts °F to °C rounded to 0.01 °C', () => {
    const f = converterFor('F', 'C');
    expect([32, 212, -40, 70.7, 98.6, 0].map((v) => f?.(v))).toEqual([0, 100, -40, 21.5, 37, -17.78]);
    expect(converterFor('K', 'C')?.(0)).toBe(-273.15);
    expect(converterFor('C', 'F')?.(37)).toBe(98.6);
  });

  it('knows which conversions it supports', () => {
    expect(canConvert('F', 'C')).toBe(true);
    expect(canConvert('V', 'V')).toBe(true);
    expect(canConvert('%', 'K')).toBe(false);
    expect(canConvert('toString', 'C')).toBe(false);
  });

  it('rounds half away from zero without producing -0', () => {
    expect(roundTo(1.005, 2)).toBe(1); // 1.005 is 1.00499999… as a double
    expect(roundTo(-2.5, 0)).toBe(-3);
    expect(Object.is(roundTo(-0.001, 2), 0)).toBe(true);
  });
});
