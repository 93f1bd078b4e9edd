/**
 * Process-wide cleanup for benchmark scripts: every child process, temporary directory and server a
 * script opens is registered here, so it is released on success, on a thrown error, on Ctrl-C, and
 * (for children and directories, which can be released synchronously) even on an abrupt exit.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

type AsyncCloser = () => Promise<void>;

const children = new Set<ChildProcess>();
const directories = new Set<string>();
const closers = new Set<AsyncCloser>();
let installed = false;

function killChildrenSync(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

function removeDirectoriesSync(): void {
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  directories.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  // 'exit' handlers must be synchronous: SIGKILL and rmSync are, which is why they are tracked apart.
  process.once('exit', () => {
    killChildrenSync();
    removeDirectoriesSync();
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void runCleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

/** Kills `child` (SIGKILL) when the script ends, unless it was released earlier with {@link untrackChild}. */
export function trackChild(child: ChildProcess): void {
  install();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

export function untrackChild(child: ChildProcess): void {
  children.delete(child);
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

/** Releases everything still registered: async closers first, then children and directories. */
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
  killChildrenSync();
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
