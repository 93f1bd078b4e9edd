import { describe, expect, it } from 'vitest';
import { checkResults, RATIO_FIGURE, RATIO_SCENARIO } from '../../bench/report/check.js';
import { compareResults } from '../../bench/report/compare.js';
import { markdownReport } from '../../bench/report/markdown.js';
import type { FigureResult, ScenarioResult, SuiteResults } from '../../bench/report/results.js';
import { svgChart } from '../../bench/report/svg.js';
import { terminalReport } from '../../bench/report/terminal.js';
import { SCENARIOS, selectScenarios } from '../../bench/suite/registry.js';
import { defineScenario } from '../../bench/suite/declare.js';
import { inProcessLeg } from '../../bench/suite/legs.js';
import { runScenario } from '../../bench/suite/runner.js';
import { evaluateTargets, TARGETS } from '../../bench/suite/targets.js';
import type { Scenario, ScenarioContext } from '../../bench/suite/types.js';

const build = { main: '', info: { commit: 'abc1234', gatewaySourcesDirty: false, builtAt: '2026-11-26T00:00:00.000Z', hash: '0123456789ab' }, supports: () => true, defaultOf: () => undefined };
const runOptions = { quick: true, runTimeoutMs: 5_000, subjectCpu: undefined, build, log: () => {} };

function figure(median: number, better: FigureResult['better'], extra: Partial<FigureResult> = {}): FigureResult {
  return { label: 'x', unit: 'readings/s', better, median, min: median, max: median, runs: [median], ...extra };
}

function scenarioResult(name: string, figures: Record<string, FigureResult>, status: 'ok' | 'error' = 'ok'): ScenarioResult {
  return { name, describe: name, status, runsPlanned: 1, runsCompleted: status === 'ok' ? 1 : 0, durationS: 1, figures, notes: [], ...(status === 'error' ? { error: 'boom' } : {}) };
}

function suite(scenarios: Record<string, ScenarioResult>, overrides: Partial<SuiteResults> = {}): SuiteResults {
  return {
    schema: 1, suite: 'tidegate-bench', mode: 'full', startedAt: '2026-11-26T00:00:00.000Z', durationS: 10, command: 'npm run bench',
    machine: { cpuModel: 'Test CPU', cores: 2, node: 'v20.20.2', platform: 'linux-x64', totalMemoryGiB: 8, loadAverage1m: 0.1, pinned: true, date: '2026-11-26T00:00:00.000Z', subjectCpu: 0, generatorCpu: 1, openFilesLimit: 20_000 },
    build: build.info, scenarios, targets: [], comparison: null, ...overrides,
  };
}

describe('bench scenario registry', () => {
  it('has unique names, declares the raw-aedes ratio and covers every target figure', () => {
    const names = SCENARIOS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['raw-aedes-vs-gateway', 'qos0-max', 'qos1-1000-devices', 'devices-10k', 'aggregation', 'http-ingest', 'transform', 'e2e-s3']));
    expect(SCENARIOS.find((s) => s.name === RATIO_SCENARIO)?.figures[RATIO_FIGURE]).toBeDefined();
    for (const t of TARGETS) expect(SCENARIOS.find((s) => s.name === t.scenario)?.figures[t.figure], `${t.id}`).toBeDefined();
  });

  it('selects by name in registry order and rejects unknown names', () => {
    expect(selectScenarios(['transform', 'qos0-max']).map((s) => s.name)).toEqual(['qos0-max', 'transform']);
    expect(selectScenarios(undefined)).toHaveLength(SCENARIOS.length);
    expect(() => selectScenarios(['nope'])).toThrow(/unknown scenario\(s\): nope/);
  });
});

describe('runScenario', () => {
  const figures = { perSec: { label: 'per second', unit: 'readings/s', better: 'higher' as const } };

  it('folds runs into median, min and max and keeps notes per run', async () => {
    const values = [30, 10, 20];
    const seen: number[] = [];
    const scenario: Scenario = {
      name: 'three', describe: 'three runs', figures,
      async run(ctx: ScenarioContext) {
        seen.push(ctx.run);
        return { figures: { perSec: values[ctx.run - 1] }, notes: [`note ${ctx.run}`] };
      },
    };
    const r = await runScenario(scenario, { ...runOptions, runs: 3 });
    expect(seen).toEqual([1, 2, 3]);
    expect(r.status).toBe('ok');
    expect(r.figures['perSec']).toMatchObject({ median: 20, min: 10, max: 30, runs: [30, 10, 20], unit: 'readings/s' });
    expect(r.notes).toEqual(['run 1: note 1', 'run 2: note 2', 'run 3: note 3']);
  });

  it('records a failing run as an error with what earlier runs measured, without throwing', async () => {
    const scenario: Scenario = {
      name: 'flaky', describe: 'fails in run 2', figures,
      async run(ctx) {
        if (ctx.run === 2) throw new Error('HTTP 404 for every request');
        return { figures: { perSec: 5 } };
      },
    };
    const r = await runScenario(scenario, { ...runOptions, runs: 3 });
    expect(r).toMatchObject({ status: 'error', error: 'run 2: HTTP 404 for every request', runsCompleted: 1 });
    expect(r.figures['perSec']?.median).toBe(5);
  });

  it('turns a run past its time limit, and undeclared figures, into errors', async () => {
    const hangs: Scenario = { name: 'hangs', describe: '', figures, run: () => new Promise(() => {}) };
    expect((await runScenario(hangs, { ...runOptions, runs: 1, runTimeoutMs: 50 })).error).toMatch(/did not finish within/);
    const sloppy: Scenario = { name: 'sloppy', describe: '', figures, run: async () => ({ figures: { perSec: 1, other: 2 } }) };
    expect((await runScenario(sloppy, { ...runOptions, runs: 1 })).error).toMatch(/undeclared figures: other/);
  });
});

describe('defineScenario', () => {
  const declared = (order: string[]): Scenario =>
    defineScenario({
      name: 'declared',
      describe: 'two legs',
      legs: (ctx: ScenarioContext) => ({
        a: inProcessLeg('a', async () => (order.push('a'), { perSec: 10 * ctx.run })),
        b: { ...inProcessLeg('b', async () => (order.push('b'), { ms: 4 })), notes: (r: { ms: number }) => [`b took ${r.ms} ms`] },
      }),
      figures: {
        perSec: {
          label: 'per second', unit: 'readings/s', better: 'higher', value: (m) => m.a.perSec,
          target: { id: 'fast', describe: (c) => `within ${c.lingerMs} ms`, comparator: '>=', threshold: 15 },
        },
        ratio: { label: 'a ÷ b', unit: '×', better: 'info', value: (m) => m.a.perSec / m.b.ms },
      },
      notes: (m) => [`a measured ${m.a.perSec}`],
    });

  it('runs the legs in order per run and reads every figure from what they measured', async () => {
    const order: string[] = [];
    const r = await runScenario(declared(order), { ...runOptions, runs: 2 });
    expect(order).toEqual(['a', 'b', 'a', 'b']);
    expect(r.figures['perSec']).toMatchObject({ median: 15, min: 10, max: 20, runs: [10, 20] });
    expect(r.figures['ratio']?.runs).toEqual([2.5, 5]);
    expect(r.notes).toEqual(['run 1: b took 4 ms', 'run 1: a measured 10', 'run 2: b took 4 ms', 'run 2: a measured 20']);
  });

  it('keeps only the figure specs in the results and turns figure targets into target definitions', async () => {
    const s = declared([]);
    expect(s.figures['perSec']).toEqual({ label: 'per second', unit: 'readings/s', better: 'higher' });
    expect(s.targets).toHaveLength(1);
    const [t] = evaluateTargets({ declared: await runScenario(s, { ...runOptions, runs: 1 }) }, { lingerMs: 20 }, s.targets);
    expect(t).toMatchObject({ id: 'fast', describe: 'within 20 ms', scenario: 'declared', figure: 'perSec', unit: 'readings/s', threshold: 15, measured: 10, status: 'missed' });
  });
});

describe('evaluateTargets', () => {
  it('reads medians, honours the direction and never calls a failed scenario met', () => {
    const results = evaluateTargets(
      {
        'raw-aedes-vs-gateway': scenarioResult('raw-aedes-vs-gateway', { gatewayVsRawAedesRatio: figure(0.9, 'higher', { unit: '×' }) }),
        'devices-10k': scenarioResult('devices-10k', { ackP99Ms: figure(60, 'lower', { unit: 'ms' }), rssPerDeviceBytes: figure(12_000, 'lower', { unit: 'B' }) }),
        transform: scenarioResult('transform', { recordsPerSec: figure(500_000, 'higher') }, 'error'),
      },
      { lingerMs: 20 },
    );
    const byId = Object.fromEntries(results.map((t) => [t.id, t]));
    expect(byId['gateway-vs-raw-aedes']).toMatchObject({ status: 'met', measured: 0.9 });
    expect(byId['fleet-ack-p99']).toMatchObject({ status: 'missed', threshold: 45, measured: 60 });
    expect(byId['fleet-rss-per-device']?.status).toBe('met');
    expect(byId['transform-throughput']?.status).toBe('not measured');
    expect(byId['qos0-throughput']?.status).toBe('not measured');
  });
});

describe('compareResults', () => {
  it('flags worse medians beyond the threshold, as possible only when the ranges overlap', () => {
    const before = suite({
      s: scenarioResult('s', {
        fast: figure(100, 'higher', { min: 95, max: 105 }),
        noisy: figure(100, 'higher', { min: 60, max: 140 }),
        latency: figure(10, 'lower'),
        steady: figure(100, 'higher'),
        cpu: figure(50, 'info'),
      }),
    });
    const after = suite({
      s: scenarioResult('s', {
        fast: figure(70, 'higher', { min: 65, max: 75 }),
        noisy: figure(70, 'higher', { min: 65, max: 110 }),
        latency: figure(5, 'lower'),
        steady: figure(110, 'higher'),
        cpu: figure(99, 'info'),
      }),
    });
    const c = compareResults(before, after, 'baseline.json', 15);
    const verdicts = Object.fromEntries(c.rows.map((r) => [r.figure, r.verdict]));
    expect(verdicts).toEqual({ fast: 'regression', noisy: 'possible regression', latency: 'improvement', steady: 'unchanged' });
    expect(c.regressions).toBe(1);
    expect(c.machineDifferences).toEqual([]);
  });

  it('names machine differences and skips failed scenarios', () => {
    const before = suite({ s: scenarioResult('s', { a: figure(1, 'higher') }) });
    const after = suite({ s: scenarioResult('s', { a: figure(0.1, 'higher') }, 'error') }, { mode: 'quick' });
    after.machine = { ...after.machine, cores: 8 };
    const c = compareResults(before, after, 'b.json');
    expect(c.rows).toEqual([]);
    expect(c.machineDifferences).toEqual(['cores 2 → 8', 'full run → quick run (different durations)']);
  });
});

describe('checkResults', () => {
  const expected = ['raw-aedes-vs-gateway', 'http-ingest'];
  const good = (): SuiteResults => {
    const r = suite({
      'raw-aedes-vs-gateway': scenarioResult('raw-aedes-vs-gateway', { [RATIO_FIGURE]: figure(0.4, 'higher', { unit: '×' }) }),
      'http-ingest': scenarioResult('http-ingest', {}, 'error'),
    });
    r.targets = evaluateTargets(r.scenarios, { lingerMs: 20 });
    return r;
  };

  it('passes a complete file, with an allowed failure', () => {
    expect(checkResults(good(), { expected, allowErrors: ['http-ingest'] })).toEqual([]);
  });

  it('reports a missing scenario, a failure not allowed and a missing ratio', () => {
    const r = good();
    delete r.scenarios['raw-aedes-vs-gateway'];
    expect(checkResults(r, { expected })).toEqual([
      'scenario "raw-aedes-vs-gateway" is missing',
      'scenario "http-ingest" failed: boom',
      `scenarios["raw-aedes-vs-gateway"].figures.${RATIO_FIGURE}.median is not a positive number`,
    ]);
    expect(checkResults('nope', { expected })).toEqual(['not a JSON object']);
  });
});

describe('reports', () => {
  const r = suite({
    'raw-aedes-vs-gateway': scenarioResult('raw-aedes-vs-gateway', {
      gatewayPerSec: figure(30_000, 'higher', { label: 'gateway <acked>/s', chart: 'subject', min: 29_000, max: 31_000, runs: [29_000, 30_000, 31_000] }),
      rawAedesPerSec: figure(90_000, 'info', { label: 'raw aedes', chart: 'baseline' }),
      [RATIO_FIGURE]: figure(0.333, 'higher', { label: 'gateway ÷ raw aedes', unit: '×' }),
    }),
    'http-ingest': { ...scenarioResult('http-ingest', {}, 'error'), error: 'run 1: 405 ×100' },
  });
  r.targets = evaluateTargets(r.scenarios, { lingerMs: 20 });

  it('draws one bar per charted figure and per measured target, escaping text', () => {
    const svg = svgChart(r);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('gateway &lt;acked&gt;/s');
    // Two throughput bars + one measured target (the ratio), plus the background rect.
    expect(svg.match(/<rect /g)).toHaveLength(4);
  });

  it('writes the same tables to the terminal and to Markdown, with errors and missed targets visible', () => {
    const text = terminalReport(r);
    const md = markdownReport(r, 'latest.svg');
    for (const out of [text, md]) {
      expect(out).toContain('gateway throughput ≥ 0.85 × raw aedes on the same load');
      expect(out).toContain('MISSED');
      expect(out).toContain('FAILED: run 1: 405 ×100');
      expect(out).toContain('29,000 – 31,000');
    }
    expect(md).toContain('![Throughput');
    expect(md).toContain('(latest.svg)');
    expect(md).toMatch(/\| target \| measured \(median\) \| target \| status \|/);
  });
});
