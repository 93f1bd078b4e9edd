import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isTidegateError } from '../../common/errors.js';
import { fmtAge, fmtBytes, fmtMs, fmtNum, niceMax } from '../../gateway/src/http/dashboard/client/format.js';
import { loadClientScript } from '../../gateway/src/http/dashboard/client-script.js';
import { dashboardPage } from '../../gateway/src/http/dashboard/page.js';
import { makeTempDir } from '../support/tmp.js';

const dir = makeTempDir('tidegate-dashboard-script-');
afterAll(() => dir.remove());

function scriptFile(name: string, text: string): URL {
  const path = join(dir.path, name);
  writeFileSync(path, text);
  return pathToFileURL(path);
}

function failure(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('dashboard script: built, inlined, allowed by its hash', () => {
  it('inlines the built script, and the CSP hash is of exactly the text between <script> and </script>', () => {
    // The file the global setup built into dist/, as the gateway reads it at start-up.
    const script = loadClientScript();
    expect(script.text.length).toBeGreaterThan(1000);
    const inline = /<script>([\s\S]*)<\/script>/.exec(dashboardPage(script.text))?.[1];
    expect(inline).toBe(script.text);
    expect(script.cspSource).toBe(`'sha256-${createHash('sha256').update(inline ?? '', 'utf8').digest('base64')}'`);
  });

  it('hashes the UTF-8 bytes, as the browser does', () => {
    const script = loadClientScript(scriptFile('utf8.js', 'document.title = "–×✓";'));
    const bytes = Buffer.from('document.title = "\u2013\u00d7\u2713";', 'utf8');
    expect(script.cspSource).toBe(`'sha256-${createHash('sha256').update(bytes).digest('base64')}'`);
  });

  it('refuses a script the HTML parser would cut short, and a missing one, with GW_ERR_DASHBOARD_SCRIPT', () => {
    for (const text of ['let a = "</script>";', 'let a = "</SCRIPT ";', 'let a = "<!--";']) {
      expect(isTidegateError(failure(() => loadClientScript(scriptFile('unsafe.js', text))), 'GW_ERR_DASHBOARD_SCRIPT')).toBe(true);
    }
    const missing = failure(() => loadClientScript(pathToFileURL(join(dir.path, 'absent.js'))));
    expect(isTidegateError(missing, 'GW_ERR_DASHBOARD_SCRIPT')).toBe(true);
    expect((missing as Error).message).toContain('npm run build');
  });
});

describe('dashboard script: number formatting', () => {
  it('shortens figures and durations, and shows – for what is not a number', () => {
    expect([0, 7, 12.6, 1.25, 0.123, 1234, 56_789, 2_500_000, 25_000_000].map(fmtNum)).toEqual(
      ['0', '7', '13', '1.3', '0.12', '1.2k', '57k', '2.5M', '25M'],
    );
    expect([null, undefined, Number.NaN, Number.POSITIVE_INFINITY].map(fmtNum)).toEqual(['–', '–', '–', '–']);
    expect([0, 0.456, 3.21, 42.4, 1500, 12_000].map(fmtMs)).toEqual(['0', '0.46 ms', '3.2 ms', '42 ms', '1.5 s', '12 s']);
    expect(fmtMs(null)).toBe('–');
    expect([0, 512, 1536, 5 * 1024 ** 2, 3 * 1024 ** 4].map(fmtBytes)).toEqual(['0 B', '512 B', '1.5 KiB', '5.0 MiB', '3072.0 GiB']);
    expect([0.4, 42, 600, 7200].map(fmtAge)).toEqual(['just now', '42 s ago', '10 min ago', '2 h ago']);
  });

  it('rounds axis maxima up to 1, 2 or 5 times a power of ten', () => {
    expect([0, -3, 0.37, 1, 1.5, 3, 7, 420].map(niceMax)).toEqual([1, 1, 0.5, 1, 2, 5, 10, 500]);
  });
});
