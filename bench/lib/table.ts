/** Plain-text tables and the small statistics the benchmark reports use. */

export type Cell = string | number | undefined;

/** Renders rows under a header; numbers right-aligned, text left-aligned; undefined prints "n/a". */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  const text = rows.map((r) => header.map((_, i) => cellText(r[i])));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.every((r) => typeof r[i] !== 'string' || /^[-+\d.,%×x/ ]+$/.test(r[i] as string)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (numeric[i] === true ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

export function printTable(title: string, header: readonly string[], rows: ReadonlyArray<readonly Cell[]>): void {
  process.stdout.write(`\n## ${title}\n\n${formatTable(header, rows)}\n`);
}

function cellText(c: Cell): string {
  if (c === undefined || (typeof c === 'number' && !Number.isFinite(c))) return 'n/a';
  return typeof c === 'number' ? formatNumber(c) : c;
}

/** Thousands separators; up to 2 decimals below 100, none above. */
export function formatNumber(n: number): string {
  const digits = Math.abs(n) >= 100 || Number.isInteger(n) ? 0 : 2;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export const pct = (v: number | undefined, digits = 1): string | undefined => (v === undefined ? undefined : `${v.toFixed(digits)}%`);
export const mib = (bytes: number | undefined): string | undefined => (bytes === undefined ? undefined : `${(bytes / 2 ** 20).toFixed(1)}`);
export const round = (v: number, digits = 0): number => Math.round(v * 10 ** digits) / 10 ** digits;

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Every sample, in run order. */
  runs: number[];
}

/** Median (mean of the middle two for even counts), min and max of the defined samples. */
export function spread(samples: ReadonlyArray<number | undefined>): Spread | undefined {
  const runs = samples.filter((s): s is number => s !== undefined && Number.isFinite(s));
  if (runs.length === 0) return undefined;
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number, runs };
}

/** "median (min–max)" for a table cell. */
export function formatSpread(s: Spread | undefined, format: (v: number) => string = formatNumber): string | undefined {
  if (s === undefined) return undefined;
  return s.min === s.max ? format(s.median) : `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}
