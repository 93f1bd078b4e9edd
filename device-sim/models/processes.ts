/**
 * Stochastic building blocks and the device-level processes several fields share (a machine's duty cycle, a
 * tracker's motion). Every step takes the elapsed time `dt` in seconds, so a model behaves the same at 10
 * readings per second and at one reading per hour; the formulas are exact for any `dt`, not Euler steps, so a
 * long gap between readings cannot make a value overshoot.
 */
import type { Rng } from '../prng.js';
import { clamp } from './units.js';

/** What the fields of one sample share. */
export interface SampleContext {
  /** True time of the sample, ms since the Unix epoch. */
  ts: number;
  /** Seconds since the previous sample; 0 for the first. */
  dt: number;
  /** Activity 0..1: a machine running, a vehicle moving. Warms housings and drains batteries. */
  load: number;
  /** Longitude for local solar time (diurnal cycle). */
  lonDeg: number;
  /** Temperature minus its long-term mean, °C; humidity moves against it. */
  tempAnomalyC: number;
}

/**
 * One step of an Ornstein-Uhlenbeck process: a random walk pulled back to `mean` with rate `theta` (1/s), whose
 * long-run standard deviation is `std`. Sampled exactly: x' = mean + (x - mean)·e^(-θdt) + std·√(1 - e^(-2θdt))·N.
 */
export function ouStep(x: number, mean: number, theta: number, std: number, dt: number, rng: Rng): number {
  if (dt <= 0) return x;
  const decay = Math.exp(-theta * dt);
  return mean + (x - mean) * decay + std * Math.sqrt(1 - decay * decay) * rng.normal();
}

/** Probability that an event with mean interval `meanS` seconds happens within `dt` seconds (Poisson). */
export function eventProbability(dt: number, meanS: number): number {
  return dt <= 0 ? 0 : 1 - Math.exp(-dt / meanS);
}

/** A machine that runs for ~45 min, rests for ~15 min, at a device-specific load level. */
export interface DutyCycle {
  step(ctx: SampleContext): void;
}

export function createDutyCycle(rng: Rng): DutyCycle {
  const level = rng.uniform(0.6, 1);
  let running = rng.chance(0.75);
  let load = running ? level : 0;
  return {
    step(ctx) {
      if (rng.chance(eventProbability(ctx.dt, running ? 45 * 60 : 15 * 60))) running = !running;
      // Spin-up and run-down take tens of seconds, not one sample.
      load = running ? ouStep(load, level, 1 / 20, 0.03, ctx.dt, rng) : load * Math.exp(-ctx.dt / 20);
      ctx.load = clamp(load, 0, 1);
    },
  };
}

/** Bounds of the positions a tracker may report (the catalog's lat/lon ranges). */
export interface GeoBounds {
  latMin: number;
  latMax: number;
  lonMin: number;
  lonMax: number;
  /** Fastest ground speed the tracker may report, m/s. */
  speedMax: number;
}

export interface Motion {
  step(ctx: SampleContext): void;
  /** True position, degrees. */
  readonly lat: number;
  readonly lon: number;
  /** True ground speed, m/s. */
  readonly speed: number;
}

const METRES_PER_DEGREE = 111_320;
/** Keeps cos(lat) away from 0, where a metre east is an unbounded number of degrees. */
const MAX_ABS_LAT = 85;

/**
 * A vehicle: drives for ~20 min, parks for ~10 min; while driving its speed wanders around a cruise speed and its
 * heading random-walks with occasional turns. Positions reflect off the bounds.
 */
export function createMotion(rng: Rng, bounds: GeoBounds, home?: { lat: number; lon: number }): Motion {
  const latLo = Math.max(bounds.latMin, -MAX_ABS_LAT);
  const latHi = Math.min(bounds.latMax, MAX_ABS_LAT);
  // Start within ~5 km of the site's location when the catalog names one, else anywhere inhabited-ish.
  let lat = home !== undefined ? home.lat + rng.normal() * 0.03 : rng.uniform(Math.max(latLo, -60), Math.min(latHi, 60));
  let lon = home !== undefined ? home.lon + rng.normal() * 0.05 : rng.uniform(bounds.lonMin, bounds.lonMax);
  lat = clamp(lat, latLo, latHi);
  lon = clamp(lon, bounds.lonMin, bounds.lonMax);
  let heading = rng.uniform(0, 2 * Math.PI);
  const cruise = Math.min(rng.uniform(8, 25), bounds.speedMax * 0.8);
  let moving = rng.chance(0.6);
  let speed = moving ? cruise : 0;

  return {
    get lat() {
      return lat;
    },
    get lon() {
      return lon;
    },
    get speed() {
      return speed;
    },
    step(ctx) {
      const dt = ctx.dt;
      if (rng.chance(eventProbability(dt, moving ? 20 * 60 : 10 * 60))) moving = !moving;
      if (moving) {
        speed = clamp(ouStep(speed === 0 ? cruise / 3 : speed, cruise, 1 / 60, 3, dt, rng), 0, bounds.speedMax);
        heading += 0.05 * Math.sqrt(dt) * rng.normal();
        if (rng.chance(eventProbability(dt, 120))) heading += rng.pick([-1, 1]) * (Math.PI / 2);
      } else {
        speed = 0;
      }
      const metres = speed * dt;
      lat += (metres * Math.cos(heading)) / METRES_PER_DEGREE;
      lon += (metres * Math.sin(heading)) / (METRES_PER_DEGREE * Math.cos((lat * Math.PI) / 180));
      if (lat < latLo || lat > latHi) {
        heading = Math.PI - heading; // reflect north/south
        lat = clamp(lat, latLo, latHi);
      }
      if (lon < bounds.lonMin || lon > bounds.lonMax) {
        heading = -heading; // reflect east/west
        lon = clamp(lon, bounds.lonMin, bounds.lonMax);
      }
      ctx.load = moving ? 1 : 0.05;
      ctx.lonDeg = lon;
    },
  };
}
