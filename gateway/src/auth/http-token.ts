import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether an `Authorization` header carries `Bearer <token>`. Constant time: both sides are hashed to equal-length
 * digests before the comparison, so neither the token's length nor its prefix leaks through timing.
 */
export function bearerTokenMatches(header: string | undefined, token: string): boolean {
  return tokenMatches(header !== undefined && header.startsWith('Bearer ') ? header.slice(7).trim() : '', token);
}

/** The cookie the dashboard keeps the operator token in (set by `/?token=…`, HttpOnly, SameSite=Strict). */
export const TOKEN_COOKIE = 'tidegate_token';

/** The operator token from the `Cookie` header, or '' without one. */
export function cookieToken(header: string | undefined): string {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === TOKEN_COOKIE) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return '';
}

/** Constant-time comparison of a presented token (empty: none) with the configured one. */
export function tokenMatches(presented: string, token: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b) && presented.length > 0;
}
