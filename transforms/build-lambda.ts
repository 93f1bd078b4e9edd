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
import { zipSync, type ZipOptions } from 'fflate';

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

/** One file of the deployment package. */
export interface PackageFile {
  /** Path inside the archive, `/`-separated, no leading `/`. */
  name: string;
  data: Uint8Array;
}

/**
 * The ZIP attributes of every packaged file, all fixed so the same input yields the same bytes (and so the same
 * Lambda CodeSha256: an unchanged build needs no redeploy). `mtime` is the earliest DOS date; ZIP stores local
 * time, and fflate reads this Date in local time, so the stored fields are 1980-01-01 00:00 in every time zone.
 * `os: 3` (Unix, APPNOTE 4.4.2.2) makes extractors honour `attrs`: a regular file, mode 0644, since Lambda runs
 * as a different user than the file owner and needs read. Level 9: the package is built rarely and read often.
 */
const PACKAGE_FILE_ATTRIBUTES: ZipOptions = { mtime: new Date(1980, 0, 1), os: 3, attrs: 0o100644 << 16, level: 9 };

/** Zips the package deterministically: entries sorted by name, every attribute fixed (see above). */
export function zipPackage(files: readonly PackageFile[]): Uint8Array {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // No prototype: a file named `__proto__` is then an entry, not a prototype change.
  const archive = Object.create(null) as Record<string, [Uint8Array, ZipOptions]>;
  for (const { name, data } of sorted) {
    // APPNOTE 4.4.17.1: relative paths with forward slashes; refuse what an extractor might write outside its target.
    if (name === '' || name.startsWith('/') || name.includes('\\') || name.split('/').includes('..')) {
      throw new TypeError(`build-lambda: invalid package path ${JSON.stringify(name)}`);
    }
    if (Object.hasOwn(archive, name)) throw new TypeError(`build-lambda: duplicate package path ${JSON.stringify(name)}`);
    archive[name] = [data, PACKAGE_FILE_ATTRIBUTES];
  }
  return zipSync(archive);
}

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
  const entries: PackageFile[] = [];
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
  const zip = zipPackage(entries);
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
