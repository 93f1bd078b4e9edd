/**
 * Process-wide cleanup for benchmark scripts: every temporary directory and server a script opens is registered
 * here, so it is released on success, on a thrown error, on Ctrl-C, and (directories, which can be removed
 * synchronously) even on an abrupt exit. Child processes need nothing here: stack/harness kills every child still
 * running when this process exits.
 */
import { rmSync } from 'node:fs';

type AsyncCloser = () => Promise<void>;

const directories = new Set<string>();
const closers = new Set<AsyncCloser>();
let installed = false;

function removeDirectoriesSync(): void {
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  directories.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  // 'exit' handlers must be synchronous: rmSync is, which is why directories are tracked apart from closers.
  process.once('exit', removeDirectoriesSync);
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void runCleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

/** Removes `dir` recursively when the script ends. */
export function trackDirectory(dir: string): void {
  install();
  directories.add(dir);
}

export function untrackDirectory(dir: string): void {
  directories.delete(dir);
}

/** Runs `close` when the script ends (servers in this process). Returns a function that unregisters it. */
export function trackCloser(close: AsyncCloser): () => void {
  install();
  closers.add(close);
  return () => closers.delete(close);
}

/** Releases everything still registered: async closers first, then directories. */
export async function runCleanup(): Promise<void> {
  const pending = [...closers];
  closers.clear();
  for (const close of pending.reverse()) {
    try {
      await close();
    } catch (err) {
      process.stderr.write(`cleanup: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  removeDirectoriesSync();
}

/** Runs a script's main function, always cleans up, prints a failure and sets the exit code. */
export async function runScript(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    process.stderr.write(`\nbenchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  } finally {
    await runCleanup();
  }
}
