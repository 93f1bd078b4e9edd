import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isValidDeviceId } from '../ingest/topic.js';
import { readRegistryFile, withRegistryLock, writeRegistryFile, RegistryFileError, type DeviceRecord } from './registry-file.js';
import { generateSecret, hashSecret } from './secret-hash.js';

export const DEVICES_HELP = `tidegate devices: manage the device registry (ids and scrypt-hashed secrets)

Usage: npm run devices -- <command> [options]

Commands:
  add <id> [--meta name=value]... [--replace]
                     Registers a device and prints its new secret as the last line of stdout (shown once:
                     only a hash is stored). Refuses an existing id unless --replace (which also re-enables a
                     revoked device).
  rotate <id>        Gives the device a new secret (printed as the last line); the old one stops working and
                     sessions that used it are closed.
  revoke <id>        Revokes the device: its secret is deleted, its sessions are closed, and a client certificate
                     naming it is refused.
  list [--json]      Lists devices, status and metadata (never secrets or hashes).

Options:
  --devices-file <path>  Registry file [env TIDEGATE_DEVICES_FILE] (default: <data-dir>/devices.json)
  --data-dir <path>      [env TIDEGATE_DATA_DIR] (default: ./data)
  -h, --help             Show this help.

Devices connect with client id = username = device id and password = secret. A running gateway picks up
changes without a restart.`;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

interface Parsed {
  command: string | undefined;
  args: string[];
  devicesFile: string;
  meta: Record<string, string>;
  replace: boolean;
  json: boolean;
  help: boolean;
}

class UsageError extends Error {}

function parse(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Parsed {
  let devicesFile = env['TIDEGATE_DEVICES_FILE'] || undefined;
  let dataDir = env['TIDEGATE_DATA_DIR'] || './data';
  const positional: string[] = [];
  const meta: Record<string, string> = {};
  let replace = false;
  let json = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = (): string => {
      const eq = arg.indexOf('=');
      if (arg.startsWith('--') && eq !== -1) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    const name = arg.startsWith('--') ? arg.split('=', 1)[0] : arg;
    switch (name) {
      case '-h':
      case '--help':
        help = true;
        break;
      case '--devices-file':
        devicesFile = value();
        break;
      case '--data-dir':
        dataDir = value();
        break;
      case '--meta': {
        const kv = value();
        const eq = kv.indexOf('=');
        if (eq <= 0) throw new UsageError(`--meta ${kv}: expected name=value`);
        meta[kv.slice(0, eq)] = kv.slice(eq + 1);
        break;
      }
      case '--replace':
        replace = true;
        break;
      case '--json':
        json = true;
        break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg} (see --help)`);
        positional.push(arg);
    }
  }
  return { command: positional[0], args: positional.slice(1), devicesFile: devicesFile ?? join(dataDir, 'devices.json'), meta, replace, json, help };
}

function deviceArg(p: Parsed): string {
  const id = p.args[0];
  if (id === undefined || p.args.length !== 1) throw new UsageError(`${p.command} takes exactly one device id`);
  if (!isValidDeviceId(id)) throw new UsageError(`"${id}" is not a valid device id (1-128 of A-Z a-z 0-9 _ . : -)`);
  return id;
}

/** Runs one CLI command. Exit codes: 0 done, 1 refused (unknown or existing id, file problem), 2 usage error. */
export async function runDevicesCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CliIo): Promise<number> {
  let p: Parsed;
  try {
    p = parse(argv, env);
    if (p.help || p.command === undefined) {
      io.out(DEVICES_HELP);
      return p.help ? 0 : 2;
    }
    const path = p.devicesFile;
    const now = new Date().toISOString();
    switch (p.command) {
      case 'add': {
        const id = deviceArg(p);
        const secret = generateSecret();
        const hash = await hashSecret(secret);
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        const result = await withRegistryLock(path, () => {
          const doc = readRegistryFile(path);
          const existing = doc.devices[id];
          if (existing !== undefined && !p.replace) return `device ${id} already exists (use --replace to give it a new secret and re-enable it)`;
          const record: DeviceRecord = {
            secret: hash,
            createdAt: existing?.createdAt ?? now,
            updatedAt: now,
            ...(Object.keys(p.meta).length > 0 ? { metadata: p.meta } : existing?.metadata === undefined ? {} : { metadata: existing.metadata }),
          };
          doc.devices[id] = record;
          writeRegistryFile(path, doc);
          return undefined;
        });
        if (result !== undefined) {
          io.err(`tidegate devices: ${result}`);
          return 1;
        }
        io.out(`device ${id} added to ${path}`);
        io.out('secret (shown once, store it on the device; the registry keeps only a hash):');
        io.out(secret);
        return 0;
      }
      case 'rotate': {
        const id = deviceArg(p);
        const secret = generateSecret();
        const hash = await hashSecret(secret);
        const result = await withRegistryLock(path, () => {
          const doc = readRegistryFile(path);
          const existing = doc.devices[id];
          if (existing === undefined) return `no device ${id} in ${path}`;
          if (existing.revokedAt !== undefined) return `device ${id} is revoked (use add --replace to re-enable it)`;
          doc.devices[id] = { ...existing, secret: hash, updatedAt: now };
          writeRegistryFile(path, doc);
          return undefined;
        });
        if (result !== undefined) {
          io.err(`tidegate devices: ${result}`);
          return 1;
        }
        io.out(`device ${id}: new secret (the old one no longer works):`);
        io.out(secret);
        return 0;
      }
      case 'revoke': {
        const id = deviceArg(p);
        const result = await withRegistryLock(path, () => {
          const doc = readRegistryFile(path);
          const existing = doc.devices[id];
          if (existing?.revokedAt !== undefined) return 'already';
          const { secret: _dropped, ...rest } = existing ?? { createdAt: now, updatedAt: now };
          doc.devices[id] = { ...rest, updatedAt: now, revokedAt: now };
          writeRegistryFile(path, doc);
          return existing === undefined ? 'unknown' : undefined;
        });
        io.out(result === 'already' ? `device ${id} was already revoked` : `device ${id} revoked${result === 'unknown' ? ' (it was not registered; its certificates are refused from now on)' : ''}`);
        return 0;
      }
      case 'list': {
        if (p.args.length > 0) throw new UsageError('list takes no arguments');
        const doc = readRegistryFile(path);
        const rows = Object.entries(doc.devices)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([id, r]) => ({
            id,
            status: r.revokedAt === undefined ? 'active' : 'revoked',
            createdAt: r.createdAt,
            updatedAt: r.updatedAt,
            ...(r.revokedAt === undefined ? {} : { revokedAt: r.revokedAt }),
            metadata: r.metadata ?? {},
          }));
        if (p.json) {
          io.out(JSON.stringify(rows, null, 2));
          return 0;
        }
        if (rows.length === 0) {
          io.out(`no devices in ${path}`);
          return 0;
        }
        const width = Math.max(2, ...rows.map((r) => r.id.length));
        io.out(`${'ID'.padEnd(width)}  STATUS   UPDATED                   METADATA`);
        for (const r of rows) {
          const meta = Object.entries(r.metadata).map(([k, v]) => `${k}=${v}`).join(' ');
          io.out(`${r.id.padEnd(width)}  ${r.status.padEnd(7)}  ${r.updatedAt.padEnd(24)}  ${meta}`);
        }
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${p.command}" (commands: add, rotate, revoke, list)`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`tidegate devices: ${err.message}`);
      return 2;
    }
    if (err instanceof RegistryFileError) {
      io.err(`tidegate devices: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
