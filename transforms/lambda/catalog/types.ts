/**
 * The device catalog as stored in `transforms/catalog.json`. The device simulator reads the same file, so this shape
 * is a contract: add optional properties, never rename or repurpose one.
 */
export interface Catalog {
  /** Device types by name. The name `unknown` is reserved for devices that match no rule. */
  types: Record<string, DeviceTypeSpec>;
  /** Rules mapping a device id to its type, site and location. An exact `id` wins; else the longest `prefix`. */
  devices: DeviceRule[];
}

export interface DeviceTypeSpec {
  description?: string;
  /** Readings of this type are acknowledged and discarded (`Dropped`), e.g. test rigs. Default false. */
  drop?: boolean;
  /** Known reading fields. A field may be absent from a reading; if present it must be a number in [min, max]. */
  fields: Record<string, FieldSpec>;
  /** Anomaly thresholds per field, in the field's normalised unit. Strict: `value < low` or `value > high`. */
  thresholds?: Record<string, ThresholdSpec>;
}

export interface FieldSpec {
  /** Unit the device reports in, e.g. `C`, `F`, `%`, `V`, `g`, `deg`, `m/s`. */
  unit: string;
  /** Valid range, inclusive, in `unit`. Readings outside it are `ProcessingFailed` (`out_of_range`). */
  min: number;
  max: number;
  /** Unit to convert to before delivery, e.g. `F` → `C`. Must be a supported conversion (see `units.ts`). */
  normaliseTo?: string;
}

export interface ThresholdSpec {
  low?: number;
  high?: number;
}

export interface Location {
  lat: number;
  lon: number;
  label?: string;
}

/** Exactly one of `id` and `prefix`. */
export interface DeviceRule {
  id?: string;
  prefix?: string;
  type: string;
  site: string;
  location: Location;
}
