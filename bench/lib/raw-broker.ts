/**
 * Bare aedes (bench/loadgen/raw-aedes.ts) as a separate, pinned process, and one measured run against it: the
 * baseline beside each gateway run.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inheritedEnv, spawnLogged, type LoggedProcess } from '../../stack/harness/logged-process.js';
import { runLoad } from '../loadgen/run.js';
import type { LoadResult } from '../loadgen/run.js';
import type { LoadSpec } from './gateway-run.js';
import { CoreWindow, CpuWindow, pinnedCommand, processMemory, waitForQuiet } from './proc.js';
import type { QuietResult } from './proc.js';

export interface RawBrokerProcess {
  readonly proc: LoggedProcess;
  readonly pid: number;
  readonly port: number;
  exitStatus(): string | undefined;
  /** SIGTERM, then SIGKILL after `graceMs` (default 3 s). */
  stop(graceMs?: number): Promise<void>;
}

/** Under tsx the child needs the tsx loader; a compiled bench would run raw-aedes.js directly. */
function brokerCommand(): string[] {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return [process.execPath, fileURLToPath(new URL('../loadgen/raw-aedes.js', here)), '--port', '0'];
  const tsx = pathToFileURL(createRequire(here).resolve('tsx')).href;
  return [process.execPath, '--import', tsx, fileURLToPath(new URL('../loadgen/raw-aedes.ts', here)), '--port', '0'];
}

export async function startRawBroker(cpu: number | undefined): Promise<RawBrokerProcess> {
  const proc = spawnLogged('raw aedes', pinnedCommand(cpu, brokerCommand()), { env: inheritedEnv(), keepLogs: false });
  let port: number;
  try {
    port = Number((await proc.waitForLog((l) => l['event'] === 'listening' && typeof l['port'] === 'number'))['port']);
  } catch (err) {
    await proc.kill();
    throw err;
  }
  return {
    proc,
    pid: proc.pid,
    port,
    exitStatus: proc.exitStatus,
    stop: async (graceMs = 3_000) => void (await proc.stop('SIGTERM', graceMs)),
  };
}

export interface RawRunResult {
  load: LoadResult;
  cpuPercent: number | undefined;
  /** When pinned: total busy percent of the broker's core over the window. */
  coreBusyPercent: number | undefined;
  quiet: QuietResult;
  rssBytes: number | undefined;
  peakRssBytes: number | undefined;
  crashed: string | undefined;
}

export async function runThroughRawAedes(
  cpu: number | undefined,
  load: LoadSpec,
): Promise<RawRunResult> {
  const quiet = await waitForQuiet();
  const broker = await startRawBroker(cpu);
  const window = new CpuWindow(broker.pid);
  const core = cpu === undefined ? undefined : new CoreWindow(cpu);
  let memory: ReturnType<typeof processMemory>;
  try {
    const result = await runLoad({
      ...load,
      port: broker.port,
      onRunStart: () => {
        window.start();
        core?.start();
      },
      onRunEnd: () => {
        window.stop();
        core?.stop();
        memory = processMemory(broker.pid);
      },
    });
    return {
      load: result,
      cpuPercent: window.percent,
      coreBusyPercent: core?.percent,
      quiet,
      rssBytes: memory?.rssBytes,
      peakRssBytes: memory?.peakRssBytes,
      crashed: broker.exitStatus(),
    };
  } finally {
    await broker.stop();
  }
}
