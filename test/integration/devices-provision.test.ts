/**
 * `devices provision` and `device-sim --list-ids`, through the compiled entry points (dist/, built by the global
 * setup) on real files: the simulator lists the ids it would run, provision registers them in one registry write
 * and writes the secrets the simulator reads.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRegistry } from '../../gateway/src/auth/registry-file.js';
import { verifySecret, type SecretHash } from '../../gateway/src/auth/secret-hash.js';
import { fleetDeviceIds } from '../../device-sim/fleet.js';
import { devicesCli } from '../support/devices.js';
import { makeTempDir } from '../support/tmp.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEVICES_MAIN = join(ROOT, 'dist', 'gateway', 'src', 'devices-main.js');
const SIM_CLI = join(ROOT, 'dist', 'device-sim', 'cli.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function node(script: string, args: readonly string[], input = ''): Run {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: ROOT, input, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('device-sim --list-ids', () => {
  it('prints the ids a run with the same options would simulate, one per line, without connecting', () => {
    // A broker URL where nothing listens: listing must not try it.
    const r = node(SIM_CLI, ['--devices', '9', '--list-ids', '--broker', 'mqtt://127.0.0.1:1']);
    expect(r.code, r.stderr).toBe(0);
    const ids = lines(r.stdout);
    expect(ids).toEqual(fleetDeviceIds({ devices: 9 }));
    expect(ids).toHaveLength(9);
    expect(new Set(ids).size).toBe(9);
    for (const id of ids) expect(id).toMatch(/^sim-[a-z-]+-\d{5}$/);
    expect(ids[0]).toBe('sim-env-sensor-00000');

    const custom = node(SIM_CLI, ['--devices', '3', '--id-prefix', 'lab-', '--profile', 'asset-tracker', '--list-ids']);
    expect(custom.code, custom.stderr).toBe(0);
    expect(lines(custom.stdout)).toEqual(['lab-asset-tracker-00000', 'lab-asset-tracker-00001', 'lab-asset-tracker-00002']);

    const bad = node(SIM_CLI, ['--devices', '0', '--list-ids']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
  });
});

describe('devices provision', () => {
  let dir: ReturnType<typeof makeTempDir> | undefined;
  afterEach(() => dir?.remove());

  const registryOf = (path: string): ReturnType<typeof parseRegistry> => parseRegistry(readFileSync(path, 'utf8'), path);

  it('registers the simulator\'s ids from stdin in one registry write and writes their secrets (0600) for --secrets-file', async () => {
    dir = makeTempDir('tidegate-provision-');
    const devicesFile = join(dir.path, 'data', 'devices.json');
    const secretsOut = join(dir.path, 'out', 'sim-secrets.json');
    const listed = node(SIM_CLI, ['--devices', '6', '--list-ids']);
    expect(listed.code).toBe(0);
    const ids = lines(listed.stdout);

    // Blank lines and CRLF are tolerated.
    const r = node(DEVICES_MAIN, ['provision', '-', '--secrets-out', secretsOut, '--devices-file', devicesFile], `${ids.join('\r\n')}\n\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/provisioned 6 devices .*: 6 added, 0 re-keyed, 0 kept; secrets written to /);
    expect(statSync(secretsOut).mode & 0o777).toBe(0o600);
    expect(statSync(devicesFile).mode & 0o777).toBe(0o600);
    const secrets = JSON.parse(readFileSync(secretsOut, 'utf8')) as Record<string, string>;
    expect(Object.keys(secrets)).toEqual(ids);
    const registry = registryOf(devicesFile);
    expect(Object.keys(registry.devices).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      expect(await verifySecret(secrets[id] as string, registry.devices[id]?.secret as SecretHash), id).toBe(true);
      // Only hashes in the registry.
      expect(readFileSync(devicesFile, 'utf8')).not.toContain(secrets[id]);
    }
    // No temporary files or lock left behind.
    expect(readdirSync(dirname(devicesFile))).toEqual(['devices.json']);
    expect(readdirSync(dirname(secretsOut))).toEqual(['sim-secrets.json']);
  });

  it('refuses the whole batch when an id exists, unless --replace, which re-keys and re-enables it and keeps its history', async () => {
    dir = makeTempDir('tidegate-provision-');
    const devicesFile = join(dir.path, 'devices.json');
    const secretsOut = join(dir.path, 'secrets.json');
    const f = ['--devices-file', devicesFile];
    expect((await devicesCli(['add', 'dev-b', '--meta', 'site=lab', ...f])).code).toBe(0);
    expect((await devicesCli(['add', 'dev-c', ...f])).code).toBe(0);
    expect((await devicesCli(['revoke', 'dev-c', ...f])).code).toBe(0);
    const before = readFileSync(devicesFile, 'utf8');
    const oldB = registryOf(devicesFile).devices['dev-b'];

    const refused = await devicesCli(['provision', 'dev-a', 'dev-b', 'dev-c', '--secrets-out', secretsOut, ...f]);
    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toMatch(/2 of the 3 devices already exist \(dev-b, dev-c\); nothing changed/);
    expect(readFileSync(devicesFile, 'utf8')).toBe(before);
    expect(existsSync(secretsOut)).toBe(false);

    // Without --secrets-out: "<id> <secret>" lines on stdout only; the summary on stderr.
    const replaced = await devicesCli(['provision', 'dev-a', 'dev-b', 'dev-c', '--replace', ...f]);
    expect(replaced.code, replaced.err.join('\n')).toBe(0);
    expect(replaced.err).toEqual([expect.stringMatching(/provisioned 3 devices .*: 1 added, 2 re-keyed, 0 kept$/)]);
    const out = replaced.out.filter((l) => l !== '');
    expect(out.map((l) => l.split(' ')[0])).toEqual(['dev-a', 'dev-b', 'dev-c']);
    const registry = registryOf(devicesFile);
    for (const line of out) {
      const [id, secret] = line.split(' ') as [string, string];
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const record = registry.devices[id];
      expect(record?.revokedAt, id).toBeUndefined();
      expect(await verifySecret(secret, record?.secret as SecretHash), id).toBe(true);
    }
    const b = registry.devices['dev-b'];
    expect(b?.createdAt).toBe(oldB?.createdAt);
    expect(b?.metadata).toEqual({ site: 'lab' });
    expect(b?.secret?.hash).not.toBe(oldB?.secret?.hash);
    expect(registry.devices['dev-a']?.metadata).toBeUndefined();
  });

  it('validates every id first and writes nothing on a usage error', async () => {
    dir = makeTempDir('tidegate-provision-');
    const devicesFile = join(dir.path, 'devices.json');
    writeFileSync(devicesFile, JSON.stringify({ format: 'tidegate-devices/1', devices: {} }), { mode: 0o600 });
    const before = readFileSync(devicesFile, 'utf8');
    const f = ['--devices-file', devicesFile];
    const cases: [string[], string, RegExp][] = [
      [['provision', 'ok-1', 'bad/id'], '', /"bad\/id" is not a valid device id/],
      [['provision', 'ok-1', 'ok-1'], '', /ok-1 is listed twice/],
      [['provision'], '', /at least one device id/],
      [['provision', '-'], '\n \n', /at least one device id/],
      [['provision', '-'], 'ok-1\nwith space\n', /"with space" is not a valid device id/],
      [['provision', '-', 'ok-2'], 'ok-1\n', /not both/],
      [['provision', 'ok-1', '--secrets-out', devicesFile], '', /must not be the registry file/],
    ];
    for (const [args, input, message] of cases) {
      const r = node(DEVICES_MAIN, [...args, ...f], input);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(readFileSync(devicesFile, 'utf8')).toBe(before);
    expect(readdirSync(dir.path)).toEqual(['devices.json']);

    const help = node(DEVICES_MAIN, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/provision <id>\.\.\. \| -/);
    expect(help.stdout).toMatch(/--secrets-out <file>/);
  });

  it('runs as the compose provision service does: the simulator\'s list piped into provision, twice (re-keyed)', async () => {
    dir = makeTempDir('tidegate-provision-');
    const data = join(dir.path, 'data');
    const script = `node ${SIM_CLI} --devices 4 --list-ids | node ${DEVICES_MAIN} provision - --replace --secrets-out ${data}/sim-secrets.json`;
    const env = { PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, TIDEGATE_DATA_DIR: data };
    const first = spawnSync('sh', ['-c', script], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(first.status, first.stderr).toBe(0);
    const s1 = JSON.parse(readFileSync(join(data, 'sim-secrets.json'), 'utf8')) as Record<string, string>;
    const second = spawnSync('sh', ['-c', script], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/0 added, 4 re-keyed, 0 kept/);
    const s2 = JSON.parse(readFileSync(join(data, 'sim-secrets.json'), 'utf8')) as Record<string, string>;
    expect(Object.keys(s2)).toEqual(fleetDeviceIds({ devices: 4 }));
    const registry = registryOf(join(data, 'devices.json'));
    for (const [id, secret] of Object.entries(s2)) {
      expect(secret).not.toBe(s1[id]);
      expect(await verifySecret(secret, registry.devices[id]?.secret as SecretHash)).toBe(true);
      expect(await verifySecret(s1[id] as string, registry.devices[id]?.secret as SecretHash)).toBe(false);
    }
  });

  it('--keep-valid (what the compose service runs): a second run keeps working secrets and re-keys only what no longer verifies', async () => {
    dir = makeTempDir('tidegate-provision-');
    const data = join(dir.path, 'data');
    const script = `node ${SIM_CLI} --devices 5 --list-ids | node ${DEVICES_MAIN} provision - --keep-valid --secrets-out ${data}/sim-secrets.json`;
    const env = { PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, TIDEGATE_DATA_DIR: data };
    const first = spawnSync('sh', ['-c', script], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/5 added, 0 re-keyed, 0 kept/);
    const s1 = JSON.parse(readFileSync(join(data, 'sim-secrets.json'), 'utf8')) as Record<string, string>;
    const ids = Object.keys(s1);
    // One device revoked, one rotated by an operator: their old secrets no longer work.
    expect(node(DEVICES_MAIN, ['revoke', ids[0] as string, '--data-dir', data]).code).toBe(0);
    expect(node(DEVICES_MAIN, ['rotate', ids[1] as string, '--data-dir', data]).code).toBe(0);
    const second = spawnSync('sh', ['-c', script], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/0 added, 2 re-keyed, 3 kept/);
    const s2 = JSON.parse(readFileSync(join(data, 'sim-secrets.json'), 'utf8')) as Record<string, string>;
    const registry = registryOf(join(data, 'devices.json'));
    for (const id of ids) {
      expect(await verifySecret(s2[id] as string, registry.devices[id]?.secret as SecretHash), id).toBe(true);
      expect(registry.devices[id]?.revokedAt, id).toBeUndefined();
    }
    expect(s2[ids[0] as string]).not.toBe(s1[ids[0] as string]);
    expect(s2[ids[1] as string]).not.toBe(s1[ids[1] as string]);
    for (const id of ids.slice(2)) expect(s2[id]).toBe(s1[id]);
    expect(node(DEVICES_MAIN, ['provision', 'x-1', '--keep-valid', '--data-dir', data]).code).toBe(2);
  });
});
