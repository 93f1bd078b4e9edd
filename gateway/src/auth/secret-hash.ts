import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Device secrets are stored as scrypt hashes with a per-device salt and the parameters they were made with, so
 * the parameters can be raised later without invalidating existing secrets.
 */
export interface SecretHash {
  kdf: 'scrypt';
  /** CPU/memory cost (a power of two). */
  N: number;
  r: number;
  p: number;
  keyLength: number;
  /** base64 */
  salt: string;
  /** base64 */
  hash: string;
}

/**
 * Default cost: N = 2^14, r = 8 (16 MiB and roughly 30-60 ms per hash on one core). Device secrets are 256-bit
 * random values, not passwords people pick, so the KDF guards against a stolen registry file rather than against
 * guessing; the verification cache keeps reconnect storms from paying this twice.
 */
export const DEFAULT_SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 } as const;

const SALT_BYTES = 16;

function derive(secret: string | Buffer, salt: Buffer, params: { N: number; r: number; p: number; keyLength: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, params.keyLength, options, (err, key) => (err === null ? resolve(key) : reject(err))),
  );
}

export async function hashSecret(secret: string, params: { N: number; r: number; p: number; keyLength: number } = DEFAULT_SCRYPT): Promise<SecretHash> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(secret, salt, params);
  return { kdf: 'scrypt', N: params.N, r: params.r, p: params.p, keyLength: params.keyLength, salt: salt.toString('base64'), hash: key.toString('base64') };
}

/** Constant-time comparison of the presented secret's hash with the stored one. */
export async function verifySecret(secret: string | Buffer, stored: SecretHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const key = await derive(secret, Buffer.from(stored.salt, 'base64'), stored);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A new device secret: 32 random bytes, base64url (43 characters, safe in shells, URLs and MQTT passwords). */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Structural check of a stored hash (a hand-edited registry must not crash the gateway or weaken it). */
export function isSecretHash(value: unknown): value is SecretHash {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const int = (x: unknown, min: number, max: number): boolean => Number.isInteger(x) && (x as number) >= min && (x as number) <= max;
  return (
    v['kdf'] === 'scrypt' &&
    int(v['N'], 1024, 2 ** 20) && ((v['N'] as number) & ((v['N'] as number) - 1)) === 0 &&
    int(v['r'], 1, 32) && int(v['p'], 1, 16) && int(v['keyLength'], 16, 128) &&
    typeof v['salt'] === 'string' && Buffer.from(v['salt'], 'base64').length >= 8 &&
    typeof v['hash'] === 'string' && Buffer.from(v['hash'], 'base64').length === v['keyLength']
  );
}
