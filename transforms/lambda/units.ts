/**
 * Unit conversions a catalog field may request with `normaliseTo`. Results are rounded to a fixed number of
 * decimals so floating-point noise (e.g. 21.499999999999996) never reaches the output; the original value is kept
 * beside the converted one, so no precision is lost for good.
 */
export type Converter = (value: number) => number;

/**
 * 2 decimals for temperatures: 0.01 °C is finer than any field sensor's resolution (typically 0.1 °F ≈ 0.056 °C),
 * so rounding adds no visible error.
 */
const TEMPERATURE_DECIMALS = 2;

const CONVERSIONS: Readonly<Record<string, Readonly<Record<string, Converter>>>> = {
  F: { C: (f) => roundTo(((f - 32) * 5) / 9, TEMPERATURE_DECIMALS) },
  K: { C: (k) => roundTo(k - 273.15, TEMPERATURE_DECIMALS) },
  C: { F: (c) => roundTo((c * 9) / 5 + 32, TEMPERATURE_DECIMALS) },
};

export function canConvert(from: string, to: string): boolean {
  return from === to || converterFor(from, to) !== undefined;
}

/** The converter from `from` to `to`, or undefined when unsupported. Same unit needs no converter. */
export function converterFor(from: string, to: string): Converter | undefined {
  return Object.hasOwn(CONVERSIONS, from) ? CONVERSIONS[from]?.[to] : undefined;
}

/** Rounds half away from zero at `decimals` places; -0 becomes 0 so the output never shows "-0". */
export function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  const r = (Math.sign(value) * Math.round(Math.abs(value) * scale)) / scale;
  return r === 0 ? 0 : r;
}
