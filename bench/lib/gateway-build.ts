/**
 * The gateway build a benchmark measures. Others may rebuild `dist/` while a script runs, so each script copies
 * `dist/` once into a temporary directory and runs every gateway from that copy: one script, one build. The copy
 * gets the repository's package.json (ESM) and a symlink to its node_modules, so imports resolve as before.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trackDirectory } from './cleanup.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(REPO, 'dist');
const MAIN = join('dist', 'stack', 'main.js');

export interface BuildInfo {
  /** `git rev-parse --short HEAD` of the working tree, if git is available. */
  commit: string | undefined;
  /** Whether gateway/ had uncommitted changes (the build may include them). */
  gatewaySourcesDirty: boolean | undefined;
  /** Newest modification time of the copied gateway build. */
  builtAt: string;
  /** SHA-256 (first 12 hex digits) over the gateway build's files, to tell builds apart. */
  hash: string;
}

export interface GatewayBuild {
  /** main.js inside the copy. */
  main: string;
  info: BuildInfo;
  /** Whether this build accepts `--flag` (read from its --help), so scripts work across gateway versions. */
  supports(flag: string): boolean;
  /** The default of `--flag` as its --help prints it, e.g. "51200"; undefined if absent or unset. */
  defaultOf(flag: string): string | undefined;
}

let prepared: GatewayBuild | undefined;

function git(args: string[]): string | undefined {
  // Read-only queries; nothing here changes the repository's state.
  const out = spawnSync('git', args, { cwd: REPO, encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Copies dist/ once per script (later calls return the same copy). */
export function gatewayBuild(): GatewayBuild {
  if (prepared !== undefined) return prepared;
  if (!existsSync(join(REPO, MAIN))) throw new Error(`${MAIN} not found: run "npm run build" first`);
  const root = mkdtempSync(join(tmpdir(), 'tidegate-bench-build-'));
  trackDirectory(root);
  cpSync(DIST, join(root, 'dist'), { recursive: true, preserveTimestamps: true });
  cpSync(join(REPO, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
  const gatewayFiles = filesUnder(join(root, 'dist', 'gateway')).sort();
  const hash = createHash('sha256');
  let newest = 0;
  for (const file of gatewayFiles) {
    hash.update(relative(root, file)).update(readFileSync(file));
    newest = Math.max(newest, statSync(file).mtimeMs);
  }
  const main = join(root, MAIN);
  const help = spawnSync(process.execPath, [main, '--help'], { encoding: 'utf8' }).stdout ?? '';
  const dirty = git(['status', '--porcelain', '--', 'gateway']);
  prepared = {
    main,
    info: {
      commit: git(['rev-parse', '--short', 'HEAD']),
      gatewaySourcesDirty: dirty === undefined ? undefined : dirty !== '',
      builtAt: new Date(newest).toISOString(),
      hash: hash.digest('hex').slice(0, 12),
    },
    supports: (flag) => help.includes(`--${flag} `),
    defaultOf: (flag) => {
      const line = help.split('\n').find((l) => l.trimStart().startsWith(`--${flag} `));
      const value = line === undefined ? undefined : /\(default: ([^)]+)\)/.exec(line)?.[1];
      return value === 'unset' ? undefined : value;
    },
  };
  return prepared;
}

export function describeBuild(b: BuildInfo): string {
  const dirty = b.gatewaySourcesDirty === true ? ' + uncommitted gateway changes' : '';
  return `gateway build ${b.hash} (dist built ${b.builtAt}, HEAD ${b.commit ?? 'unknown'}${dirty})`;
}
