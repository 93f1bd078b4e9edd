#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startLocalKinesis } from './kinesis-server.js';

const HELP = `tidegate-kinesis: the embedded Kinesis API server of local mode, as a process of its own

Usage: node dist/stack/kinesis-main.js [options]      (npm run kinesis -- [options])

  --host <host>      bind address (default 127.0.0.1)
  --port <port>      port, 0 for any free one (default 4567)
  --path <dir>       LevelDB directory that keeps streams and records across restarts (default: in memory)
  --shard-limit <n>  most shards in the account (default 100)
  -h, --help         this help

Prints one JSON line {"endpoint": "http://host:port"} when it listens; stops on SIGINT/SIGTERM.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '4567' },
      path: { type: 'string' },
      'shard-limit': { type: 'string', default: '100' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return;
  }
  const port = Number(values.port);
  const shardLimit = Number(values['shard-limit']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: "${values.port}" is not a port (0..65535)`);
  if (!Number.isInteger(shardLimit) || shardLimit < 1) throw new Error(`--shard-limit: "${values['shard-limit']}" is not a positive whole number`);
  const server = await startLocalKinesis({
    host: values.host,
    port,
    shardLimit,
    ...(values.path === undefined ? {} : { path: values.path }),
  });
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
