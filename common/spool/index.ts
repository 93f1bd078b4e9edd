/** The write-ahead spool: durable local buffering between acknowledging a reading and Kinesis accepting it. */
export { openSpool } from './spool.js';
export type { Spool, SpoolEntry, SpoolOptions, SpoolStats } from './types.js';
export type { SpoolFile, SpoolFs } from './fs.js';
export { nodeFs } from './fs.js';
export { SpoolError } from './errors.js';
export type { SpoolErrorCode } from './errors.js';
export { DEFAULT_SPOOL_OPTIONS } from './options.js';
