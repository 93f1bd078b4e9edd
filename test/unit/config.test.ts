import { describe, expect, it } from 'vitest';
import { loadConfig, renderHelp, type GatewayConfig } from '../../gateway/src/config/load.js';
import { SETTINGS } from '../../gateway/src/config/schema.js';
import { GatewayError } from '../../common/errors.js';

function config(argv: string[], env: Record<string, string> = {}): GatewayConfig {
  const r = loadConfig(argv, env);
  if (r.kind !== 'config') throw new Error('expected a config');
  return r.config;
}

function configError(argv: string[], env: Record<string, string> = {}): GatewayError {
  try {
    loadConfig(argv, env);
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected GW_ERR_CONFIG');
}

describe('configuration', () => {
  it('has documented defaults', () => {
    const c = config([]);
    expect(c).toMatchObject({
      mode: 'cloud', mqttHost: '127.0.0.1', mqttPort: 1883, httpPort: 8080, localKinesisPort: 4567,
      stream: 'telemetry', shards: 4, dataDir: './data', lingerMs: 20,
    });
    expect(c.kinesisEndpoint).toBeUndefined();
    expect(c.lingerMs).toBeLessThanOrEqual(50);
  });

  it('takes flags over environment over defaults, in both flag spellings', () => {
    expect(config([], { TIDEGATE_MQTT_PORT: '1999' }).mqttPort).toBe(1999);
    expect(config(['--mqtt-port', '2000'], { TIDEGATE_MQTT_PORT: '1999' }).mqttPort).toBe(2000);
    expect(config(['--mqtt-port=2001']).mqttPort).toBe(2001);
  });

  it("honours the SDK's endpoint variables, the service-specific one first", () => {
    expect(config([], { AWS_ENDPOINT_URL: 'http://a:1' }).kinesisEndpoint).toBe('http://a:1');
    expect(config([], { AWS_ENDPOINT_URL: 'http://a:1', AWS_ENDPOINT_URL_KINESIS: 'http://k:2/' }).kinesisEndpoint).toBe('http://k:2');
    expect(config(['--kinesis-endpoint', 'http://f:3'], { AWS_ENDPOINT_URL_KINESIS: 'http://k:2' }).kinesisEndpoint).toBe('http://f:3');
  });

  it('names the setting and the accepted values on bad input', () => {
    const e1 = configError(['--mqtt-port', '70000']);
    expect(e1.code).toBe('GW_ERR_CONFIG');
    expect(e1.message).toContain('--mqtt-port');
    expect(e1.message).toContain('0..65535');
    const e2 = configError([], { TIDEGATE_MODE: 'prod' });
    expect(e2.message).toContain('TIDEGATE_MODE');
    expect(e2.message).toContain('local, cloud');
    expect(configError(['--stream', 'bad name']).message).toContain('[a-zA-Z0-9_.-]');
    expect(configError(['--kinesis-endpoint', 'ftp://x']).message).toContain('http');
    expect(configError(['--nope', '1']).message).toContain('unknown option --nope');
    expect(configError(['--linger-ms']).message).toContain('needs a value');
  });

  it('lists every setting, its variable and default in --help', () => {
    const r = loadConfig(['--help'], {});
    expect(r.kind).toBe('help');
    const help = renderHelp();
    for (const spec of Object.values(SETTINGS)) {
      expect(help).toContain(`--${spec.flag}`);
      for (const env of spec.env) expect(help).toContain(env);
    }
  });
});
