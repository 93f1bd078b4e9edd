/**
 * The settings engine's one error. It names the setting and where the refused text came from, so each CLI can turn
 * it into its own error code (GW_ERR_CONFIG, TG_ERR_DELIVERY_CONFIG, SIM_ERR_USAGE, …) in one place.
 */

/** What went wrong: an unknown option, a flag without its value, a value given to a switch, a stray argument, a bad value. */
export type SettingsProblem = 'unknown-option' | 'missing-value' | 'unexpected-value' | 'unexpected-argument' | 'invalid-value';

export interface SettingsErrorOptions {
  /** The setting's flag without dashes (`mqtt-port`), or the unknown option or argument as given. */
  setting: string;
  /** Where the text came from: the flag (`--mqtt-port`), the environment variable (`TIDEGATE_MQTT_PORT`), `default` or `command line`. */
  source: string;
  cause?: unknown;
}

export class SettingsError extends Error {
  readonly problem: SettingsProblem;
  readonly setting: string;
  readonly source: string;

  constructor(problem: SettingsProblem, message: string, options: SettingsErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SettingsError';
    this.problem = problem;
    this.setting = options.setting;
    this.source = options.source;
  }
}

export function isSettingsError(err: unknown): err is SettingsError {
  return err instanceof SettingsError;
}

/**
 * Thrown by a setting's parser with what is wrong with the text ("is out of range (accepted: 0..65535)"); the engine
 * prefixes the source and turns it into a {@link SettingsError}.
 */
export class InvalidValue extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidValue';
  }
}
