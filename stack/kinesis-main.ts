#!/usr/bin/env node
import { isSettingsError, parseSettings } from '../common/settings/index.js';
import { startLocalKinesis } from './kinesis-server.js';
import { KINESIS_MAIN_SETTINGS, kinesisMainHelp } from './kinesis-settings.js';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseSettings(KINESIS_MAIN_SETTINGS, process.argv.slice(2), {});
  } catch (err) {
    // The one place where the engine's errors become this process's exit status 2.
    if (!isSettingsError(err)) throw err;
    process.stderr.write(`tidegate-kinesis: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(kinesisMainHelp() + '\n');
    return;
  }
  const { host, port, path, shardLimit } = parsed.values;
  const server = await startLocalKinesis({ host, port, shardLimit, ...(path === undefined ? {} : { path }) });
  process.stdout.write(JSON.stringify({ endpoint: server.endpoint }) + '\n');
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`tidegate-kinesis: ${(err as Error).message}\n`);
  process.exit(1);
});
