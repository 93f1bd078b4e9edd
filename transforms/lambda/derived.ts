import { roundTo } from './units.js';

/**
 * Magnus formula coefficients over water as given by the WMO CIMO guide (WMO-No. 8, annex 4.B, after Sonntag 1990):
 * e_w(t) = 6.112·exp(17.62·t / (243.12 + t)) hPa, stated for −45 °C to 60 °C. In that range the fit is within a few
 * tenths of a percent of the reference vapour pressure, about 0.1 °C of dew point, hence 1 decimal in the output.
 * Outside it (e.g. a −40 °C sensor reading) the value is an extrapolation.
 */
const MAGNUS_A = 17.62;
const MAGNUS_B = 243.12;
const DEW_POINT_DECIMALS = 1;

/**
 * Dew point in °C from air temperature in °C and relative humidity in %:
 *   γ = ln(RH/100) + a·T / (b + T);  Td = b·γ / (a − γ).
 * Undefined for RH ≤ 0 (the logarithm diverges: bone-dry air has no dew point) and when T is at or below −b, where
 * the formula has a pole.
 */
export function dewPointC(temperatureC: number, relativeHumidity: number): number | undefined {
  if (!(relativeHumidity > 0) || !(temperatureC > -MAGNUS_B)) return undefined;
  const gamma = Math.log(relativeHumidity / 100) + (MAGNUS_A * temperatureC) / (MAGNUS_B + temperatureC);
  const td = (MAGNUS_B * gamma) / (MAGNUS_A - gamma);
  return Number.isFinite(td) ? roundTo(td, DEW_POINT_DECIMALS) : undefined;
}
