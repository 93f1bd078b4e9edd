/**
 * Runs one scenario `runs` times and folds the runs into median/min/max per figure. A run that throws (or
 * exceeds its time limit) ends the scenario with status `error`; it never ends the suite.
 */
import { performance } from 'node:perf_hooks';
import { spread } from '../lib/table.js';
import type { FigureResult, ScenarioResult } from '../report/results.js';
import type { RunOutput, Scenario, ScenarioContext } from './types.js';

export interface RunScenarioOptions extends Omit<ScenarioContext, 'run' | 'runs'> {
  runs: number;
  /** Time limit of one run. */
  runTimeoutMs: number;
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

/** Figures of the runs so far, in the scenario's declared order (figures no run measured are left out). */
export function foldRuns(scenario: Scenario, outputs: readonly RunOutput[]): Record<string, FigureResult> {
  const figures: Record<string, FigureResult> = {};
  for (const [key, spec] of Object.entries(scenario.figures)) {
    const s = spread(outputs.map((o) => o.figures[key]));
    if (s !== undefined) figures[key] = { ...spec, median: s.median, min: s.min, max: s.max, runs: s.runs };
  }
  return figures;
}

export async function runScenario(scenario: Scenario, options: RunScenarioOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const outputs: RunOutput[] = [];
  const notes: string[] = [];
  let error: string | undefined;
  for (let run = 1; run <= options.runs; run++) {
    const ctx: ScenarioContext = {
      ...options,
      run,
      runs: options.runs,
      log: (message) => options.log(`run ${run}/${options.runs}: ${message}`),
    };
    try {
      const out = await withTimeout(scenario.run(ctx), options.runTimeoutMs, `run ${run}`);
      const unknown = Object.keys(out.figures).filter((k) => !(k in scenario.figures));
      if (unknown.length > 0) throw new Error(`run ${run} reported undeclared figures: ${unknown.join(', ')}`);
      outputs.push(out);
      notes.push(...(out.notes ?? []).map((n) => (options.runs > 1 ? `run ${run}: ${n}` : n)));
    } catch (err) {
      error = `run ${run}: ${err instanceof Error ? err.message : String(err)}`;
      break;
    }
  }
  const result: ScenarioResult = {
    name: scenario.name,
    describe: scenario.describe,
    status: error === undefined ? 'ok' : 'error',
    runsPlanned: options.runs,
    runsCompleted: outputs.length,
    durationS: Math.round((performance.now() - started) / 100) / 10,
    figures: foldRuns(scenario, outputs),
    notes,
  };
  if (error !== undefined) result.error = error;
  return result;
}
