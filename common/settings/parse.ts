/**
 * argv + environment → typed values. `node:util` parseArgs tokenises (in its non-strict mode, so that this module
 * can name the setting of every problem itself); precedence is flag > environment > default.
 */
import { parseArgs } from 'node:util';
import type { SettingsShape, SettingsValues } from './define.js';
import { InvalidValue, SettingsError } from './errors.js';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface ParseOptions {
  /** Accept positional arguments (a subcommand, ids). Default false: a positional argument is an error. */
  positionals?: boolean;
  /** Recognise `-h` / `--help`. Default true. */
  help?: boolean;
}

/** Where each value came from: the flag (`--mqtt-port`) or environment variable; undefined for the default. */
export type SettingsSources<S extends SettingsShape> = { [K in keyof S]: string | undefined };

export type ParsedSettings<S extends SettingsShape> =
  | { kind: 'help' }
  | { kind: 'values'; values: SettingsValues<S>; sources: SettingsSources<S>; positionals: string[] };

type ParseArgsOptions = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

/**
 * Parses `argv` (without node and the script) and `env` against `settings`. Throws {@link SettingsError} naming the
 * setting and the flag or variable its text came from; `--help` anywhere wins over every other problem.
 */
export function parseSettings<S extends SettingsShape>(
  settings: S,
  argv: readonly string[],
  env: Environment,
  options: ParseOptions = {},
): ParsedSettings<S> {
  const keyOf = new Map<string, keyof S & string>();
  const config: NonNullable<ParseArgsOptions> = {};
  for (const [key, s] of Object.entries(settings)) {
    keyOf.set(s.flag, key);
    config[s.flag] = {
      type: s.placeholder === undefined ? 'boolean' : 'string',
      multiple: s.repeatable,
      ...(s.short === undefined ? {} : { short: s.short }),
    };
  }
  const withHelp = options.help ?? true;
  if (withHelp) config['help'] = { type: 'boolean', short: 'h' };

  const { tokens } = parseArgs({ args: [...argv], options: config, strict: false, allowPositionals: true, tokens: true });
  if (withHelp && tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { kind: 'help' };

  const given = new Map<keyof S & string, string[]>();
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'option-terminator') continue;
    if (t.kind === 'positional') {
      if (options.positionals !== true) {
        throw new SettingsError('unexpected-argument', `unexpected argument "${t.value}" (see --help)`, { setting: t.value, source: 'command line' });
      }
      positionals.push(t.value);
      continue;
    }
    const key = keyOf.get(t.name);
    const s = key === undefined ? undefined : settings[key];
    if (key === undefined || s === undefined) {
      throw new SettingsError('unknown-option', `unknown option ${t.rawName} (see --help)`, { setting: t.name, source: 'command line' });
    }
    if (s.placeholder === undefined) {
      if (t.inlineValue === true) {
        throw new SettingsError('unexpected-value', `--${s.flag} takes no value`, { setting: s.flag, source: `--${s.flag}` });
      }
      given.set(key, []);
      continue;
    }
    if (t.value === undefined) {
      throw new SettingsError('missing-value', `--${s.flag} needs a value`, { setting: s.flag, source: `--${s.flag}` });
    }
    given.set(key, s.repeatable ? [...(given.get(key) ?? []), t.value] : [t.value]);
  }

  const values: Record<string, unknown> = {};
  const sources: Record<string, string | undefined> = {};
  for (const [key, s] of Object.entries(settings)) {
    const fromFlag = given.get(key);
    const envName = s.env.find((name) => env[name] !== undefined && env[name] !== '');
    let source: string | undefined;
    let raws: readonly string[] | undefined;
    if (fromFlag !== undefined) {
      source = `--${s.flag}`;
      raws = fromFlag;
    } else if (envName !== undefined) {
      source = envName;
      const raw = env[envName] as string;
      raws = s.repeatable ? raw.split(',') : [raw];
    }
    sources[key] = source;
    if (source === undefined || raws === undefined) {
      // A copy of a list default, so a caller that changes its config cannot change the declaration.
      values[key] = Array.isArray(s.default) ? [...(s.default as unknown[])] : s.default;
    } else if (s.placeholder === undefined && source.startsWith('--')) {
      values[key] = true;
    } else {
      try {
        values[key] = s.parse(raws);
      } catch (err) {
        if (!(err instanceof InvalidValue)) throw err;
        throw new SettingsError('invalid-value', `${source}: ${err.message}`, { setting: s.flag, source, cause: err });
      }
    }
  }
  return { kind: 'values', values: values as SettingsValues<S>, sources: sources as SettingsSources<S>, positionals };
}
