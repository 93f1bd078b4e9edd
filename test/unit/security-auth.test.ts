import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bearerTokenMatches } from '../../gateway/src/auth/http-token.js';
import { readRegistryFile, RegistryFileError, parseRegistry } from '../../gateway/src/auth/registry-file.js';
import { openDeviceRegistry, type DeviceRegistry } from '../../gateway/src/auth/registry.js';
import { generateSecret, hashSecret, verifySecret } from '../../gateway/src/auth/secret-hash.js';
import { resolveSecurity } from '../../gateway/src/auth/settings.js';
import { createDeviceVerifier } from '../../gateway/src/auth/verifier.js';
import { firstDnsSan } from '../../gateway/src/auth/certificate.js';
import { loadConfig, type GatewayConfig } from '../../gateway/src/config/load.js';
import { GatewayError } from '../../common/errors.js';
import { createLogger } from '../../common/logger.js';
import { devicesCli } from '../support/devices.js';
import { makeTempDir } from '../support/tmp.js';

const logger = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const dirs: { remove(): void }[] = [];
function tempDir(): string {
  const d = makeTempDir();
  dirs.push(d);
  return d.path;
}
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

describe('secret hashing', () => {
  it('verifies the right secret only, with a per-device salt and stored parameters', async () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const a = await hashSecret(secret);
    const b = await hashSecret(secret);
    expect(a.salt).not.toBe(b.salt);
    expect(a).toMatchObject({ kdf: 'scrypt', N: 16384, r: 8, p: 1, keyLength: 32 });
    expect(await verifySecret(secret, a)).toBe(true);
    expect(await verifySecret(secret + 'x', a)).toBe(false);
    expect(await verifySecret('', a)).toBe(false);
    const cheap = await hashSecret(secret, { N: 1024, r: 8, p: 1, keyLength: 32 });
    expect(await verifySecret(Buffer.from(secret), cheap)).toBe(true);
  });
});

describe('registry file', () => {
  it('refuses malformed documents with a message naming the problem', () => {
    expect(() => parseRegistry('{', 'f')).toThrow(RegistryFileError);
    expect(() => parseRegistry('{"format":"other"}', 'f')).toThrow(/not a device registry/);
    expect(() => parseRegistry('{"format":"tidegate-devices/1","devices":{"bad id":{}}}', 'f')).toThrow(/not a valid device id/);
    expect(() => parseRegistry('{"format":"tidegate-devices/1","devices":{"d":{"secret":{"kdf":"md5"}}}}', 'f')).toThrow(/no valid secret hash/);
    expect(readRegistryFile(join(tempDir(), 'missing.json')).devices).toEqual({});
  });
});

describe('devices CLI', () => {
  it('adds (secret on the last line, file mode 0600), refuses duplicates, rotates, revokes and lists without secrets', async () => {
    const file = join(tempDir(), 'sub', 'devices.json');
    const add = await devicesCli(['add', 'dev-1', '--devices-file', file, '--meta', 'site=lab']);
    expect(add.code).toBe(0);
    const secret = add.out[add.out.length - 1] as string;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain(secret);
    expect((await devicesCli(['add', 'dev-1', '--devices-file', file])).code).toBe(1);
    const rotated = await devicesCli(['rotate', 'dev-1', '--devices-file', file]);
    expect(rotated.code).toBe(0);
    const fresh = rotated.out[rotated.out.length - 1] as string;
    expect(fresh).not.toBe(secret);
    expect((await devicesCli(['rotate', 'nobody', '--devices-file', file])).code).toBe(1);
    expect((await devicesCli(['add', 'dev-2', '--devices-file', file])).code).toBe(0);
    expect((await devicesCli(['revoke', 'dev-2', '--devices-file', file])).code).toBe(0);
    const list = await devicesCli(['list', '--json', '--devices-file', file]);
    const rows = JSON.parse(list.out.join('\n')) as { id: string; status: string; metadata: Record<string, string> }[];
    expect(rows.map((r) => [r.id, r.status])).toEqual([['dev-1', 'active'], ['dev-2', 'revoked']]);
    expect(rows[0]?.metadata).toEqual({ site: 'lab' });
    const table = (await devicesCli(['list', '--devices-file', file])).out.join('\n');
    for (const text of [list.out.join('\n'), table]) {
      expect(text).not.toContain(fresh);
      expect(text).not.toMatch(/salt|hash|scrypt/);
    }
    expect(readRegistryFile(file).devices['dev-2']?.secret).toBeUndefined();
    expect((await devicesCli(['add', 'dev-2', '--replace', '--devices-file', file])).code).toBe(0);
    expect(readRegistryFile(file).devices['dev-2']?.revokedAt).toBeUndefined();
    expect((await devicesCli(['add', 'bad id', '--devices-file', file])).code).toBe(2);
    expect((await devicesCli(['frobnicate'])).code).toBe(2);
    expect((await devicesCli(['--help'])).out.join('\n')).toContain('rotate <id>');
  });
});

describe('live registry and verifier', () => {
  let registry: DeviceRegistry | undefined;
  afterEach(() => registry?.close());

  it('caches successful checks, follows rotate and revoke made by the CLI at once, and never serves a stale credential', async () => {
    const file = join(tempDir(), 'devices.json');
    const add = await devicesCli(['add', 'd1', '--devices-file', file]);
    const secret = add.out[add.out.length - 1] as string;
    registry = openDeviceRegistry({ path: file, logger, watch: false }); // no watch: refresh() alone must suffice
    const verifier = createDeviceVerifier({ registry, cacheSize: 10 });
    expect(await verifier.check('d1', secret)).toBe('ok');
    expect(await verifier.check('d1', secret)).toBe('ok');
    expect(verifier.stats).toMatchObject({ hashes: 1, cacheHits: 1 });
    expect(await verifier.check('d1', 'wrong')).toBe('bad_credentials');
    expect(await verifier.check('nobody', secret)).toBe('unknown_device');
    // Identical checks in flight share one hash.
    const before = verifier.stats.hashes;
    const other = 'another-secret-value';
    await Promise.all([verifier.check('d1', other), verifier.check('d1', other), verifier.check('d1', other)]);
    expect(verifier.stats.hashes - before).toBe(1);

    const rotated = await devicesCli(['rotate', 'd1', '--devices-file', file]);
    const fresh = rotated.out[rotated.out.length - 1] as string;
    expect(await verifier.check('d1', secret)).toBe('bad_credentials');
    expect(await verifier.verify('d1', fresh)).toBe(true);
    await devicesCli(['revoke', 'd1', '--devices-file', file]);
    expect(await verifier.check('d1', fresh)).toBe('revoked');
    expect(verifier.credentialTag('d1')).toBeUndefined();
  });

  it('reloads on its own when the file changes (directory watch), and keeps the last good version of a broken file', async () => {
    const file = join(tempDir(), 'devices.json');
    registry = openDeviceRegistry({ path: file, logger });
    const changed = vi.fn();
    registry.onChange(changed);
    await devicesCli(['add', 'w1', '--devices-file', file]);
    await vi.waitFor(() => expect(registry?.get('w1')).toBeDefined(), { timeout: 3000 });
    writeFileSync(file, '{ not json');
    await registry.refresh();
    expect(registry.get('w1')).toBeDefined();
  });
});

describe('security settings', () => {
  function config(argv: string[]): GatewayConfig {
    const r = loadConfig(argv, {});
    if (r.kind !== 'config') throw new Error('help');
    return r.config;
  }
  function error(argv: string[]): GatewayError {
    try {
      resolveSecurity(config(argv));
    } catch (err) {
      if (err instanceof GatewayError) return err;
      throw err;
    }
    throw new Error('expected GW_ERR_CONFIG');
  }

  it('defaults: auth required and rate limits on in cloud mode; off in local mode', () => {
    const cloud = resolveSecurity(config([]));
    expect(cloud.auth).toBe('required');
    expect(cloud.limits).toMatchObject({ deviceMessagesPerSecond: 100, deviceBytesPerSecond: 524288, maxConnections: 100000, connectTimeoutMs: 10000, keepaliveMaxS: 1200, maxPacketBytes: 262144, maxTopicLevels: 8, drainTimeoutMs: 30000 });
    expect(cloud.devicesFile).toBe(join('./data', 'devices.json'));
    const local = resolveSecurity(config(['--mode', 'local']));
    expect(local.auth).toBe('off');
    expect(local.limits.deviceMessagesPerSecond).toBe(0);
    expect(resolveSecurity(config(['--max-payload-bytes', '1000000'])).limits.maxPacketBytes).toBe(1004096);
  });

  it('refuses any non-loopback listener while authentication is off, naming the setting', () => {
    for (const argv of [
      ['--mode', 'local', '--mqtt-host', '0.0.0.0'],
      ['--auth', 'off', '--http-host', '10.0.0.5'],
      ['--mode', 'local', '--ws', 'on', '--ws-host', '::'],
    ]) {
      const e = error(argv);
      expect(e.code).toBe('GW_ERR_CONFIG');
      expect(e.detail['setting']).toBe('auth');
      expect(e.message).toContain('--auth required');
    }
    expect(resolveSecurity(config(['--mode', 'local', '--auth', 'required', '--mqtt-host', '0.0.0.0'])).tcp.host).toBe('0.0.0.0');
    expect(resolveSecurity(config(['--mode', 'local', '--mqtt-host', '127.0.0.2'])).auth).toBe('off');
  });

  it('checks TLS combinations and the HTTP token without echoing it', () => {
    expect(error(['--tls-cert', 'a.pem']).detail['setting']).toBe('tls-key');
    expect(error(['--wss', 'on']).detail['setting']).toBe('wss');
    expect(error(['--tls-ca', 'ca.pem']).detail['setting']).toBe('tls-ca');
    expect(error(['--tls-cert', '/nonexistent/c.pem', '--tls-key', '/nonexistent/k.pem']).message).toContain('cannot read');
    const short = error(['--http-token', 'sh0rt-s3cret']);
    expect(short.message).not.toContain('sh0rt-s3cret');
    expect(error(['--http-token', 'a'.repeat(20), '--http-token-file', 'f']).detail['setting']).toBe('http-token');
    const file = join(tempDir(), 'token');
    writeFileSync(file, 'file-token-0123456789abcdef\n');
    expect(resolveSecurity(config(['--http-token-file', file])).httpToken).toBe('file-token-0123456789abcdef');
  });

  it('compares bearer tokens exactly', () => {
    const token = 'operator-token-0123456789';
    expect(bearerTokenMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerTokenMatches(`Bearer ${token}x`, token)).toBe(false);
    expect(bearerTokenMatches(token, token)).toBe(false);
    expect(bearerTokenMatches(undefined, token)).toBe(false);
    expect(bearerTokenMatches('Bearer ', token)).toBe(false);
  });

  it('takes a DNS subjectAltName as the certificate device id', () => {
    expect(firstDnsSan('IP Address:127.0.0.1, DNS:dev-7, DNS:other')).toBe('dev-7');
    expect(firstDnsSan('URI:urn:x')).toBeUndefined();
    expect(firstDnsSan(undefined)).toBeUndefined();
  });
});

describe('logger', () => {
  it('censors fields that could carry credentials', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: new Writable({ write: (c: Buffer, _e, cb) => { lines.push(c.toString()); cb(); } }) });
    log.info({ password: 'pw-1', device: { secret: 's-2' }, req: { headers: { authorization: 'Bearer t-3' } }, token: 't-4' }, 'x');
    log.flush();
    const text = lines.join('');
    for (const s of ['pw-1', 's-2', 'Bearer t-3', 't-4']) expect(text).not.toContain(s);
    expect(text).toContain('[redacted]');
  });
});
