/**
 * Anomaly injection: the faults real sensors show, so alerting and the transform's checks have something to
 * find. Each reading starts a new anomaly with probability `rate` (several may overlap):
 * - spike: one field jumps to the edge of its physical range for one reading (a GNSS fix to 0,0 "null island");
 * - stuck: one field repeats its value for 5-50 readings (a frozen ADC);
 * - dropout: 1-10 readings are never sent (radio loss); the reading counter `n` shows the gap;
 * - clock-skew: the device clock is 30 s to 2 h off for 10-100 readings.
 */
import type { Rng } from './prng.js';
import { clamp, roundTo } from './models/units.js';

export type AnomalyKind = 'spike' | 'stuck' | 'dropout' | 'clock-skew';

export const ANOMALY_KINDS: readonly AnomalyKind[] = ['spike', 'stuck', 'dropout', 'clock-skew'];

export interface FieldRange {
  min: number;
  max: number;
  decimals: number;
  /** Position fields glitch to 0 instead of to a range edge. */
  position: boolean;
}

export interface AnomalyOutcome {
  /** The reading is lost (dropout). */
  skip: boolean;
  /** Added to the reading's `ts`. */
  clockOffsetMs: number;
  /** The anomaly this reading started, if any. */
  started: AnomalyKind | undefined;
}

export interface AnomalyInjector {
  /** Applies the active anomalies to one reading's `values` (changed in place). */
  apply(values: Record<string, number>): AnomalyOutcome;
}

export function createAnomalyInjector(
  rng: Rng,
  rate: number,
  ranges: Readonly<Record<string, FieldRange>>,
  kinds: readonly AnomalyKind[] = ANOMALY_KINDS,
): AnomalyInjector {
  const fields = Object.keys(ranges);
  const stuck = new Map<string, { value: number; remaining: number }>();
  let dropoutRemaining = 0;
  let skew = { offsetMs: 0, remaining: 0 };

  const spike = (values: Record<string, number>, field: string): void => {
    const r = ranges[field]!;
    if (r.position) {
      values[field] = clamp(0, r.min, r.max);
      return;
    }
    const span = r.max - r.min;
    const edge = rng.chance(0.7) ? r.max - rng.uniform(0, 0.02) * span : r.min + rng.uniform(0, 0.02) * span;
    values[field] = clamp(roundTo(edge, r.decimals), r.min, r.max);
  };

  return {
    apply(values) {
      const started = kinds.length > 0 && rng.chance(rate) ? rng.pick(kinds) : undefined;
      let spikeField: string | undefined;
      switch (started) {
        case 'spike':
          spikeField = rng.pick(fields);
          break;
        case 'stuck': {
          const field = rng.pick(fields);
          stuck.set(field, { value: values[field]!, remaining: rng.int(5, 50) });
          break;
        }
        case 'dropout':
          dropoutRemaining = Math.max(dropoutRemaining, rng.int(1, 10));
          break;
        case 'clock-skew':
          skew = { offsetMs: Math.round(rng.pick([-1, 1]) * rng.uniform(30_000, 7_200_000)), remaining: rng.int(10, 100) };
          break;
        case undefined:
          break;
      }
      for (const [field, s] of stuck) {
        values[field] = s.value;
        if (--s.remaining <= 0) stuck.delete(field);
      }
      if (spikeField !== undefined) spike(values, spikeField);
      const skip = dropoutRemaining > 0;
      if (skip) dropoutRemaining--;
      const clockOffsetMs = skew.remaining > 0 ? skew.offsetMs : 0;
      if (skew.remaining > 0) skew.remaining--;
      return { skip, clockOffsetMs, started };
    },
  };
}
