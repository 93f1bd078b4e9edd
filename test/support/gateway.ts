import { Writable } from 'node:stream';
import { loadConfig, type GatewayConfig } from '../../gateway/src/config/load.js';
import { startGateway, type Gateway, type GatewayDeps } from '../../gateway/src/gateway.js';
import { createLogger } from '../../common/logger.js';
import { localStackServices } from '../../stack/services.js';
import { makeTempDir } from './tmp.js';

export interface TestGateway {
  gateway: Gateway;
  dataDir: string;
  /** Log lines written so far (JSON objects). */
  logs: Record<string, unknown>[];
  /** Graceful shutdown plus removal of the data directory. */
  stop(): Promise<void>;
}

/**
 * Starts a gateway in-process in local mode on free ports with a temporary data directory. `flags` are CLI
 * flags, parsed exactly as `main` parses them (later flags win, so `--delivery on` turns the runner on).
 */
export async function startTestGateway(
  flags: string[] = [],
  env: Record<string, string> = {},
  deps: Omit<GatewayDeps, 'logger' | 'env'> = {},
): Promise<TestGateway> {
  const dir = makeTempDir();
  const loaded = loadConfig(
    [
      '--mode', 'local', '--mqtt-port', '0', '--http-port', '0', '--local-kinesis-port', '0', '--local-s3-port', '0',
      '--local-firehose-port', '0',
      // The delivery runner (S3 side) is on in `npm start`; tests of the Kinesis side leave it off unless they ask.
      '--delivery', 'off',
      '--data-dir', dir.path, ...flags,
    ],
    env,
  );
  if (loaded.kind !== 'config') throw new Error('unexpected --help');
  const config: GatewayConfig = loaded.config;
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = createLogger({ level: 'debug', destination: sink });
  let gateway: Gateway;
  try {
    gateway = await startGateway(config, { services: localStackServices, ...deps, logger, env });
  } catch (err) {
    dir.remove();
    throw err;
  }
  let stopped = false;
  return {
    gateway,
    dataDir: dir.path,
    logs,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await gateway.shutdown(10_000);
      } finally {
        dir.remove();
      }
    },
  };
}
