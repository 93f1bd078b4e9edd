/**
 * CI check of a results file written by `npm run bench`: every scenario present and without error (unless
 * allowed), and the gateway/raw-aedes ratio present. Exit 0 when it passes, 1 with the problems otherwise.
 *
 *   npx tsx bench/check-results.ts FILE [--allow-error NAME]...
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkResults } from './report/check.js';
import { SCENARIOS } from './suite/registry.js';

const { values, positionals } = parseArgs({ options: { 'allow-error': { type: 'string', multiple: true } }, allowPositionals: true });
const file = positionals[0];
if (file === undefined || positionals.length > 1) {
  process.stderr.write('Usage: npx tsx bench/check-results.ts FILE [--allow-error NAME]...\n');
  process.exit(2);
}
let data: unknown;
try {
  data = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  process.stderr.write(`${file}: ${(err as Error).message}\n`);
  process.exit(1);
}
const problems = checkResults(data, { expected: SCENARIOS.map((s) => s.name), allowErrors: values['allow-error'] ?? [] });
if (problems.length > 0) {
  process.stderr.write(`${file}: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`${file}: all ${SCENARIOS.length} scenarios present, gateway/raw-aedes ratio present\n`);
