/**
 * Renders the README's "Error codes" table from the one table in `common/errors.ts`, so the README cannot drift
 * from the code: test/unit/error-codes.test.ts compares the README with {@link renderErrorCodesTable}, and
 * `npm run docs:errors` (this file run directly) rewrites the README between the markers after a table change.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, type ErrorCode, type ErrorComponent } from '../../common/errors.js';

export const README_PATH = fileURLToPath(new URL('../../README.md', import.meta.url));
export const BEGIN_MARKER = '<!-- error-codes:begin — generated from common/errors.ts by `npm run docs:errors` -->';
export const END_MARKER = '<!-- error-codes:end -->';

const RAISED_BY: Record<ErrorComponent, string> = {
  gateway: 'gateway',
  delivery: 'delivery runner',
  transform: 'transform (Lambda)',
  simulator: 'device-sim',
  spool: 'spool',
  kpl: 'KPL decoder',
};

/** The Markdown table, one row per code in table order, without the markers. */
export function renderErrorCodesTable(): string {
  const rows = (Object.keys(ERROR_CODES) as ErrorCode[]).map((code) => {
    const e = ERROR_CODES[code];
    return `| \`${code}\` | ${RAISED_BY[e.component]} | ${e.retriable ? 'yes' : 'no'} | ${e.description} | ${e.action} |`;
  });
  return ['| Code | Raised by | Retriable | What it means | What to do |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The text between the markers in `readme`, or undefined when a marker is missing. */
export function readmeErrorCodesTable(readme: string): string | undefined {
  const begin = readme.indexOf(BEGIN_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (begin < 0 || end < begin) return undefined;
  return readme.slice(begin + BEGIN_MARKER.length, end).trim();
}

function rewriteReadme(): void {
  const readme = readFileSync(README_PATH, 'utf8');
  const begin = readme.indexOf(BEGIN_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error(`README.md lacks the markers ${BEGIN_MARKER} … ${END_MARKER}`);
  const next = `${readme.slice(0, begin + BEGIN_MARKER.length)}\n${renderErrorCodesTable()}\n${readme.slice(end)}`;
  writeFileSync(README_PATH, next);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) rewriteReadme();
