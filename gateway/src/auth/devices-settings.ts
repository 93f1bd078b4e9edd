/**
 * Settings of the device registry CLI (`npm run devices -- <command>`), declared on the settings engine per
 * command: every command takes the registry location; `add`, `list` and `provision` have options of their own.
 * Precedence: flag > environment > default.
 */
import { join } from 'node:path';
import {
  isSettingsError, parseSettings, section, setting, settingsLines, type AnySetting, type SettingsShape, type SettingsValues,
} from '../../../common/settings/index.js';

export class UsageError extends Error {}

const REGISTRY = section('Options (every command)', {
  devicesFile: setting.string({
    flag: 'devices-file', env: 'TIDEGATE_DEVICES_FILE', placeholder: 'path', defaultText: '<data-dir>/devices.json', help: 'Registry file.',
  }),
  dataDir: setting.string({
    flag: 'data-dir', env: 'TIDEGATE_DATA_DIR', default: './data', placeholder: 'path', help: 'Data directory of the default registry file.',
  }),
});

const meta = setting.list({
  flag: 'meta', repeatable: true, placeholder: 'name=value', pattern: /^[^=]+=/, hint: 'name=value',
  help: 'Metadata of the device(s), one name=value per flag.',
});

/** The settings of each command; `list` and the others share only the registry location. */
export const DEVICES_COMMANDS = {
  add: { ...REGISTRY, ...section('Options of add', {
    meta,
    replace: setting.boolean({ flag: 'replace', help: 'Give an existing device a new secret (re-enabling it if revoked).' }),
  }) },
  rotate: REGISTRY,
  revoke: REGISTRY,
  list: { ...REGISTRY, ...section('Options of list', { json: setting.boolean({ flag: 'json', help: 'Print the list as JSON.' }) }) },
  provision: { ...REGISTRY, ...section('Options of provision', {
    replace: setting.boolean({ flag: 'replace', help: 'Re-key and re-enable the devices that already exist.' }),
    keepValid: setting.boolean({
      flag: 'keep-valid', help: 'With --secrets-out: devices whose secret in the existing file still works keep it.',
    }),
    secretsOut: setting.string({
      flag: 'secrets-out', placeholder: 'file', defaultText: 'stdout',
      help: 'Where to write the new secrets, as JSON {"<id>": "<secret>"} (mode 0600).',
    }),
    meta,
  }) },
} as const satisfies Record<string, SettingsShape>;

export type DevicesCommand = keyof typeof DEVICES_COMMANDS;
type CommandValues = SettingsValues<typeof DEVICES_COMMANDS.add> & SettingsValues<typeof DEVICES_COMMANDS.list> &
  SettingsValues<typeof DEVICES_COMMANDS.provision>;

export interface Parsed {
  command: string | undefined;
  args: string[];
  devicesFile: string;
  meta: Record<string, string>;
  replace: boolean;
  keepValid: boolean;
  json: boolean;
  help: boolean;
  secretsOut: string | undefined;
}

const isCommand = (name: string | undefined): name is DevicesCommand => name !== undefined && Object.hasOwn(DEVICES_COMMANDS, name);

/** Every command's settings together: enough to find the command among the arguments (which flags take a value). */
function everySetting(): SettingsShape {
  return Object.assign({}, ...Object.values(DEVICES_COMMANDS)) as SettingsShape;
}

const isFlag = (flag: string): boolean => Object.values(everySetting()).some((s) => s.flag === flag);

/** Where the engine's errors become the CLI's usage errors (exit 2). */
function parseOrUsage<S extends SettingsShape>(settings: S, argv: readonly string[], env: Readonly<Record<string, string | undefined>>, command?: string) {
  try {
    return parseSettings(settings, argv, env, { positionals: true });
  } catch (err) {
    if (!isSettingsError(err)) throw err;
    if (err.problem === 'unknown-option' && command !== undefined && isFlag(err.setting)) {
      throw new UsageError(`--${err.setting} is not an option of ${command} (see --help)`);
    }
    throw new UsageError(err.message);
  }
}

export function parseDevicesCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Parsed {
  const first = parseOrUsage(everySetting(), argv, env);
  const command = first.kind === 'values' ? first.positionals[0] : undefined;
  const parsed = isCommand(command) ? parseOrUsage(DEVICES_COMMANDS[command], argv, env, command) : first;
  const none = { command, args: [], devicesFile: '', meta: {}, replace: false, keepValid: false, json: false, secretsOut: undefined };
  if (parsed.kind === 'help') return { ...none, help: true };
  // Each command has the registry settings and some of the others.
  const v = parsed.values as SettingsValues<typeof REGISTRY> & Partial<CommandValues>;
  const meta: Record<string, string> = {};
  for (const kv of v.meta ?? []) meta[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
  return {
    command,
    args: parsed.positionals.slice(1),
    devicesFile: v.devicesFile ?? join(v.dataDir, 'devices.json'),
    meta,
    replace: v.replace === true,
    keepValid: v.keepValid === true,
    json: v.json === true,
    help: false,
    secretsOut: v.secretsOut,
  };
}

/** Every command's settings once, under their sections: what --help and the README list. */
export const DEVICES_SETTINGS_BY_SECTION: SettingsShape = (() => {
  const all: Record<string, AnySetting> = {};
  for (const settings of Object.values(DEVICES_COMMANDS)) {
    for (const [key, s] of Object.entries(settings) as [string, AnySetting][]) if (!Object.values(all).includes(s)) all[`${s.group}:${key}`] = s;
  }
  return all;
})();

/** The options part of the help: the registry location, then each command's own options. */
export function devicesOptionsHelp(): string[] {
  return settingsLines(DEVICES_SETTINGS_BY_SECTION);
}
