/** The embedded Kinesis API server (`dist/stack/kinesis-main.js`, `npm run kinesis`) as a process of its own. */
import { fileURLToPath } from 'node:url';
import { inheritedEnv, spawnLogged, type LoggedProcess } from './logged-process.js';

const MAIN = fileURLToPath(new URL('../../dist/stack/kinesis-main.js', import.meta.url));

export interface ChildKinesis {
  readonly proc: LoggedProcess;
  readonly child: LoggedProcess['child'];
  readonly endpoint: string;
  readonly exited: Promise<number | null>;
  /** SIGKILL (a crash: the store keeps what reached the OS) and wait for the exit. */
  kill(): Promise<void>;
}

/** Runs the server persisted in `path` on a free port and waits for the line that names its endpoint. */
export async function spawnKinesis(path: string): Promise<ChildKinesis> {
  const proc = spawnLogged('kinesis server', [process.execPath, MAIN, '--port', '0', '--path', path], { env: inheritedEnv() });
  let endpoint: string;
  try {
    endpoint = String((await proc.waitForLog((l) => typeof l['endpoint'] === 'string'))['endpoint']);
  } catch (err) {
    await proc.kill();
    throw err;
  }
  return { proc, child: proc.child, endpoint, exited: proc.exited, kill: proc.kill };
}
