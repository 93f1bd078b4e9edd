/**
 * The open-files limit, which caps how many devices one process can simulate or accept. Node cannot raise its own
 * rlimit, so the orchestrator re-executes itself under `ulimit -n` (children inherit the raised limit).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface FdLimit {
  soft: number;
  hard: number;
}

/** From /proc/self/limits; undefined where unavailable (not Linux). "unlimited" reads as Infinity. */
export function openFilesLimit(): FdLimit | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const m = line === undefined ? null : /Max open files\s+(\S+)\s+(\S+)/.exec(line);
    if (m === null) return undefined;
    const n = (v: string | undefined): number => (v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v));
    return { soft: n(m[1]), hard: n(m[2]) };
  } catch {
    return undefined;
  }
}

const REEXEC_MARK = 'TIDEGATE_BENCH_FD_RAISED';

/**
 * When the soft limit is below `needed` but the hard limit allows it, runs this same command again under
 * `ulimit -n` and returns its exit code; returns undefined when nothing had to be done (or could be done).
 */
export function reexecWithFdLimit(needed: number): number | undefined {
  const limit = openFilesLimit();
  if (limit === undefined || limit.soft >= needed || process.env[REEXEC_MARK] === '1') return undefined;
  const target = Number.isFinite(limit.hard) ? Math.min(limit.hard, Math.max(needed, 65_536)) : Math.max(needed, 65_536);
  if (target < needed) return undefined;
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, ...process.execArgv, ...process.argv.slice(1)].map(quote).join(' ');
  const result = spawnSync('sh', ['-c', `ulimit -n ${target} && exec ${command}`], {
    stdio: 'inherit',
    env: { ...process.env, [REEXEC_MARK]: '1' },
  });
  return result.status ?? 1;
}
