import type { LatestResponse, ReadyzResponse, StatsSnapshot } from './api.js';
import { bars } from './bars.js';
import { lineChart, shardChart } from './charts.js';
import { COLORS } from './colors.js';
import { byId, canvasById, el, setText } from './dom.js';
import { fmtAge, fmtBytes, fmtMs, fmtNum } from './format.js';

/** Longest reading shown in the table, characters; the rest is cut with an ellipsis. */
const MAX_READING_CHARS = 240;

/** The figures, charts and bars from one `/api/v1/stats` snapshot. */
export function renderStats(s: StatsSnapshot): void {
  const h = s.history;
  const lat = s.ackLatencyMs;
  setText('kpi-rate', fmtNum(s.readings.receivedPerSecond));
  setText('kpi-rate-sub', `${fmtNum(s.readings.receivedTotal)} since start`);
  setText('kpi-forwarded', fmtNum(s.readings.forwardedPerSecond));
  setText('kpi-forwarded-sub', `${fmtNum(s.readings.forwardedTotal)} accepted`);
  setText('kpi-devices', fmtNum(s.connections));
  setText('kpi-p50', lat ? fmtMs(lat.p50) : '–');
  setText('kpi-p-sub', lat ? `p90 ${fmtMs(lat.p90)} · p99 ${fmtMs(lat.p99)}` : 'no acknowledgements yet');
  const dead = s.deadLetters.reduce((a, r) => a + r.total, 0);
  const topDead = s.deadLetters[0];
  setText('kpi-dead', fmtNum(dead));
  setText('kpi-dead-sub', topDead === undefined ? 'none' : `${topDead.reason} most`);
  setText('kpi-spool', fmtNum(s.spool.entries));
  const oldest = s.spool.oldestAgeSeconds > 0 ? ` · oldest ${fmtAge(s.spool.oldestAgeSeconds).replace(' ago', '')}` : '';
  setText('kpi-spool-sub', `${fmtBytes(s.spool.bytes)}${oldest} · ${fmtNum(s.bufferedReadings)} in memory`);
  setText('rate-note', `averaged over ${s.rateWindowSeconds} s`);
  setText('lat-note', lat ? `${lat.count} acks in the last ${Math.round(lat.windowSeconds)} s` : '');
  setText('skew', s.shardSkew === null ? 'no traffic' : `skew ${s.shardSkew.toFixed(2)}× (busiest / mean)`);
  setText(
    'meta',
    `up ${fmtAge(s.uptimeSeconds).replace(' ago', '')} · RSS ${fmtBytes(s.rssBytes)} · updated ${new Date(s.at).toLocaleTimeString()}`,
  );

  lineChart(
    canvasById('chart-rate'),
    h.t,
    [
      { values: h.receivedPerSecond, color: COLORS.accent, fill: true },
      { values: h.forwardedPerSecond, color: COLORS.green },
    ],
    fmtNum,
  );
  lineChart(
    canvasById('chart-latency'),
    h.t,
    [
      { values: h.ackP50Ms, color: COLORS.accent },
      { values: h.ackP99Ms, color: COLORS.amber },
    ],
    fmtMs,
  );
  lineChart(canvasById('chart-connections'), h.t, [{ values: h.connections, color: COLORS.green, fill: true }], fmtNum);
  lineChart(canvasById('chart-spool'), h.t, [{ values: h.spoolEntries, color: COLORS.amber, fill: true }], fmtNum);
  shardChart(canvasById('chart-shards'), s.shards);
  bars(byId('dead'), s.deadLetters, 'no dead letters');
  // Retries are expected under load (amber); request and entry errors are not (red).
  bars(
    byId('errors'),
    s.errors.map((r) => ({ ...r, color: r.reason.startsWith('retry:') ? COLORS.amber : COLORS.red })),
    'no errors',
  );

  const flags = byId('flags');
  flags.replaceChildren();
  const raised: Array<[boolean, string]> = [
    [s.backpressure, 'backpressure'],
    [s.sinkFatal, 'Kinesis refuses writes'],
  ];
  for (const [on, label] of raised) if (on) flags.appendChild(el('span', 'pill bad', label));
}

/** The latest-readings table; readings are shown as JSON text, never as HTML. */
export function renderLatest(list: LatestResponse['readings']): void {
  const body = byId('latest');
  body.replaceChildren();
  if (list.length === 0) {
    const td = el('td', 'empty', 'no readings yet');
    td.colSpan = 4;
    body.appendChild(el('tr')).appendChild(td);
    return;
  }
  const now = Date.now();
  for (const r of list) {
    let reading = r.reading === undefined ? `(${fmtBytes(r.bytes)}, too large to show)` : JSON.stringify(r.reading);
    if (reading.length > MAX_READING_CHARS) reading = `${reading.slice(0, MAX_READING_CHARS - 1)}…`;
    const readingCell = el('td');
    readingCell.appendChild(el('code', '', reading));
    const tr = el('tr');
    tr.append(
      el('td', '', r.deviceId),
      el('td', '', r.seq === undefined ? '' : String(r.seq)),
      el('td', '', fmtAge((now - r.receivedAt) / 1000)),
      readingCell,
    );
    body.appendChild(tr);
  }
}

/** The readiness pill and the check-by-check line from `/readyz` (503 when not ready, with the same body). */
export function renderReady(status: number, body: ReadyzResponse): void {
  const pill = byId('ready');
  const ready = status === 200;
  pill.className = `pill ${ready ? 'ok' : 'bad'}`;
  pill.textContent = ready ? 'ready' : 'not ready';
  const checks = byId('checks');
  checks.replaceChildren();
  for (const [name, c] of Object.entries(body.checks ?? {})) {
    checks.appendChild(el('span', c.ok ? '' : 'bad', `${c.ok ? '✓ ' : '✗ '}${name}: ${c.detail}`));
  }
}
