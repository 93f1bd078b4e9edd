/**
 * Unit handling for the sensor models. Models think in SI-ish base units (°C, m/s, volts) and convert to the
 * unit the catalog declares, so an `env-sensor-imperial` reports °F from the same physics as an `env-sensor`.
 */

export type TemperatureUnit = 'C' | 'F' | 'K';

const TEMPERATURE_UNITS: Readonly<Record<string, TemperatureUnit>> = {
  c: 'C', '°c': 'C', degc: 'C', celsius: 'C',
  f: 'F', '°f': 'F', degf: 'F', fahrenheit: 'F',
  k: 'K', kelvin: 'K',
};

export function temperatureUnit(unit: string): TemperatureUnit {
  return TEMPERATURE_UNITS[unit.trim().toLowerCase()] ?? 'C';
}

export function celsiusTo(unit: TemperatureUnit, c: number): number {
  return unit === 'F' ? (c * 9) / 5 + 32 : unit === 'K' ? c + 273.15 : c;
}

export function toCelsius(unit: TemperatureUnit, value: number): number {
  return unit === 'F' ? ((value - 32) * 5) / 9 : unit === 'K' ? value - 273.15 : value;
}

const SPEED_FACTORS: Readonly<Record<string, number>> = {
  'm/s': 1, mps: 1, 'km/h': 3.6, kmh: 3.6, kph: 3.6, mph: 2.236936, kn: 1.943844, kt: 1.943844, knots: 1.943844,
};

/** Multiply metres per second by this to get `unit`. */
export function speedFactor(unit: string): number {
  return SPEED_FACTORS[unit.trim().toLowerCase()] ?? 1;
}

/** Rounds half away from zero; -0 becomes 0 so payloads never show "-0". */
export function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  const r = (Math.sign(value) * Math.round(Math.abs(value) * scale)) / scale;
  return r === 0 ? 0 : r;
}

export function clamp(value: number, lo: number, hi: number): number {
  return value < lo ? lo : value > hi ? hi : value;
}

/**
 * Decimals a real sensor of this kind would report: finer than its noise, coarser than float noise. Unknown
 * fields get decimals from the width of their range (0.1 % of it, at least).
 */
export function decimalsFor(kind: string, unit: string, span: number): number {
  switch (kind) {
    case 'temperature':
      return 2;
    case 'humidity':
      return 1;
    case 'battery':
      return unit.trim() === '%' ? 1 : 3;
    case 'vibration':
      return 4;
    case 'lat':
    case 'lon':
      return 6; // ≈ 0.1 m: finer than any GNSS fix
    case 'speed':
      return 2;
    default:
      return Math.max(0, Math.min(6, 3 - Math.floor(Math.log10(span))));
  }
}
