/**
 * A hand-written SVG chart for the Markdown report: (1) every throughput figure marked for the chart, the
 * subject's bar beside its baseline's, on a log scale; (2) each target as measured ÷ target (≥ 1: met).
 */
import type { SuiteResults } from './results.js';
import { formatValue } from './tables.js';

const WIDTH = 900;
const LABEL_W = 330;
const BAR_H = 16;
const GAP = 6;
const PLOT_W = WIDTH - LABEL_W - 110;
const COLORS = { subject: '#2f6db5', baseline: '#9aa5b1', met: '#2e8b57', missed: '#c0392b' } as const;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Bar {
  label: string;
  value: number;
  text: string;
  color: string;
}

function throughputBars(r: SuiteResults): Bar[] {
  const bars: Bar[] = [];
  for (const s of Object.values(r.scenarios)) {
    for (const f of Object.values(s.figures)) {
      if (f.chart === undefined || !(f.median > 0)) continue;
      bars.push({ label: `${s.name}: ${f.label}`, value: f.median, text: `${formatValue(f.median, f.unit)} ${f.unit}`, color: COLORS[f.chart] });
    }
  }
  return bars;
}

function targetBars(r: SuiteResults): Bar[] {
  return r.targets.flatMap((t): Bar[] => {
    if (t.measured === undefined || !(t.measured > 0)) return [];
    const score = t.comparator === '>=' ? t.measured / t.threshold : t.threshold / t.measured;
    return [{ label: t.id, value: score, text: `${score.toFixed(2)} (${t.status})`, color: t.status === 'met' ? COLORS.met : COLORS.missed }];
  });
}

function panel(title: string, bars: readonly Bar[], top: number, scale: (v: number) => number, ticks: ReadonlyArray<{ at: number; text: string }>, marker?: number): { svg: string; height: number } {
  const out: string[] = [`<text x="10" y="${top + 16}" font-size="14" font-weight="bold">${esc(title)}</text>`];
  const plotTop = top + 28;
  const height = bars.length * (BAR_H + GAP);
  for (const tick of ticks) {
    const x = LABEL_W + scale(tick.at);
    out.push(`<line x1="${x}" y1="${plotTop - 4}" x2="${x}" y2="${plotTop + height}" stroke="#ddd"/>`);
    out.push(`<text x="${x}" y="${plotTop + height + 14}" font-size="10" text-anchor="middle" fill="#555">${esc(tick.text)}</text>`);
  }
  bars.forEach((b, i) => {
    const y = plotTop + i * (BAR_H + GAP);
    const w = Math.max(1, scale(b.value));
    out.push(`<text x="${LABEL_W - 8}" y="${y + BAR_H - 4}" font-size="11" text-anchor="end">${esc(b.label)}</text>`);
    out.push(`<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${b.color}"/>`);
    out.push(`<text x="${LABEL_W + w + 4}" y="${y + BAR_H - 4}" font-size="10" fill="#333">${esc(b.text)}</text>`);
  });
  if (marker !== undefined) {
    const x = LABEL_W + scale(marker);
    out.push(`<line x1="${x}" y1="${plotTop - 4}" x2="${x}" y2="${plotTop + height}" stroke="#333" stroke-dasharray="4 3"/>`);
  }
  return { svg: out.join('\n'), height: 28 + height + 24 };
}

export function svgChart(r: SuiteResults): string {
  const parts: string[] = [];
  let top = 0;
  const throughput = throughputBars(r);
  if (throughput.length > 0) {
    const max = Math.max(...throughput.map((b) => b.value));
    const lo = 2;
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
    const scale = (v: number): number => (Math.max(0, Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * PLOT_W;
    const ticks = Array.from({ length: hi - lo + 1 }, (_, i) => ({ at: 10 ** (lo + i), text: formatValue(10 ** (lo + i), '') }));
    const p = panel('Throughput per second (log scale; blue: subject, grey: its baseline)', throughput, top, scale, ticks);
    parts.push(p.svg);
    top += p.height;
  }
  const targets = targetBars(r);
  if (targets.length > 0) {
    const hi = Math.max(2, Math.ceil(Math.max(...targets.map((b) => b.value))));
    const scale = (v: number): number => (Math.min(v, hi) / hi) * PLOT_W;
    const ticks = Array.from({ length: hi + 1 }, (_, i) => ({ at: i, text: String(i) }));
    const p = panel('Targets: measured ÷ target, inverted for "at most" targets (≥ 1 = met)', targets, top, scale, ticks, 1);
    parts.push(p.svg);
    top += p.height;
  }
  const height = Math.max(top, 40);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    parts.length === 0 ? '<text x="10" y="24" font-size="13">no figures to chart</text>' : '',
    '</svg>',
    '',
  ].join('\n');
}
