import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as zlib from 'node:zlib';
import type { Context, FirehoseTransformationEvent, FirehoseTransformationHandler, FirehoseTransformationResult } from 'aws-lambda';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { buildLambda, ZIP_NAME } from '../../transforms/build-lambda.js';
import { crc32 } from '../../common/crc32.js';
import { readZip } from '../../transforms/build/unzip.js';
import { createZip } from '../../transforms/build/zip.js';
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

/** An independent reader's verdict (python3's zipfile, else Info-ZIP unzip), or undefined if neither is installed. */
function independentCheck(zipPath: string): string[] | undefined {
  const script = 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None, "bad CRC"\nprint("\\n".join(z.namelist()))';
  for (const [cmd, args] of [['python3', ['-c', script, zipPath]], ['unzip', ['-Z1', zipPath]]] as const) {
    try {
      if (cmd === 'unzip') execFileSync('unzip', ['-tq', zipPath]);
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return undefined;
}

describe('zip writer', () => {
  it('round-trips stored and deflated entries with CRC-32, names and Unix modes', () => {
    // Prepare
    const text = Buffer.from('export const x = 1;\n'.repeat(200));
    const random = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 2654435761) >>> 24));
    // Act
    const zip = createZip([
      { name: 'index.mjs', data: text },
      { name: 'lib/ünï.bin', data: random, mode: 0o755 },
      { name: 'empty.txt', data: new Uint8Array(0) },
    ]);
    // Assess
    const entries = readZip(zip);
    expect(entries.map((e) => [e.name, e.method, e.mode])).toEqual([
      ['index.mjs', 8, 0o644],
      ['lib/ünï.bin', 0, 0o755],
      ['empty.txt', 0, 0o644],
    ]);
    expect(entries[0]?.data.equals(text)).toBe(true);
    expect(entries[1]?.data.equals(random)).toBe(true);
    const dir = tempDir('tidegate-zip-');
    writeFileSync(join(dir, 'a.zip'), zip);
    const names = independentCheck(join(dir, 'a.zip'));
    if (names !== undefined) expect(names).toEqual(['index.mjs', 'lib/ünï.bin', 'empty.txt']);
  });

  it('is reproducible and rejects unsafe or duplicate names', () => {
    const entries = [{ name: 'a.txt', data: Buffer.from('a') }];
    expect(createZip(entries).equals(createZip(entries))).toBe(true);
    expect(() => createZip([{ name: '../evil', data: Buffer.alloc(1) }])).toThrow(TypeError);
    expect(() => createZip([{ name: '/abs', data: Buffer.alloc(1) }])).toThrow(TypeError);
    expect(() => createZip([...entries, ...entries])).toThrow('duplicate entry');
  });

  it('detects corruption when reading', () => {
    const zip = createZip([{ name: 'a.txt', data: Buffer.from('hello hello hello hello hello') }]);
    const corrupt = Buffer.from(zip);
    corrupt[40] = (corrupt[40] as number) ^ 0xff;
    expect(() => readZip(corrupt)).toThrow(/unzip:/);
    expect(() => readZip(Buffer.from('not a zip at all, definitely not'))).toThrow('no end of central directory');
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });
});

describe('Lambda deployment package', () => {
  it('builds a zip whose root index.mjs exports a working handler, runnable without node_modules', async () => {
    // Prepare
    const outDir = tempDir('tidegate-lambda-build-');
    const runDir = tempDir('tidegate-lambda-run-');
    // Act
    const built = await buildLambda({ outDir });
    const entries = readZip(readFileSync(built.zipPath));
    for (const e of entries) writeFileSync(join(runDir, e.name), e.data);
    const mod = (await import(pathToFileURL(join(runDir, 'index.mjs')).href)) as { handler: FirehoseTransformationHandler };
    const event = loadEvent('gateway-records');
    const result = (await mod.handler(asLambdaEvent(event), {} as Context, () => undefined)) as FirehoseTransformationResult;
    // Assess
    expect(built.zipPath).toBe(join(outDir, ZIP_NAME));
    expect(entries.map((e) => [e.name, e.mode])).toEqual([['index.mjs', 0o644]]);
    const names = independentCheck(built.zipPath);
    if (names !== undefined) expect(names).toEqual(['index.mjs']);
    expect(statusModelProblems(event, result)).toEqual([]);
    expect(result.records.map((r) => r.result)).toEqual(loadExpected().map((e) => e.result));
  });

  it('runs in a plain Node process from the extracted directory, as the Lambda runtime loads it', async () => {
    // Prepare: the test runner's own module loader could resolve what the bundle forgot; a bare `node` cannot.
    const runDir = tempDir('tidegate-lambda-node-');
    const built = await buildLambda({ outDir: tempDir('tidegate-lambda-build-') });
    for (const e of readZip(readFileSync(built.zipPath))) writeFileSync(join(runDir, e.name), e.data);
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
    expect(readZip(readFileSync(built.zipPath)).map((e) => e.name).sort()).toEqual(['index.mjs', 'index.mjs.map']);
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

