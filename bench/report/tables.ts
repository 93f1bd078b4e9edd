/**
 * The report's content as plain tables (title, header, rows of text), rendered by terminal.ts as aligned text
 * and by markdown.ts as Markdown, so both always say the same thing.
 */
import { describeBuild } from '../lib/gateway-build.js';
import { formatNumber } from '../lib/table.js';
import type { FigureResult, SuiteResults, TargetResult } from './results.js';

export interface ReportTable {
  title: string;
  /** A sentence under the title (the scenario's description, an error). */
  caption?: string;
  header: string[];
  rows: string[][];
}

/** A value in its unit's usual precision. */
export function formatValue(v: number, unit: string): string {
  if (!Number.isFinite(v)) return 'n/a';
  if (unit.startsWith('%')) return `${v.toFixed(1)}%`;
  if (unit === '×') return v.toFixed(3);
  if (unit === 'ms' || unit === 'MiB' || unit === 'MB') return Math.abs(v) >= 100 ? formatNumber(Math.round(v)) : v.toFixed(1);
  if (Math.abs(v) >= 100) return formatNumber(Math.round(v));
  return formatNumber(Math.round(v * 100) / 100);
}

function unitSuffix(unit: string): string {
  return unit.startsWith('%') || unit === '×' ? unit.replace(/^%/, '').trim() : unit;
}

function figureRow(f: FigureResult): string[] {
  const spreadText = f.runs.length > 1 ? `${formatValue(f.min, f.unit)} – ${formatValue(f.max, f.unit)}` : '';
  return [f.label, formatValue(f.median, f.unit), spreadText, unitSuffix(f.unit), String(f.runs.length)];
}

export function machineLines(r: SuiteResults): string[] {
  const m = r.machine;
  const pin = m.pinned ? `gateway/baseline pinned to CPU ${m.subjectCpu}, generator + stub to CPU ${m.generatorCpu}` : 'not pinned';
  return [
    `${r.mode} run, ${r.startedAt}, ${Math.round(r.durationS)} s: ${r.command}`,
    `machine: ${m.cpuModel}, ${m.cores} cores, ${m.totalMemoryGiB} GiB, Node ${m.node} (${m.platform}), load avg ${m.loadAverage1m} at start; ${pin}`,
    describeBuild(r.build),
  ];
}

export function targetRow(t: TargetResult): string[] {
  const status = t.status === 'met' ? 'met' : t.status === 'missed' ? 'MISSED' : 'not measured';
  return [t.describe, t.measured === undefined ? 'n/a' : `${formatValue(t.measured, t.unit)} ${unitSuffix(t.unit)}`.trim(), `${t.comparator} ${formatValue(t.threshold, t.unit)}`, status];
}

export function reportTables(r: SuiteResults): ReportTable[] {
  const tables: ReportTable[] = [
    {
      title: 'Targets',
      header: ['target', 'measured (median)', 'target', 'status'],
      rows: r.targets.map(targetRow),
    },
  ];
  for (const s of Object.values(r.scenarios)) {
    tables.push({
      title: `${s.name}${s.status === 'error' ? ' — ERROR' : ''}`,
      caption: s.status === 'error' ? `${s.describe}. FAILED: ${s.error ?? 'unknown error'}` : `${s.describe} (${s.runsCompleted} run(s), ${s.durationS} s)`,
      header: ['figure', 'median', 'min – max', 'unit', 'runs'],
      rows: Object.values(s.figures).map(figureRow),
    });
  }
  const c = r.comparison;
  if (c !== null) {
    const changed = c.rows.filter((row) => row.verdict !== 'unchanged');
    tables.push({
      title: `Compared with ${c.against} (${c.againstDate ?? 'undated'})`,
      caption:
        `${c.rows.length} figures compared on medians, threshold ${c.thresholdPercent}%: ${c.regressions} regression(s), ` +
        `${c.rows.filter((row) => row.verdict === 'possible regression').length} possible (ranges overlap), ` +
        `${c.rows.filter((row) => row.verdict === 'improvement').length} improvement(s), the rest unchanged` +
        (c.machineDifferences.length > 0 ? `. Weak comparison: ${c.machineDifferences.join('; ')}` : ''),
      header: ['scenario', 'figure', 'before', 'now', 'change', 'verdict'],
      rows: changed.map((row) => [
        row.scenario, row.label, formatValue(row.previous, row.unit), formatValue(row.current, row.unit),
        `${row.changePercent >= 0 ? '+' : ''}${row.changePercent.toFixed(1)}%`, row.verdict === 'regression' ? 'REGRESSION' : row.verdict,
      ]),
    });
  }
  return tables;
}

/** Notes per scenario, and what bounds each missed target. */
export function reportNotes(r: SuiteResults): string[] {
  const out: string[] = [];
  for (const t of r.targets) if (t.status === 'missed' && t.bound !== undefined) out.push(`${t.id} missed: ${t.bound}`);
  for (const s of Object.values(r.scenarios)) for (const n of s.notes) out.push(`${s.name}: ${n}`);
  return out;
}
