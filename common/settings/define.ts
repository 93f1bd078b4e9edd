/**
 * Declaring settings: each builder returns a {@link Setting} that knows its flag, environment variables, default,
 * help text and how to turn text into its typed value. A CLI's settings are a plain object of these; the value type
 * of the parsed result is inferred from it ({@link SettingsValues}), so no interface is written beside it.
 */
import { InvalidValue } from './errors.js';

export type SettingKind = 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'list' | 'url' | 'host';

/** One declared setting; `R` is true when it always has a value (it has a default, or it is a switch). */
export interface Setting<V, R extends boolean = boolean> {
  readonly kind: SettingKind;
  /** Long flag without the dashes, kebab-case: `mqtt-port`. */
  readonly flag: string;
  /** One-letter alias (`-h`), if any. */
  readonly short: string | undefined;
  /** Environment variables, in order: the first one set to a non-empty value is used. */
  readonly env: readonly string[];
  readonly help: string;
  /** Section title in --help and the README tables. */
  readonly group: string | undefined;
  readonly default: V | undefined;
  /** The default as --help and the README show it (`unset`, or a description when it depends on other settings). */
  readonly defaultText: string;
  /** True when {@link defaultText} is the default value itself (the README shows it as code). */
  readonly defaultIsValue: boolean;
  /** The value's placeholder in --help (`<0..65535>`); undefined for a switch, which takes no value. */
  readonly placeholder: string | undefined;
  /** What is accepted, for error messages and the README: `0..65535`, `local, cloud`, `an http/https URL`. */
  readonly accepted: string;
  /** Whether --help must state {@link accepted} beside the placeholder (it is not the placeholder itself). */
  readonly showAccepted: boolean;
  /** The allowed values of an enum or an enum list. */
  readonly values: readonly string[] | undefined;
  /** A repeatable flag collects every occurrence (`--meta a=1 --meta b=2`) instead of keeping the last. */
  readonly repeatable: boolean;
  readonly required: R;
  /** Text to value: every occurrence of a repeatable flag, otherwise one text. Throws {@link InvalidValue}. */
  parse(raws: readonly string[]): V;
  /**
   * Checks a value that did not come as text (a library caller's option) against the same rules; throws
   * {@link InvalidValue}. The value goes through the setting's own text form, so both paths share one rule.
   */
  check(value: unknown): void;
}

export type AnySetting = Setting<unknown>;
export type SettingsShape = Readonly<Record<string, AnySetting>>;

/** The parsed configuration: one property per declared setting, `undefined` only where a setting has no default. */
export type SettingsValues<S extends SettingsShape> = {
  -readonly [K in keyof S]: S[K] extends Setting<infer V, infer R> ? (R extends true ? V : V | undefined) : never;
};

export interface SettingOptions<V> {
  /** Long flag without the dashes, kebab-case. */
  flag: string;
  /** Environment variable(s), the first one set wins; none: the setting is a flag only. */
  env?: string | readonly string[];
  /** One-letter alias. */
  short?: string;
  help: string;
  group?: string;
  default?: V;
  /** Shown instead of the default, for a default that depends on other settings ("unset: <data-dir>/devices.json"). */
  defaultText?: string;
}

interface Shape<V> {
  kind: SettingKind;
  placeholder: string | undefined;
  accepted: string;
  showAccepted?: boolean;
  values?: readonly string[];
  repeatable?: boolean;
  parse(raws: readonly string[]): V;
  format(value: V): string;
}

const FLAG = /^[a-z0-9][a-z0-9-]*$/;
const ENV = /^[A-Z_][A-Z0-9_]*$/;

const last = (raws: readonly string[]): string => {
  const raw = raws[raws.length - 1];
  if (raw === undefined) throw new InvalidValue('needs a value');
  return raw;
};

function make<V>(o: SettingOptions<V>, shape: Shape<V>): Setting<V> {
  if (!FLAG.test(o.flag)) throw new Error(`setting --${o.flag}: a flag is kebab-case`);
  const env = o.env === undefined ? [] : typeof o.env === 'string' ? [o.env] : [...o.env];
  for (const name of env) if (!ENV.test(name)) throw new Error(`setting --${o.flag}: "${name}" is not an environment variable name`);
  if (o.default !== undefined) {
    // A default must be a value the setting itself accepts, as text: what --help prints is then a working value.
    try {
      shape.parse([shape.format(o.default)]);
    } catch (err) {
      throw new Error(`setting --${o.flag}: its default is refused: ${(err as Error).message}`);
    }
  }
  const isSwitch = shape.placeholder === undefined;
  return Object.freeze({
    kind: shape.kind,
    flag: o.flag,
    short: o.short,
    env: Object.freeze(env),
    help: o.help,
    group: o.group,
    default: o.default,
    defaultText: o.defaultText ?? (o.default === undefined ? 'unset' : shape.format(o.default)),
    defaultIsValue: o.defaultText === undefined && o.default !== undefined,
    placeholder: shape.placeholder,
    accepted: shape.accepted,
    showAccepted: shape.showAccepted ?? false,
    values: shape.values,
    repeatable: shape.repeatable ?? false,
    required: o.default !== undefined || isSwitch,
    parse: shape.parse,
    check: (value: unknown) => {
      shape.parse([shape.format(value as V)]);
    },
  });
}

function range(min: number | undefined, max: number | undefined, above: number | undefined, unit: string | undefined): string {
  const r =
    above !== undefined ? (max === undefined ? `more than ${above}` : `more than ${above}, at most ${max}`)
      : min !== undefined && max !== undefined ? `${min}..${max}`
        : min !== undefined ? `${min} or more`
          : max !== undefined ? `at most ${max}`
            : 'any';
  return unit === undefined ? r : `${r} ${unit}`;
}

export interface NumberOptions extends SettingOptions<number> {
  /** Smallest value accepted. */
  min?: number;
  /** Largest value accepted. */
  max?: number;
  /** The value must be greater than this (for "positive": `above: 0`). */
  above?: number;
  /** Unit shown in --help and the README: `ms`, `s`, `bytes`. */
  unit?: string;
}

function numeric(o: NumberOptions, integer: boolean): Setting<number> {
  const accepted = range(o.min, o.max, o.above, o.unit);
  const parse = (raws: readonly string[]): number => {
    const raw = last(raws);
    const n = Number(raw);
    const ok = integer ? /^-?\d+$/.test(raw.trim()) && Number.isSafeInteger(n) : raw.trim() !== '' && Number.isFinite(n);
    if (!ok) throw new InvalidValue(`"${raw}" is not ${integer ? 'a whole number' : 'a number'} (accepted: ${accepted})`);
    if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max) || (o.above !== undefined && n <= o.above)) {
      throw new InvalidValue(`${n} is out of range (accepted: ${accepted})`);
    }
    return n;
  };
  return make(o, { kind: integer ? 'integer' : 'number', placeholder: accepted, accepted, parse, format: String });
}

/** A whole number, checked against `min`/`max`. */
export function integer(o: NumberOptions & { default: number }): Setting<number, true>;
export function integer(o: NumberOptions & { default?: undefined }): Setting<number, false>;
export function integer(o: NumberOptions): Setting<number> {
  return numeric(o, true);
}

/** Any finite number, checked against `min`/`max`/`above`. */
export function number(o: NumberOptions & { default: number }): Setting<number, true>;
export function number(o: NumberOptions & { default?: undefined }): Setting<number, false>;
export function number(o: NumberOptions): Setting<number> {
  return numeric(o, false);
}

/** One of a fixed set of words; the value type is their union. */
export function oneOf<const V extends string>(values: readonly V[], o: SettingOptions<NoInfer<V>> & { default: NoInfer<V> }): Setting<V, true>;
export function oneOf<const V extends string>(values: readonly V[], o: SettingOptions<NoInfer<V>> & { default?: undefined }): Setting<V, false>;
export function oneOf<V extends string>(values: readonly V[], o: SettingOptions<V>): Setting<V> {
  const accepted = values.join(', ');
  const parse = (raws: readonly string[]): V => {
    const raw = last(raws);
    if (!(values as readonly string[]).includes(raw)) throw new InvalidValue(`"${raw}" is not accepted (accepted: ${accepted})`);
    return raw as V;
  };
  return make(o, { kind: 'enum', placeholder: values.join('|'), accepted, values, parse, format: String });
}

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

/** A switch: the flag alone turns it on; from the environment `true/1/yes/on` or `false/0/no/off`. Default off. */
export function boolean(o: Omit<SettingOptions<boolean>, 'default'> & { default?: boolean }): Setting<boolean, true> {
  const parse = (raws: readonly string[]): boolean => {
    const raw = last(raws).trim().toLowerCase();
    if (TRUE.includes(raw)) return true;
    if (FALSE.includes(raw)) return false;
    throw new InvalidValue(`"${last(raws)}" is not accepted (accepted: ${[...TRUE, ...FALSE].join(', ')})`);
  };
  const on = o.default ?? false;
  return make({ ...o, default: on, defaultText: o.defaultText ?? (on ? 'on' : 'off') }, {
    kind: 'boolean', placeholder: undefined, accepted: 'switch', parse, format: String,
  }) as Setting<boolean, true>;
}

export interface StringOptions extends SettingOptions<string> {
  /** The whole value must match. */
  pattern?: RegExp;
  /** What {@link pattern} accepts, in words, for messages and help. */
  hint?: string;
  /** Placeholder in --help, e.g. `path`. Default `text`. */
  placeholder?: string;
}

/** Non-empty text, optionally matching a pattern. */
export function string(o: StringOptions & { default: string }): Setting<string, true>;
export function string(o: StringOptions & { default?: undefined }): Setting<string, false>;
export function string(o: StringOptions): Setting<string> {
  const accepted = o.hint ?? (o.pattern === undefined ? (o.placeholder ?? 'text') : `text matching ${String(o.pattern)}`);
  const parse = (raws: readonly string[]): string => {
    const raw = last(raws);
    if (raw === '') throw new InvalidValue('must not be empty');
    if (o.pattern !== undefined && !o.pattern.test(raw)) throw new InvalidValue(`"${raw}" is not accepted (accepted: ${accepted})`);
    return raw;
  };
  return make(o, {
    kind: 'string', placeholder: o.placeholder ?? 'text', accepted, showAccepted: o.pattern !== undefined, parse, format: String,
  });
}

/** A host name or IP address to bind or connect to. */
export function host(o: SettingOptions<string> & { default: string }): Setting<string, true>;
export function host(o: SettingOptions<string> & { default?: undefined }): Setting<string, false>;
export function host(o: SettingOptions<string>): Setting<string> {
  const parse = (raws: readonly string[]): string => {
    const raw = last(raws);
    if (raw.length === 0 || /[\s/]/.test(raw)) throw new InvalidValue(`"${raw}" is not a host name or IP address`);
    return raw;
  };
  return make(o, { kind: 'host', placeholder: 'host', accepted: 'a host name or IP address', parse, format: String });
}

export interface UrlOptions extends SettingOptions<string> {
  /** URL schemes accepted, without the colon. Default `http`, `https`. */
  protocols?: readonly string[];
}

/** An absolute URL of one of the given schemes; trailing slashes are dropped. */
export function url(o: UrlOptions & { default: string }): Setting<string, true>;
export function url(o: UrlOptions & { default?: undefined }): Setting<string, false>;
export function url(o: UrlOptions): Setting<string> {
  const protocols = o.protocols ?? ['http', 'https'];
  const names = protocols.length === 1 ? protocols[0] : `${protocols.slice(0, -1).join(', ')} or ${protocols[protocols.length - 1]}`;
  const accepted = `a URL (${protocols.map((p) => `${p}://`).join(', ')})`;
  const parse = (raws: readonly string[]): string => {
    const raw = last(raws);
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new InvalidValue(`"${raw}" is not a URL (accepted: ${accepted})`);
    }
    if (!protocols.includes(parsed.protocol.slice(0, -1))) throw new InvalidValue(`"${raw}" must use protocol ${names}`);
    return raw.replace(/\/+$/, '');
  };
  return make(o, { kind: 'url', placeholder: 'URL', accepted, showAccepted: true, parse, format: String });
}

export interface ListOptions extends SettingOptions<readonly string[]> {
  /** Each item must match. */
  pattern?: RegExp;
  /** What {@link pattern} accepts, in words. */
  hint?: string;
  /** Placeholder in --help. Default: the allowed values, or `a,b`. */
  placeholder?: string;
  /** Collect every occurrence of the flag, one item each (no comma splitting), instead of a comma-separated value. */
  repeatable?: boolean;
}

/** A comma-separated list (or a repeatable flag), optionally of allowed values only. */
export function list<const V extends string>(o: ListOptions & { values: readonly V[]; default: readonly NoInfer<V>[] }): Setting<V[], true>;
export function list<const V extends string>(o: ListOptions & { values: readonly V[]; default?: undefined }): Setting<V[], false>;
export function list(o: ListOptions & { values?: undefined; default: readonly string[] }): Setting<string[], true>;
export function list(o: ListOptions & { values?: undefined; default?: undefined }): Setting<string[], false>;
export function list(o: ListOptions & { values?: readonly string[] }): Setting<string[]> {
  const values = o.values;
  const itemsAccepted = values !== undefined ? values.join(', ') : (o.hint ?? 'text');
  const accepted = o.repeatable === true ? `${itemsAccepted} (repeatable)` : `comma-separated: ${itemsAccepted}`;
  const parse = (raws: readonly string[]): string[] => {
    const items = o.repeatable === true ? [...raws] : last(raws).split(',').map((s) => s.trim()).filter((s) => s !== '');
    for (const item of items) {
      if ((values !== undefined && !values.includes(item)) || (o.pattern !== undefined && !o.pattern.test(item))) {
        throw new InvalidValue(`"${item}" is not accepted (accepted: ${itemsAccepted})`);
      }
    }
    return items;
  };
  return make<string[]>({ ...o, default: o.default === undefined ? undefined : [...o.default] }, {
    kind: 'list',
    placeholder: o.placeholder ?? (values !== undefined ? values.join(',') : o.repeatable === true ? 'text' : 'a,b'),
    accepted,
    showAccepted: values === undefined,
    repeatable: o.repeatable ?? false,
    ...(values === undefined ? {} : { values }),
    parse,
    format: (v) => v.join(','),
  });
}

/** Gives every setting of `settings` the section title `group` (for --help and the README). */
export function section<S extends SettingsShape>(group: string, settings: S): S {
  return Object.fromEntries(Object.entries(settings).map(([key, s]) => [key, Object.freeze({ ...s, group })])) as unknown as S;
}

/** Checks a CLI's settings once, at load: each flag (and short alias) belongs to one setting. */
export function defineSettings<S extends SettingsShape>(settings: S): S {
  const flags = new Map<string, string>();
  for (const [key, s] of Object.entries(settings)) {
    for (const name of [`--${s.flag}`, ...(s.short === undefined ? [] : [`-${s.short}`])]) {
      const other = flags.get(name);
      if (other !== undefined) throw new Error(`settings ${other} and ${key} both use ${name}`);
      flags.set(name, key);
    }
  }
  return Object.freeze(settings);
}
