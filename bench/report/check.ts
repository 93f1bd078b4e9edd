/**
 * Structural check of a results file, for CI: every registered scenario is present, ran without error (unless
 * allowed to fail), and the raw-aedes comparison carries its ratio. Performance targets are not checked here:
 * a shared CI machine is too noisy to gate on speed.
 */
import type { SuiteResults } from './results.js';

export const RATIO_SCENARIO = 'raw-aedes-vs-gateway';
export const RATIO_FIGURE = 'gatewayVsRawAedesRatio';

export interface CheckOptions {
  /** Scenario names that must be present. */
  expected: readonly string[];
  /** Scenarios allowed to have status "error" (e.g. one whose feature is not merged yet). */
  allowErrors?: readonly string[];
}

/** Problems found; empty when the file passes. */
export function checkResults(data: unknown, options: CheckOptions): string[] {
  const problems: string[] = [];
  if (typeof data !== 'object' || data === null) return ['not a JSON object'];
  const results = data as Partial<SuiteResults>;
  if (results.suite !== 'tidegate-bench') problems.push('"suite" is not "tidegate-bench"');
  const scenarios = results.scenarios;
  if (typeof scenarios !== 'object' || scenarios === null) return [...problems, 'no "scenarios" object'];
  for (const name of options.expected) {
    const s = scenarios[name];
    if (s === undefined) {
      problems.push(`scenario "${name}" is missing`);
      continue;
    }
    if (s.status === 'error' && !(options.allowErrors ?? []).includes(name)) problems.push(`scenario "${name}" failed: ${s.error ?? 'no message'}`);
    if (s.status === 'ok' && Object.keys(s.figures ?? {}).length === 0) problems.push(`scenario "${name}" reported no figures`);
  }
  const ratio = scenarios[RATIO_SCENARIO]?.figures?.[RATIO_FIGURE]?.median;
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio <= 0) {
    problems.push(`scenarios["${RATIO_SCENARIO}"].figures.${RATIO_FIGURE}.median is not a positive number`);
  }
  if (!Array.isArray(results.targets) || results.targets.length === 0) problems.push('no "targets" list');
  return problems;
}
