/**
 * The pretest check's decision (test/preflight/check.ts) with an injected PATH, tool list and user: nothing to do
 * when all is there; apt-get as root; one line naming the install command and the tests otherwise.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decide, findOnPath, ricCommand, type PreflightInput } from '../preflight/check.js';
import { ALL_TOOLS, RIC_BUILD_TOOLS, TEST_TOOLS } from '../preflight/tools.js';

const TEST_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A directory of executable stand-ins named like `commands`, as a PATH entry. */
function binDir(commands: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'tidegate-preflight-'));
  dirs.push(dir);
  for (const c of commands) {
    writeFileSync(join(dir, c), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, c), 0o755);
  }
  return dir;
}

const commandsExcept = (...missing: string[]): string[] => ALL_TOOLS.map((t) => t.command).filter((c) => !missing.includes(c));
const input = (path: string, over: Partial<PreflightInput> = {}): PreflightInput => ({ tools: TEST_TOOLS, ricBuildTools: RIC_BUILD_TOOLS, path, isRoot: false, ric: 'built', ...over });

describe('pretest check: the decision', () => {
  it('does nothing when every tool is on PATH and the runtime client is built', () => {
    expect(decide(input(binDir(commandsExcept())))).toEqual({ action: 'none' });
  });

  it('looks only at the given PATH (empty entries ignored; a non-executable file does not count)', () => {
    const dir = binDir(['mosquitto_pub']);
    writeFileSync(join(dir, 'redis-server'), 'not executable');
    chmodSync(join(dir, 'redis-server'), 0o644);
    expect(findOnPath('mosquitto_pub', `${delimiter}${dir}`)).toBe(join(dir, 'mosquitto_pub'));
    expect(findOnPath('redis-server', dir)).toBeUndefined();
    expect(findOnPath('mosquitto_pub', '')).toBeUndefined();
  });

  it('as root with apt-get: installs exactly the missing packages', () => {
    const path = [binDir(commandsExcept('mosquitto_pub', 'redis-server')), binDir(['apt-get'])].join(delimiter);
    const plan = decide(input(path, { isRoot: true }));
    expect(plan).toMatchObject({ action: 'install', commands: [['apt-get', 'update', '-qq'], ['apt-get', 'install', '-y', '-qq', 'mosquitto-clients', 'redis-server']] });
    expect(plan.action === 'install' && plan.missing.map((t) => t.command)).toEqual(['mosquitto_pub', 'redis-server']);
  });

  it('as root: installs the build tools, then builds the runtime client npm ci had to skip', () => {
    const path = [binDir(commandsExcept('autoreconf', 'automake', 'libtoolize', 'cmake')), binDir(['apt-get'])].join(delimiter);
    const plan = decide(input(path, { isRoot: true, ric: 'absent' }));
    expect(plan).toMatchObject({
      action: 'install',
      commands: [['apt-get', 'update', '-qq'], ['apt-get', 'install', '-y', '-qq', 'cmake', 'autoconf', 'automake', 'libtool'], ['npm', 'install', '--no-save', '--no-audit', '--no-fund']],
    });
  });

  it('as another user: stops with one line naming the install command and which tests need what', () => {
    const path = [binDir(commandsExcept('mosquitto_pub', 'redis-server', 'openssl')), binDir(['apt-get'])].join(delimiter);
    const plan = decide(input(path));
    expect(plan.action).toBe('stop');
    const line = plan.action === 'stop' ? plan.line : '';
    expect(line).not.toContain('\n');
    expect(line).toContain('install with: sudo apt-get update && sudo apt-get install -y mosquitto-clients openssl redis-server, then run npm test again');
    expect(line).toContain('mosquitto_pub (spine, security-auth, security-tls)');
    expect(line).toContain('openssl (security-tls)');
    expect(line).toContain('redis-server (cluster, cluster-outage)');
  });

  it('asks for the build tools only while the runtime client is not built', () => {
    const path = binDir(commandsExcept('cmake', 'libtoolize'));
    expect(decide(input(path))).toEqual({ action: 'none' });
    expect(decide(input(path, { ric: 'absent' }))).toMatchObject({ action: 'stop', line: expect.stringContaining('missing cmake, libtoolize (lambda-ric)') });
  });

  it('as another user, with the runtime client unbuilt: the line ends with the npm step that builds it', () => {
    const plan = decide(input(binDir(commandsExcept('g++', 'make')), { ric: 'unbuilt' }));
    expect(plan.action === 'stop' && plan.line).toMatch(/^npm test: missing make, g\+\+ \(lambda-ric\); install with: sudo apt-get update && sudo apt-get install -y make g\+\+ && npm rebuild aws-lambda-ric, then run npm test again$/);
  });

  it('as root without apt-get: stops and says to use another package manager', () => {
    const plan = decide(input(binDir(commandsExcept('prometheus')), { isRoot: true }));
    expect(plan.action === 'stop' && plan.line).toMatch(/prometheus \(operators-view\).*sudo apt-get install -y prometheus \(no apt-get here/);
  });

  it('builds a missing runtime client without root when the tools are there (npm needs no root)', () => {
    expect(decide(input(binDir(commandsExcept()), { ric: 'absent' }))).toEqual({ action: 'install', missing: [], commands: [ricCommand('absent')] });
    expect(ricCommand('unbuilt')).toEqual(['npm', 'rebuild', 'aws-lambda-ric']);
  });
});

describe('pretest check: the tool table', () => {
  it('lists test files that exist and use the tool (directly or through a test/support module they import)', () => {
    const problems: string[] = [];
    for (const tool of ALL_TOOLS) {
      for (const file of tool.neededBy) {
        const path = join(TEST_DIR, file);
        if (!existsSync(path)) {
          problems.push(`${tool.command}: ${file} does not exist`);
          continue;
        }
        const source = readFileSync(path, 'utf8');
        const supports = [...source.matchAll(/from '\.\.\/support\/([\w-]+)\.js'/g)].map((m) => readFileSync(join(TEST_DIR, 'support', `${m[1] as string}.ts`), 'utf8'));
        const needle = RIC_BUILD_TOOLS.includes(tool) ? 'aws-lambda-ric' : tool.command;
        if (![source, ...supports].some((text) => text.includes(needle))) problems.push(`${tool.command}: ${file} does not use it`);
      }
    }
    expect(problems).toEqual([]);
    expect(new Set(TEST_TOOLS.map((t) => t.command)).size).toBe(TEST_TOOLS.length);
  });
});
