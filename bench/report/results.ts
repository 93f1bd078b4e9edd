/** The shape of bench/results/*.json: what one `npm run bench` measured, with its machine and targets. */
import type { BuildInfo } from '../lib/gateway-build.js';
import type { MachineInfo } from '../lib/machine.js';
import type { FigureSpec } from '../suite/types.js';

export const RESULTS_SCHEMA = 1;

export interface FigureResult extends FigureSpec {
  median: number;
  min: number;
  max: number;
  /** Every run's value, in run order. */
  runs: number[];
}

export interface ScenarioResult {
  name: string;
  describe: string;
  /** `error`: a run threw; `error` holds its message and `figures` what the earlier runs measured, if any. */
  status: 'ok' | 'error';
  error?: string;
  runsPlanned: number;
  runsCompleted: number;
  durationS: number;
  figures: Record<string, FigureResult>;
  notes: string[];
}

export interface TargetResult {
  id: string;
  describe: string;
  scenario: string;
  figure: string;
  comparator: '>=' | '<=';
  threshold: number;
  unit: string;
  /** The figure's median, when the scenario ran. */
  measured: number | undefined;
  status: 'met' | 'missed' | 'not measured';
  /** For a missed target: what bounds it (from profiling). */
  bound?: string;
}

export interface ComparisonRow {
  scenario: string;
  figure: string;
  label: string;
  unit: string;
  previous: number;
  current: number;
  /** (current − previous) ÷ previous, percent. */
  changePercent: number;
  verdict: 'regression' | 'possible regression' | 'improvement' | 'unchanged';
}

export interface Comparison {
  against: string;
  againstDate: string | undefined;
  thresholdPercent: number;
  /** Differences between the machines that make the comparison weak. */
  machineDifferences: string[];
  rows: ComparisonRow[];
  regressions: number;
}

export interface SuiteMachine extends MachineInfo {
  /** CPU the gateway / baseline broker ran on, and the one this process (generator, stub) ran on. */
  subjectCpu: number | undefined;
  generatorCpu: number | undefined;
  openFilesLimit: number | undefined;
}

export interface SuiteResults {
  schema: number;
  suite: 'tidegate-bench';
  mode: 'quick' | 'full';
  startedAt: string;
  durationS: number;
  command: string;
  machine: SuiteMachine;
  build: BuildInfo;
  scenarios: Record<string, ScenarioResult>;
  targets: TargetResult[];
  comparison: Comparison | null;
}
