/**
 * Builds the Lambda deployment package for the Firehose transform:
 *   dist/lambda/index.mjs                 the handler bundled with its dependencies (esbuild, ESM, minified)
 *   dist/lambda/tidegate-transform.zip    index.mjs at the root → Lambda handler string "index.handler"
 *
 * Run: npm run build:lambda [-- --sourcemap] [-- --out-dir <dir>]
 * With --sourcemap the zip also holds index.mjs.map; set NODE_OPTIONS=--enable-source-maps on the function to use it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { createZip } from './build/zip.js';
import type { ZipEntry } from './build/zip.js';

export interface BuildLambdaOptions {
  /** Directory for index.mjs and the zip. Default `dist/lambda` in the project root. */
  outDir?: string;
  /** Also emit and package `index.mjs.map`. Default false (smaller package, faster cold start). */
  sourcemap?: boolean;
}

export interface BuildLambdaResult {
  zipPath: string;
  zipBytes: number;
  bundlePath: string;
  bundleBytes: number;
}

const TRANSFORMS_DIR = dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = resolve(TRANSFORMS_DIR, '..');
export const ZIP_NAME = 'tidegate-transform.zip';
/** The oldest Node the Lambda runtime may be (nodejs20.x); newer runtimes run the same bundle. */
const TARGET = 'node20';

export async function buildLambda(options: BuildLambdaOptions = {}): Promise<BuildLambdaResult> {
  const outDir = resolve(options.outDir ?? join(PROJECT_ROOT, 'dist', 'lambda'));
  const sourcemap = options.sourcemap ?? false;
  const result = await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [join(TRANSFORMS_DIR, 'lambda', 'handler.ts')],
    outfile: join(outDir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    target: TARGET,
    format: 'esm',
    minify: true,
    sourcemap: sourcemap ? 'linked' : false,
    write: false,
    logLevel: 'warning',
    // No `external`: the package must run from a directory without node_modules (the zip test imports it from one).
  });

  await mkdir(outDir, { recursive: true });
  const entries: ZipEntry[] = [];
  let bundlePath = '';
  let bundleBytes = 0;
  for (const file of result.outputFiles) {
    await writeFile(file.path, file.contents);
    const name = file.path.slice(outDir.length + 1);
    entries.push({ name, data: file.contents });
    if (name === 'index.mjs') {
      bundlePath = file.path;
      bundleBytes = file.contents.length;
    }
  }
  if (bundlePath === '') throw new Error('build-lambda: esbuild produced no index.mjs');
  const zip = createZip(entries);
  const zipPath = join(outDir, ZIP_NAME);
  await writeFile(zipPath, zip);
  return { zipPath, zipBytes: zip.length, bundlePath, bundleBytes };
}

function parseArgs(argv: readonly string[]): BuildLambdaOptions {
  const options: BuildLambdaOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--sourcemap') options.sourcemap = true;
    else if (arg === '--out-dir' && argv[i + 1] !== undefined) options.outDir = argv[++i];
    else throw new Error(`build-lambda: unknown argument ${arg}; usage: build-lambda [--sourcemap] [--out-dir <dir>]`);
  }
  return options;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  const r = await buildLambda(parseArgs(process.argv.slice(2)));
  console.log(`${r.zipPath}  ${r.zipBytes} bytes (index.mjs ${r.bundleBytes} bytes; Lambda handler: index.handler)`);
}
