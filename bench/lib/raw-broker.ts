/** Bare aedes (bench/loadgen/raw-aedes.ts) as a separate, pinned process: the baseline beside the gateway. */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inheritedEnv, spawnLogged, type LoggedProcess } from '../../stack/harness/logged-process.js';
import { pinnedCommand } from './proc.js';

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
