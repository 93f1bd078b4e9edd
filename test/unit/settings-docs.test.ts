import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedBlocks } from '../../common/settings/index.js';
import { CLI_SETTINGS, REPO_ROOT, renderSettingsDocument, SETTINGS_DOCUMENTS } from '../support/settings-docs.js';

describe('settings: declarations, --help and the README tables agree', () => {
  for (const cli of CLI_SETTINGS) {
    it(`${cli.name}: --help lists every declared setting with its variables, default and accepted values`, () => {
      const help = cli.help();
      const settings = Object.values(cli.settings);
      expect(settings.length).toBeGreaterThan(0);
      const lines = help.split('\n');
      for (const s of settings) {
        // A setting's entry: its flag line (flag, variables, default), then its help text (and what it accepts).
        const label = `--${s.flag}${s.placeholder === undefined ? '' : ` <${s.placeholder}>`}`;
        const entries = lines
          .flatMap((l, i) => (l.startsWith(`  ${label}`) || l.startsWith(`  -${s.short ?? ''}, ${label}`) ? [`${l}\n${lines[i + 1] ?? ''}`] : []));
        expect(entries.length, `${label} in the ${cli.name} help`).toBeGreaterThan(0);
        const complete = entries.filter((entry) =>
          s.env.every((env) => entry.includes(env)) &&
          (s.kind === 'boolean' || entry.includes(`(default: ${s.defaultText})`)) &&
          (!s.showAccepted || entry.includes(s.accepted)) &&
          entry.includes(s.help));
        expect(complete, `--${s.flag}: ${entries.join(' / ')}`).not.toEqual([]);
      }
    });
  }

  for (const doc of SETTINGS_DOCUMENTS) {
    it(`${doc}: the settings tables are the ones the declarations generate (npm run docs:settings)`, () => {
      const text = readFileSync(join(REPO_ROOT, doc), 'utf8');
      expect(generatedBlocks(text).length, `${doc} has settings tables`).toBeGreaterThan(0);
      expect(renderSettingsDocument(text) === text, `${doc} is stale: run npm run docs:settings`).toBe(true);
    });
  }

  it('documents every CLI in the README', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(generatedBlocks(readme).sort()).toEqual(CLI_SETTINGS.map((c) => c.name).sort());
  });

  it("keeps the defaults that the README's hand-written tables quote (the Security limits) equal to the declarations", () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').replace(/<!-- settings:(\S+) -->[\s\S]*?<!-- \/settings:\1 -->/g, '');
    const gateway = Object.values(CLI_SETTINGS.find((c) => c.name === 'gateway')?.settings ?? {});
    let quoted = 0;
    for (const m of readme.matchAll(/^\| `--([a-z0-9-]+)` \| `([^`]+)`/gm)) {
      const s = gateway.find((g) => g.flag === m[1]);
      if (s === undefined || !s.defaultIsValue) continue;
      expect(m[2], `README quotes --${s.flag}'s default`).toBe(s.defaultText);
      quoted++;
    }
    expect(quoted).toBeGreaterThan(3);
  });

  it('notices a README table that drifted', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const drifted = readme.replace('| `--mqtt-port` | `TIDEGATE_MQTT_PORT` | `1883` |', '| `--mqtt-port` | `TIDEGATE_MQTT_PORT` | `1884` |');
    expect(drifted).not.toBe(readme);
    expect(renderSettingsDocument(drifted)).toBe(readme);
  });
});
