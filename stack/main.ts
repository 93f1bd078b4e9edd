#!/usr/bin/env node
import { loadConfig } from '../gateway/src/config/load.js';
import { GatewayError, isTidegateError } from '../common/errors.js';
import { startGateway } from '../gateway/src/gateway.js';
import { localStackServices } from './services.js';
import { createLogger, resolveLogFormat } from '../common/logger.js';

/** Process entry: configuration → gateway → signals. Exit codes: 0 clean, 1 failure, 2 bad configuration. */
async function main(): Promise<number> {
  let loaded;
  try {
    loaded = loadConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (isTidegateError(err, 'GW_ERR_CONFIG')) {
      process.stderr.write(`tidegate: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (loaded.kind === 'help') {
    process.stdout.write(loaded.text + '\n');
    return 0;
  }
  const config = loaded.config;
  const logger = createLogger({ level: config.logLevel, format: resolveLogFormat(config.logFormat, process.stdout.isTTY) });

  let gateway;
  try {
    gateway = await startGateway(config, { logger, services: localStackServices });
  } catch (err) {
    const code = err instanceof GatewayError ? err.code : 'GW_ERR_STARTUP';
    logger.fatal({ code, detail: err instanceof GatewayError ? err.detail : undefined, err }, `startup failed: ${(err as Error).message}`);
    logger.flush();
    return code === 'GW_ERR_CONFIG' ? 2 : 1;
  }

  const running = gateway;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting without waiting for the flush');
        resolve(1);
        return;
      }
      stopping = true;
      logger.info({ signal }, 'signal received');
      running.shutdown().then(
        ({ clean }) => resolve(clean ? 0 : 1),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

main().then(
  (code) => {
    // Let pino's asynchronous destination drain before exiting.
    setTimeout(() => process.exit(code), 50).unref();
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tidegate: unexpected failure: ${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  },
);
