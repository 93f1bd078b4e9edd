/**
 * docker-compose.yml without a Docker engine: `docker-compose config` validates the file; its structure is checked
 * (every service healthy, or a one-shot completed, before its dependants start); the gateway's environment as
 * written passes the gateway's own configuration and security checks (device authentication is required because it
 * listens on 0.0.0.0); and our four services — provision, gateway, delivery, sim — run as local processes with
 * their exact commands and environments (rewritten as test/support/compose.ts documents), against local stand-ins
 * for the third-party images: the embedded Kinesis server (kinesalite, a child process) for kinesis-mock, and the
 * embedded S3 server (s3rver, configured with the compose file's S3 credentials) for versitygw. The simulator
 * authenticates with the secrets provision wrote; its readings must reach Kinesis in per-device order and S3
 * enriched by the transform.
 */
import { execFile } from 'node:child_process';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveSecurity } from '../../gateway/src/auth/settings.js';
import { loadConfig, type GatewayConfig } from '../../gateway/src/config/load.js';
import { isTidegateError } from '../../common/errors.js';
import { createMetrics } from '../../gateway/src/metrics.js';
import { createDeliveryMetrics } from '../../transforms/delivery/metrics.js';
import { createS3Client } from '../../transforms/delivery/s3-writer/client.js';
import { startLocalS3, type LocalS3 } from '../../stack/s3-server.js';
import { spawnKinesis, type ChildKinesis } from '../../stack/harness/kinesis-process.js';
import {
  dependenciesOf,
  environmentOf,
  healthcheckArgv,
  interpolate,
  loadCompose,
  localCommand,
  rewriteAddresses,
  startOrder,
  volumeMounts,
  type AddressMap,
  type ComposeFile,
  type ComposeService,
} from '../support/compose.js';
import { metricLines } from '../support/devices.js';
import { parseRecord, readStream, testKinesisClient } from '../support/kinesis.js';
import { spawnLogged, type LoggedProcess } from '../../stack/harness/logged-process.js';
import { readLines, waitFor } from '../support/s3.js';
import { makeTempDir } from '../support/tmp.js';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const COMPOSE = join(ROOT, 'docker-compose.yml');
/** Our long-running services (one image, a `node dist/...` command each) and the one-shot that provisions the sim. */
const OURS = ['gateway', 'delivery', 'sim'] as const;
const ONE_SHOT = 'provision';
const EXPECTED = ['provision', 'gateway', 'kinesis', 's3', 'delivery', 'sim', 'prometheus', 'grafana'];

const compose: ComposeFile = loadCompose(COMPOSE);
const service = (name: string): ComposeService => {
  const s = compose.services[name];
  if (s === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};
/** The script of a `sh -c <script>` command. */
const asShell = (s: ComposeService): string => {
  const argv = s.command as string[];
  expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
  return argv[2] as string;
};

describe('docker-compose.yml: validation and structure', () => {
  it('is accepted by docker-compose config, which reads our services exactly as this test does', async () => {
    const env = { PATH: process.env['PATH'] ?? '', HOME: ROOT };
    await run('docker-compose', ['-f', COMPOSE, 'config', '-q'], { cwd: ROOT, env });
    const { stdout } = await run('docker-compose', ['-f', COMPOSE, 'config'], { cwd: ROOT, env });
    // `config` prints a compose file again (a literal $ escaped as $$): unescape it the way our reader does.
    const resolved = parse(interpolate(stdout, {})) as ComposeFile;
    expect(Object.keys(resolved.services).sort()).toEqual([...EXPECTED].sort());
    for (const name of [...OURS, ONE_SHOT]) {
      const theirs = resolved.services[name] as ComposeService;
      expect(environmentOf(theirs), `${name} environment`).toEqual(environmentOf(service(name)));
      expect(theirs.command, `${name} command`).toEqual(service(name).command);
    }
  });

  it('gives every service a health check and starts dependants only once their dependencies are healthy (or, for the one-shot, done)', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...EXPECTED].sort());
    // The one-shot exits: no health check, never restarted, and waited for until it completed successfully.
    const oneShot = service(ONE_SHOT);
    expect(oneShot.healthcheck).toEqual({ disable: true });
    expect((oneShot as { restart?: string }).restart).toBe('no');
    for (const [name, s] of Object.entries(compose.services)) {
      if (name !== ONE_SHOT) expect(s.healthcheck?.test, `${name} healthcheck`).toBeDefined();
      for (const [dep, condition] of Object.entries(dependenciesOf(s))) {
        if (dep === ONE_SHOT) {
          expect(condition, `${name} depends_on ${dep}`).toBe('service_completed_successfully');
          continue;
        }
        expect(condition, `${name} depends_on ${dep}`).toBe('service_healthy');
        expect(service(dep).healthcheck?.test, `${dep} (a dependency of ${name}) has a healthcheck`).toBeDefined();
      }
    }
    const order = startOrder(compose);
    const before = (a: string, b: string): boolean => order.indexOf(a) < order.indexOf(b);
    expect(dependenciesOf(service('gateway'))).toHaveProperty(ONE_SHOT);
    expect(before(ONE_SHOT, 'gateway') && before(ONE_SHOT, 'sim')).toBe(true);
    expect(before('kinesis', 'gateway') && before('gateway', 'delivery') && before('s3', 'delivery') && before('gateway', 'sim')).toBe(true);
    expect(before('gateway', 'prometheus') && before('prometheus', 'grafana')).toBe(true);
    // One image for our processes, built from this repository.
    const images = new Set([...OURS, ONE_SHOT].map((n) => service(n).image));
    expect(images.size).toBe(1);
    for (const n of [...OURS, ONE_SHOT]) expect(service(n).build).toBe('.');
    // provision writes the secrets on the gateway's data volume; the sim reads them from that volume, read-only.
    expect(oneShot.volumes).toEqual(['gateway-data:/data']);
    expect(service('gateway').volumes).toEqual(['gateway-data:/data']);
    expect(service('sim').volumes).toEqual(['gateway-data:/data:ro']);
    const simArgv = service('sim').command as string[];
    expect(simArgv[simArgv.indexOf('--secrets-file') + 1]).toBe('/data/sim-secrets.json');
    expect(asShell(oneShot)).toContain('--secrets-out /data/sim-secrets.json');
    expect(environmentOf(oneShot)['TIDEGATE_DATA_DIR']).toBe(environmentOf(service('gateway'))['TIDEGATE_DATA_DIR']);
  });

  it('configures the gateway, AS WRITTEN (0.0.0.0, before the local rewrite), so that it passes its own configuration and security checks', () => {
    const env = environmentOf(service('gateway'));
    const argv = (service('gateway').command as string[]).slice(2);
    const load = (e: Record<string, string>): GatewayConfig => {
      const result = loadConfig(argv, e);
      if (result.kind !== 'config') throw new Error('the gateway command asks for --help');
      return result.config;
    };
    const settings = resolveSecurity(load(env));
    expect(settings.auth).toBe('required');
    expect(settings.tcp.host).toBe('0.0.0.0');
    expect(settings.http.host).toBe('0.0.0.0');
    // No token in the compose stack (README "Docker Compose"): Prometheus and the health checks need none.
    expect(settings.httpToken).toBeUndefined();
    // Published on the host's loopback only, at the ports the gateway listens on.
    expect(service('gateway').ports?.sort()).toEqual([`127.0.0.1:1883:${env['TIDEGATE_MQTT_PORT']}`, `127.0.0.1:8080:${env['TIDEGATE_HTTP_PORT']}`].sort());
    // The check bites: the same environment without device authentication is refused, naming the setting.
    const { TIDEGATE_AUTH: _auth, ...withoutAuth } = env;
    let refusal: unknown;
    try {
      resolveSecurity(load(withoutAuth));
    } catch (err) {
      refusal = err;
    }
    expect(isTidegateError(refusal, 'GW_ERR_CONFIG')).toBe(true);
    expect((refusal as { detail: Record<string, unknown> }).detail['setting']).toBe('auth');
  });

  it('builds a multi-stage, non-root image whose commands and copied files exist', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile).not.toMatch(/curl|wget/);
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)) {
      for (const src of (m[1] as string).split(' ')) expect(existsSync(join(ROOT, src)), `COPY ${src}`).toBe(true);
    }
    // The commands run compiled files that exist (the global setup compiled dist/).
    for (const n of OURS) {
      const script = (service(n).command as string[])[1] as string;
      expect(existsSync(join(ROOT, script)), `${n}: ${script}`).toBe(true);
    }
    const scripts = [...asShell(service(ONE_SHOT)).matchAll(/\bnode (\S+)/g)].map((m) => m[1] as string);
    expect(scripts).toEqual(['dist/device-sim/cli.js', 'dist/gateway/src/devices-main.js']);
    for (const script of scripts) expect(existsSync(join(ROOT, script)), `${ONE_SHOT}: ${script}`).toBe(true);
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git', 'data']));
  });

  it('scrapes our services where they listen, and charts only metrics they export', () => {
    const prom = parse(readFileSync(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = prom.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    expect(targets.sort()).toEqual(['delivery:8080', 'gateway:8080']);
    for (const t of targets) {
      const [name, port] = t.split(':') as [string, string];
      expect(environmentOf(service(name))['TIDEGATE_HTTP_PORT']).toBe(port);
      expect(environmentOf(service(name))['TIDEGATE_HTTP_HOST']).toBe('0.0.0.0');
    }
    const ds = parse(readFileSync(join(ROOT, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as {
      datasources: { uid: string; url: string }[];
    };
    expect(ds.datasources[0]?.url).toBe('http://prometheus:9090');

    const exported = new Set<string>();
    const registry = new Registry();
    createDeliveryMetrics(registry);
    for (const r of [createMetrics().registry, registry]) for (const m of r.getMetricsAsArray()) exported.add(m.name);
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/dashboards/tidegate.json'), 'utf8')) as {
      panels: { type: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
    };
    const used = new Set<string>();
    for (const p of dashboard.panels) {
      if (p.type === 'row') continue;
      expect(p.datasource?.uid).toBe(ds.datasources[0]?.uid);
      for (const t of p.targets ?? []) for (const m of t.expr.matchAll(/\btidegate_[a-z0-9_]+/g)) used.add(m[0].replace(/_(bucket|sum|count)$/, ''));
    }
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((m) => !exported.has(m))).toEqual([]);
    for (const m of ['tidegate_readings_received_total', 'tidegate_connections', 'tidegate_shard_records_total',
      'tidegate_ack_latency_seconds', 'tidegate_dead_letters_total', 'tidegate_spool_bytes']) expect(used).toContain(m);
  });
});

describe('docker-compose.yml: our services as local processes', () => {
  const dir = makeTempDir('tidegate-compose-');
  const map: AddressMap = new Map();
  const processes: LoggedProcess[] = [];
  let kinesis: ChildKinesis | undefined;
  let s3: LocalS3 | undefined;

  const hostOf = (url: string | undefined): string => {
    if (url === undefined) throw new Error('endpoint not set');
    return new URL(url).host;
  };

  beforeAll(async () => {
    const deliveryEnv = environmentOf(service('delivery'));
    // kinesis-mock: 4567 is its HTTPS port, 4568 plain HTTP. Our services must use plain HTTP on 4568.
    expect(environmentOf(service('gateway'))['AWS_ENDPOINT_URL_KINESIS']).toBe('http://kinesis:4568');
    expect(deliveryEnv['AWS_ENDPOINT_URL_KINESIS']).toBe('http://kinesis:4568');
    kinesis = await spawnKinesis(join(dir.path, 'kinesis'));
    map.set(hostOf(deliveryEnv['AWS_ENDPOINT_URL_KINESIS']), hostOf(kinesis.endpoint));

    // versitygw listens on VGW_PORT with the root key pair; s3rver stands in, accepting that key pair.
    const s3Env = environmentOf(service('s3'));
    expect(hostOf(deliveryEnv['AWS_ENDPOINT_URL_S3'])).toBe(`s3${s3Env['VGW_PORT']}`);
    expect(deliveryEnv['AWS_ACCESS_KEY_ID']).toBe(s3Env['ROOT_ACCESS_KEY_ID']);
    expect(deliveryEnv['AWS_SECRET_ACCESS_KEY']).toBe(s3Env['ROOT_SECRET_ACCESS_KEY']);
    const account = createRequire(import.meta.url)('s3rver/lib/models/account.js') as {
      DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
    };
    account.DUMMY_ACCOUNT.createKeyPair(s3Env['ROOT_ACCESS_KEY_ID'] as string, s3Env['ROOT_SECRET_ACCESS_KEY'] as string);
    // No bucket: the delivery service creates it (TIDEGATE_CREATE_BUCKET on).
    s3 = await startLocalS3({ port: 0, dir: join(dir.path, 's3'), buckets: [] });
    map.set(hostOf(deliveryEnv['AWS_ENDPOINT_URL_S3']), hostOf(s3.endpoint));
  });

  afterAll(async () => {
    for (const p of [...processes].reverse()) await p.stop('SIGKILL');
    await kinesis?.kill();
    await s3?.close();
    dir.remove();
  });

  /** Runs the service's compose healthcheck as a local process until it passes (Docker's retries, generously). */
  async function healthy(name: string, env: Record<string, string>): Promise<void> {
    const s = service(name);
    const argv = healthcheckArgv(s.healthcheck as NonNullable<ComposeService['healthcheck']>).map((a) =>
      rewriteAddresses(a, map, s.network_mode?.match(/^service:(.+)$/)?.[1]),
    );
    if (argv[0] === 'node') argv[0] = process.execPath;
    let last = '';
    await waitFor(async () => {
      try {
        await run(argv[0] as string, argv.slice(1), { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 5000 });
        return true;
      } catch (err) {
        last = String((err as { stderr?: string }).stderr ?? err);
        return undefined;
      }
    }, 30_000, 250).catch(() => {
      throw new Error(`${name} healthcheck never passed: ${last}`);
    });
  }

  function start(name: string): { proc: LoggedProcess; env: Record<string, string> } {
    // Each named volume is one local directory, shared by the services that mount it.
    const volumes = volumeMounts(service(name), (volume) => join(dir.path, 'volumes', volume));
    const cmd = localCommand(service(name), { map, volumes, node: process.execPath });
    // A clean environment: what the compose file sets, PATH (this Node first, for `sh -c` commands), and a HOME
    // without AWS profiles.
    const env = { PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, HOME: dir.path, ...cmd.env };
    const proc = spawnLogged(name, cmd.argv, { env, cwd: ROOT });
    processes.push(proc);
    return { proc, env };
  }

  const portOf = (hostPort: unknown): string => String(hostPort).split(':').pop() as string;

  it('starts in depends_on order, each healthy, and authenticated readings flow MQTT → Kinesis (in order) → transform → S3', async () => {
    const order = startOrder(compose).filter((n) => [...OURS, ONE_SHOT].includes(n));
    expect(order).toEqual([ONE_SHOT, 'gateway', 'delivery', 'sim']);

    // provision: runs to completion (exit 0), registering the sim's devices and writing their secrets (0600).
    const provision = start(ONE_SHOT);
    expect(await provision.proc.exited, provision.proc.output()).toBe(0);
    const gatewayData = join(dir.path, 'volumes', 'gateway-data');
    const secretsFile = join(gatewayData, 'sim-secrets.json');
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>;
    const registry = JSON.parse(readFileSync(join(gatewayData, 'devices.json'), 'utf8')) as { devices: Record<string, unknown> };
    expect(Object.keys(registry.devices).sort()).toEqual(Object.keys(secrets).sort());

    // gateway: wait for its start line, publish its ports in the map, then its healthcheck (/readyz) must pass.
    const gw = start('gateway');
    const started = await gw.proc.waitForLog((l) => String(l['msg']).startsWith('tidegate started'));
    expect(started['auth']).toBe('required');
    const gwEnv = environmentOf(service('gateway'));
    map.set(`gateway:${gwEnv['TIDEGATE_MQTT_PORT']}`, `127.0.0.1:${portOf(started['mqtt'])}`);
    map.set(`gateway:${gwEnv['TIDEGATE_HTTP_PORT']}`, `127.0.0.1:${portOf(started['http'])}`);
    expect(started['kinesis']).toBe(kinesis?.endpoint);
    await healthy('gateway', { ...gw.env, TIDEGATE_HTTP_PORT: portOf(started['http']) });

    const delivery = start('delivery');
    const deliveryStarted = await delivery.proc.waitForLog((l) => l['http'] !== undefined && String(l['msg']).startsWith('delivery runner started'));
    await healthy('delivery', { ...delivery.env, TIDEGATE_HTTP_PORT: portOf(deliveryStarted['http']) });
    expect(delivery.proc.logs.some((l) => l['msg'] === 'bucket created')).toBe(true);

    const simArgv = service('sim').command as string[];
    const devices = Number(simArgv[simArgv.indexOf('--devices') + 1]);
    expect(devices).toBeGreaterThan(0);
    // provision listed exactly the devices the sim simulates.
    expect(Object.keys(secrets)).toHaveLength(devices);
    const sim = start('sim');
    await healthy('sim', sim.env);

    // Every simulated device's readings reach S3, enriched by the transform.
    const client = createS3Client({
      endpoint: s3?.endpoint as string,
      region: 'us-east-1',
      credentials: {
        accessKeyId: environmentOf(service('delivery'))['AWS_ACCESS_KEY_ID'] as string,
        secretAccessKey: environmentOf(service('delivery'))['AWS_SECRET_ACCESS_KEY'] as string,
      },
    });
    try {
      const bucket = environmentOf(service('delivery'))['TIDEGATE_BUCKET'] as string;
      const lines = await waitFor(async () => {
        const all = (await readLines(client, bucket)).map((l) => JSON.parse(l) as Record<string, unknown>);
        return new Set(all.map((r) => r['deviceId'])).size >= devices ? all : undefined;
      }, 60_000, 1000);
      expect(new Set(lines.map((r) => String(r['deviceId'])))).toEqual(new Set(Object.keys(secrets)));
      for (const r of lines) {
        expect(String(r['deviceId'])).toMatch(/^sim-/);
        expect(r['processedAt']).toBeDefined();
        expect(r['reading']).toBeTypeOf('object');
      }
    } finally {
      client.destroy();
    }

    // Every simulated device got in with its secret on the first try: nothing refused, nothing throttled.
    const refused = await metricLines(Number(portOf(started['http'])), 'tidegate_connections_refused_total');
    expect(refused.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0), refused.join('\n')).toBe(0);

    // Stop like `docker compose down`: SIGTERM, dependants first; the gateway and the runner stop cleanly.
    expect(await sim.proc.stop('SIGTERM')).toBe(0);
    expect(await delivery.proc.stop('SIGTERM')).toBe(0);
    expect(await gw.proc.stop('SIGTERM')).toBe(0);

    // In Kinesis: the devices' readings, each device's seq gapless and in order.
    const kc = testKinesisClient(kinesis?.endpoint as string);
    try {
      const records = (await readStream(kc, gwEnv['TIDEGATE_STREAM'] as string)).map(parseRecord);
      const byDevice = new Map<string, number[]>();
      for (const r of records) byDevice.set(r.deviceId, [...(byDevice.get(r.deviceId) ?? []), r.seq]);
      expect(byDevice.size).toBe(devices);
      for (const [id, seqs] of byDevice) expect(seqs, id).toEqual(seqs.map((_, i) => i + 1));
    } finally {
      kc.destroy();
    }
  }, 180_000);
});
