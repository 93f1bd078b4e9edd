/** One measured run against bare aedes in its own pinned process: the baseline beside each gateway run. */
import { runLoad } from '../loadgen/run.js';
import type { LoadOptions, LoadResult } from '../loadgen/run.js';
import { CoreWindow, CpuWindow, processMemory, waitForQuiet } from './proc.js';
import type { QuietResult } from './proc.js';
import { startRawBroker } from './raw-broker.js';

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
  load: Omit<LoadOptions, 'host' | 'port' | 'onRunStart' | 'onRunEnd'>,
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
