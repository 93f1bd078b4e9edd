import { describe, expect, it } from 'vitest';
import { parseRedisUrl, redactRedisUrl } from '../../gateway/src/broker/cluster.js';
import { resolveSecurity } from '../../gateway/src/auth/settings.js';
import { loadConfig } from '../../gateway/src/config/load.js';
import { isTidegateError } from '../../common/errors.js';

describe('--cluster and --http-token', () => {
  it('reads a Redis URL into connection options', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6380')).toEqual({ host: '127.0.0.1', port: 6380 });
    expect(parseRedisUrl('rediss://ops:p%40ss@redis.internal/3')).toEqual({
      host: 'redis.internal', port: 6379, username: 'ops', password: 'p@ss', db: 3, tls: {},
    });
    expect(parseRedisUrl('redis://[::1]:7000')).toMatchObject({ host: '::1', port: 7000 });
    expect(redactRedisUrl('redis://ops:secret@host:1/0')).toBe('redis://ops:***@host:1/0');
    for (const bad of ['http://host:6379', 'redis://host/x', 'not a url']) {
      expect(() => parseRedisUrl(bad), bad).toThrow(/--cluster/);
    }
  });

  it('takes both from flags or the environment, and rejects bad values at startup', () => {
    const loaded = loadConfig([], { TIDEGATE_CLUSTER: 'redis://r:6379', TIDEGATE_HTTP_TOKEN: 'a-long-enough-token' });
    expect(loaded.kind === 'config' && loaded.config.cluster).toBe('redis://r:6379');
    expect(loaded.kind === 'config' && loaded.config.httpToken).toBe('a-long-enough-token');
    for (const argv of [['--cluster', 'http://r:6379'], ['--http-token', 'short'], ['--http-token', 'has a space in it ok']]) {
      let err: unknown;
      try {
        // The token is checked when the security settings are resolved (at startup), never echoed back.
        const config = loadConfig(argv, {});
        if (config.kind === 'config') resolveSecurity(config.config);
      } catch (e) {
        err = e;
      }
      expect(isTidegateError(err, 'GW_ERR_CONFIG'), argv.join(' ')).toBe(true);
      expect(String((err as Error).message)).not.toContain('has a space');
    }
  });
});
