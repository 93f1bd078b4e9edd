/**
 * `--ack kinesis` vs `--ack spool`: the same QoS 1 load from many devices through the gateway (child process,
 * pinned) into a 16-shard stub Kinesis endpoint; acknowledged readings/s and publish→PUBACK p50/p99 in each mode,
 * median over runs. Run "npm run build" first: npx tsx bench/ack-modes.ts [--runs N] [--duration-ms N] [--quick]
 */
import { defineSettings, parseSettings, renderHelp, setting } from '../common/settings/index.js';
import { runScript } from './lib/cleanup.js';
import { mqttLoad, runThroughGateway } from './lib/gateway-run.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { formatNumber, printTable } from './lib/table.js';

const SETTINGS = defineSettings({
  runs: setting.integer({ flag: 'runs', min: 1, defaultText: '3 (--quick: 1)', help: 'Runs per mode.' }),
  durationMs: setting.integer({ flag: 'duration-ms', min: 1, unit: 'ms', defaultText: '5000 (--quick: 1500)', help: 'Sending time per run.' }),
  devices: setting.integer({ flag: 'devices', default: 200, min: 1, help: 'QoS 1 connections, window 50 each.' }),
  rate: setting.number({ flag: 'rate', default: 0, min: 0, help: 'Readings/s per device; 0 = as fast as acknowledged.' }),
  quick: setting.boolean({ flag: 'quick', help: 'Short runs.' }),
});

const HELP = renderHelp(SETTINGS, { title: 'ack-modes: --ack kinesis vs --ack spool through the gateway', usage: 'npx tsx bench/ack-modes.ts [options]' });

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

async function main(): Promise<void> {
  const parsed = parseSettings(SETTINGS, process.argv.slice(2), {});
  if (parsed.kind === 'help') {
    process.stdout.write(HELP + '\n');
    return;
  }
  const { devices, rate, quick } = parsed.values;
  const runs = parsed.values.runs ?? (quick ? 1 : 3);
  const durationMs = parsed.values.durationMs ?? (quick ? 1500 : 5000);
  const pinned = true;
  process.stdout.write(`${describeMachine(machineInfo(pinned))}\n${devices} devices, QoS 1 window 50, ${rate > 0 ? `${rate} readings/s each` : 'as fast as acknowledged'}, 200-byte payloads, 16 shards, ${runs} run(s) × ${durationMs} ms per mode\n`);
  const rows: (string | number)[][] = [];
  const summary: Record<string, unknown> = {};
  for (const mode of ['kinesis', 'spool'] as const) {
    const rates: number[] = [];
    const p50s: number[] = [];
    const p99s: number[] = [];
    for (let run = 0; run < runs; run++) {
      const r = await runThroughGateway({
        shards: 16,
        args: ['--ack', mode],
        cpu: 0,
        drive: mqttLoad({
          connections: devices, qos: 1, inflight: 50, durationMs, payloadBytes: 200, clientIdPrefix: `ack-${mode}-`,
          ...(rate > 0 ? { ratePerConnection: rate } : {}),
        }),
      });
      rates.push(r.load.throughputPerSec);
      p50s.push(r.load.latencyMs?.p50 ?? Number.NaN);
      p99s.push(r.load.latencyMs?.p99 ?? Number.NaN);
      process.stdout.write(`  ${mode} run ${run + 1}: ${formatNumber(Math.round(r.load.throughputPerSec))} acked/s, p50 ${r.load.latencyMs?.p50.toFixed(1)} ms, p99 ${r.load.latencyMs?.p99.toFixed(1)} ms, gateway CPU ${r.cpuPercent?.toFixed(0)}%\n`);
    }
    rows.push([mode, formatNumber(Math.round(median(rates))), median(p50s).toFixed(1), median(p99s).toFixed(1)]);
    summary[mode] = { ackedPerSec: median(rates), p50Ms: median(p50s), p99Ms: median(p99s) };
  }
  printTable('Acknowledgement modes (median)', ['--ack', 'acked/s', 'p50 ms', 'p99 ms'], rows);
  process.stdout.write(JSON.stringify({ bench: 'ack-modes', devices, rate, durationMs, runs, results: summary }) + '\n');
}

void runScript(main);
