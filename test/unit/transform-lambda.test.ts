import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context, FirehoseTransformationEvent, FirehoseTransformationHandler, FirehoseTransformationResult } from 'aws-lambda';
import { unzipSync } from 'fflate';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { buildLambda, zipPackage, ZIP_NAME } from '../../transforms/build-lambda.js';
import type { TransformEvent } from '../../transforms/lambda/types.js';
import { loadEvent, loadExpected, statusModelProblems } from '../fixtures/firehose/index.js';

/**
 * The fixtures carry `subsequenceNumber` as a number, as AWS sends it; @types/aws-lambda declares a string
 * (common/aws/README.md §5.2). The handler accepts both at run time; only the declared type needs the cast.
 */
const asLambdaEvent = (event: TransformEvent): FirehoseTransformationEvent => event as unknown as FirehoseTransformationEvent;

const tempDirs: string[] = [];
const tempDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs Info-ZIP `unzip` (the CI installs it: the standard tool is the independent reader of our archives). */
function unzipTool(args: readonly string[]): string {
  try {
    return execFileSync('unzip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('these tests need Info-ZIP unzip: apt-get install unzip');
    throw err;
  }
}

/**
 * What Info-ZIP makes of an archive: `unzip -tq` verifies every CRC-32 (throws otherwise), `unzip -Z` (zipinfo)
 * gives each entry's mode, origin system and time, `unzip -l` lists the names.
 */
function standardToolView(zipPath: string): { names: string[]; entries: string[] } {
  unzipTool(['-tq', zipPath]);
  const names = unzipTool(['-Z1', zipPath]).trim().split('\n');
  // zipinfo lines: "-rw-r--r--  2.0 unx   258118 b- defN 80-Jan-01 00:00 index.mjs" → "-rw-r--r-- unx 80-Jan-01 00:00 index.mjs"
  const entries = unzipTool(['-Z', zipPath])
    .split('\n')
    .filter((line) => /^[-d]r/.test(line))
    .map((line) => {
      const f = line.trim().split(/\s+/);
      return [f[0], f[2], f[6], f[7], f.slice(8).join(' ')].join(' ');
    });
  expect(unzipTool(['-l', zipPath])).toContain(`${names.length} file`);
  return { names, entries };
}

const writeTemp = (prefix: string, bytes: Uint8Array): string => {
  const path = join(tempDir(prefix), 'a.zip');
  writeFileSync(path, bytes);
  return path;
};

describe('package zip', () => {
  it('round-trips entries sorted by name, each a Unix 0644 file dated 1980-01-01, readable by fflate and unzip', () => {
    // Prepare
    const text = Buffer.from('export const x = 1;\n'.repeat(200));
    const random = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 2654435761) >>> 24));
    // Act
    const zip = zipPackage([
      { name: 'lib/ünï.bin', data: random },
      { name: 'index.mjs', data: text },
      { name: 'empty.txt', data: new Uint8Array(0) },
    ]);
    // Assess
    const files = unzipSync(zip);
    expect(Object.keys(files)).toEqual(['empty.txt', 'index.mjs', 'lib/ünï.bin']);
    expect(Buffer.from(files['index.mjs'] ?? []).equals(text)).toBe(true);
    expect(Buffer.from(files['lib/ünï.bin'] ?? []).equals(random)).toBe(true);
    expect(files['empty.txt']).toHaveLength(0);
    const view = standardToolView(writeTemp('tidegate-zip-', zip));
    expect(view.names).toEqual(['empty.txt', 'index.mjs', 'lib/ünï.bin']);
    expect(view.entries).toEqual([
      '-rw-r--r-- unx 80-Jan-01 00:00 empty.txt',
      '-rw-r--r-- unx 80-Jan-01 00:00 index.mjs',
      '-rw-r--r-- unx 80-Jan-01 00:00 lib/ünï.bin',
    ]);
  });

  it('is reproducible whatever the input order, and rejects unsafe or duplicate names', () => {
    const a = { name: 'a.txt', data: Buffer.from('a') };
    const b = { name: 'b/c.txt', data: Buffer.from('bc') };
    expect(Buffer.from(zipPackage([a, b])).equals(zipPackage([b, a]))).toBe(true);
    expect(() => zipPackage([{ name: '../evil', data: Buffer.alloc(1) }])).toThrow(TypeError);
    expect(() => zipPackage([{ name: '/abs', data: Buffer.alloc(1) }])).toThrow(TypeError);
    expect(() => zipPackage([{ name: 'a\\b', data: Buffer.alloc(1) }])).toThrow(TypeError);
    expect(() => zipPackage([a, a])).toThrow('duplicate package path');
  });

  it('is checked for real: unzip -t refuses an archive with a damaged entry', () => {
    // The standard tool is the oracle of the tests above; this shows its check can fail.
    const zip = Buffer.from(zipPackage([{ name: 'a.txt', data: Buffer.from('hello hello hello hello hello') }]));
    const dataStart = 30 + 'a.txt'.length;
    zip[dataStart + 2] = (zip[dataStart + 2] as number) ^ 0xff;
    expect(() => unzipTool(['-tq', writeTemp('tidegate-zip-bad-', zip)])).toThrow();
  });
});

describe('Lambda deployment package', () => {
  it('builds a zip whose root index.mjs exports a working handler, runnable without node_modules', async () => {
    // Prepare
    const outDir = tempDir('tidegate-lambda-build-');
    const runDir = tempDir('tidegate-lambda-run-');
    // Act
    const built = await buildLambda({ outDir });
    const files = unzipSync(readFileSync(built.zipPath));
    for (const [name, data] of Object.entries(files)) writeFileSync(join(runDir, name), data);
    const mod = (await import(pathToFileURL(join(runDir, 'index.mjs')).href)) as { handler: FirehoseTransformationHandler };
    const event = loadEvent('gateway-records');
    const result = (await mod.handler(asLambdaEvent(event), {} as Context, () => undefined)) as FirehoseTransformationResult;
    // Assess
    expect(built.zipPath).toBe(join(outDir, ZIP_NAME));
    expect(Object.keys(files)).toEqual(['index.mjs']);
    expect(standardToolView(built.zipPath).entries).toEqual(['-rw-r--r-- unx 80-Jan-01 00:00 index.mjs']);
    expect(statusModelProblems(event, result)).toEqual([]);
    expect(result.records.map((r) => r.result)).toEqual(loadExpected().map((e) => e.result));
  });

  it('runs in a plain Node process from the extracted directory, as the Lambda runtime loads it', async () => {
    // Prepare: the test runner's own module loader could resolve what the bundle forgot; a bare `node` cannot.
    const runDir = tempDir('tidegate-lambda-node-');
    const built = await buildLambda({ outDir: tempDir('tidegate-lambda-build-') });
    for (const [name, data] of Object.entries(unzipSync(readFileSync(built.zipPath)))) writeFileSync(join(runDir, name), data);
    writeFileSync(join(runDir, 'event.json'), JSON.stringify(loadEvent('gateway-records')));
    const script = [
      "import { readFileSync } from 'node:fs';",
      "const { handler } = await import('./index.mjs');",
      "const out = await handler(JSON.parse(readFileSync('event.json', 'utf8')), {}, () => {});",
      'process.stdout.write(JSON.stringify(out));',
    ].join('\n');
    // Act
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: runDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    // Assess
    const result = JSON.parse(stdout) as FirehoseTransformationResult;
    expect(result.records.map((r) => r.result)).toEqual(loadExpected().map((e) => e.result));
  });

  it('packages the source map only when asked', async () => {
    const built = await buildLambda({ outDir: tempDir('tidegate-lambda-map-'), sourcemap: true });
    expect(Object.keys(unzipSync(readFileSync(built.zipPath)))).toEqual(['index.mjs', 'index.mjs.map']);
    expect(standardToolView(built.zipPath).names).toEqual(['index.mjs', 'index.mjs.map']);
  });

  it('is byte-for-byte reproducible: two builds of the same sources give the same zip', async () => {
    const first = await buildLambda({ outDir: tempDir('tidegate-lambda-repro-') });
    const second = await buildLambda({ outDir: tempDir('tidegate-lambda-repro-') });
    expect(first.zipBytes).toBeGreaterThan(0);
    expect(readFileSync(second.zipPath).equals(readFileSync(first.zipPath))).toBe(true);
  });
});

describe('handler module', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('uses the bundled catalog by default and TIDEGATE_CATALOG when set', async () => {
    // Prepare: a catalog file in which dev-42 is a test rig (dropped).
    const dir = tempDir('tidegate-handler-');
    const path = join(dir, 'catalog.json');
    writeFileSync(path, JSON.stringify({ types: { rig: { drop: true, fields: {} } }, devices: [{ id: 'dev-42', type: 'rig', site: 's', location: { lat: 0, lon: 0 } }] }));
    const event = loadEvent('gateway-records');
    const first = { ...event, records: event.records.slice(0, 1) };
    const ctx = {} as Context;
    // Act
    const bundled = await import('../../transforms/lambda/handler.js');
    const withDefault = await bundled.handler(asLambdaEvent(first), ctx, () => undefined);
    vi.resetModules();
    vi.stubEnv('TIDEGATE_CATALOG', path);
    const custom = await import('../../transforms/lambda/handler.js');
    const withFile = await custom.handler(asLambdaEvent(first), ctx, () => undefined);
    // Assess
    expect(withDefault?.records[0]?.result).toBe('Ok');
    expect(withFile?.records[0]).toEqual({ recordId: first.records[0]?.recordId, result: 'Dropped', data: '' });
  });

  it('refuses to start with a broken TIDEGATE_CATALOG', async () => {
    vi.stubEnv('TIDEGATE_CATALOG', join(tempDir('tidegate-handler-'), 'missing.json'));
    await expect(import('../../transforms/lambda/handler.js')).rejects.toMatchObject({ code: 'TG_ERR_CATALOG' });
  });
});

