/** Verifies a device's secret. Wired to the device registry when device authentication is on. */
export interface DeviceAuthenticator {
  verify(deviceId: string, secret: string): Promise<boolean>;
}

export type Credentials =
  | { kind: 'basic'; username: string; secret: string }
  | { kind: 'bearer'; secret: string };

/**
 * Parses an `Authorization` header: HTTP Basic (RFC 7617, `id:secret` in base64) or a bearer token
 * (RFC 6750). Returns undefined for a missing or malformed header.
 */
export function parseAuthorization(header: string | undefined): Credentials | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space <= 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (value === '') return undefined;
  if (scheme === 'bearer') return { kind: 'bearer', secret: value };
  if (scheme !== 'basic') return undefined;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { kind: 'basic', username: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/**
 * Whether the request may publish as `deviceId`: Basic credentials whose user is that device, or a bearer
 * token that is that device's secret, verified by the authenticator.
 */
export async function authenticateDevice(
  authenticator: DeviceAuthenticator,
  deviceId: string,
  header: string | undefined,
): Promise<boolean> {
  const credentials = parseAuthorization(header);
  if (credentials === undefined) return false;
  if (credentials.kind === 'basic' && credentials.username !== deviceId) return false;
  return authenticator.verify(deviceId, credentials.secret);
}
