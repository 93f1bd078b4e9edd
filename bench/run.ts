/**
 * `npm run bench`: the benchmark suite. Runs every scenario of bench/suite/registry.ts (or those named) several
 * times, prints a table per scenario with median/min/max and the targets, writes the results as JSON plus a
 * Markdown report with an SVG chart, and compares them with a previous results file. Progress goes to stderr.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { defineSettings, isSettingsError, parseSettings, renderHelp, setting } from '../common/settings/index.js';
import { runScript } from './lib/cleanup.js';
import { openFilesLimit, reexecWithFdLimit } from './lib/fd-limit.js';
import { setGatewayNodeArgs } from './lib/gateway-process.js';
import { benchSetup } from './lib/machine.js';
import { configureQuietWait } from './lib/proc.js';
import { compareResults, DEFAULT_THRESHOLD_PERCENT } from './report/compare.js';
import { markdownReport } from './report/markdown.js';
import { RESULTS_SCHEMA } from './report/results.js';
import type { ScenarioResult, SuiteResults } from './report/results.js';
import { svgChart } from './report/svg.js';
import { terminalReport } from './report/terminal.js';
import { SCENARIOS, selectScenarios } from './suite/registry.js';
import { runScenario } from './suite/runner.js';
import { evaluateTargets } from './suite/targets.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const DEFAULT_OUT = resolve(REPO, 'bench/results/latest.json');
const DEFAULT_BASELINE = resolve(REPO, 'bench/results/baseline.json');
/** The 10,000-device scenario needs one descriptor per device plus headroom, in this process and the gateway. */
const FD_NEEDED = 12_000;

const RUN_SETTINGS = defineSettings({
  quick: setting.boolean({ flag: 'quick', help: 'Every scenario briefly, one run each (about 2 minutes; the CI smoke run).' }),
  scenario: setting.list({
    flag: 'scenario', repeatable: true, placeholder: 'name', defaultText: 'all',
    help: 'Run only this scenario; repeatable or comma-separated. --list shows the names.',
  }),
  runs: setting.integer({ flag: 'runs', min: 1, defaultText: "the scenario's own, 2–5; --quick: 1–2", help: 'Runs per scenario.' }),
  out: setting.string({
    flag: 'out', placeholder: 'file', defaultText: 'bench/results/latest.json',
    help: 'Results JSON; the Markdown report and its SVG chart are written beside it as FILE.md / FILE.svg (same base name).',
  }),
  compare: setting.string({
    flag: 'compare', placeholder: 'file', defaultText: 'bench/results/baseline.json if present', help: 'Compare with this earlier results file.',
  }),
  noCompare: setting.boolean({ flag: 'no-compare', help: 'Do not compare.' }),
  threshold: setting.number({
    flag: 'threshold', default: DEFAULT_THRESHOLD_PERCENT, min: 0, unit: '%', help: 'A median worse by more than this is flagged.',
  }),
  quietWaitS: setting.number({
    flag: 'quiet-wait-s', min: 0, unit: 's', defaultText: '10 (--quick: 0)',
    help: 'Before each run, wait up to this long for the machine to be quiet.',
  }),
  runTimeoutS: setting.integer({
    flag: 'run-timeout-s', min: 1, unit: 's', defaultText: '600 (--quick: 150)', help: 'Time limit of one run of a scenario.',
  }),
  profileGateway: setting.string({
    flag: 'profile-gateway', placeholder: 'dir', defaultText: 'no profiles', help: 'Run every gateway with --cpu-prof, profiles written here.',
  }),
  failOnError: setting.boolean({ flag: 'fail-on-error', help: 'Exit 3 when a scenario failed (default: failures are recorded, exit 0).' }),
  failOnRegression: setting.boolean({ flag: 'fail-on-regression', help: 'Exit 4 when the comparison found a regression.' }),
  list: setting.boolean({ flag: 'list', help: 'List the scenarios and exit.' }),
});

const USAGE = renderHelp(RUN_SETTINGS, {
  title: 'tidegate bench: the benchmark suite',
  usage: 'npm run bench -- [options]      (builds dist/ first, then runs: tsx bench/run.ts)',
  intro: [
    'Runs the benchmark suite: each scenario several times, reported as median (min – max), beside its baseline,',
    "with the machine's CPU model, cores and Node version. The gateway (and the baseline broker) run as a separate",
    'process pinned to CPU 0, the load generator and stub Kinesis endpoint on CPU 1 (when taskset exists and the',
    'machine has ≥ 2 CPUs).',
  ],
  footer: [
    'Exit codes: 0 the suite ran (failed scenarios are recorded as "status": "error"); 2 bad arguments or',
    'no build; 3 / 4 as above.',
  ],
});

interface Args {
  quick: boolean;
  scenarios: string[] | undefined;
  runs: number | undefined;
  out: string;
  compare: string | undefined;
  threshold: number;
  quietWaitS: number;
  runTimeoutS: number;
  profileGateway: string | undefined;
  failOnError: boolean;
  failOnRegression: boolean;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function parse(): Args {
  let parsed;
  try {
    parsed = parseSettings(RUN_SETTINGS, process.argv.slice(2), {});
  } catch (err) {
    if (!isSettingsError(err)) throw err;
    fail(err.message);
  }
  if (parsed.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const v = parsed.values;
  if (v.list) {
    for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(22)} ${s.describe}\n`);
    process.exit(0);
  }
  const quick = v.quick;
  const names = v.scenario?.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  try {
    selectScenarios(names);
  } catch (err) {
    fail((err as Error).message);
  }
  if (v.noCompare && v.compare !== undefined) fail('--compare and --no-compare exclude each other');
  const compare = v.noCompare ? undefined : v.compare !== undefined ? resolve(v.compare) : existsSync(DEFAULT_BASELINE) ? DEFAULT_BASELINE : undefined;
  if (compare !== undefined && !existsSync(compare)) fail(`--compare: ${compare} does not exist`);
  return {
    quick,
    scenarios: names,
    runs: v.runs,
    out: v.out === undefined ? DEFAULT_OUT : resolve(v.out),
    compare,
    threshold: v.threshold,
    quietWaitS: v.quietWaitS ?? (quick ? 0 : 10),
    runTimeoutS: v.runTimeoutS ?? (quick ? 150 : 600),
    profileGateway: v.profileGateway === undefined ? undefined : resolve(v.profileGateway),
    failOnError: v.failOnError,
    failOnRegression: v.failOnRegression,
  };
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** `bench/results/latest.json` → the .md and .svg beside it. */
function siblings(out: string): { md: string; svg: string } {
  const stem = out.replace(/\.json$/i, '');
  return { md: `${stem}.md`, svg: `${stem}.svg` };
}

async function main(): Promise<void> {
  const args = parse();
  const selected = selectScenarios(args.scenarios);
  if (selected.some((s) => s.name === 'devices-10k')) {
    const code = reexecWithFdLimit(FD_NEEDED);
    if (code !== undefined) {
      process.exitCode = code;
      return;
    }
  }
  let setup;
  try {
    setup = benchSetup();
  } catch (err) {
    fail((err as Error).message);
  }
  const { machine, build } = setup;
  const pinned = machine.pinned;
  configureQuietWait(args.quietWaitS * 1000);
  if (args.profileGateway !== undefined) {
    mkdirSync(args.profileGateway, { recursive: true });
    setGatewayNodeArgs(['--cpu-prof', `--cpu-prof-dir=${args.profileGateway}`]);
  }
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const command = `npm run bench --${process.argv.slice(2).map((a) => ` ${a}`).join('')}`;
  log(`tidegate bench (${args.quick ? 'quick' : 'full'}): ${selected.map((s) => s.name).join(', ')}`);
  log(`machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}; ${pinned ? 'gateway on CPU 0, generator on CPU 1' : 'not pinned'}`);

  const scenarios: Record<string, ScenarioResult> = {};
  for (const [i, scenario] of selected.entries()) {
    const runs = args.runs ?? (args.quick ? (scenario.quickRuns ?? 1) : (scenario.defaultRuns ?? 3));
    const tag = `[${i + 1}/${selected.length}] ${scenario.name}`;
    log(`${tag}: ${runs} run(s)`);
    const result = await runScenario(scenario, {
      quick: args.quick,
      runs,
      runTimeoutMs: args.runTimeoutS * 1000,
      subjectCpu: setup.subjectCpu,
      build,
      log: (message) => log(`  ${tag} ${message}`),
    });
    scenarios[scenario.name] = result;
    log(`${tag}: ${result.status === 'ok' ? 'done' : `ERROR: ${result.error ?? ''}`} in ${result.durationS} s`);
  }

  const results: SuiteResults = {
    schema: RESULTS_SCHEMA,
    suite: 'tidegate-bench',
    mode: args.quick ? 'quick' : 'full',
    startedAt,
    durationS: Math.round((performance.now() - t0) / 100) / 10,
    command,
    machine: { ...machine, subjectCpu: pinned ? 0 : undefined, generatorCpu: pinned ? 1 : undefined, openFilesLimit: openFilesLimit()?.soft },
    build: build.info,
    scenarios,
    targets: evaluateTargets(scenarios, { lingerMs: Number(build.defaultOf('linger-ms') ?? 20) }),
    comparison: null,
  };
  if (args.compare !== undefined) {
    const previous = JSON.parse(readFileSync(args.compare, 'utf8')) as SuiteResults;
    results.comparison = compareResults(previous, results, relative(REPO, args.compare) || args.compare, args.threshold);
  }
  const files = siblings(args.out);
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(files.svg, svgChart(results));
  writeFileSync(files.md, markdownReport(results, basename(files.svg)));
  process.stdout.write(`\n${terminalReport(results)}\n`);
  log(`wrote ${args.out}, ${files.md}, ${files.svg}`);

  const failed = Object.values(scenarios).filter((s) => s.status === 'error');
  if (failed.length > 0) log(`${failed.length} scenario(s) failed: ${failed.map((s) => s.name).join(', ')}`);
  if (args.failOnError && failed.length > 0) process.exitCode = 3;
  else if (args.failOnRegression && (results.comparison?.regressions ?? 0) > 0) process.exitCode = 4;
}

await runScript(main);
