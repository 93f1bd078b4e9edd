/**
 * One model per kind of field. Each returns the value in the catalog's unit, rounded like a real sensor, and
 * inside the catalog's [min, max]; the physics (diurnal cycle, drain, bursts) is kept in base units.
 */
import type { CatalogField } from '../catalog.js';
import type { Rng } from '../prng.js';
import { eventProbability, ouStep, type Motion, type SampleContext } from './processes.js';
import { celsiusTo, clamp, decimalsFor, roundTo, speedFactor, temperatureUnit, toCelsius } from './units.js';

export type FieldKind = 'temperature' | 'humidity' | 'battery' | 'vibration' | 'lat' | 'lon' | 'speed' | 'generic';

export interface FieldModel {
  readonly name: string;
  readonly kind: FieldKind;
  /** Decimals of the reported value. */
  readonly decimals: number;
  sample(ctx: SampleContext): number;
}

/** Recognises a field by its name, so a catalog may add types built from known kinds of sensors. */
export function fieldKind(name: string): FieldKind {
  const n = name.toLowerCase();
  if (n === 'lat' || n === 'latitude') return 'lat';
  if (n === 'lon' || n === 'lng' || n === 'longitude') return 'lon';
  if (n.includes('temp')) return 'temperature';
  if (n.includes('humid') || n === 'rh') return 'humidity';
  if (n.includes('batt')) return 'battery';
  if (n.includes('vib')) return 'vibration';
  if (n.includes('speed')) return 'speed';
  return 'generic';
}

/** Metres of GNSS position noise (1 σ), typical of a consumer receiver under open sky. */
const GNSS_NOISE_M = 2.5;
const METRES_PER_DEGREE = 111_320;

export function createFieldModel(name: string, field: CatalogField, rng: Rng, motion: Motion | undefined): FieldModel {
  const kind = fieldKind(name);
  const decimals = decimalsFor(kind, field.unit, field.max - field.min);
  const finish = (v: number): number => clamp(roundTo(v, decimals), field.min, field.max);
  const model = (sample: (ctx: SampleContext) => number): FieldModel => ({ name, kind, decimals, sample });
  switch (kind) {
    case 'temperature':
      return model(temperature(field, rng, finish));
    case 'humidity':
      return model(humidity(field, rng, finish));
    case 'battery':
      return model(battery(field, rng, finish));
    case 'vibration':
      return model(vibration(field, rng, finish));
    case 'lat':
    case 'lon':
    case 'speed':
      if (motion !== undefined) return model(gnss(kind, field, rng, motion, finish));
      return model(generic(field, rng, finish));
    case 'generic':
      return model(generic(field, rng, finish));
  }
}

type Finish = (v: number) => number;

/** Ambient mean + diurnal cycle (peak mid-afternoon, local solar time) + slow random walk + load warming + noise. */
function temperature(field: CatalogField, rng: Rng, finish: Finish): (ctx: SampleContext) => number {
  const unit = temperatureUnit(field.unit);
  const lo = toCelsius(unit, field.min);
  const hi = toCelsius(unit, field.max);
  const mean = lo <= 10 && hi >= 30 ? rng.uniform(12, 24) : (lo + hi) / 2;
  const amplitude = Math.min(rng.uniform(1.5, 6), (hi - lo) * 0.1);
  const peakHour = rng.uniform(14, 16);
  const warmMax = Math.min(rng.uniform(10, 25), (hi - lo) * 0.2);
  let deviation = rng.normal();
  let warmth = 0;
  let first = true;
  return (ctx) => {
    deviation = ouStep(deviation, 0, 1 / 3600, 1, ctx.dt, rng);
    const target = ctx.load * warmMax;
    // A housing warms and cools with a ~10 min time constant; the first reading starts in equilibrium.
    warmth = first ? target : warmth + (target - warmth) * (1 - Math.exp(-ctx.dt / 600));
    first = false;
    const hour = (((ctx.ts / 3_600_000 + ctx.lonDeg / 15) % 24) + 24) % 24;
    const diurnal = amplitude * Math.cos((2 * Math.PI * (hour - peakHour)) / 24);
    ctx.tempAnomalyC = diurnal + deviation;
    const c = clamp(mean + diurnal + deviation + warmth + 0.05 * rng.normal(), lo, hi);
    return finish(celsiusTo(unit, c));
  };
}

/** Relative humidity falls as air warms (≈2.5 %RH per °C at room conditions), plus its own slow walk. */
function humidity(field: CatalogField, rng: Rng, finish: Finish): (ctx: SampleContext) => number {
  const scale = (field.max - field.min) / 100;
  const base = field.min + scale * rng.uniform(35, 60);
  let deviation = 3 * rng.normal();
  return (ctx) => {
    deviation = ouStep(deviation, 0, 1 / 1800, 3, ctx.dt, rng);
    return finish(base + scale * (-2.5 * ctx.tempAnomalyC + deviation + 0.3 * rng.normal()));
  };
}

/**
 * State of charge drains with time (a 2-6 month battery life when idle), three times faster under load, and a
 * little per transmission. Volts follow a Li-ion discharge curve (4.2 V full, 3.0 V empty, flat in the middle)
 * when the range holds it; otherwise the same curve spans most of the range. A `%` field reports the charge.
 */
function battery(field: CatalogField, rng: Rng, finish: Finish): (ctx: SampleContext) => number {
  const percent = field.unit.trim() === '%';
  const span = field.max - field.min;
  const liIon = field.min <= 3 && field.max >= 4.2;
  const empty = liIon ? 3 : field.min + 0.1 * span;
  const full = liIon ? 4.2 : field.max - 0.05 * span;
  const idlePerS = 1 / (rng.uniform(60, 180) * 86_400);
  let charge = rng.uniform(0.55, 1);
  return (ctx) => {
    charge = Math.max(0, charge - ctx.dt * idlePerS * (1 + 2 * ctx.load) - 2e-7);
    if (percent) return finish(100 * charge + 0.2 * rng.normal());
    const curve = charge < 0.1 ? charge * 3.5 : 0.35 + 0.65 * ((charge - 0.1) / 0.9) ** 1.2;
    const sag = 0.04 * ctx.load * ((full - empty) / 1.2);
    return finish(empty + (full - empty) * curve - sag + 0.003 * rng.normal());
  };
}

/** RMS acceleration: a floor, the machine's running level with wobble, and decaying bursts (~one per 5 min). */
function vibration(field: CatalogField, rng: Rng, finish: Finish): (ctx: SampleContext) => number {
  const span = field.max - field.min;
  const running = clamp(rng.uniform(0.05, 0.35), field.min + 0.002 * span, field.min + 0.2 * span);
  const floor = field.min + Math.min(0.005, 0.001 * span);
  let burst = 0;
  let burstTau = 5;
  let wobble = 0;
  return (ctx) => {
    burst *= Math.exp(-ctx.dt / burstTau);
    if (ctx.load > 0.1 && rng.chance(eventProbability(ctx.dt, 300))) {
      burst += running * rng.uniform(3, 15);
      burstTau = rng.uniform(2, 15);
    }
    wobble = ouStep(wobble, 0, 1 / 30, 0.1, ctx.dt, rng);
    const v = floor + ctx.load * running * (1 + wobble) + burst;
    return finish(v * Math.exp(0.05 * rng.normal()));
  };
}

/** What a GNSS receiver reports for the shared motion: position with fix noise, speed with Doppler noise. */
function gnss(kind: 'lat' | 'lon' | 'speed', field: CatalogField, rng: Rng, motion: Motion, finish: Finish): (ctx: SampleContext) => number {
  const factor = speedFactor(field.unit);
  return () => {
    const noiseDeg = (GNSS_NOISE_M * rng.normal()) / METRES_PER_DEGREE;
    if (kind === 'lat') return finish(motion.lat + noiseDeg);
    if (kind === 'lon') return finish(motion.lon + noiseDeg / Math.cos((motion.lat * Math.PI) / 180));
    const noise = motion.speed > 0 ? 0.2 * rng.normal() : Math.abs(0.05 * rng.normal());
    return finish(Math.max(0, motion.speed + noise) * factor);
  };
}

/** A field the simulator has no physics for: a slow random walk around the middle of its range. */
function generic(field: CatalogField, rng: Rng, finish: Finish): (ctx: SampleContext) => number {
  const mid = (field.min + field.max) / 2;
  const std = (field.max - field.min) * 0.05;
  let x = mid + std * rng.normal();
  return (ctx) => {
    x = ouStep(x, mid, 1 / 600, std, ctx.dt, rng);
    return finish(x + 0.01 * std * rng.normal());
  };
}
