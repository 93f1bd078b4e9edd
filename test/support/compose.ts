/**
 * Reading docker-compose.yml without a Docker engine: the file parsed with `yaml`, `${NAME:-default}` interpolated
 * the way Compose does, services ordered by `depends_on`, and a service's command and environment rewritten to run
 * as a local process. The rewriting rules (the only differences from the container):
 *
 * - `service:port` in a URL or an argument (e.g. `http://kinesis:4568`) becomes the `127.0.0.1:<port>` where the
 *   local stand-in for that service listens (a map filled in as the stand-ins start);
 * - in a service with `network_mode: service:<name>`, `127.0.0.1:<port>` means that service's port and is mapped
 *   the same way;
 * - a listening port in the environment (`TIDEGATE_*_PORT`) becomes 0, so the process picks a free one, which the
 *   caller reads back from the process's start log line and adds to the map;
 * - a bind address `0.0.0.0` becomes `127.0.0.1` (tests stay on loopback). This rewrite must not hide a refusal:
 *   the gateway refuses non-loopback listeners without device authentication, so compose-wiring.test.ts also
 *   validates the gateway's environment AS WRITTEN (with 0.0.0.0) through the gateway's own configuration and
 *   security checks;
 * - a volume's mount path (`/data`, `/data/sim-secrets.json`, also inside a `sh -c` string) becomes the same path
 *   under a local directory per named volume, so services sharing a volume share the directory (`:ro` is not
 *   enforced locally);
 * - `node` is this Node binary (as the command's first word; for `sh -c` commands the caller puts its directory
 *   first on PATH), and the working directory is the repository root (the image's /app holds the same dist/,
 *   package.json, transforms/catalog.json and deploy/docker/).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface ComposeHealthcheck {
  test: string[] | string;
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
}

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  network_mode?: string;
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: ComposeHealthcheck;
  ports?: string[];
  volumes?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** `${NAME}`, `${NAME:-default}`, `${NAME-default}` and `$$`, resolved against `env` (Compose's rules, minus `?`). */
export function interpolate(value: string, env: Readonly<Record<string, string | undefined>>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g, (whole, name: string | undefined, op: string | undefined, def: string | undefined) => {
    if (whole === '$$') return '$';
    const v = env[name as string];
    if (op === ':-') return v === undefined || v === '' ? (def ?? '') : v;
    if (op === '-') return v === undefined ? (def ?? '') : v;
    return v ?? '';
  });
}

function interpolateDeep(node: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((n) => interpolateDeep(n, env));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateDeep(v, env)]));
  }
  return node;
}

/** Parses the compose file (YAML merge keys on), interpolated against `env` (default: nothing set, so defaults). */
export function loadCompose(path: string, env: Readonly<Record<string, string | undefined>> = {}): ComposeFile {
  const raw = parse(readFileSync(path, 'utf8'), { merge: true }) as ComposeFile;
  return interpolateDeep(raw, env) as ComposeFile;
}

export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

export function dependenciesOf(service: ComposeService): Record<string, string | undefined> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, undefined]));
  const out: Record<string, string | undefined> = {};
  for (const [name, spec] of Object.entries(deps)) out[name] = spec.condition;
  return out;
}

/** Service names in an order where every service comes after what it depends on (Compose's start order). */
export function startOrder(file: ComposeFile): string[] {
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string): void => {
    if (order.includes(name)) return;
    if (visiting.has(name)) throw new Error(`depends_on cycle through ${name}`);
    visiting.add(name);
    const service = file.services[name];
    if (service === undefined) throw new Error(`depends_on names unknown service ${name}`);
    for (const dep of Object.keys(dependenciesOf(service))) visit(dep);
    const shared = service.network_mode?.match(/^service:(.+)$/)?.[1];
    if (shared !== undefined) visit(shared);
    visiting.delete(name);
    order.push(name);
  };
  for (const name of Object.keys(file.services)) visit(name);
  return order;
}

export function asArgv(value: string[] | string | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : value.split(/\s+/).filter((s) => s !== '');
}

/** Where each `service:port` of the compose network is reachable locally, as `127.0.0.1:<port>`. */
export type AddressMap = Map<string, string>;

/** Rewrites `service:port` (and, inside `network_mode: service:X`, `127.0.0.1:port`/`localhost:port`) per `map`. */
export function rewriteAddresses(value: string, map: AddressMap, sharedWith: string | undefined): string {
  return value.replace(/\b([a-z][a-z0-9_.-]*|127\.0\.0\.1):(\d{1,5})\b/g, (whole, host: string, port: string) => {
    const key = (host === '127.0.0.1' || host === 'localhost') && sharedWith !== undefined ? `${sharedWith}:${port}` : `${host}:${port}`;
    return map.get(key) ?? whole;
  });
}

export interface LocalCommand {
  argv: string[];
  env: Record<string, string>;
}

/**
 * The service's volume mounts as mount path → local directory: `name:/path[:mode]` (a named volume) maps to
 * `dirOf(name)`; bind mounts (`./x:/path`) are left out (our services have none).
 */
export function volumeMounts(service: ComposeService, dirOf: (volume: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of service.volumes ?? []) {
    const [source, target] = v.split(':');
    if (source === undefined || target === undefined || source.startsWith('.') || source.startsWith('/')) continue;
    out[target] = dirOf(source);
  }
  return out;
}

/** Replaces a mount path where it starts a path (at the start, after a space, `=` or quote) with its local directory. */
export function rewriteVolumePaths(value: string, volumes: Readonly<Record<string, string>>): string {
  let out = value;
  for (const [mount, dir] of Object.entries(volumes)) {
    const escaped = mount.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`(^|[\\s='"])${escaped}(?=$|[\\s/'"])`, 'g'), (_whole, before: string) => `${before}${dir}`);
  }
  return out;
}

export interface RewriteOptions {
  map: AddressMap;
  /** Volume mount path → local directory (see {@link volumeMounts}). */
  volumes: Record<string, string>;
  /** The Node binary that replaces `node`. */
  node: string;
}

/** The service's command and environment as a local process (see the rules at the top of this file). */
export function localCommand(service: ComposeService, options: RewriteOptions): LocalCommand {
  const sharedWith = service.network_mode?.match(/^service:(.+)$/)?.[1];
  const rewrite = (v: string): string => rewriteVolumePaths(rewriteAddresses(v, options.map, sharedWith), options.volumes);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(environmentOf(service))) {
    if (/^TIDEGATE_[A-Z_]*PORT$/.test(k)) env[k] = '0';
    else if (/^TIDEGATE_[A-Z_]*HOST$/.test(k) && v === '0.0.0.0') env[k] = '127.0.0.1';
    else env[k] = rewrite(v);
  }
  const argv = [...asArgv(service.entrypoint), ...asArgv(service.command)].map(rewrite);
  if (argv[0] === 'node') argv[0] = options.node;
  return { argv, env };
}

/** The healthcheck's CMD / CMD-SHELL test as argv (CMD-SHELL runs under sh -c, like Docker). */
export function healthcheckArgv(check: ComposeHealthcheck): string[] {
  const test = check.test;
  if (typeof test === 'string') return ['sh', '-c', test];
  const [kind, ...rest] = test;
  if (kind === 'CMD') return rest;
  if (kind === 'CMD-SHELL') return ['sh', '-c', rest.join(' ')];
  throw new Error(`healthcheck test ${JSON.stringify(test)} is neither CMD nor CMD-SHELL`);
}
