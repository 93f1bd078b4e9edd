/**
 * Dependency-free codec for the KPL aggregated record format used to pack many user
 * records into one Kinesis record.
 *
 * @packageDocumentation
 */
export {
  createAggregateBuilder,
  encodeAggregate,
  KPL_CHECKSUM_BYTES,
  KPL_MAGIC,
  KPL_OVERHEAD_BYTES,
} from './aggregate.js';
export type { AggregateBuilder, UserRecord } from './aggregate.js';
export { deaggregate, isAggregated, KplDecodeError } from './deaggregate.js';
export type { DeaggregatedRecord, DeaggregateOptions, KplDecodeErrorCode } from './deaggregate.js';
