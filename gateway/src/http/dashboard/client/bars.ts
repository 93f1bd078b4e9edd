import type { CountByReason } from '../../../ops/dashboard-api.js';
import { el } from './dom.js';
import { fmtNum } from './format.js';

export interface BarRow extends CountByReason {
  /** The fill's colour; default the stylesheet's (red). */
  color?: string;
}

/** Counts by reason as horizontal bars scaled to the largest; `emptyText` when there are none. */
export function bars(container: HTMLElement, rows: readonly BarRow[], emptyText: string): void {
  container.replaceChildren();
  if (rows.length === 0) {
    container.appendChild(el('div', 'empty', emptyText));
    return;
  }
  const max = rows.reduce((m, r) => Math.max(m, r.total), 0) || 1;
  for (const r of rows) {
    const fill = el('div', 'fill');
    fill.style.width = `${Math.max(2, (100 * r.total) / max)}%`;
    if (r.color !== undefined) fill.style.background = r.color;
    const track = el('div', 'track');
    track.appendChild(fill);
    const n = el('span', 'n', fmtNum(r.total) + (r.perSecond > 0 ? ` (${fmtNum(r.perSecond)}/s)` : ''));
    const row = el('div', 'bar');
    row.append(el('span', '', r.reason), track, n);
    container.appendChild(row);
  }
}
