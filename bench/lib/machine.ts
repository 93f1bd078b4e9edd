/** What the numbers were measured on; printed at the top of every benchmark and included in its JSON. */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { gatewayBuild } from './gateway-build.js';
import type { GatewayBuild } from './gateway-build.js';
import { pinSelf, shouldPin } from './proc.js';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  node: string;
  platform: string;
  totalMemoryGiB: number;
  /** 1-minute load average before the run; high values mean other work skewed the numbers. */
  loadAverage1m: number;
  pinned: boolean;
  date: string;
}

function cpuModel(): string {
  const fromOs = cpus()[0]?.model?.trim();
  if (fromOs !== undefined && fromOs !== '') return fromOs;
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function machineInfo(pinned: boolean): MachineInfo {
  return {
    cpuModel: cpuModel(),
    cores: availableParallelism(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    totalMemoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    pinned,
    date: new Date().toISOString(),
  };
}

export function describeMachine(m: MachineInfo): string {
  return (
    `machine: ${m.cpuModel}, ${m.cores} cores, ${m.totalMemoryGiB} GiB, node ${m.node} (${m.platform}), ` +
    `load avg ${m.loadAverage1m}, ${m.pinned ? 'subject pinned to CPU 0, generator + stub to CPU 1' : 'not pinned'}, ${m.date}`
  );
}

export interface BenchSetup {
  machine: MachineInfo;
  /** The build every run of this script measures, even if dist/ is rebuilt meanwhile (gateway-build.ts). */
  build: GatewayBuild;
  /** CPU for the gateway or baseline broker; undefined when not pinned. */
  subjectCpu: number | undefined;
}

/**
 * What a benchmark does first: the machine's description (before pinning: afterwards this process sees one CPU),
 * this process (generator, stubs) pinned to CPU 1 when taskset and two CPUs exist, and the build snapshot. Throws
 * when there is no build.
 */
export function benchSetup(): BenchSetup {
  const build = gatewayBuild();
  const pinnable = shouldPin();
  const machine = machineInfo(pinnable);
  machine.pinned = pinnable && pinSelf(1);
  return { machine, build, subjectCpu: machine.pinned ? 0 : undefined };
}
