// Worker entry used only when the simulator runs from its TypeScript sources (tsx, vitest). On Node 20 a worker
// does not inherit the parent's `--import tsx` for its own entry file, so this plain-JS file registers tsx's
// ESM hooks first and then imports the real worker. Compiled builds start worker.js directly.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
