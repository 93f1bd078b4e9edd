/**
 * Command-line front end for {@link runLoad}:
 *   npx tsx bench/loadgen/cli.ts --host 127.0.0.1 --port 1883 --connections 10 --qos 1 --duration 10
 * Prints a one-line human summary, then the full result as one JSON line (for scripts).
 */
import { pathToFileURL } from 'node:url';
import { defineSettings, parseSettings, renderHelp, setting } from '../../common/settings/index.js';
import { LOAD_DEFAULTS, runLoad } from './run.js';
import type { LoadOptions, LoadResult } from './run.js';

const D = LOAD_DEFAULTS;

/** Flags only (a benchmark tool); keys are the `LoadOptions` they set. */
export const LOADGEN_SETTINGS = defineSettings({
  host: setting.host({ flag: 'host', default: D.host, help: 'Broker host.' }),
  port: setting.integer({ flag: 'port', default: D.port, min: 0, max: 65535, help: 'Broker port.' }),
  connections: setting.integer({ flag: 'connections', default: D.connections, min: 1, help: 'Simulated devices.' }),
  qos: setting.integer({ flag: 'qos', default: D.qos, min: 0, max: 1, help: 'Publish QoS.' }),
  durationS: setting.number({
    flag: 'duration', default: D.durationMs / 1000, above: 0, unit: 's', help: 'Sending time, unless --messages is given.',
  }),
  messagesPerConnection: setting.integer({ flag: 'messages', min: 1, defaultText: 'unlimited', help: 'Messages per connection.' }),
  inflight: setting.integer({ flag: 'inflight', default: D.inflight, min: 1, max: 65535, help: 'QoS 1 unacknowledged window per connection.' }),
  payloadBytes: setting.integer({ flag: 'payload-bytes', default: D.payloadBytes, min: 1, unit: 'bytes', help: 'JSON payload size.' }),
  ratePerConnection: setting.number({ flag: 'rate', above: 0, defaultText: 'unlimited', help: 'Target messages/s per connection.' }),
  clientIdPrefix: setting.string({ flag: 'client-id-prefix', default: D.clientIdPrefix, help: 'Client ids are <prefix>-<index>.' }),
  workers: setting.integer({ flag: 'workers', default: D.workers, min: 1, help: 'Generator worker threads.' }),
  connectRatePerSecond: setting.number({ flag: 'connect-rate', above: 0, defaultText: 'unlimited', help: 'New connections per second.' }),
  localAddresses: setting.list({
    flag: 'local-addresses', placeholder: 'addr,addr', hint: 'addresses', defaultText: 'OS choice',
    help: 'Source addresses, e.g. 127.0.0.2,127.0.0.3.',
  }),
  keepaliveSec: setting.integer({ flag: 'keepalive', default: D.keepaliveSec, min: 0, max: 65535, unit: 's', help: 'MQTT keep-alive.' }),
  username: setting.string({ flag: 'username', defaultText: 'none', help: 'MQTT user name.' }),
  password: setting.string({ flag: 'password', defaultText: 'none', help: 'MQTT password.' }),
  connectTimeoutMs: setting.number({
    flag: 'connect-timeout', default: D.connectTimeoutMs, above: 0, unit: 'ms', help: 'Per-connection connect + CONNACK timeout.',
  }),
  drainTimeoutMs: setting.number({
    flag: 'drain-timeout', default: D.drainTimeoutMs, min: 0, unit: 'ms', help: 'Wait for outstanding acks after sending stops.',
  }),
});

export function loadgenHelp(): string {
  return renderHelp(LOADGEN_SETTINGS, {
    title: 'loadgen: MQTT publishers for the benchmarks',
    usage: 'npx tsx bench/loadgen/cli.ts [options]',
    footer: ['Prints a one-line summary, then the full result as one JSON line.'],
  });
}

/** Parses argv (without node and script) into runLoad options, only those given; undefined means "--help". */
export function parseCliArgs(argv: readonly string[]): LoadOptions | undefined {
  const parsed = parseSettings(LOADGEN_SETTINGS, argv, {});
  if (parsed.kind === 'help') return undefined;
  const { values, sources } = parsed;
  const entries: Record<string, unknown> = {};
  for (const key of Object.keys(LOADGEN_SETTINGS) as (keyof typeof LOADGEN_SETTINGS)[]) {
    if (sources[key] !== undefined) entries[key === 'durationS' ? 'durationMs' : key] = key === 'durationS' ? values.durationS * 1000 : values[key];
  }
  // exactOptionalPropertyTypes-friendly: only the options given.
  return entries as LoadOptions;
}

/** One human-readable line; every benchmark line carries the generator's own CPU. */
export function formatSummary(options: LoadOptions, r: LoadResult): string {
  const lat = r.latencyMs === null ? 'latency n/a (QoS 0)' : `p50 ${r.latencyMs.p50} ms, p90 ${r.latencyMs.p90} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms`;
  const elu = r.generatorCpu.eventLoopUtilization.map((e) => `${Math.round(e * 100)}%`).join('/');
  return `qos ${options.qos ?? LOAD_DEFAULTS.qos}, ${options.connections ?? LOAD_DEFAULTS.connections} conns: ` +
    `${r.throughputPerSec.toLocaleString('en-US')} msg/s (sent ${r.sent}, acked ${r.acked}, errors ${r.errors}) ` +
    `in ${r.durationMs} ms, connect ${r.connectMs} ms, ${lat}; ` +
    `generator CPU ${r.generatorCpu.percentOfOneCore}% of one core (worker loop busy ${elu})` +
    (r.lastError === undefined ? '' : `; last error: ${r.lastError}`);
}

async function main(): Promise<void> {
  const options = parseCliArgs(process.argv.slice(2));
  if (options === undefined) {
    process.stdout.write(loadgenHelp() + '\n');
    return;
  }
  const result = await runLoad(options);
  process.stdout.write(`${formatSummary(options, result)}\n${JSON.stringify(result)}\n`);
  if (result.errors > 0) process.exitCode = 1;
}

// Only run when executed directly, so parseCliArgs/formatSummary can be imported.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`loadgen: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
}
