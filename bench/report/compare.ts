/**
 * Compares a run with a previous results file, figure by figure (medians). A figure is a regression when its
 * median is worse by more than the threshold AND the two runs' ranges do not overlap; worse beyond the threshold
 * with overlapping ranges is only a "possible regression" (within the noise the runs themselves showed).
 */
import type { Comparison, ComparisonRow, FigureResult, SuiteResults } from './results.js';

export const DEFAULT_THRESHOLD_PERCENT = 15;

function verdict(prev: FigureResult, cur: FigureResult, thresholdPercent: number): ComparisonRow['verdict'] {
  const change = ((cur.median - prev.median) / Math.abs(prev.median)) * 100;
  const worse = prev.better === 'higher' ? -change : change;
  if (Math.abs(change) <= thresholdPercent) return 'unchanged';
  if (worse < 0) return 'improvement';
  const overlap = cur.min <= prev.max && prev.min <= cur.max;
  return overlap ? 'possible regression' : 'regression';
}

export function compareResults(previous: SuiteResults, current: SuiteResults, against: string, thresholdPercent = DEFAULT_THRESHOLD_PERCENT): Comparison {
  const rows: ComparisonRow[] = [];
  for (const [name, cur] of Object.entries(current.scenarios)) {
    const prev = previous.scenarios[name];
    if (prev === undefined || cur.status !== 'ok' || prev.status !== 'ok') continue;
    for (const [key, figure] of Object.entries(cur.figures)) {
      const before = prev.figures[key];
      if (before === undefined || figure.better === 'info' || before.median === 0) continue;
      rows.push({
        scenario: name,
        figure: key,
        label: figure.label,
        unit: figure.unit,
        previous: before.median,
        current: figure.median,
        changePercent: ((figure.median - before.median) / Math.abs(before.median)) * 100,
        verdict: verdict({ ...before, better: figure.better }, figure, thresholdPercent),
      });
    }
  }
  const machineDifferences: string[] = [];
  const a = previous.machine;
  const b = current.machine;
  if (a.cpuModel !== b.cpuModel) machineDifferences.push(`CPU ${a.cpuModel} → ${b.cpuModel}`);
  if (a.cores !== b.cores) machineDifferences.push(`cores ${a.cores} → ${b.cores}`);
  if (a.node !== b.node) machineDifferences.push(`Node ${a.node} → ${b.node}`);
  if (a.pinned !== b.pinned) machineDifferences.push(`pinning ${a.pinned ? 'on' : 'off'} → ${b.pinned ? 'on' : 'off'}`);
  if (previous.mode !== current.mode) machineDifferences.push(`${previous.mode} run → ${current.mode} run (different durations)`);
  return {
    against,
    againstDate: a.date,
    thresholdPercent,
    machineDifferences,
    rows,
    regressions: rows.filter((r) => r.verdict === 'regression').length,
  };
}
