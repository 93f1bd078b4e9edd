// Worker entry used when the load generator runs from TypeScript sources (tsx, vitest).
// On Node 20 `execArgv: ['--import', 'tsx']` does not make a worker's own entry file
// loadable as .ts, so this plain-JS file registers tsx's ESM hooks first and then imports
// the real worker. Compiled builds start worker.js directly and never load this file.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
