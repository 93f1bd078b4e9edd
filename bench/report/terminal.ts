/** The report as aligned text tables, for the terminal. */
import { formatTable } from '../lib/table.js';
import type { SuiteResults } from './results.js';
import { machineLines, reportNotes, reportTables } from './tables.js';

export function terminalReport(r: SuiteResults): string {
  const parts = [machineLines(r).join('\n')];
  for (const t of reportTables(r)) {
    const body = t.rows.length > 0 ? formatTable(t.header, t.rows) : '(none)';
    parts.push(`## ${t.title}\n${t.caption === undefined ? '' : `${t.caption}\n`}\n${body}`);
  }
  const notes = reportNotes(r);
  if (notes.length > 0) parts.push(`## Notes\n\n${notes.map((n) => `- ${n}`).join('\n')}`);
  return `${parts.join('\n\n')}\n`;
}
