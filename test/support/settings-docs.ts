/**
 * `npm run docs:settings`: writes the settings tables of the READMEs from the CLIs' declarations (`--check`: only
 * reports, exit 1, when a README differs). A README marks each table with `<!-- settings:NAME -->` …
 * `<!-- /settings:NAME -->`; everything around the markers is left as written.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generatedBlocks, replaceGeneratedBlock, settingsTable, type SettingsShape } from '../../common/settings/index.js';
import { devicesHelp } from '../../gateway/src/auth/devices-cli.js';
import { DEVICES_SETTINGS_BY_SECTION } from '../../gateway/src/auth/devices-settings.js';
import { renderHelp as gatewayHelp } from '../../gateway/src/config/load.js';
import { SETTINGS as GATEWAY_SETTINGS } from '../../gateway/src/config/schema.js';
import { KINESIS_MAIN_SETTINGS, kinesisMainHelp } from '../../stack/kinesis-settings.js';
import { helpText as simHelp } from '../../device-sim/args.js';
import { SIM_SETTINGS } from '../../device-sim/settings.js';
import { DELIVERY_SETTINGS, deliveryHelp } from '../../transforms/delivery/cli/settings.js';

export interface CliSettings {
  /** The block name in the READMEs. */
  name: string;
  settings: SettingsShape;
  /** The CLI's own --help text. */
  help(): string;
  /** One table per section (else one table). */
  grouped: boolean;
}

export const CLI_SETTINGS: readonly CliSettings[] = [
  { name: 'gateway', settings: GATEWAY_SETTINGS, help: gatewayHelp, grouped: true },
  { name: 'delivery', settings: DELIVERY_SETTINGS, help: deliveryHelp, grouped: false },
  { name: 'sim', settings: SIM_SETTINGS, help: simHelp, grouped: true },
  { name: 'devices', settings: DEVICES_SETTINGS_BY_SECTION, help: devicesHelp, grouped: true },
  { name: 'kinesis', settings: KINESIS_MAIN_SETTINGS, help: kinesisMainHelp, grouped: false },
];

/** The documents with generated tables, relative to the repository root. */
export const SETTINGS_DOCUMENTS = ['README.md', 'device-sim/README.md', 'transforms/delivery/README.md'] as const;

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The document with every generated block it marks rewritten from the declarations. */
export function renderSettingsDocument(text: string): string {
  let out = text;
  for (const name of generatedBlocks(text)) {
    const cli = CLI_SETTINGS.find((c) => c.name === name);
    if (cli === undefined) throw new Error(`<!-- settings:${name} -->: no CLI of that name (${CLI_SETTINGS.map((c) => c.name).join(', ')})`);
    out = replaceGeneratedBlock(out, name, settingsTable(cli.settings, { grouped: cli.grouped }));
  }
  return out;
}

function main(check: boolean): number {
  let stale = 0;
  for (const doc of SETTINGS_DOCUMENTS) {
    const path = join(REPO_ROOT, doc);
    const text = readFileSync(path, 'utf8');
    const rendered = renderSettingsDocument(text);
    if (rendered === text) continue;
    stale++;
    if (check) process.stderr.write(`${doc}: settings tables differ from the declarations (run npm run docs:settings)\n`);
    else {
      writeFileSync(path, rendered);
      process.stdout.write(`${doc}: settings tables written\n`);
    }
  }
  return check && stale > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.includes('--check'));
}
