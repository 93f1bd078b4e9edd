/**
 * What a person (or a script) sees: a progress line while the fleet runs, a summary table at the end, and the
 * JSON summary for `--json`.
 */
import type { FleetStats } from './fleet.js';

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (v: number | null): string => (v === null ? '-' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

/** One line: online devices, readings/s since the previous line, totals, latency of the last period. */
export function progressLine(s: FleetStats, prev: FleetStats | undefined, seconds: number): string {
  const dt = prev === undefined ? s.durationS : s.durationS - prev.durationS;
  const published = s.sent + s.resent;
  const rate = dt > 0 ? (published - (prev === undefined ? 0 : prev.sent + prev.resent)) / dt : 0;
  return [
    `[${seconds.toFixed(0).padStart(4)}s]`,
    `online ${int(s.online)}/${int(s.devices)}`,
    `${int(rate)} readings/s`,
    `sent ${int(s.sent)}`,
    `acked ${int(s.acked)}`,
    `errors ${int(s.errors)}`,
    `p50 ${ms(s.recentLatency.p50)} ms`,
    `p99 ${ms(s.recentLatency.p99)} ms`,
  ].join('  ');
}

export function summaryTable(s: FleetStats): string {
  const pct = (a: number, b: number): string => (b === 0 ? '-' : `${((100 * a) / b).toFixed(2)} %`);
  const rows: [string, string][] = [
    ['devices', `${int(s.devices)} (connected ${int(s.connected)}, never connected ${int(s.failed)}, ${s.workers} worker${s.workers === 1 ? '' : 's'})`],
    ['duration', `${s.durationS.toFixed(1)} s (connect phase ${s.connectTimeS === null ? '-' : `${s.connectTimeS.toFixed(2)} s`})`],
    ['readings sent', `${int(s.sent)} (${int(s.durationS > 0 ? s.sent / s.durationS : 0)}/s), resent ${int(s.resent)}`],
    ['acknowledged', `${int(s.acked)} (${pct(s.acked, s.sent)})`],
    ['latency (ms)', `p50 ${ms(s.latency.p50)}  p90 ${ms(s.latency.p90)}  p99 ${ms(s.latency.p99)}  p99.9 ${ms(s.latency.p999)}  max ${ms(s.latency.max)}`],
    ['bad payloads', `${int(s.bad)} (acknowledged ${int(s.badAcked)})`],
    ['anomalies', `${int(s.anomalies)} started, ${int(s.skipped)} readings dropped out`],
    ['errors', `${int(s.errors)} (connect ${int(s.connectFailures)}, lost ${int(s.connectionLosses)}, publish ${int(s.publishErrors)})`],
    ['reconnects', int(s.reconnects)],
    ['unsent', `${int(s.abandoned)} abandoned at the end, ${int(s.dropped)} dropped from full queues`],
    ['memory', `RSS ${mib(s.rssBytes)} peak (${mib(s.rssBaselineBytes)} before start), ${kib(s.rssPerDeviceBytes)} per device`],
    ['seed', String(s.seed)],
  ];
  if (s.lastError !== undefined) rows.push(['last error', s.lastError]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return ['device-sim summary', ...rows.map(([k, v]) => `  ${k.padEnd(width)}${v}`)].join('\n');
}

/** The `--json` line: stable keys, numbers in ms / s / bytes as named. */
export function summaryJson(s: FleetStats): string {
  return JSON.stringify({
    devices: s.devices,
    connected: s.connected,
    failed: s.failed,
    sent: s.sent,
    acked: s.acked,
    resent: s.resent,
    errors: s.errors,
    connectFailures: s.connectFailures,
    connectionLosses: s.connectionLosses,
    publishErrors: s.publishErrors,
    reconnects: s.reconnects,
    bad: s.bad,
    badAcked: s.badAcked,
    anomalies: s.anomalies,
    skipped: s.skipped,
    dropped: s.dropped,
    abandoned: s.abandoned,
    latency: { p50: s.latency.p50, p90: s.latency.p90, p99: s.latency.p99, p999: s.latency.p999, max: s.latency.max, count: s.latency.count },
    durationS: s.durationS,
    connectTimeS: s.connectTimeS,
    readingsPerS: s.durationS > 0 ? Math.round(s.sent / s.durationS) : 0,
    rssBytes: s.rssBytes,
    rssBaselineBytes: s.rssBaselineBytes,
    rssPerDeviceBytes: s.rssPerDeviceBytes,
    workers: s.workers,
    seed: s.seed,
    ...(s.lastError !== undefined ? { lastError: s.lastError } : {}),
  });
}
