import { isSettingsError, parseSettings, renderHelp as renderHelpText, type SettingsValues } from '../../../common/settings/index.js';
import { GatewayError } from '../../../common/errors.js';
import { SETTINGS } from './schema.js';

/** The parsed configuration: one property per setting in {@link SETTINGS}, its type inferred from the declaration. */
export type GatewayConfig = SettingsValues<typeof SETTINGS>;

export type LoadResult = { kind: 'help'; text: string } | { kind: 'config'; config: GatewayConfig };

/**
 * Parses argv (without the node and script entries) and the environment into a {@link GatewayConfig}.
 * Throws a `GW_ERR_CONFIG` {@link GatewayError} naming the setting and its accepted values.
 */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): LoadResult {
  let parsed;
  try {
    parsed = parseSettings(SETTINGS, argv, env);
  } catch (err) {
    // The one place where the engine's errors become the gateway's.
    if (isSettingsError(err)) throw new GatewayError('GW_ERR_CONFIG', err.message, { detail: { setting: err.setting, source: err.source } });
    throw err;
  }
  return parsed.kind === 'help' ? { kind: 'help', text: renderHelp() } : { kind: 'config', config: parsed.values };
}

export function renderHelp(): string {
  return renderHelpText(SETTINGS, {
    title: 'tidegate: MQTT telemetry gateway to Amazon Kinesis Data Streams',
    usage: 'node dist/stack/main.js [options]      (npm start runs --mode local)',
    intro: ['Every option can also be set by the environment variable shown; a flag wins over the environment, which wins over the default.'],
    footer: ['Exit codes: 0 stopped cleanly, 1 failure, 2 bad configuration.'],
  });
}
