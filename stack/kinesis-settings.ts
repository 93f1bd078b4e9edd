/** Settings of `kinesis-main.ts`, the embedded Kinesis API server as a process of its own (`npm run kinesis`). */
import { defineSettings, renderHelp, setting } from '../common/settings/index.js';

/** Flags only: this process is started by tests and scripts with explicit arguments. */
export const KINESIS_MAIN_SETTINGS = defineSettings({
  host: setting.host({ flag: 'host', default: '127.0.0.1', help: 'Bind address.' }),
  port: setting.integer({ flag: 'port', default: 4567, min: 0, max: 65535, help: 'Port, 0 for any free one.' }),
  path: setting.string({
    flag: 'path', placeholder: 'dir', defaultText: 'in memory', help: 'LevelDB directory that keeps streams and records across restarts.',
  }),
  shardLimit: setting.integer({ flag: 'shard-limit', default: 100, min: 1, help: 'Most shards in the account.' }),
});

export function kinesisMainHelp(): string {
  return renderHelp(KINESIS_MAIN_SETTINGS, {
    title: 'tidegate-kinesis: the embedded Kinesis API server of local mode, as a process of its own',
    usage: 'node dist/stack/kinesis-main.js [options]      (npm run kinesis -- [options])',
    footer: [
      'Prints one JSON line {"endpoint": "http://host:port"} when it listens; stops on SIGINT/SIGTERM.',
      'Exit codes: 0 stopped, 1 failure, 2 bad options.',
    ],
  });
}
