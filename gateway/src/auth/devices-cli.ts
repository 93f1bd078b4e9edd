import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isValidDeviceId } from '../ingest/topic.js';
import { provisionDevices } from './provision.js';
import { readRegistryFile, withRegistryLock, writeRegistryFile, RegistryFileError, type DeviceRecord } from './registry-file.js';
import { generateSecret, hashSecret } from './secret-hash.js';
import { devicesOptionsHelp, parseDevicesCli, UsageError, type Parsed } from './devices-settings.js';

/** `--help`: the commands, then every option from the declarations (`devices-settings.ts`). */
export function devicesHelp(): string {
  return [
    'tidegate devices: manage the device registry (ids and scrypt-hashed secrets)',
    '',
    'Usage: npm run devices -- <command> [options]',
    '',
    'Commands:',
    '  add <id> [--meta name=value]... [--replace]',
    '                     Registers a device and prints its new secret as the last line of stdout (shown once:',
    '                     only a hash is stored). Refuses an existing id unless --replace (which also re-enables a',
    '                     revoked device).',
    '  rotate <id>        Gives the device a new secret (printed as the last line); the old one stops working and',
    '                     sessions that used it are closed.',
    '  revoke <id>        Revokes the device: its secret is deleted, its sessions are closed, and a client certificate',
    '                     naming it is refused.',
    '  list [--json]      Lists devices, status and metadata (never secrets or hashes).',
    '  provision <id>... | - [--replace | --keep-valid] [--secrets-out <file>] [--meta name=value]...',
    '                     Registers many devices in one registry write (ids as arguments, or one per line on stdin',
    '                     with "-"; blank lines are skipped). Refuses the whole batch if any id exists, unless',
    '                     --replace (which re-keys and re-enables those). With --secrets-out, writes the secrets as',
    '                     JSON {"<id>": "<secret>"} to <file> (mode 0600, replaced atomically; the simulator\'s',
    '                     --secrets-file); otherwise prints one "<id> <secret>" line per device on stdout.',
    '                     --keep-valid (with --secrets-out): devices whose secret in the existing file still works keep',
    '                     it (no re-key, no disconnect); the others are added or re-keyed. Safe to run again.',
    '',
    'Every option with an environment variable can also be set by it; a flag wins over the environment.',
    ...devicesOptionsHelp(),
    '',
    '  -h, --help   Show this help.',
    '',
    'Devices connect with client id = username = device id and password = secret. A running gateway picks up',
    'changes without a restart.',
  ].join('\n');
}

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** All of standard input (for `provision -`); absent: `-` is refused. */
  readStdin?(): Promise<string>;
}

function deviceArg(p: Parsed): string {
  const id = p.args[0];
  if (id === undefined || p.args.length !== 1) throw new UsageError(`${p.command} takes exactly one device id`);
  if (!isValidDeviceId(id)) throw new UsageError(`"${id}" is not a valid device id (1-128 of A-Z a-z 0-9 _ . : -)`);
  return id;
}

function validId(id: string): string {
  if (!isValidDeviceId(id)) throw new UsageError(`"${id.slice(0, 140)}" is not a valid device id (1-128 of A-Z a-z 0-9 _ . : -)`);
  return id;
}

/** `provision`'s ids: the arguments, or with `-` the lines of stdin; each valid, none twice, at least one. */
async function provisionIds(p: Parsed, io: CliIo): Promise<string[]> {
  let ids: string[];
  if (p.args.includes('-')) {
    if (p.args.length !== 1) throw new UsageError('provision takes device ids or "-" (ids on stdin), not both');
    if (io.readStdin === undefined) throw new UsageError('provision -: no standard input to read ids from');
    ids = (await io.readStdin()).split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  } else {
    ids = p.args;
  }
  if (ids.length === 0) throw new UsageError('provision needs at least one device id (or "-" and ids on stdin)');
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(validId(id))) throw new UsageError(`device id ${id} is listed twice`);
    seen.add(id);
  }
  return ids;
}

/** Runs one CLI command. Exit codes: 0 done, 1 refused (unknown or existing id, file problem), 2 usage error. */
export async function runDevicesCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CliIo): Promise<number> {
  let p: Parsed;
  try {
    p = parseDevicesCli(argv, env);
    if (p.help || p.command === undefined) {
      io.out(devicesHelp());
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
      case 'provision': {
        const ids = await provisionIds(p, io);
        if (p.keepValid && p.secretsOut === undefined) throw new UsageError('--keep-valid needs --secrets-out (the file whose secrets are kept)');
        if (p.secretsOut !== undefined && resolve(p.secretsOut) === resolve(path)) throw new UsageError('--secrets-out must not be the registry file');
        const result = await provisionDevices({
          devicesFile: path,
          ids,
          replace: p.replace,
          keepValid: p.keepValid,
          meta: p.meta,
          ...(p.secretsOut === undefined ? {} : { secretsOut: p.secretsOut }),
        });
        if (!result.ok) {
          const some = result.existing.slice(0, 5).join(', ') + (result.existing.length > 5 ? ', …' : '');
          io.err(`tidegate devices: ${result.existing.length} of the ${ids.length} devices already exist (${some}); nothing changed (use --replace to re-key them)`);
          return 1;
        }
        const summary = `provisioned ${ids.length} devices in ${path}: ${result.added.length} added, ${result.rekeyed.length} re-keyed, ${result.kept.length} kept`;
        if (p.secretsOut === undefined) {
          // stdout carries only "<id> <secret>" lines, for scripts.
          io.err(summary);
          for (const id of ids) io.out(`${id} ${result.secrets[id] as string}`);
        } else {
          io.out(`${summary}; secrets written to ${p.secretsOut} (mode 0600)`);
        }
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${p.command}" (commands: add, rotate, revoke, list, provision)`);
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
