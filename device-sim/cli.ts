#!/usr/bin/env node
/**
 * `npm run sim -- [options]`: runs a fleet until every device published its --count / --duration (or Ctrl-C),
 * then prints a summary. Progress goes to stderr (every second on a terminal, every 5 s otherwise), so stdout
 * carries only the summary; with --json its last line is the JSON summary.
 */
import { parseCli, helpText } from './args.js';
import { ruleForDevice } from './catalog.js';
import { SimError } from './errors.js';
import { createFleet, fleetDeviceIds, type Fleet, type FleetStats } from './fleet.js';
import { deviceId } from './plan.js';
import { progressLine, summaryJson, summaryTable } from './report.js';

const EXIT_OK = 0;
const EXIT_NO_DEVICE = 1;
const EXIT_USAGE = 2;
/** After the summary, a leaked handle must not keep the process up. */
const EXIT_GRACE_MS = 5000;

function fail(err: unknown): number {
  if (err instanceof SimError && err.code !== 'SIM_ERR_WORKER') {
    process.stderr.write(`device-sim: ${err.message}\nRun with --help for the options.\n`);
    return EXIT_USAGE;
  }
  throw err;
}

/** The transform types devices by id prefix; say so when the chosen --id-prefix falls outside its rules. */
function warnOnUnmappedIds(fleet: Fleet): void {
  for (const type of fleet.options.profile) {
    const example = deviceId(fleet.options.idPrefix, type, 0);
    const rule = ruleForDevice(fleet.catalog, example);
    if (rule?.type !== type) {
      process.stderr.write(`device-sim: note: the catalog maps ${example} to ${rule?.type ?? 'no type'}, not ${type}\n`);
    }
  }
}

function startProgress(fleet: Fleet): () => void {
  const tty = process.stderr.isTTY === true;
  const t0 = Date.now();
  let prev: FleetStats | undefined;
  const timer = setInterval(() => {
    const s = fleet.stats();
    const line = progressLine(s, prev, (Date.now() - t0) / 1000);
    prev = s;
    process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  }, tty ? 1000 : 5000);
  return () => {
    clearInterval(timer);
    if (tty && prev !== undefined) process.stderr.write('\n');
  };
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCli>;
  let fleet: Fleet;
  try {
    parsed = parseCli(argv, process.env);
    if (parsed.kind === 'help') {
      process.stdout.write(helpText() + '\n');
      return EXIT_OK;
    }
    if (parsed.kind === 'list-ids') {
      // For provisioning (`devices provision -`): the same plan as a run, nothing connects.
      const ids = fleetDeviceIds(parsed.fleet);
      process.stdout.write(ids.length === 0 ? '' : ids.join('\n') + '\n');
      return EXIT_OK;
    }
    fleet = createFleet(parsed.fleet);
  } catch (err) {
    return fail(err);
  }
  warnOnUnmappedIds(fleet);

  let interrupted: () => void = () => undefined;
  const interrupt = new Promise<void>((resolve) => (interrupted = resolve));
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    // The first Ctrl-C drains and reports; a second one means "now".
    if (++signals > 1) process.exit(130);
    process.stderr.write(`\ndevice-sim: ${signal}, stopping (again to quit at once)\n`);
    interrupted();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const stopProgress = startProgress(fleet);
  let stats: FleetStats;
  try {
    await Promise.race([fleet.start(), interrupt]);
    await Promise.race([fleet.finished(), interrupt]);
  } finally {
    stats = await fleet.stop();
    stopProgress();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (parsed.json) {
    process.stderr.write(summaryTable(stats) + '\n');
    process.stdout.write(summaryJson(stats) + '\n');
  } else {
    process.stdout.write(summaryTable(stats) + '\n');
  }
  return stats.connected === 0 ? EXIT_NO_DEVICE : EXIT_OK;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  },
  (err: unknown) => {
    process.stderr.write(`device-sim: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT_NO_DEVICE);
  },
);
