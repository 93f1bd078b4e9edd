/** The report as Markdown (bench/results/<name>.md), with the SVG chart written beside it. */
import type { SuiteResults } from './results.js';
import { machineLines, reportNotes, reportTables } from './tables.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|');

export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[-+\d.,%×n/a –]*$/.test(r[i] ?? '')));
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `|${header.map((_, i) => (numeric[i] === true ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${header.map((_, i) => cell(r[i] ?? '')).join(' | ')} |`),
  ].join('\n');
}

export function markdownReport(r: SuiteResults, chartFile: string): string {
  const parts = [
    '# tidegate benchmark report',
    machineLines(r).map((l) => `- ${l}`).join('\n'),
    `![Throughput: each scenario beside its baseline, and each target as measured ÷ target](${chartFile})`,
  ];
  for (const t of reportTables(r)) {
    parts.push(`## ${t.title}${t.caption === undefined ? '' : `\n\n${t.caption}`}\n\n${t.rows.length > 0 ? markdownTable(t.header, t.rows) : '(none)'}`);
  }
  const notes = reportNotes(r);
  if (notes.length > 0) parts.push(`## Notes\n\n${notes.map((n) => `- ${n}`).join('\n')}`);
  return `${parts.join('\n\n')}\n`;
}
