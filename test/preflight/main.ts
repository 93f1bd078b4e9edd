/**
 * `npm test`'s pretest step: makes sure the system tools the tests run are there before vitest starts.
 * Missing ones are installed with apt-get when running as root (CI, containers); otherwise it stops with one line
 * naming the install command and the tests that need each tool. Nothing is skipped: a test whose tool is missing
 * would fail, so the suite does not start without it. With everything present it only looks at PATH (milliseconds).
 *
 *   npx tsx test/preflight/main.ts     (what `npm test` runs first)
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decide, ricCommand, ricState, type Command, type PreflightInput } from './check.js';
import { RIC_BUILD_TOOLS, TEST_TOOLS } from './tools.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function input(): PreflightInput {
  return { tools: TEST_TOOLS, ricBuildTools: RIC_BUILD_TOOLS, path: process.env['PATH'] ?? '', isRoot: process.getuid?.() === 0, ric: ricState(ROOT) };
}

/** Runs one step; on failure returns a one-line reason with the end of its output. */
function run(command: Command): string | undefined {
  const [name, ...args] = command as [string, ...string[]];
  // Inside `npm test`, npm_execpath is the npm that runs us: use the same one for the build step.
  const npmCli = process.env['npm_execpath'];
  const [file, argv] = name === 'npm' && npmCli !== undefined ? [process.execPath, [npmCli, ...args]] : [name, args];
  console.error(`npm test preflight: ${command.join(' ')}`);
  const result = spawnSync(file, argv, {
    cwd: ROOT,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status === 0) return undefined;
  const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
  const how = result.error !== undefined ? result.error.message : `exit ${result.status ?? result.signal}`;
  return `npm test: \`${command.join(' ')}\` failed (${how})${tail === '' ? '' : `; its last output:\n${tail}`}`;
}

function main(): number {
  const plan = decide(input());
  if (plan.action === 'none') return 0;
  if (plan.action === 'stop') {
    console.error(plan.line);
    return 1;
  }
  for (const command of plan.commands) {
    const failure = run(command);
    if (failure !== undefined) {
      console.error(failure);
      return 1;
    }
  }
  const again = input();
  const after = decide(again);
  if (after.action === 'none') return 0;
  if (after.action === 'stop') console.error(after.line);
  else if (after.missing.length > 0) console.error(`npm test: still missing after apt-get: ${after.missing.map((t) => t.command).join(', ')} (not on PATH)`);
  // npm hides the build output of an optional dependency that fails to build, and carries on without it.
  else console.error(`npm test: aws-lambda-ric did not build (lambda-ric); see why with: ${[...ricCommand(again.ric), '--foreground-scripts'].join(' ')}`);
  return 1;
}

process.exitCode = main();
