import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether an `Authorization` header carries `Bearer <token>`. Constant time: both sides are hashed to equal-length
 * digests before the comparison, so neither the token's length nor its prefix leaks through timing.
 */
export function bearerTokenMatches(header: string | undefined, token: string): boolean {
  const presented = header !== undefined && header.startsWith('Bearer ') ? header.slice(7).trim() : '';
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b) && presented.length > 0;
}
