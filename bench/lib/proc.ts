/**
 * CPU pinning and per-process CPU / memory sampling from /proc (Linux). Elsewhere the samplers return
 * undefined and the tables print "n/a", so the scripts still run.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';

export function hasTaskset(): boolean {
  return spawnSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' }).status === 0;
}

/**
 * Whether to pin: the subject (gateway or broker) on CPU 0, this process (generator, stub endpoint) on
 * CPU 1, so the subject's CPU figure is its own and the two never compete for a core.
 */
export function shouldPin(): boolean {
  return hasTaskset() && availableParallelism() >= 2;
}

/** Pins every thread of this process (and threads started later, which inherit it) to `cpu`. */
export function pinSelf(cpu: number): boolean {
  return spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' }).status === 0;
}

/** The command prefix that runs a child on `cpu` (taskset execs, so the child's pid is the program's). */
export function pinnedCommand(cpu: number | undefined, command: readonly string[]): string[] {
  return cpu === undefined ? [...command] : ['taskset', '-c', String(cpu), ...command];
}

const clockTicks = ((): number => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(out.stdout?.trim());
  return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
})();

/** utime + stime of `pid` in ms, or undefined where /proc is unavailable. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" closing the command name (which may contain spaces); utime/stime are fields 14/15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return undefined;
  }
}

export interface ProcessMemory {
  /** Resident set size now, bytes. */
  rssBytes: number;
  /** Peak resident set size since the process started (VmHWM), bytes. */
  peakRssBytes: number;
}

export function processMemory(pid: number): ProcessMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    const rssBytes = kib('VmRSS');
    const peakRssBytes = kib('VmHWM');
    return Number.isFinite(rssBytes) && Number.isFinite(peakRssBytes) ? { rssBytes, peakRssBytes } : undefined;
  } catch {
    return undefined;
  }
}

/** CPU of another process over a window: `start()` then `stop()` gives percent of one core. */
export class CpuWindow {
  private cpuAt: number | undefined;
  private wallAt = 0;
  percent: number | undefined;

  constructor(private readonly pid: number) {}

  start(): void {
    this.cpuAt = processCpuMs(this.pid);
    this.wallAt = performance.now();
    this.percent = undefined;
  }

  stop(): number | undefined {
    const cpu = processCpuMs(this.pid);
    const wall = performance.now() - this.wallAt;
    if (this.cpuAt !== undefined && cpu !== undefined && wall > 0) this.percent = ((cpu - this.cpuAt) / wall) * 100;
    return this.percent;
  }
}

/** Busy and total jiffies of one CPU from /proc/stat (busy excludes idle and iowait). */
function cpuTicks(cpu: number): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${cpu} `));
    if (line === undefined) return undefined;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - (v[3] ?? 0) - (v[4] ?? 0), total };
  } catch {
    return undefined;
  }
}

/**
 * How busy one CPU was over a window, in percent. With the subject pinned there, busy − the subject's own CPU
 * is what other processes (or the kernel's interrupt work) took from it: a noisy-neighbour indicator.
 */
export class CoreWindow {
  private at: ReturnType<typeof cpuTicks>;
  percent: number | undefined;

  constructor(private readonly cpu: number) {}

  start(): void {
    this.at = cpuTicks(this.cpu);
    this.percent = undefined;
  }

  stop(): number | undefined {
    const now = cpuTicks(this.cpu);
    if (this.at !== undefined && now !== undefined && now.total > this.at.total) {
      this.percent = ((now.busy - this.at.busy) / (now.total - this.at.total)) * 100;
    }
    return this.percent;
  }
}

/** Script-wide defaults of {@link waitForQuiet}; set once from the command line (--quiet-wait-s). */
const quietPolicy = { maxBusyPercent: 20, maxWaitMs: 30_000 };

export function configureQuietWait(maxWaitMs: number, maxBusyPercent = quietPolicy.maxBusyPercent): void {
  quietPolicy.maxWaitMs = maxWaitMs;
  quietPolicy.maxBusyPercent = maxBusyPercent;
}

export interface QuietResult {
  /** Busy percent of the busiest core in the last sample before the run. */
  busyPercent: number | undefined;
  waitedMs: number;
  quiet: boolean;
}

/**
 * On a shared machine other work (test runs, builds) skews every number. Before a run, waits until no core is
 * busier than `maxBusyPercent` for `samples` consecutive one-second samples, or until `maxWaitMs` passed.
 */
export async function waitForQuiet(
  maxBusyPercent = quietPolicy.maxBusyPercent,
  maxWaitMs = quietPolicy.maxWaitMs,
  samples = 2,
): Promise<QuietResult> {
  if (maxWaitMs <= 0) return { busyPercent: undefined, waitedMs: 0, quiet: true };
  const startedAt = performance.now();
  const cores = Array.from({ length: Math.max(1, availableParallelismOfMachine()) }, (_, i) => new CoreWindow(i));
  let calm = 0;
  let busy: number | undefined;
  while (performance.now() - startedAt < maxWaitMs) {
    for (const c of cores) c.start();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const values = cores.map((c) => c.stop()).filter((v): v is number => v !== undefined);
    if (values.length === 0) return { busyPercent: undefined, waitedMs: 0, quiet: true };
    busy = Math.max(...values);
    calm = busy <= maxBusyPercent ? calm + 1 : 0;
    if (calm >= samples) return { busyPercent: busy, waitedMs: performance.now() - startedAt, quiet: true };
  }
  return { busyPercent: busy, waitedMs: performance.now() - startedAt, quiet: false };
}

/** Cores of the machine from /proc/stat (os.availableParallelism() shrinks once this process is pinned). */
function availableParallelismOfMachine(): number {
  try {
    return readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d+ /.test(l)).length;
  } catch {
    return availableParallelism();
  }
}
