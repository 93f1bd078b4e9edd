/**
 * A scenario as a declaration: the legs it runs (each starts its targets — gateway with flags, bare aedes, stub
 * endpoints — drives its load, collects and stops: legs.ts), and the figures it reports, each with its unit, which
 * way is better, how it is read from what the legs measured, and the target it is held to. `defineScenario` turns
 * that into the {@link Scenario} the runner repeats: legs in order, progress and notes per leg, figures at the end.
 */
import type { FigureSpec, Scenario, ScenarioContext, TargetContext, TargetDefinition } from './types.js';

/** One measured part of a run. */
export interface Leg<R> {
  /** Progress label and prefix of the leg's notes, e.g. "gateway", "raw aedes". */
  readonly label: string;
  /** Starts, measures, collects and stops; throws when the measurement is not valid. */
  run(ctx: ScenarioContext): Promise<R>;
  /** The progress line once the leg is done. */
  summary?(r: R): string;
  /** Remarks worth reading beside the numbers (noise, stalls, warnings). */
  notes?(r: R): string[];
}

/** What each leg measured, by the leg's key. */
export type Measured<L> = { [K in keyof L]: L[K] extends Leg<infer R> ? R : never };

export interface TargetDecl {
  id: string;
  describe: string | ((c: TargetContext) => string);
  comparator: '>=' | '<=';
  threshold: number | ((c: TargetContext) => number);
  bound?: string;
}

export interface FigureDecl<M> extends FigureSpec {
  /** The figure's value in one run; undefined: not measured. */
  value: (m: M, ctx: ScenarioContext) => number | undefined;
  target?: TargetDecl;
}

export interface ScenarioDecl<L extends Record<string, Leg<unknown>>> {
  name: string;
  describe: string;
  defaultRuns?: number;
  quickRuns?: number;
  /** Checked before each run; throws with what to change (e.g. a limit too low for the load). */
  precondition?: (ctx: ScenarioContext) => void;
  /**
   * The legs of one run, in order (declared per run: sizes depend on --quick). Annotate the parameter
   * (`(ctx: ScenarioContext) =>`): TypeScript then reads the legs' types before it checks `figures` against them.
   */
  legs: (ctx: ScenarioContext) => L;
  /** Every figure, in display order. */
  figures: Record<string, FigureDecl<NoInfer<Measured<L>>>>;
  /** Remarks drawn from several legs. */
  notes?: (m: NoInfer<Measured<L>>, ctx: ScenarioContext) => string[];
}

export function defineScenario<L extends Record<string, Leg<unknown>>>(d: ScenarioDecl<L>): Scenario {
  const entries = Object.entries(d.figures);
  const targets = entries.flatMap(([figure, { unit, target: t }]): TargetDefinition[] => {
    if (t === undefined) return [];
    const { describe, threshold } = t;
    return [{
      id: t.id, scenario: d.name, figure, comparator: t.comparator, unit,
      describe: typeof describe === 'string' ? () => describe : describe,
      threshold: typeof threshold === 'number' ? () => threshold : threshold,
      ...(t.bound === undefined ? {} : { bound: t.bound }),
    }];
  });
  return {
    name: d.name,
    describe: d.describe,
    figures: Object.fromEntries(entries.map(([key, { value: _value, target: _target, ...spec }]) => [key, spec])),
    targets,
    ...(d.defaultRuns === undefined ? {} : { defaultRuns: d.defaultRuns }),
    ...(d.quickRuns === undefined ? {} : { quickRuns: d.quickRuns }),
    async run(ctx) {
      d.precondition?.(ctx);
      const measured: Record<string, unknown> = {};
      const notes: string[] = [];
      for (const [key, leg] of Object.entries(d.legs(ctx))) {
        const r = await leg.run(ctx);
        measured[key] = r;
        ctx.log(`${leg.label}${leg.summary === undefined ? ' done' : `: ${leg.summary(r)}`}`);
        notes.push(...(leg.notes?.(r) ?? []));
      }
      const m = measured as Measured<L>;
      notes.push(...(d.notes?.(m, ctx) ?? []));
      return { figures: Object.fromEntries(entries.map(([key, f]) => [key, f.value(m, ctx)])), notes };
    },
  };
}

