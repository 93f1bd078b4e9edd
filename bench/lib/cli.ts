/**
 * Shared command-line handling of the benchmark scripts, on the settings engine: every benchmark takes --help,
 * --quick, --out and --quiet-wait-s (how long to wait before each run for the machine to be quiet, default 30;
 * 0 disables) besides the settings it declares itself. Flags only: a run is reproduced from its command line.
 */
import { writeFileSync } from 'node:fs';
import {
  defineSettings, isSettingsError, parseSettings, renderHelp, setting, type SettingsShape, type SettingsValues,
} from '../../common/settings/index.js';
import { configureQuietWait } from './proc.js';

const COMMON_BENCH_SETTINGS = {
  quick: setting.boolean({ flag: 'quick', help: 'Short runs.' }),
  out: setting.string({ flag: 'out', placeholder: 'file', defaultText: 'none', help: 'Also write the JSON result to this file.' }),
  quietWaitS: setting.number({
    flag: 'quiet-wait-s', default: 30, min: 0, unit: 's',
    help: 'Before each run, wait up to this long for the machine to be quiet (shared machines); 0: off.',
  }),
};

export interface BenchArgs<S extends SettingsShape> {
  quick: boolean;
  /** Also write the final JSON to this file (e.g. bench/results/producer.json). */
  out: string | undefined;
  /** The script's own settings. */
  values: SettingsValues<S>;
}

/** The script's usage: its command and what it measures (the settings' lines are added). */
export interface BenchUsage {
  usage: string;
  description: readonly string[];
}

/** Parses argv; on --help prints the help and exits 0, on a bad option prints the error and the help and exits 2. */
export function parseBenchArgs<S extends SettingsShape>(usage: BenchUsage, settings: S): BenchArgs<S> {
  const all = defineSettings({ ...settings, ...COMMON_BENCH_SETTINGS });
  const help = renderHelp(all, { title: usage.description[0] ?? '', usage: usage.usage, intro: usage.description.slice(1) });
  let parsed;
  try {
    parsed = parseSettings(all, process.argv.slice(2), {});
  } catch (err) {
    if (!isSettingsError(err)) throw err;
    process.stderr.write(`${err.message}\n\n${help}\n`);
    process.exit(2);
  }
  if (parsed.kind === 'help') {
    process.stdout.write(`${help}\n`);
    process.exit(0);
  }
  // The common settings are known here; the script's own keep the types inferred from its declarations.
  const { quick, out, quietWaitS, ...own } = parsed.values as SettingsValues<typeof COMMON_BENCH_SETTINGS>;
  configureQuietWait(quietWaitS * 1000);
  return { quick, out, values: own as SettingsValues<S> };
}

/** Prints the machine-readable result as the last stdout line, and writes it to --out if given. */
export function emitJson(args: { out: string | undefined }, result: unknown): void {
  const line = JSON.stringify(result);
  if (args.out !== undefined) writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\n${line}\n`);
}
