import type { ShardStats } from '../../../ops/dashboard-api.js';
import { COLORS } from './colors.js';
import { fmtNum, niceMax } from './format.js';

/** One line of a time chart; a null value is a gap (no acknowledgement in that second, say). */
export interface Series {
  values: readonly (number | null)[];
  color: string;
  /** Shade the area under the line. Default false. */
  fill?: boolean;
}

interface Surface {
  ctx: CanvasRenderingContext2D;
  w: number;
  h: number;
}

const PAD = { left: 52, right: 10, top: 8, bottom: 20 } as const;

/** A cleared 2D context in CSS pixels, its backing store sized for the screen's pixel ratio (sharp on HiDPI). */
function surface(c: HTMLCanvasElement): Surface {
  const dpr = window.devicePixelRatio || 1;
  const w = c.clientWidth;
  const h = c.clientHeight;
  if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
    c.width = Math.round(w * dpr);
    c.height = Math.round(h * dpr);
  }
  const ctx = c.getContext('2d');
  if (ctx === null) throw new Error(`dashboard: no 2D context for #${c.id}`);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = '11px system-ui, sans-serif';
  return { ctx, w, h };
}

/** Five horizontal grid lines from 0 to `max`, labelled on the left. */
function yAxis(g: Surface, y: (v: number) => number, max: number, fmt: (v: number) => string): void {
  const { ctx, w } = g;
  ctx.strokeStyle = COLORS.grid;
  ctx.fillStyle = COLORS.muted;
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const yy = Math.round(y(v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(PAD.left, yy);
    ctx.lineTo(w - PAD.right, yy);
    ctx.stroke();
    ctx.fillText(fmt(v), PAD.left - 6, yy);
  }
}

/** Maps 0..max onto the plot's height, 0 at the bottom. */
function yScale(h: number, max: number): (v: number) => number {
  return (v) => PAD.top + (1 - v / max) * (h - PAD.top - PAD.bottom);
}

/**
 * A time chart: `t` in seconds relative to now (≤ 0), one point per entry of each series' values. At least the
 * last minute is shown, so a fresh gateway's few points do not stretch across the whole width.
 */
export function lineChart(c: HTMLCanvasElement, t: readonly number[], series: readonly Series[], fmt: (v: number) => string): void {
  const g = surface(c);
  const { ctx, w, h } = g;
  let max = 0;
  for (const s of series) for (const v of s.values) if (v !== null && v > max) max = v;
  max = niceMax(max * 1.1);
  const tMin = Math.min(t[0] ?? 0, -60);
  const x = (tv: number): number => PAD.left + ((tv - tMin) / (0 - tMin)) * (w - PAD.left - PAD.right);
  const y = yScale(h, max);
  yAxis(g, y, max, fmt);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const step = tMin < -90 ? 30 : 15;
  for (let s = 0; s >= tMin; s -= step) ctx.fillText(s === 0 ? 'now' : `${s} s`, x(s), h - PAD.bottom + 5);
  for (const sr of series) {
    // Points in canvas coordinates; null where the series has a gap.
    const pts = sr.values.map((v, i): [number, number] | null => {
      const tv = t[i];
      return v === null || tv === undefined ? null : [x(tv), y(v)];
    });
    const drawn = pts.filter((p): p is [number, number] => p !== null);
    const first = drawn[0];
    const last = drawn[drawn.length - 1];
    if (first === undefined || last === undefined) continue;
    if (sr.fill === true) {
      ctx.beginPath();
      ctx.moveTo(first[0], y(0));
      for (const [px, py] of drawn) ctx.lineTo(px, py);
      ctx.lineTo(last[0], y(0));
      ctx.closePath();
      ctx.globalAlpha = 0.15;
      ctx.fillStyle = sr.color;
      ctx.fill();
      ctx.globalAlpha = 1;
    }
    ctx.strokeStyle = sr.color;
    ctx.lineWidth = 2;
    ctx.lineJoin = 'round';
    ctx.beginPath();
    let pen = false;
    for (const p of pts) {
      if (p === null) {
        pen = false;
      } else if (pen) {
        ctx.lineTo(p[0], p[1]);
      } else {
        ctx.moveTo(p[0], p[1]);
        pen = true;
      }
    }
    ctx.stroke();
  }
  // The browser test reads how many samples the chart holds.
  c.dataset.points = String(t.length);
}

/** Per-shard readings/s as bars, the mean as a dashed line: a hot shard stands out at a glance. */
export function shardChart(c: HTMLCanvasElement, shards: readonly ShardStats[]): void {
  const g = surface(c);
  const { ctx, w, h } = g;
  let max = 0;
  let total = 0;
  for (const s of shards) {
    max = Math.max(max, s.readingsPerSecond);
    total += s.readingsPerSecond;
  }
  max = niceMax(max * 1.1);
  const y = yScale(h, max);
  yAxis(g, y, max, fmtNum);
  const slot = (w - PAD.left - PAD.right) / Math.max(shards.length, 1);
  const bw = Math.max(4, Math.min(48, slot * 0.6));
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  shards.forEach((s, i) => {
    const cx = PAD.left + slot * (i + 0.5);
    const top = y(s.readingsPerSecond);
    // A throttled shard turns red.
    ctx.fillStyle = s.throttledPerSecond > 0 ? COLORS.red : COLORS.violet;
    ctx.fillRect(cx - bw / 2, top, bw, y(0) - top);
    ctx.fillStyle = COLORS.muted;
    ctx.fillText(s.shard.replace(/^shardId-0*(?=\d)/, '#'), cx, h - PAD.bottom + 5);
  });
  if (shards.length > 0 && total > 0) {
    const my = Math.round(y(total / shards.length)) + 0.5;
    ctx.strokeStyle = COLORS.amber;
    ctx.setLineDash([5, 4]);
    ctx.beginPath();
    ctx.moveTo(PAD.left, my);
    ctx.lineTo(w - PAD.right, my);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  c.dataset.points = String(shards.length);
}
