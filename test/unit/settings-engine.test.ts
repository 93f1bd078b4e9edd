import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  defineSettings, InvalidValue, parseSettings, renderHelp, replaceGeneratedBlock, section, setting, SettingsError, settingsTable,
  type SettingsValues,
} from '../../common/settings/index.js';

const SETTINGS = defineSettings({
  ...section('Server', {
    port: setting.integer({ flag: 'port', env: 'T_PORT', default: 8080, min: 0, max: 65535, help: 'Port.' }),
    mode: setting.oneOf(['local', 'cloud'], { flag: 'mode', env: 'T_MODE', default: 'cloud', help: 'Mode.' }),
    endpoint: setting.url({ flag: 'endpoint', env: ['T_ENDPOINT_SPECIFIC', 'T_ENDPOINT'], help: 'Endpoint.' }),
  }),
  ...section('Client', {
    rate: setting.number({ flag: 'rate', env: 'T_RATE', above: 0, unit: 'ms', help: 'Rate | speed <of it>.' }),
    kinds: setting.list({ flag: 'kinds', env: 'T_KINDS', values: ['a', 'b', 'c'], default: ['a', 'b'], help: 'Kinds.' }),
    meta: setting.list({ flag: 'meta', repeatable: true, pattern: /^[^=]+=/, hint: 'name=value', help: 'Metadata.' }),
    verbose: setting.boolean({ flag: 'verbose', env: 'T_VERBOSE', short: 'v', help: 'Talk more.' }),
    name: setting.string({ flag: 'name', pattern: /^[a-z]+$/, hint: 'lower-case letters', defaultText: 'the host name', help: 'Name.' }),
  }),
});

const values = (argv: string[], env: Record<string, string> = {}): SettingsValues<typeof SETTINGS> => {
  const r = parseSettings(SETTINGS, argv, env);
  if (r.kind !== 'values') throw new Error('expected values');
  return r.values;
};

const refusal = (argv: string[], env: Record<string, string> = {}): SettingsError => {
  try {
    parseSettings(SETTINGS, argv, env);
  } catch (err) {
    if (err instanceof SettingsError) return err;
    throw err;
  }
  throw new Error('expected a SettingsError');
};

describe('settings engine: parsing', () => {
  it('infers the value types from the declarations', () => {
    expectTypeOf(values([])).toEqualTypeOf<{
      port: number;
      mode: 'local' | 'cloud';
      endpoint: string | undefined;
      rate: number | undefined;
      kinds: ('a' | 'b' | 'c')[];
      meta: string[] | undefined;
      verbose: boolean;
      name: string | undefined;
    }>();
  });

  it('takes flags over the environment over the defaults, the first variable set of a list, empty as unset', () => {
    expect(values([])).toEqual({ port: 8080, mode: 'cloud', endpoint: undefined, rate: undefined, kinds: ['a', 'b'], meta: undefined, verbose: false, name: undefined });
    expect(values([], { T_PORT: '81' }).port).toBe(81);
    expect(values(['--port', '82'], { T_PORT: '81' }).port).toBe(82);
    expect(values(['--port=83', '--port', '84']).port).toBe(84);
    expect(values([], { T_PORT: '' }).port).toBe(8080);
    expect(values([], { T_ENDPOINT: 'http://b:1', T_ENDPOINT_SPECIFIC: 'http://a:1/' }).endpoint).toBe('http://a:1');
    expect(values([], { T_ENDPOINT: 'http://b:1' }).endpoint).toBe('http://b:1');
    expect(values(['-v']).verbose).toBe(true);
    expect(values([], { T_VERBOSE: 'yes' }).verbose).toBe(true);
    expect(values(['--kinds', 'c, a']).kinds).toEqual(['c', 'a']);
    values([]).kinds.push('c');
    expect(values([]).kinds).toEqual(['a', 'b']);
    expect(values(['--meta', 'a=1,2', '--meta', 'b=']).meta).toEqual(['a=1,2', 'b=']);
    expect(values(['--rate', '2.5']).rate).toBe(2.5);
  });

  it('says where each value came from', () => {
    const r = parseSettings(SETTINGS, ['--mode', 'local'], { T_PORT: '9' });
    expect(r.kind === 'values' && r.sources).toMatchObject({ mode: '--mode', port: 'T_PORT', rate: undefined });
  });

  it('answers --help and -h before any other problem', () => {
    expect(parseSettings(SETTINGS, ['--nope', '--help'], {})).toEqual({ kind: 'help' });
    expect(parseSettings(SETTINGS, ['-h'], {})).toEqual({ kind: 'help' });
  });

  it('names the setting, the source and the accepted values of every refusal', () => {
    const cases: [string[], Record<string, string>, Pick<SettingsError, 'problem' | 'setting' | 'source'>, RegExp][] = [
      [['--port', '70000'], {}, { problem: 'invalid-value', setting: 'port', source: '--port' }, /^--port: 70000 is out of range \(accepted: 0\.\.65535\)$/],
      [[], { T_PORT: 'x' }, { problem: 'invalid-value', setting: 'port', source: 'T_PORT' }, /^T_PORT: "x" is not a whole number/],
      [[], { T_MODE: 'prod' }, { problem: 'invalid-value', setting: 'mode', source: 'T_MODE' }, /accepted: local, cloud/],
      [['--endpoint', 'ftp://x'], {}, { problem: 'invalid-value', setting: 'endpoint', source: '--endpoint' }, /must use protocol http or https/],
      [['--rate', '0'], {}, { problem: 'invalid-value', setting: 'rate', source: '--rate' }, /accepted: more than 0 ms/],
      [['--kinds', 'a,z'], {}, { problem: 'invalid-value', setting: 'kinds', source: '--kinds' }, /"z" is not accepted \(accepted: a, b, c\)/],
      [['--meta', 'novalue'], {}, { problem: 'invalid-value', setting: 'meta', source: '--meta' }, /name=value/],
      [['--name', 'Bad'], {}, { problem: 'invalid-value', setting: 'name', source: '--name' }, /lower-case letters/],
      [['--name='], {}, { problem: 'invalid-value', setting: 'name', source: '--name' }, /must not be empty/],
      [['--nope', '1'], {}, { problem: 'unknown-option', setting: 'nope', source: 'command line' }, /^unknown option --nope \(see --help\)$/],
      [['-x'], {}, { problem: 'unknown-option', setting: 'x', source: 'command line' }, /unknown option -x/],
      [['--port'], {}, { problem: 'missing-value', setting: 'port', source: '--port' }, /^--port needs a value$/],
      [['--verbose=no'], {}, { problem: 'unexpected-value', setting: 'verbose', source: '--verbose' }, /takes no value/],
      [['stray'], {}, { problem: 'unexpected-argument', setting: 'stray', source: 'command line' }, /unexpected argument "stray"/],
      [[], { T_VERBOSE: 'maybe' }, { problem: 'invalid-value', setting: 'verbose', source: 'T_VERBOSE' }, /accepted: true, 1/],
    ];
    for (const [argv, env, expected, message] of cases) {
      const err = refusal(argv, env);
      expect({ problem: err.problem, setting: err.setting, source: err.source }, argv.join(' ')).toEqual(expected);
      expect(err.message, argv.join(' ')).toMatch(message);
    }
  });

  it('collects positional arguments only when asked to', () => {
    const r = parseSettings(SETTINGS, ['add', '--port', '1', 'x', '-', '--', '--port'], {}, { positionals: true });
    expect(r.kind === 'values' && r.positionals).toEqual(['add', 'x', '-', '--port']);
  });
});

describe('settings engine: declarations', () => {
  it('refuses a default its own rules refuse, a duplicated flag and a malformed name', () => {
    expect(() => setting.integer({ flag: 'n', default: 5, min: 10, help: '' })).toThrow(/--n: its default is refused/);
    expect(() => setting.oneOf(['a'], { flag: 'Bad_Flag', help: '' })).toThrow(/kebab-case/);
    expect(() => setting.boolean({ flag: 'b', env: 'lower', help: '' })).toThrow(/environment variable name/);
    const twice = { a: setting.boolean({ flag: 'x', help: '' }), b: setting.boolean({ flag: 'x', help: '' }) };
    expect(() => defineSettings(twice)).toThrow(/both use --x/);
  });

  it('checks a value given by a library caller with the same rule as the text', () => {
    expect(() => SETTINGS.port.check(65535)).not.toThrow();
    expect(() => SETTINGS.port.check(1.5)).toThrow(InvalidValue);
    expect(() => SETTINGS.kinds.check(['a', 'q'])).toThrow(/"q"/);
    expect(() => SETTINGS.rate.check(Number.NaN)).toThrow(/not a number/);
  });
});

describe('settings engine: help and README tables', () => {
  it('lists every setting under its section with flag, variables, default and what it accepts', () => {
    const help = renderHelp(SETTINGS, { title: 't: a tool', usage: 't [options]', footer: ['Exit codes: 2 bad options.'] });
    expect(help).toContain('Server:\n  --port <0..65535>   [env T_PORT] (default: 8080)\n      Port.');
    expect(help).toContain('  --endpoint <URL>   [env T_ENDPOINT_SPECIFIC, T_ENDPOINT] (default: unset)\n      Endpoint. Accepted: a URL (http://, https://).');
    expect(help).toContain('  -v, --verbose   [env T_VERBOSE]\n      Talk more.');
    expect(help).toContain('--name <text>   (default: the host name)');
    expect(help.indexOf('Server:')).toBeLessThan(help.indexOf('Client:'));
    expect(help).toMatch(/-h, --help {3}Show this help\.\n\nExit codes: 2 bad options\.$/);
  });

  it('writes one table per section, escaping what Markdown would misread', () => {
    const table = settingsTable(SETTINGS, { grouped: true });
    expect(table.startsWith('**Server**\n\n| Flag | Environment | Default | Accepted | Meaning |\n|---|---|---|---|---|\n')).toBe(true);
    expect(table).toContain('| `--mode` | `T_MODE` | `cloud` | `local`, `cloud` | Mode. |');
    expect(table).toContain('| `--rate` | `T_RATE` | unset | more than 0 ms | Rate \\| speed &lt;of it&gt;. |');
    expect(table).toContain('| `--kinds` | `T_KINDS` | `a,b` | comma-separated: `a`, `b`, `c` | Kinds. |');
    expect(table).toContain('| `-v, --verbose` | `T_VERBOSE` | off | switch; env `true`/`false` | Talk more. |');
    expect(settingsTable({ port: SETTINGS.port })).toBe(
      '| Flag | Environment | Default | Accepted | Meaning |\n|---|---|---|---|---|\n| `--port` | `T_PORT` | `8080` | 0..65535 | Port. |',
    );
  });

  it('replaces only the text between a block\'s markers, and refuses a document without them', () => {
    const doc = 'intro\n<!-- settings:x -->\nold\n<!-- /settings:x -->\noutro\n';
    expect(replaceGeneratedBlock(doc, 'x', 'new')).toBe('intro\n<!-- settings:x -->\nnew\n<!-- /settings:x -->\noutro\n');
    expect(() => replaceGeneratedBlock(doc, 'y', 'new')).toThrow(/settings:y/);
  });
});

