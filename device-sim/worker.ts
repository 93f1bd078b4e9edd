/** Worker-thread entry: runs its share of the fleet and reports to the main thread (see worker-protocol.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { createLocalFleet } from './local-fleet.js';
import { encodeHistogram } from './stats.js';
import type { MainToWorker, WorkerInput, WorkerToMain } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('device-sim/worker.js runs as a worker thread only');
const input = workerData as WorkerInput;
const post = (m: WorkerToMain): void => port.postMessage(m);

const fleet = createLocalFleet(input.plans, input.catalog, input.options);
const report = (): void => {
  const s = fleet.snapshot();
  post({ type: 'stats', counters: s.counters, latency: encodeHistogram(s.latency), lastError: s.lastError });
};
const timer = setInterval(report, input.options.statsIntervalMs);
const fail = (err: unknown): void => post({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });

void fleet.finished.then(() => post({ type: 'finished' }));
port.on('message', (m: MainToWorker) => {
  if (m.type === 'start') {
    fleet.start().then(() => post({ type: 'started' }), fail);
  } else {
    fleet.stop().then(() => {
      clearInterval(timer);
      report();
      post({ type: 'stopped' });
      port.close(); // nothing else keeps the thread alive: it exits
    }, fail);
  }
});
post({ type: 'ready' });
