/**
 * Firehose S3 object names (Firehose Developer Guide, "Configure Amazon S3 object name format"):
 * `<evaluated prefix><DeliveryStreamName>-<DeliveryStreamVersion>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid><extension>`,
 * the time in UTC from the approximate arrival time of the oldest record in the object (as for prefix timestamps).
 */
import { compileTimestampPattern, formatTimestamp } from './prefix.js';

export type Compression = 'UNCOMPRESSED' | 'GZIP';

/**
 * File extension per compression format. UNCOMPRESSED has none. For GZIP AWS does not document the default
 * extension; the runner writes `.gz`, what every gzip tool expects, and documents it.
 */
export const COMPRESSION_EXTENSION: Readonly<Record<Compression, string>> = { UNCOMPRESSED: '', GZIP: '.gz' };

const NAME_TIME = compileTimestampPattern('yyyy-MM-dd-HH-mm-ss');

export interface ObjectKeyParts {
  /** The evaluated prefix, used as is (no `/` inserted, as observed on AWS). */
  prefix: string;
  deliveryStreamName: string;
  deliveryStreamVersion: number;
  /** Epoch ms of the oldest record's approximate arrival. */
  timestamp: number;
  uuid: string;
  /** Extension including its dot, or ''. */
  extension: string;
}

export function objectKey(p: ObjectKeyParts): string {
  return `${p.prefix}${p.deliveryStreamName}-${p.deliveryStreamVersion}-${formatTimestamp(NAME_TIME, p.timestamp)}-${p.uuid}${p.extension}`;
}
