/**
 * The benchmark suite's scenario contract. A scenario is one module exporting a {@link Scenario}, usually written as
 * a declaration (declare.ts: targets to start, load, figures); the orchestrator (bench/run.ts) calls `run()` once per
 * repetition and runner.ts turns the numbers into median/min/max. To add one, write the module and list it in
 * registry.ts.
 */
import type { GatewayBuild } from '../lib/gateway-build.js';

/** Which way is better for a figure; `info` figures are reported but never flagged as regressions. */
export type Better = 'higher' | 'lower' | 'info';

export interface FigureSpec {
  /** Column text, e.g. "gateway readings/s". */
  label: string;
  /** Unit shown beside the value: "readings/s", "ms", "%", "×", "B"… */
  unit: string;
  better: Better;
  /** Throughput figures go into the report's bar chart; `baseline` marks the baseline's bar. */
  chart?: 'subject' | 'baseline';
}

/** A performance target, read from one figure's median (see targets.ts). */
export interface TargetDefinition {
  id: string;
  describe: (c: TargetContext) => string;
  scenario: string;
  figure: string;
  comparator: '>=' | '<=';
  threshold: (c: TargetContext) => number;
  unit: string;
  /** What bounds the figure when the target is missed, from profiling (node --cpu-prof) on the reference machine. */
  bound?: string;
}

export interface TargetContext {
  /** The gateway's --linger-ms default: the 10k-device latency target is relative to it. */
  lingerMs: number;
}

export interface ScenarioContext {
  /** `--quick`: shorter runs (the whole suite within ~2 minutes). */
  readonly quick: boolean;
  /** 1-based index of this run, and how many runs the scenario gets. */
  readonly run: number;
  readonly runs: number;
  /** CPU for the process under test (gateway or baseline broker); undefined when not pinned. */
  readonly subjectCpu: number | undefined;
  /** The gateway build every scenario measures (a snapshot of dist/). */
  readonly build: GatewayBuild;
  /** Progress line on stderr. */
  log(message: string): void;
}

/** What one run measured: a value per figure key (undefined: not measured in this run), plus remarks. */
export interface RunOutput {
  figures: Record<string, number | undefined>;
  /** Observations worth reading beside the numbers (noise, stalls, errors seen by the generator). */
  notes?: string[];
}

export interface Scenario {
  /** Stable id, used by --scenario and as the key in latest.json. */
  readonly name: string;
  /** One line: what is measured and how. */
  readonly describe: string;
  /** Every figure `run()` may report, in display order. */
  readonly figures: Readonly<Record<string, FigureSpec>>;
  /** The targets read from this scenario's figures. Default: none. */
  readonly targets?: readonly TargetDefinition[];
  /** Runs per scenario when --runs is not given (full run); quick runs use `quickRuns` (default 1). */
  readonly defaultRuns?: number;
  readonly quickRuns?: number;
  /** One measured repetition. Throws when the measurement is not valid (the runner records the error). */
  run(ctx: ScenarioContext): Promise<RunOutput>;
}
