/**
 * Command-line front end for {@link runLoad}:
 *   npx tsx bench/loadgen/cli.ts --host 127.0.0.1 --port 1883 --connections 10 --qos 1 --duration 10
 * Prints a one-line human summary, then the full result as one JSON line (for scripts).
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { LOAD_DEFAULTS, runLoad } from './run.js';
import type { LoadOptions, LoadResult } from './run.js';

const HELP = `Usage: npx tsx bench/loadgen/cli.ts [options]

  --host <addr>              broker host (default ${LOAD_DEFAULTS.host})
  --port <n>                 broker port (default ${LOAD_DEFAULTS.port})
  --connections <n>          simulated devices (default ${LOAD_DEFAULTS.connections})
  --qos <0|1>                publish QoS (default ${LOAD_DEFAULTS.qos})
  --duration <s>             sending time in seconds (default ${LOAD_DEFAULTS.durationMs / 1000}, unless --messages is given)
  --messages <n>             messages per connection (default unlimited)
  --inflight <n>             QoS 1 unacknowledged window per connection (default ${LOAD_DEFAULTS.inflight})
  --payload-bytes <n>        JSON payload size (default ${LOAD_DEFAULTS.payloadBytes})
  --rate <n>                 target messages/s per connection (default unlimited)
  --client-id-prefix <s>     client ids are <prefix>-<index> (default ${LOAD_DEFAULTS.clientIdPrefix})
  --workers <n>              generator worker threads (default ${LOAD_DEFAULTS.workers})
  --connect-rate <n>         new connections per second (default unlimited)
  --local-addresses <list>   comma-separated source addresses, e.g. 127.0.0.2,127.0.0.3 (default OS choice)
  --keepalive <s>            MQTT keep-alive seconds (default ${LOAD_DEFAULTS.keepaliveSec})
  --username <s>             MQTT user name (default none)
  --password <s>             MQTT password (default none)
  --connect-timeout <ms>     per-connection connect + CONNACK timeout (default ${LOAD_DEFAULTS.connectTimeoutMs})
  --drain-timeout <ms>       wait for outstanding acks after sending stops (default ${LOAD_DEFAULTS.drainTimeoutMs})
  --help                     show this text
`;

function num(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got "${raw}"`);
  return value;
}

/** Parses argv (without node and script) into runLoad options; undefined means "--help". */
export function parseCliArgs(argv: readonly string[]): LoadOptions | undefined {
  const str = { type: 'string' } as const;
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      host: str, port: str, connections: str, qos: str, duration: str, messages: str, inflight: str,
      'payload-bytes': str, rate: str, 'client-id-prefix': str, workers: str, 'connect-rate': str,
      'local-addresses': str, keepalive: str, username: str, password: str, 'connect-timeout': str,
      'drain-timeout': str, help: { type: 'boolean' },
    },
  });
  if (values.help === true) return undefined;
  const qos = num('qos', values.qos);
  if (qos !== undefined && qos !== 0 && qos !== 1) throw new Error('--qos must be 0 or 1');
  const duration = num('duration', values.duration);
  const entries: Record<string, unknown> = {
    host: values.host,
    port: num('port', values.port),
    connections: num('connections', values.connections),
    qos,
    durationMs: duration === undefined ? undefined : duration * 1000,
    messagesPerConnection: num('messages', values.messages),
    inflight: num('inflight', values.inflight),
    payloadBytes: num('payload-bytes', values['payload-bytes']),
    ratePerConnection: num('rate', values.rate),
    clientIdPrefix: values['client-id-prefix'],
    workers: num('workers', values.workers),
    connectRatePerSecond: num('connect-rate', values['connect-rate']),
    localAddresses: values['local-addresses']?.split(',').map((s) => s.trim()).filter((s) => s !== ''),
    keepaliveSec: num('keepalive', values.keepalive),
    username: values.username,
    password: values.password,
    connectTimeoutMs: num('connect-timeout', values['connect-timeout']),
    drainTimeoutMs: num('drain-timeout', values['drain-timeout']),
  };
  // exactOptionalPropertyTypes-friendly: omit unset options instead of passing undefined.
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as LoadOptions;
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
    process.stdout.write(HELP);
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
