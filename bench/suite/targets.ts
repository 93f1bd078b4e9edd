/**
 * The performance targets (2-core machine: gateway on one core, generator on the other), each declared
 * beside the scenario figure whose median it reads. A target whose scenario failed or did not run is
 * "not measured", never "met".
 */
import type { ScenarioResult, TargetResult } from '../report/results.js';
import { SCENARIOS } from './registry.js';
import type { TargetContext, TargetDefinition } from './types.js';

export type { TargetContext };

export const TARGETS: readonly TargetDefinition[] = SCENARIOS.flatMap((s) => s.targets ?? []);

export function evaluateTargets(
  scenarios: Readonly<Record<string, ScenarioResult>>,
  context: TargetContext,
  targets: readonly TargetDefinition[] = TARGETS,
): TargetResult[] {
  return targets.map((t) => {
    const s = scenarios[t.scenario];
    const measured = s?.status === 'ok' ? s.figures[t.figure]?.median : undefined;
    const threshold = t.threshold(context);
    const ok = measured === undefined ? undefined : t.comparator === '>=' ? measured >= threshold : measured <= threshold;
    const result: TargetResult = {
      id: t.id,
      describe: t.describe(context),
      scenario: t.scenario,
      figure: t.figure,
      comparator: t.comparator,
      threshold,
      unit: t.unit,
      measured,
      status: ok === undefined ? 'not measured' : ok ? 'met' : 'missed',
    };
    if (ok === false && t.bound !== undefined) result.bound = t.bound;
    return result;
  });
}
