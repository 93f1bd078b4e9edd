/** The settings engine: declare each setting once; parse, --help, README tables and errors come from it. */
import { boolean, host, integer, list, number, oneOf, string, url } from './define.js';

/** The setting builders: `setting.integer({ flag, env, default, min, max, help })`, … */
export const setting = { boolean, host, integer, list, number, oneOf, string, url } as const;

export {
  defineSettings, section,
  type AnySetting, type Setting, type SettingKind, type SettingOptions, type SettingsShape, type SettingsValues,
} from './define.js';
export { InvalidValue, isSettingsError, SettingsError, type SettingsProblem } from './errors.js';
export { flagLabel, renderHelp, settingLines, settingsLines, type HelpLayout } from './help.js';
export { generatedBlocks, replaceGeneratedBlock, settingsTable } from './markdown.js';
export { parseSettings, type Environment, type ParsedSettings, type ParseOptions, type SettingsSources } from './parse.js';
