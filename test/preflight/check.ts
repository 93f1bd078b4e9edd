/**
 * The decision of the pretest check, kept free of side effects so it can be tested with any PATH, tool list and
 * user: what is missing, and whether to install it (root with apt-get, as in CI and containers) or to stop with one
 * line that says what to run.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { SystemTool } from './tools.js';

/** Where `command` is on `path` (a PATH value), or undefined. */
export function findOnPath(command: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Whether aws-lambda-ric is installed with its native client built (3.x keeps it in dist/, 4.x at the root). */
export function ricState(projectRoot: string): 'built' | 'unbuilt' | 'absent' {
  const dir = join(projectRoot, 'node_modules', 'aws-lambda-ric');
  if (!existsSync(join(dir, 'package.json'))) return 'absent';
  return existsSync(join(dir, 'dist', 'rapid-client.node')) || existsSync(join(dir, 'rapid-client.node')) ? 'built' : 'unbuilt';
}

export interface PreflightInput {
  /** Tools the tests run. */
  tools: readonly SystemTool[];
  /** Tools that build aws-lambda-ric: needed only while it is not built. */
  ricBuildTools: readonly SystemTool[];
  /** The PATH to search. */
  path: string;
  isRoot: boolean;
  ric: 'built' | 'unbuilt' | 'absent';
}

/** A command as argv, run without a shell. */
export type Command = readonly string[];

export type Plan =
  | { action: 'none' }
  /** Run these in order, then check again. */
  | { action: 'install'; missing: readonly SystemTool[]; commands: readonly Command[] }
  /** Print `line` to stderr and fail `npm test`. */
  | { action: 'stop'; line: string };

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

/** The npm step that builds aws-lambda-ric: a skipped optional dependency is installed again, a present one rebuilt. */
export function ricCommand(ric: PreflightInput['ric']): Command {
  return ric === 'absent' ? ['npm', 'install', '--no-save', '--no-audit', '--no-fund'] : ['npm', 'rebuild', 'aws-lambda-ric'];
}

/** `mosquitto_pub (spine, security-auth), cmake, make (lambda-ric)`: each missing command and the tests it serves. */
function whoNeedsWhat(missing: readonly SystemTool[]): string {
  const groups = new Map<string, string[]>();
  for (const tool of missing) {
    const tests = tool.neededBy.map((t) => t.replace(/^.*\//, '').replace(/\.test\.ts$/, '')).join(', ');
    groups.set(tests, [...(groups.get(tests) ?? []), tool.command]);
  }
  return [...groups].map(([tests, commands]) => `${commands.join(', ')} (${tests})`).join('; ');
}

export function decide(input: PreflightInput): Plan {
  const needed = input.ric === 'built' ? input.tools : [...input.tools, ...input.ricBuildTools];
  const missing = needed.filter((t) => findOnPath(t.command, input.path) === undefined);
  if (missing.length === 0 && input.ric === 'built') return { action: 'none' };
  const packages = unique(missing.map((t) => t.aptPackage));
  const steps: Command[] = [];
  if (packages.length > 0) steps.push(['apt-get', 'update', '-qq'], ['apt-get', 'install', '-y', '-qq', ...packages]);
  // Building the client needs the tools above; once they are in, an npm step (no root needed) builds it.
  if (input.ric !== 'built') steps.push(ricCommand(input.ric));

  const aptGet = findOnPath('apt-get', input.path) !== undefined;
  if ((input.isRoot && aptGet) || packages.length === 0) return { action: 'install', missing, commands: steps };

  const shown = steps.map((c) => (c[0] === 'apt-get' ? ['sudo', ...c.filter((a) => a !== '-qq')] : c).join(' '));
  const what = missing.length > 0 ? `missing ${whoNeedsWhat(missing)}` : 'aws-lambda-ric is not built (lambda-ric)';
  const why = input.isRoot ? ' (no apt-get here: install the same packages with your package manager)' : '';
  return { action: 'stop', line: `npm test: ${what}; install with: ${shown.join(' && ')}${why}, then run npm test again` };
}
