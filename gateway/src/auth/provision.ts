import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { prepareFile, readRegistryFile, withRegistryLock, writeRegistryFile, type DeviceRecord, type PreparedFile } from './registry-file.js';
import { generateSecret, hashSecret, verifySecret, type SecretHash } from './secret-hash.js';

/**
 * Registering many devices at once (a fleet, the simulator's devices): every secret is generated and hashed first,
 * then the registry is read, changed and replaced in ONE write under its lock, so a running gateway sees the whole
 * batch appear at once and a concurrent CLI run cannot interleave. With `secretsOut`, the `{id: secret}` JSON is
 * written next to it atomically (mode 0600) and put in place right after the registry, within the same lock.
 */
export interface ProvisionOptions {
  devicesFile: string;
  /** Valid, distinct device ids (the caller validates). */
  ids: readonly string[];
  /** Re-key (and re-enable) devices that already exist; without it one existing id refuses the whole batch. */
  replace: boolean;
  /** Metadata for every device of the batch; empty keeps what re-keyed devices had. */
  meta?: Readonly<Record<string, string>>;
  /** Where to write `{"<id>": "<secret>"}` for the batch (replaced, not merged); absent: the caller shows them. */
  secretsOut?: string;
  /**
   * With `secretsOut`: a device that is registered, not revoked, and whose secret in the existing `secretsOut` file
   * still verifies keeps that secret (it is neither re-keyed nor disconnected); the others get new ones. Makes a
   * repeated provisioning (every `docker compose up`) harmless to devices that are connected. Implies `replace`
   * for devices whose secret does not verify.
   */
  keepValid?: boolean;
  /** scrypt computations at once (libuv's pool has 4 threads by default). Default 4. */
  concurrency?: number;
}

export type ProvisionResult =
  | { ok: true; secrets: Record<string, string>; added: string[]; rekeyed: string[]; kept: string[] }
  | { ok: false; existing: string[] };

async function hashAll(secrets: readonly string[], concurrency: number): Promise<SecretHash[]> {
  const out: SecretHash[] = new Array<SecretHash>(secrets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < secrets.length) {
      const i = next++;
      out[i] = await hashSecret(secrets[i] as string);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, secrets.length)) }, worker));
  return out;
}

const existingIn = (devices: Readonly<Record<string, DeviceRecord>>, ids: readonly string[]): string[] =>
  ids.filter((id) => Object.hasOwn(devices, id));

/** The ids whose secret in the old secrets file still verifies against an active registry entry, with that secret. */
async function stillValid(o: ProvisionOptions): Promise<Map<string, string>> {
  const kept = new Map<string, string>();
  if (o.keepValid !== true || o.secretsOut === undefined) return kept;
  let old: Record<string, unknown>;
  try {
    old = JSON.parse(readFileSync(o.secretsOut, 'utf8')) as Record<string, unknown>;
  } catch {
    return kept; // none yet, or unreadable: everything gets a new secret
  }
  const devices = readRegistryFile(o.devicesFile).devices;
  for (const id of o.ids) {
    const secret = old[id];
    const record = Object.hasOwn(devices, id) ? devices[id] : undefined;
    if (typeof secret === 'string' && record?.secret !== undefined && record.revokedAt === undefined && (await verifySecret(secret, record.secret))) {
      kept.set(id, secret);
    }
  }
  return kept;
}

export async function provisionDevices(o: ProvisionOptions): Promise<ProvisionResult> {
  const meta = o.meta ?? {};
  const kept = await stillValid(o);
  if (kept.size > 0 || o.keepValid === true) o = { ...o, replace: true };
  // Refuse early, before paying for the hashes (checked again under the lock).
  if (!o.replace) {
    const existing = existingIn(readRegistryFile(o.devicesFile).devices, o.ids);
    if (existing.length > 0) return { ok: false, existing };
  }
  const fresh = o.ids.filter((id) => !kept.has(id));
  const plain = fresh.map(() => generateSecret());
  const hashes = await hashAll(plain, o.concurrency ?? 4);
  const hashOf = new Map(fresh.map((id, i) => [id, hashes[i] as SecretHash]));
  const secrets: Record<string, string> = {};
  for (const id of o.ids) secrets[id] = kept.get(id) ?? (plain[fresh.indexOf(id)] as string);

  mkdirSync(dirname(o.devicesFile), { recursive: true, mode: 0o700 });
  if (o.secretsOut !== undefined) mkdirSync(dirname(o.secretsOut), { recursive: true, mode: 0o700 });
  return withRegistryLock(o.devicesFile, (): ProvisionResult => {
    const doc = readRegistryFile(o.devicesFile);
    const existing = existingIn(doc.devices, o.ids);
    if (existing.length > 0 && !o.replace) return { ok: false, existing };
    const now = new Date().toISOString();
    // Kept devices are left untouched.
    for (const id of fresh) {
      const old = Object.hasOwn(doc.devices, id) ? doc.devices[id] : undefined;
      const metadata = Object.keys(meta).length > 0 ? { ...meta } : old?.metadata;
      doc.devices[id] = {
        secret: hashOf.get(id) as SecretHash,
        createdAt: old?.createdAt ?? now,
        updatedAt: now,
        ...(metadata === undefined ? {} : { metadata }),
      };
    }
    // The secrets file is complete on disk before the registry changes, and in place right after it.
    let prepared: PreparedFile | undefined;
    if (o.secretsOut !== undefined) prepared = prepareFile(o.secretsOut, JSON.stringify(secrets, null, 2) + '\n');
    try {
      writeRegistryFile(o.devicesFile, doc);
    } catch (err) {
      prepared?.discard();
      throw err;
    }
    prepared?.commit();
    const old = new Set(existing);
    return { ok: true, secrets, added: o.ids.filter((id) => !old.has(id)), rekeyed: existing.filter((id) => !kept.has(id)), kept: [...kept.keys()] };
  });
}
