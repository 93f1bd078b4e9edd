/** Number formatting for the figures and axes: short, tabular, and '–' for what is not a number. */

export function fmtNum(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(a >= 1e4 ? 0 : 1)}k`;
  if (a >= 10 || v === Math.round(v)) return String(Math.round(v));
  return String(Number(v.toFixed(a >= 1 ? 1 : 2)));
}

export function fmtMs(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  if (v >= 1000) return `${(v / 1000).toFixed(v >= 10000 ? 0 : 1)} s`;
  return `${v >= 10 ? Math.round(v) : Number(v.toFixed(v >= 1 ? 1 : 2))} ms`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB'] as const;

export function fmtBytes(v: number): string {
  if (!(v > 0)) return '0 B';
  const i = Math.min(BYTE_UNITS.length - 1, Math.floor(Math.log(v) / Math.log(1024)));
  return `${(v / 1024 ** i).toFixed(i === 0 ? 0 : 1)} ${BYTE_UNITS[i] ?? ''}`;
}

/** `s` seconds as an age ("12 s ago"); the caller drops " ago" for a duration. */
export function fmtAge(s: number): string {
  if (s < 1) return 'just now';
  if (s < 90) return `${Math.round(s)} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/** The axis maximum: `v` rounded up to 1, 2 or 5 times a power of ten. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log(v) / Math.LN10);
  const m = v / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}
